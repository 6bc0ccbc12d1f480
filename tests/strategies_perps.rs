//! The built-in strategies on a perpetual, each run by an engine against the simulator: the
//! market maker keeps the account's position within its cap, the TWAP trades the position to
//! a target, and protection keeps a reduce-only OCO on a position until the mark fires it.

mod support;

use cdc_strategies as strategies;

use std::str::FromStr;
use std::time::Duration;

use cdc_engine::clock::system_now_ms;
use cdc_engine::engine::{start, EngineEvent, EngineHandle};
use cdc_engine::protocol::enums::OrderType;
use cdc_sim::exchange::Exchange;
use cdc_sim::venue::Venue;
use cdc_sim::SimHandle;
use rust_decimal::Decimal;
use serde_json::json;
use support::*;

const PERP: &str = "BTCUSD-PERP";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn params(s: &str) -> toml::Table {
    s.parse().unwrap_or_else(|e| panic!("{e}"))
}

fn position(engine: &EngineHandle) -> Decimal {
    engine.state().positions.get(PERP).map_or(Decimal::ZERO, |p| p.quantity)
}

/// A market order straight into the simulator's core, as if from another client.
fn market(sim: &SimHandle<Exchange>, side: &str, qty: &str) {
    let p = json!({"instrument_name": PERP, "side": side, "type": "MARKET", "quantity": qty});
    sim.with_venue(|x| x.private("private/create-order", &p, None, system_now_ms())).expect("market order");
}

#[tokio::test]
async fn the_market_maker_on_a_perpetual_keeps_the_position_within_its_cap() {
    let sim = sim(true).await;
    let mm = strategies::build(
        "market_maker",
        &params(&format!(
            "instrument = \"{PERP}\"\nspread_bps = \"0.1\"\norder_qty = \"0.001\"\nmax_position = \"0.002\"\n\
             requote_bps = \"0.5\""
        )),
    )
    .expect("built");
    let engine = start(engine_cfg(&sim, None), vec![mm]).await.expect("engine starts");
    let mut events = engine.subscribe();
    let (max, mut fills) = (d("0.002"), 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    while fills < 6 {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(EngineEvent::Fill(t))) if t.instrument_name.as_str() == PERP => fills += 1,
            // The exchange's own position, pushed after each fill, never leaves ±max_position.
            Ok(Ok(EngineEvent::Position(p))) => {
                assert!(p.quantity.abs() <= max, "position {} beyond ±{max}", p.quantity)
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("event stream: {e}"),
            Err(_) => panic!("only {fills} perpetual fills within 45 s"),
        }
    }
    engine.kill("end of test");
    engine.shutdown(false).await.expect("clean stop");
    let at_sim = sim.with_venue(|x| x.position(PERP)).map(|p| p.quantity).unwrap_or_default();
    assert!(at_sim.abs() <= max, "position {at_sim} at the end");
}

#[tokio::test]
async fn the_twap_trades_a_perpetual_position_to_its_target() {
    let sim = sim(true).await;
    market(&sim, "BUY", "0.01");
    let twap = strategies::build(
        "twap",
        &params(&format!("instrument = \"{PERP}\"\ntarget_position = \"-0.01\"\nduration_secs = \"1\"\nslices = 4")),
    )
    .expect("built");
    let engine = start(engine_cfg(&sim, None), vec![twap]).await.expect("engine starts");
    // From long 0.01 to short 0.01: it sells 0.02, and no more.
    eventually(20, "the position at its target", || position(&engine) == d("-0.01")).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(sim.with_venue(|x| x.position(PERP)).map(|p| p.quantity), Some(d("-0.01")));
    engine.shutdown(true).await.expect("clean stop");
}

#[tokio::test]
async fn protection_keeps_a_reduce_only_oco_on_the_position_until_the_mark_fires_it() {
    let sim = sim(false).await;
    sim.with_venue(|x| {
        x.inject_maker(PERP, false, d("50001.0"), d("5"), system_now_ms());
        x.inject_maker(PERP, true, d("49999.0"), d("5"), system_now_ms());
        x.inject_maker(PERP, true, d("45000.0"), d("5"), system_now_ms());
    });
    let protect = strategies::build("protect", &params("take_profit = \"0.02\"\nstop_loss = \"0.05\"")).expect("built");
    let engine = start(engine_cfg(&sim, None), vec![protect]).await.expect("engine starts");
    converge(&engine, &sim, 10).await;
    market(&sim, "BUY", "0.1");
    let legs = |kind: OrderType| {
        engine
            .state()
            .orders
            .open()
            .into_iter()
            .filter(move |o| o.order_type.as_ref() == Some(&kind) && o.is_reduce_only())
            .count()
    };
    eventually(10, "a take-profit and a stop-loss rest on the position", || {
        legs(OrderType::TakeProfit) == 1 && legs(OrderType::StopLoss) == 1
    })
    .await;
    // The mark falls past the stop (5 % under the 50001 entry): the stop closes the position.
    sim.with_venue(|x| x.set_mark(PERP, d("47000"), system_now_ms()));
    eventually(10, "flat, and nothing left resting", || {
        position(&engine).is_zero() && engine.state().orders.open().is_empty()
    })
    .await;
    // Two fills: the buy, and the stop's sale; the take-profit was cancelled, not filled.
    assert_eq!(engine.state().fills.total(), 2);
    engine.shutdown(false).await.expect("clean stop");
}
