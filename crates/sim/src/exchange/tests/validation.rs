//! Synchronous refusals of create-order: every validation code, duplicates, and balance
//! reservations.

use super::*;

fn code_of(ex: &mut Exchange, p: Value) -> i64 {
    create(ex, p).unwrap_err().code
}

#[test]
fn every_validation_code() {
    let mut ex = quiet();
    let base = limit("BUY", "50000.00", "0.1", "v");
    let with = |k: &str, v: Value| {
        let mut p = base.clone();
        p[k] = v;
        p
    };
    let unknown = create(&mut ex, with("instrument_name", json!("DOGE_USD"))).unwrap_err();
    assert_eq!((unknown.code, unknown.message.as_str()), (40004, "Invalid instrument_name"));
    assert_eq!(code_of(&mut ex, with("side", json!("HOLD"))), 220);
    assert_eq!(code_of(&mut ex, with("type", json!("TRAILING_STOP"))), 218);
    // A trigger type without its trigger price.
    assert_eq!(code_of(&mut ex, with("type", json!("STOP_LOSS"))), 229);
    assert_eq!(code_of(&mut ex, with("time_in_force", json!("GTD"))), 221);
    assert_eq!(code_of(&mut ex, with("price", json!("50000.001"))), 308);
    assert_eq!(code_of(&mut ex, with("quantity", json!("0.00015"))), 213);
    let below = create(&mut ex, with("quantity", json!("0"))).unwrap_err();
    assert_eq!((below.code, below.message.as_str()), (415, "BELOW_MIN_ORDER_SIZE"));
    assert!(below.result.unwrap()["order_id"].is_string());
    assert_eq!(code_of(&mut ex, with("price", Value::Null)), 40004);
    assert_eq!(code_of(&mut ex, with("quantity", json!("abc"))), 40004);
    assert_eq!(code_of(&mut ex, with("side", Value::Null)), 40004);
    assert_eq!(code_of(&mut ex, with("client_oid", json!("x".repeat(37)))), 40004);
    assert_eq!(code_of(&mut ex, with("exec_inst", json!(["ALL_OR_NONE"]))), 219);
    let r = ex.private("private/no-such-method", &json!({}), None, T0).unwrap_err();
    assert_eq!((r.code, r.message.as_str()), (40002, "METHOD_NOT_FOUND"));
    assert!(ex.open_orders_json(None).is_empty(), "nothing refused was placed");
    // Numbers are accepted where strings are usual; unknown extra params are ignored.
    let mut ok = with("client_oid", json!("x".repeat(36)));
    ok["price"] = json!(50000.5);
    ok["quantity"] = json!(0.1);
    ok["spot_margin"] = json!("SPOT");
    ok["whatever"] = json!({"x": 1});
    create(&mut ex, ok).unwrap();
}

#[test]
fn duplicate_client_oid_is_204_even_after_the_first_closed() {
    let mut ex = quiet();
    create(&mut ex, limit("BUY", "40000.00", "0.1", "dup")).unwrap();
    let r = create(&mut ex, limit("BUY", "40000.00", "0.1", "dup")).unwrap_err();
    assert_eq!((r.code, r.message.as_str()), (204, "DUPLICATE_CLORDID"));
    ex.private("private/cancel-order", &json!({"client_oid": "dup"}), None, T0).unwrap();
    assert_eq!(create(&mut ex, limit("SELL", "60000.00", "0.1", "dup")).unwrap_err().code, 204);
    assert_eq!(ex.accepted_per_client_oid()["dup"], 1);
    assert_eq!(ex.create_attempts_per_client_oid()["dup"], 3);
}

#[test]
fn missing_client_oid_gets_a_unique_generated_one() {
    let mut ex = quiet();
    let mut p = limit("BUY", "40000.00", "0.1", "");
    p.as_object_mut().unwrap().remove("client_oid");
    let a = create(&mut ex, p.clone()).unwrap();
    let b = create(&mut ex, p).unwrap();
    assert!(!a["client_oid"].as_str().unwrap().is_empty());
    assert_ne!(a["client_oid"], b["client_oid"]);
    assert_ne!(a["order_id"], b["order_id"]);
}

#[test]
fn reservations_limit_what_new_orders_may_use() {
    let mut ex = quiet();
    let r = create(&mut ex, limit("BUY", "50000.00", "3", "too-big")).unwrap_err();
    assert_eq!((r.code, r.message.as_str()), (306, "INSUFFICIENT_AVAILABLE_BALANCE"));
    assert_eq!(r.result.unwrap()["client_oid"], "too-big");
    assert_eq!(code_of(&mut ex, limit("SELL", "50000.00", "2.5", "too-many")), 306);
    create(&mut ex, limit("BUY", "50000.00", "1", "b1")).unwrap();
    create(&mut ex, limit("SELL", "60000.00", "1.5", "s1")).unwrap();
    assert_eq!(holding(&ex, "USD"), ("100000.00000000".into(), "50000.00000000".into()));
    assert_eq!(holding(&ex, "BTC"), ("2.00000000".into(), "1.50000000".into()));
    assert_eq!(code_of(&mut ex, limit("BUY", "50000.00", "1.0001", "b2")), 306);
    assert_eq!(code_of(&mut ex, limit("SELL", "60000.00", "0.5001", "s2")), 306);
    create(&mut ex, limit("BUY", "50000.00", "1", "b3")).unwrap();
    ex.private("private/cancel-order", &json!({"client_oid": "b1"}), None, T0).unwrap();
    assert_eq!(holding(&ex, "USD").1, "50000.00000000");
    let row = ex.balance_json(T0);
    assert_eq!(row["instrument_name"], "USD");
    let usd = &row["position_balances"].as_array().unwrap()[1];
    assert_eq!(usd["max_withdrawal_balance"], "50000.00000000");
}
