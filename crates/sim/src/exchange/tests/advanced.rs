//! Advanced orders: triggers and the direction rule, OCO/OTO/OTOCO lists, batches.

use super::*;

const PERP: &str = "BTCUSD-PERP";

fn call(ex: &mut Exchange, method: &str, p: Value) -> Result<Value, Reject> {
    ex.private(method, &p, None, T0)
}

fn leg(side: &str, kind: &str, qty: &str, ref_price: Option<&str>, price: Option<&str>) -> Value {
    let mut p = json!({"instrument_name": PERP, "side": side, "type": kind, "quantity": qty});
    if let Some(r) = ref_price {
        p["ref_price"] = json!(r);
    }
    if let Some(px) = price {
        p["price"] = json!(px);
    }
    p
}

/// Long 1 BTCUSD-PERP bought at 50001, with bids resting down to 45000.
fn long_one() -> Exchange {
    let mut ex = quiet_with(&[("USD", "100000")]);
    ex.inject_maker(PERP, false, d("50001.0"), d("1"), T0);
    for px in ["49999.0", "48000.0", "45000.0"] {
        ex.inject_maker(PERP, true, d(px), d("5"), T0);
    }
    call(
        &mut ex,
        "private/create-order",
        json!({"instrument_name": PERP, "side": "BUY", "type": "MARKET", "quantity": "1"}),
    )
    .unwrap();
    ex.take_events();
    ex
}

fn status(ex: &mut Exchange, id: &Value) -> String {
    let o = call(ex, "private/advanced/get-order-detail", json!({"order_id": id})).unwrap();
    o["status"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_stop_loss_waits_pending_then_fires_when_the_mark_crosses() {
    let mut ex = long_one();
    // A SELL stop above the mark would fire at once: the direction rule refuses it.
    let wrong = leg("SELL", "STOP_LOSS", "1", Some("51000.0"), None);
    assert_eq!(call(&mut ex, "private/advanced/create-order", wrong).unwrap_err().code, 229);
    let mut bad_type = leg("SELL", "STOP_LOSS", "1", Some("48500.0"), None);
    bad_type["ref_price_type"] = json!("MID_PRICE");
    assert_eq!(call(&mut ex, "private/advanced/create-order", bad_type).unwrap_err().code, 230);
    let off_tick = leg("SELL", "STOP_LOSS", "1", Some("48500.05"), None);
    assert_eq!(call(&mut ex, "private/advanced/create-order", off_tick).unwrap_err().code, 229);
    let mut sl = leg("SELL", "STOP_LOSS", "1", Some("48500.0"), None);
    sl["exec_inst"] = json!(["REDUCE_ONLY"]);
    let ack = call(&mut ex, "private/advanced/create-order", sl).unwrap();
    assert_eq!(status(&mut ex, &ack["order_id"]), "PENDING");
    let events = ex.take_events();
    let adv = pushes(&events, "user.advance.order");
    assert_eq!((adv[0]["order_type"].as_str(), adv[0]["ref_price"].as_str()), (Some("STOP_LOSS"), Some("48500.0")));
    ex.set_mark(PERP, d("49000"), T0 + 1);
    assert_eq!(status(&mut ex, &ack["order_id"]), "PENDING", "not reached yet");
    ex.set_mark(PERP, d("48400"), T0 + 2);
    assert_eq!(status(&mut ex, &ack["order_id"]), "FILLED");
    assert_eq!(ex.position(PERP).map(|p| p.quantity), Some(Decimal::ZERO));
}

#[test]
fn an_oco_cancels_the_other_leg_when_one_fires() {
    let mut ex = long_one();
    let pair = json!({"order_list": [
        leg("SELL", "TAKE_PROFIT_LIMIT", "1", Some("52000.0"), Some("52000.0")),
        leg("SELL", "STOP_LOSS", "1", Some("48500.0"), None),
    ]});
    let r = call(&mut ex, "private/advanced/create-oco", pair).unwrap();
    let list = call(&mut ex, "private/advanced/get-order-list-detail", json!({"list_id": r["list_id"]})).unwrap();
    let ids: Vec<Value> = list["data"].as_array().unwrap().iter().map(|o| o["order_id"].clone()).collect();
    assert_eq!(ids.len(), 2);
    assert!(list["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["contingency_type"] == "OCO" && o["list_id"] == r["list_id"]));
    ex.set_mark(PERP, d("48000"), T0 + 1);
    assert_eq!((status(&mut ex, &ids[0]), status(&mut ex, &ids[1])), ("CANCELED".into(), "FILLED".into()));
    assert_eq!(ex.position(PERP).map(|p| p.quantity), Some(Decimal::ZERO));
    // A list with nothing open left cannot be cancelled.
    assert_eq!(call(&mut ex, "private/advanced/cancel-oco", json!({"list_id": r["list_id"]})).unwrap_err().code, 316);
    assert_eq!(call(&mut ex, "private/advanced/cancel-oco", json!({"list_id": "1"})).unwrap_err().code, 212);
    // Legs on different sides are not a pair.
    let mixed = json!({"order_list": [leg("SELL", "STOP_LOSS", "1", Some("40000.0"), None), leg("BUY", "TAKE_PROFIT", "1", Some("40000.0"), None)]});
    assert_eq!(call(&mut ex, "private/advanced/create-oco", mixed).unwrap_err().code, 40004);
}

#[test]
fn an_oto_leg_waits_for_its_working_order_and_dies_with_it() {
    let mut ex = long_one();
    // Working: a buy resting at 47000; pending: its stop at 46000.
    let oto = json!({"order_list": [
        leg("BUY", "LIMIT", "1", None, Some("47000.0")),
        leg("SELL", "STOP_LOSS", "1", Some("46000.0"), None),
    ]});
    let r = call(&mut ex, "private/advanced/create-oto", oto.clone()).unwrap();
    let list = call(&mut ex, "private/advanced/get-order-list-detail", json!({"list_id": r["list_id"]})).unwrap();
    let ids: Vec<Value> = list["data"].as_array().unwrap().iter().map(|o| o["order_id"].clone()).collect();
    assert_eq!((status(&mut ex, &ids[0]), status(&mut ex, &ids[1])), ("ACTIVE".into(), "PENDING".into()));
    call(&mut ex, "private/cancel-order", json!({"order_id": ids[0]})).unwrap();
    assert_eq!(status(&mut ex, &ids[1]), "CANCELED", "the working order ended unfilled");
    // Again; this time a participant sells into the working order, and the stop goes live.
    let r = call(&mut ex, "private/advanced/create-oto", oto).unwrap();
    let list = call(&mut ex, "private/advanced/get-order-list-detail", json!({"list_id": r["list_id"]})).unwrap();
    let ids: Vec<Value> = list["data"].as_array().unwrap().iter().map(|o| o["order_id"].clone()).collect();
    ex.inject_taker(PERP, false, d("11"), T0 + 1);
    assert_eq!(status(&mut ex, &ids[0]), "FILLED");
    ex.set_mark(PERP, d("45900"), T0 + 2);
    assert_eq!(status(&mut ex, &ids[1]), "FILLED");
}

#[test]
fn a_batch_cancels_first_then_creates_and_answers_each_item() {
    let mut ex = long_one();
    let rest = leg("SELL", "LIMIT", "0.1", None, Some("60000.0"));
    let ack = call(&mut ex, "private/create-order", rest).unwrap();
    let batch = json!({"instrument_name": PERP,
        "cancels": [{"order_id": ack["order_id"]}, {"client_oid": "never"}],
        "creates": [{"side": "SELL", "type": "LIMIT", "price": "61000.0", "quantity": "0.1", "client_oid": "b1"},
                    {"side": "SELL", "type": "LIMIT", "price": "61000.05", "quantity": "0.1"}]});
    let r = ex.private("private/batch-order-request", &batch, None, T0).unwrap();
    assert_eq!((r["cancels"][0]["code"].as_i64(), r["cancels"][1]["code"].as_i64()), (Some(0), Some(212)));
    assert_eq!((r["creates"][0]["code"].as_i64(), r["creates"][0]["client_oid"].as_str()), (Some(0), Some("b1")));
    assert_eq!(r["creates"][1]["code"], 308);
    let too_many: Vec<Value> = (0..11).map(|n| json!({"side": "SELL", "type": "LIMIT", "price": "61000.0", "quantity": "0.1", "client_oid": format!("m{n}")})).collect();
    let big = json!({"instrument_name": PERP, "creates": too_many});
    assert_eq!(ex.private("private/batch-order-request", &big, None, T0).unwrap_err().code, 40004);
}

#[test]
fn amending_a_pending_trigger_moves_its_trigger_within_the_direction_rule() {
    let mut ex = long_one();
    let ack =
        call(&mut ex, "private/advanced/create-order", leg("SELL", "STOP_LOSS", "1", Some("48500.0"), None)).unwrap();
    let amend =
        |r: &str| json!({"order_id": ack["order_id"], "new_price": "0", "new_quantity": "1", "new_ref_price": r});
    assert_eq!(call(&mut ex, "private/amend-order", amend("51000.0")).unwrap_err().code, 229);
    call(&mut ex, "private/amend-order", amend("49500.0")).unwrap();
    ex.set_mark(PERP, d("49400"), T0 + 1);
    assert_eq!(status(&mut ex, &ack["order_id"]), "FILLED");
}

#[test]
fn the_new_methods_refuse_bad_parameters_with_the_exchange_codes() {
    let mut ex = long_one();
    let code = |ex: &mut Exchange, method: &str, p: Value| call(ex, method, p).unwrap_err().code;
    assert_eq!(code(&mut ex, "private/advanced/get-order-list-detail", json!({})), 40004);
    assert_eq!(code(&mut ex, "private/advanced/get-order-list-detail", json!({"list_id": "abc"})), 40004);
    assert_eq!(code(&mut ex, "private/advanced/get-order-list-detail", json!({"list_id": "42"})), 212);
    let two = json!({"order_list": [leg("BUY", "LIMIT", "1", None, Some("47000.0")), leg("SELL", "STOP_LOSS", "1", Some("46000.0"), None)]});
    assert_eq!(code(&mut ex, "private/advanced/create-otoco", two), 40004, "an OTOCO has three legs");
    let no_price = leg("SELL", "STOP_LIMIT", "1", Some("48500.0"), None);
    assert_eq!(code(&mut ex, "private/advanced/create-order", no_price), 40004, "a STOP_LIMIT needs its price");
    assert_eq!(code(&mut ex, "private/get-instrument-fee-rate", json!({"instrument_name": "NOPE"})), 40004);
    assert_eq!(code(&mut ex, "private/get-positions", json!({"instrument_name": "NOPE"})), 40004);
    assert_eq!(code(&mut ex, "private/get-transactions", json!({"start_time": "soon"})), 40004);
    assert_eq!(
        code(&mut ex, "private/close-position", json!({"instrument_name": "BTC_USD"})),
        201,
        "spot has no position"
    );
    let bad_type = json!({"instrument_name": PERP, "type": "STOP"});
    assert_eq!(code(&mut ex, "private/close-position", bad_type), 218);
    assert_eq!(
        code(&mut ex, "private/change-account-leverage", json!({"leverage": "5", "account_id": "someone-else"})),
        40004
    );
    assert_eq!(code(&mut ex, "private/batch-order-request", json!({"instrument_name": "NOPE", "creates": []})), 40004);
    assert_eq!(code(&mut ex, "private/batch-order-request", json!({"instrument_name": PERP})), 40004, "an empty batch");
    assert_eq!(ex.position(PERP).map(|p| p.quantity), Some(d("1")), "nothing refused changed the position");
}
