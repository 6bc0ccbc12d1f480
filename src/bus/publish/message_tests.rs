use std::collections::BTreeSet;

use cdc_engine::protocol::models::{Order, Trade};

use super::*;

fn trade() -> Trade {
    serde_json::from_value(json!({"trade_id": "T1", "order_id": "O1", "client_oid": "mm-r1-1",
        "instrument_name": "BTC_USD", "side": "BUY", "traded_price": "50000.5", "traded_quantity": "0.0010",
        "fees": "-0.05", "fee_instrument_name": "USD", "taker_side": "MAKER",
        "create_time": 1_700_000_000_123u64, "create_time_ns": "1700000000123456789"}))
    .unwrap()
}

fn order(status: &str, cum: &str, time: u64) -> Order {
    serde_json::from_value(json!({"order_id": "O1", "client_oid": "mm-r1-1", "side": "BUY", "order_type": "LIMIT",
        "quantity": "0.0010", "limit_price": "50000.5", "cumulative_quantity": cum, "status": status,
        "instrument_name": "BTC_USD", "create_time": 1, "update_time": time}))
    .unwrap()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn tokens_lose_what_nats_reads_as_separators_or_wildcards() {
    assert_eq!(token("BTC_USD"), "BTC_USD");
    assert_eq!(token("a.b*c>d e\tf"), "a_b_c_d_e_f");
    assert_eq!(token(""), "_");
    assert_eq!(subject("desk 1", "fill", "BTCUSD-PERP"), "cdc.desk_1.fill.BTCUSD-PERP");
    assert_eq!(subject("a1", "balance", "USD"), "cdc.a1.balance.USD");
}

#[test]
fn ids_carry_the_account_so_two_accounts_with_the_same_trade_id_do_not_collide() {
    assert_eq!(fill_id("a1", "T1"), "a1.fill.T1");
    assert_ne!(fill_id("a1", "T1"), fill_id("a2", "T1"));
    let active = OrderRecord::from_order(&order("ACTIVE", "0", 10));
    let partly = OrderRecord::from_order(&order("ACTIVE", "0.0005", 11));
    assert_eq!(order_id("a1", &active), "a1.order.O1.10.ACTIVE.0");
    assert_ne!(order_id("a1", &active), order_id("a1", &partly), "two states, two ids");
    // The same state read back from the journal (decimal text may keep its scale) has the same id.
    let mut again = active.clone();
    again.cumulative_quantity = "0.0000".parse().unwrap();
    assert_eq!(order_id("a1", &active), order_id("a1", &again));
}

#[test]
fn a_journalled_fill_has_the_keys_and_values_of_tail_json_with_taker_side_null() {
    let t = trade();
    let live = crate::output::fill_json(&t);
    let journalled = fill_record_json(&FillRecord::from_trade(&t));
    assert_eq!(keys(&live), keys(&journalled));
    for k in keys(&live) {
        if k != "taker_side" {
            assert_eq!(live[&k], journalled[&k], "{k}");
        }
    }
    assert_eq!(journalled["taker_side"], Value::Null);
}

#[test]
fn a_journalled_order_has_the_keys_of_tail_json() {
    let o = order("FILLED", "0.0010", 20);
    let live = crate::output::order_json(&o);
    let journalled = order_record_json(&OrderRecord::from_order(&o));
    assert_eq!(keys(&live), keys(&journalled));
    for k in ["order_id", "client_oid", "instrument_name", "side", "status", "price", "quantity", "time"] {
        assert_eq!(live[k], journalled[k], "{k}");
    }
}

#[test]
fn the_body_carries_the_version_and_the_account_and_events_and_records_agree_on_ids() {
    let t = trade();
    let from_ev = from_event("a1", &EngineEvent::Fill(Box::new(t.clone())), "run", 1).unwrap();
    let from_rec = from_fill_record("a1", &FillRecord::from_trade(&t));
    assert_eq!((&from_ev.subject, &from_ev.msg_id), (&from_rec.subject, &from_rec.msg_id));
    let body: Value = serde_json::from_slice(&from_rec.payload).unwrap();
    assert_eq!(
        (body["v"].as_u64(), body["account"].as_str(), body["type"].as_str()),
        (Some(1), Some("a1"), Some("fill"))
    );
    let o = order("ACTIVE", "0", 10);
    let ev = from_event("a1", &EngineEvent::Order(Box::new(o.clone())), "run", 2).unwrap();
    assert_eq!(ev.msg_id, from_order_record("a1", &OrderRecord::from_order(&o)).msg_id);
}

#[test]
fn events_without_an_identity_get_ids_unique_per_run_and_counter() {
    let ev = EngineEvent::Connection { live: true, detail: "live".into() };
    let a = from_event("a1", &ev, "r1", 1).unwrap();
    assert_eq!((a.subject.as_str(), a.msg_id.as_str()), ("cdc.a1.connection.user", "a1.connection.r1.1"));
    assert_ne!(a.msg_id, from_event("a1", &ev, "r1", 2).unwrap().msg_id);
    assert_ne!(a.msg_id, from_event("a1", &ev, "r2", 1).unwrap().msg_id);
    let halted = EngineEvent::Halted { strategy: "mm".into(), reason: "x".into() };
    assert!(from_event("a1", &halted, "r1", 3).is_none(), "only the agreed kinds are published");
}
