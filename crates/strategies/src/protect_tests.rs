//! Unit tests of position protection on recorded position and order updates.

use super::*;
use crate::testkit::*;
use cdc_engine::protocol::enums::ExecInst;
use cdc_engine::strategy::Intent;

fn protect() -> Protect {
    Protect::new(ProtectParams::from_table(&table("take_profit = \"0.02\"\nstop_loss = \"0.01\"\n", "")).unwrap())
}

fn position(qty: &str, cost: &str) -> Position {
    serde_json::from_value(serde_json::json!({
        "instrument_name": "BTCUSD-PERP", "quantity": qty, "cost": cost, "update_timestamp_ms": 1
    }))
    .unwrap()
}

/// One OCO leg as the tests compare it: (side, type, trigger, quantity, reduce-only).
type Leg = (Side, OrderType, Option<Decimal>, Option<Decimal>, bool);

/// The OCO legs among intents.
fn oco(intents: &[Intent]) -> Vec<Leg> {
    intents
        .iter()
        .filter_map(|i| if let Intent::List { legs, .. } = i { Some(legs.clone()) } else { None })
        .flat_map(|legs| legs.into_iter())
        .map(|l| {
            let ro = l.exec_inst.contains(&ExecInst::ReduceOnly);
            (l.side, l.order_type, l.ref_price, l.quantity, ro)
        })
        .collect()
}

#[test]
fn a_long_gets_a_reduce_only_take_profit_above_and_stop_below_its_entry() {
    let (mut h, mut s) = (Harness::new(), protect());
    let i = h.run(|c| s.on_position(c, &position("0.5", "25000")));
    assert_eq!(
        oco(&i),
        [
            (Side::Sell, OrderType::TakeProfit, Some(d("51000")), Some(d("0.5")), true),
            (Side::Sell, OrderType::StopLoss, Some(d("49500")), Some(d("0.5")), true),
        ]
    );
    assert_eq!(s.protected(), Some(d("0.5")));
    // The same position again (a mark update): nothing new.
    assert!(h.run(|c| s.on_position(c, &position("0.5", "25000"))).is_empty());
}

#[test]
fn a_changed_position_replaces_the_pair_and_a_flat_one_only_cancels() {
    let (mut h, mut s) = (Harness::new(), protect());
    h.run(|c| s.on_position(c, &position("0.5", "25000")));
    // Now short 0.2 at 50000: the old pair goes, a BUY pair mirrored around the entry comes.
    let i = h.run(|c| s.on_position(c, &position("-0.2", "-10000")));
    assert_eq!(cancels(&i).len(), 2);
    assert_eq!(
        oco(&i),
        [
            (Side::Buy, OrderType::TakeProfit, Some(d("49000")), Some(d("0.2")), true),
            (Side::Buy, OrderType::StopLoss, Some(d("50500")), Some(d("0.2")), true),
        ]
    );
    let i = h.run(|c| s.on_position(c, &position("0", "0")));
    assert_eq!((cancels(&i).len(), oco(&i).len(), s.protected()), (2, 0, None));
}

#[test]
fn a_leg_that_ends_leaves_the_position_unprotected_until_it_changes() {
    let (mut h, mut s) = (Harness::new(), protect());
    let i = h.run(|c| s.on_position(c, &position("0.5", "25000")));
    let Some(Intent::List { legs, .. }) = i.first() else { panic!("{i:?}") };
    h.run(|c| s.on_order(c, &update(&legs[1], "1", "FILLED", "0.5")));
    assert_eq!(s.protected(), None);
    assert!(ProtectParams::from_table(&table("stop_loss = \"1.5\"", "")).unwrap_err().to_string().contains("fraction"));
}
