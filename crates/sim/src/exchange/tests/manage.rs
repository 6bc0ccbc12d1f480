//! Cancel variants, amend and its queue-priority rules, order lists, cancel-on-disconnect.

use super::*;

fn call(ex: &mut Exchange, method: &str, p: Value) -> Result<Value, Reject> {
    ex.private(method, &p, None, T0)
}

#[test]
fn cancel_by_id_or_client_oid_and_the_refusals() {
    let mut ex = quiet();
    let a = create(&mut ex, limit("BUY", "40000.00", "0.1", "a")).unwrap();
    create(&mut ex, limit("BUY", "40000.00", "0.1", "b")).unwrap();
    ex.take_events();
    let r = call(&mut ex, "private/cancel-order", json!({"order_id": a["order_id"]})).unwrap();
    assert_eq!(r, json!({"client_oid": "a", "order_id": a["order_id"]}));
    let updates = order_updates(&ex.take_events());
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["status"], "CANCELED");
    call(&mut ex, "private/cancel-order", json!({"client_oid": "b"})).unwrap();
    assert_eq!(detail(&mut ex, "b")["status"], "CANCELED");
    // Numeric order ids are accepted too.
    let id: u64 = a["order_id"].as_str().unwrap().parse().unwrap();
    let again = call(&mut ex, "private/cancel-order", json!({"order_id": id})).unwrap_err();
    assert_eq!((again.code, again.message.as_str()), (316, "NO_ACTIVE_ORDER"));
    let unknown = call(&mut ex, "private/cancel-order", json!({"order_id": "1"})).unwrap_err();
    assert_eq!((unknown.code, unknown.message.as_str()), (212, "INVALID_ORDERID"));
    assert_eq!(call(&mut ex, "private/cancel-order", json!({"client_oid": "zz"})).unwrap_err().code, 212);
    assert_eq!(call(&mut ex, "private/cancel-order", json!({})).unwrap_err().code, 40004);
    assert_eq!(holding(&ex, "USD").1, "0.00000000");
}

#[test]
fn cancel_all_with_and_without_instrument() {
    let mut ex = quiet_with(&[("USD", "100000"), ("BTC", "2"), ("ETH", "10")]);
    create(&mut ex, limit("BUY", "40000.00", "0.1", "btc")).unwrap();
    let eth = json!({"instrument_name": "ETH_USD", "side": "SELL", "type": "LIMIT",
                     "price": "4000.00", "quantity": "1.000", "client_oid": "eth"});
    create(&mut ex, eth).unwrap();
    let bad = json!({"instrument_name": "BTC_USD", "type": "TRIGGERX"});
    assert_eq!(call(&mut ex, "private/cancel-all-orders", bad).unwrap_err().code, 40004);
    let r = call(&mut ex, "private/cancel-all-orders", json!({"instrument_name": "BTC_USD", "type": "LIMIT"}));
    assert_eq!(r, Ok(Value::Null));
    assert_eq!(detail(&mut ex, "btc")["status"], "CANCELED");
    assert_eq!(detail(&mut ex, "eth")["status"], "ACTIVE");
    call(&mut ex, "private/cancel-all-orders", json!({})).unwrap();
    assert!(ex.open_orders_json(None).is_empty());
    assert_eq!(holding(&ex, "ETH").1, "0.00000000");
}

fn amend(ex: &mut Exchange, p: Value) -> Result<Value, Reject> {
    call(ex, "private/amend-order", p)
}

#[test]
fn amend_keeps_priority_only_for_a_pure_quantity_decrease() {
    let mut ex = quiet();
    let a = create(&mut ex, limit("BUY", "49990.00", "0.1", "a")).unwrap();
    ex.inject_maker("BTC_USD", true, d("49990"), d("0.1"), T0);
    let r =
        amend(&mut ex, json!({"order_id": a["order_id"], "new_price": "49990.00", "new_quantity": "0.08"})).unwrap();
    assert_eq!(r["order_id"], a["order_id"], "the amended order keeps its id");
    assert_eq!(holding(&ex, "USD").1, "3999.20000000");
    ex.inject_taker("BTC_USD", false, d("0.05"), T0);
    assert_eq!(detail(&mut ex, "a")["cumulative_quantity"], "0.0500", "still first in the queue");

    // Increasing the quantity sends it to the back of the level.
    amend(&mut ex, json!({"orig_client_oid": "a", "new_price": "49990.00", "new_quantity": "0.2"})).unwrap();
    ex.inject_taker("BTC_USD", false, d("0.1"), T0);
    assert_eq!(detail(&mut ex, "a")["cumulative_quantity"], "0.0500", "the participant went first");
    ex.inject_taker("BTC_USD", false, d("0.01"), T0);
    assert_eq!(detail(&mut ex, "a")["cumulative_quantity"], "0.0600");
}

#[test]
fn amend_price_change_loses_priority_and_may_take() {
    let mut ex = quiet();
    create(&mut ex, limit("BUY", "49980.00", "0.1", "a")).unwrap();
    ex.inject_maker("BTC_USD", true, d("49990"), d("0.1"), T0);
    amend(&mut ex, json!({"orig_client_oid": "a", "new_price": "49990.00", "new_quantity": "0.1"})).unwrap();
    ex.inject_taker("BTC_USD", false, d("0.1"), T0);
    assert_eq!(detail(&mut ex, "a")["cumulative_quantity"], "0.0000");
    ex.inject_maker("BTC_USD", false, d("50000"), d("0.03"), T0);
    amend(&mut ex, json!({"orig_client_oid": "a", "new_price": "50000.00", "new_quantity": "0.1", "client_oid": "a2"}))
        .unwrap();
    let o = detail(&mut ex, "a2");
    assert_eq!((o["status"].as_str(), o["cumulative_quantity"].as_str()), (Some("ACTIVE"), Some("0.0300")));
    assert_eq!(o["limit_price"], "50000.00");
    assert_eq!(holding(&ex, "USD").1, "3500.00000000", "0.07 left at 50000");
}

#[test]
fn amend_refusals() {
    let mut ex = quiet();
    let a = create(&mut ex, limit("BUY", "49990.00", "0.1", "a")).unwrap();
    create(&mut ex, limit("BUY", "49000.00", "0.1", "other")).unwrap();
    ex.inject_taker("BTC_USD", false, d("0.04"), T0);
    let p = |q: &str| json!({"order_id": a["order_id"], "new_price": "49990.00", "new_quantity": q});
    assert_eq!(amend(&mut ex, p("0.04")).unwrap_err().code, 213, "nothing left to rest");
    assert_eq!(amend(&mut ex, json!({"order_id": a["order_id"], "new_price": "49990.00"})).unwrap_err().code, 40004);
    let dup = json!({"order_id": a["order_id"], "new_price": "49990.00", "new_quantity": "0.1", "client_oid": "other"});
    assert_eq!(amend(&mut ex, dup).unwrap_err().code, 204);
    let broke = amend(&mut ex, p("5")).unwrap_err();
    assert_eq!(broke.code, 306);
    assert_eq!(broke.result.unwrap()["order_id"], a["order_id"]);
    assert_eq!(detail(&mut ex, "a")["quantity"], "0.1000", "a refused amend changes nothing");
    let unknown = json!({"order_id": "7", "new_price": "1.00", "new_quantity": "1"});
    assert_eq!(amend(&mut ex, unknown).unwrap_err().code, 212);
    call(&mut ex, "private/cancel-order", json!({"client_oid": "a"})).unwrap();
    let closed = amend(&mut ex, p("0.2")).unwrap_err();
    assert_eq!((closed.code, closed.message.as_str()), (307, "INVALID_ORDSTATUS"));
}

#[test]
fn order_lists_report_per_leg() {
    let mut ex = quiet();
    let legs = json!([limit("BUY", "40000.00", "0.1", "leg1"), limit("BUY", "40000.00", "100", "leg2")]);
    let p = json!({"contingency_type": "LIST", "order_list": legs});
    let r = call(&mut ex, "private/create-order-list", p).unwrap();
    let rows = r.as_array().unwrap();
    assert_eq!((rows[0]["code"].as_i64(), rows[0]["index"].as_i64()), (Some(0), Some(0)));
    assert_eq!(rows[0]["client_oid"], "leg1");
    assert!(rows[0].get("message").is_none());
    assert_eq!((rows[1]["code"].as_i64(), rows[1]["index"].as_i64()), (Some(306), Some(1)));
    assert_eq!(rows[1]["message"], "INSUFFICIENT_AVAILABLE_BALANCE");
    assert!(rows[1]["order_id"].is_string());
    assert_eq!(detail(&mut ex, "leg1")["status"], "ACTIVE");
    let eleven: Vec<Value> = (0..11).map(|i| limit("BUY", "1.00", "0.1", &format!("x{i}"))).collect();
    let too_many = json!({"contingency_type": "LIST", "order_list": eleven});
    assert_eq!(call(&mut ex, "private/create-order-list", too_many).unwrap_err().code, 40004);
    let oco = json!({"contingency_type": "OCO", "order_list": [limit("BUY", "1.00", "0.1", "y")]});
    assert_eq!(call(&mut ex, "private/create-order-list", oco).unwrap_err().code, 40004);
    let empty = json!({"contingency_type": "LIST", "order_list": []});
    assert_eq!(call(&mut ex, "private/create-order-list", empty).unwrap_err().code, 40004);

    let cancel = json!({"contingency_type": "LIST", "order_list": [
        {"instrument_name": "BTC_USD", "client_oid": "leg1"}, {"order_id": "12"}]});
    let r = call(&mut ex, "private/cancel-order-list", cancel).unwrap();
    assert_eq!(r, json!([{"code": 0, "index": 0}, {"code": 212, "index": 1, "message": "INVALID_ORDERID"}]));
    assert_eq!(detail(&mut ex, "leg1")["status"], "CANCELED");
}

#[test]
fn cancel_on_disconnect_cancels_only_that_connections_orders() {
    let mut ex = quiet();
    let set = json!({"scope": "CONNECTION"});
    assert_eq!(ex.private("private/set-cancel-on-disconnect", &set, None, T0).unwrap_err().code, 40001);
    assert_eq!(ex.private("private/get-cancel-on-disconnect", &json!({}), Some(7), T0), Ok(json!({})));
    let bad = json!({"scope": "ACCOUNT"});
    assert_eq!(ex.private("private/set-cancel-on-disconnect", &bad, Some(7), T0).unwrap_err().code, 40004);
    assert_eq!(ex.private("private/set-cancel-on-disconnect", &set, Some(7), T0), Ok(set.clone()));
    assert_eq!(ex.private("private/get-cancel-on-disconnect", &json!({}), Some(7), T0), Ok(set));
    ex.private("private/create-order", &limit("BUY", "40000.00", "0.1", "ws7"), Some(7), T0).unwrap();
    ex.private("private/create-order", &limit("BUY", "40000.00", "0.1", "ws8"), Some(8), T0).unwrap();
    create(&mut ex, limit("BUY", "40000.00", "0.1", "rest")).unwrap();
    ex.connection_closed(8, T0);
    assert_eq!(detail(&mut ex, "ws8")["status"], "ACTIVE", "conn 8 never set it");
    ex.take_events();
    ex.connection_closed(7, T0);
    let updates = order_updates(&ex.take_events());
    assert_eq!(updates.len(), 1);
    assert_eq!((updates[0]["client_oid"].as_str(), updates[0]["status"].as_str()), (Some("ws7"), Some("CANCELED")));
    assert_eq!(detail(&mut ex, "rest")["status"], "ACTIVE");
}
