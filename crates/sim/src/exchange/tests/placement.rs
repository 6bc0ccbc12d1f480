//! Placement and execution: fills against participants with exact balances, price-time
//! priority, POST_ONLY, IOC/FOK/MARKET remainders, and the event order.

use super::*;

#[test]
fn taker_and_maker_fills_settle_exact_balances_after_fees() {
    let mut ex = quiet();
    ex.inject_maker("BTC_USD", false, d("50000"), d("0.1"), T0);
    ex.take_events();
    let ack = create(&mut ex, limit("BUY", "50010.00", "0.1", "t1")).unwrap();
    assert_eq!(ack["client_oid"], "t1");
    let events = core(ex.take_events());
    assert_eq!(kinds(&events), ["order", "trade", "order", "balance", "public", "book", "ticker"]);
    let SimEvent::UserTrade { trade, .. } = &events[1] else { panic!() };
    assert_eq!(trade["traded_price"], "50000.00");
    assert_eq!(trade["traded_quantity"], "0.1000");
    assert_eq!(trade["fees"], "-0.00020000");
    assert_eq!(trade["fee_instrument_name"], "BTC");
    assert_eq!(trade["taker_side"], "TAKER");
    assert_eq!(trade["order_id"], ack["order_id"]);
    let o = detail(&mut ex, "t1");
    assert_eq!(o["status"], "FILLED");
    assert_eq!(o["avg_price"], "50000.00");
    assert_eq!(o["cumulative_quantity"], "0.1000");
    assert_eq!(o["cumulative_value"], "5000.000000");
    assert_eq!(o["cumulative_fee"], "0.00020000");
    assert_eq!(holding(&ex, "USD"), ("95000.00000000".into(), "0.00000000".into()));
    assert_eq!(holding(&ex, "BTC"), ("2.09980000".into(), "0.00000000".into()));

    // Now resting as maker: the seller pays the maker fee in USD.
    create(&mut ex, limit("SELL", "50100.00", "0.05", "t2")).unwrap();
    assert_eq!(holding(&ex, "BTC").1, "0.05000000");
    ex.take_events();
    ex.inject_taker("BTC_USD", true, d("0.02"), T0 + 5);
    let events = core(ex.take_events());
    assert_eq!(kinds(&events), ["trade", "order", "balance", "public", "book", "ticker"]);
    let SimEvent::UserTrade { trade, .. } = &events[0] else { panic!() };
    assert_eq!(trade["fees"], "-1.00200000");
    assert_eq!(trade["fee_instrument_name"], "USD");
    assert_eq!(trade["taker_side"], "MAKER");
    let SimEvent::PublicTrade { trade: public, .. } = &events[3] else { panic!() };
    assert_eq!(public["s"], "BUY", "public side is the taker's");
    assert_eq!(public["d"], trade["trade_id"]);
    assert_eq!(holding(&ex, "USD").0, "96000.99800000");
    assert_eq!(holding(&ex, "BTC"), ("2.07980000".into(), "0.03000000".into()));
    let o = detail(&mut ex, "t2");
    assert_eq!((o["status"].as_str(), o["cumulative_quantity"].as_str()), (Some("ACTIVE"), Some("0.0200")));
}

#[test]
fn price_then_time_priority_between_user_and_participants() {
    let mut ex = quiet();
    ex.inject_maker("BTC_USD", true, d("49990"), d("0.1"), T0);
    create(&mut ex, limit("BUY", "49990.00", "0.1", "same-price")).unwrap();
    ex.inject_maker("BTC_USD", true, d("49990"), d("0.1"), T0);
    ex.inject_taker("BTC_USD", false, d("0.15"), T0);
    assert_eq!(detail(&mut ex, "same-price")["cumulative_quantity"], "0.0500");
    // A better price goes first even when it arrived last.
    create(&mut ex, limit("BUY", "49995.00", "0.1", "better")).unwrap();
    ex.inject_taker("BTC_USD", false, d("0.1"), T0);
    assert_eq!(detail(&mut ex, "better")["status"], "FILLED");
    assert_eq!(detail(&mut ex, "same-price")["cumulative_quantity"], "0.0500");
}

#[test]
fn post_only_refused_for_non_gtc_and_rejected_when_it_would_take() {
    let mut ex = quiet();
    ex.inject_maker("BTC_USD", false, d("50000"), d("1"), T0);
    let mut p = limit("BUY", "50000.00", "0.1", "po-ioc");
    p["exec_inst"] = json!(["POST_ONLY"]);
    p["time_in_force"] = json!("IMMEDIATE_OR_CANCEL");
    assert_eq!(create(&mut ex, p.clone()).unwrap_err().code, 43005);
    p["time_in_force"] = json!("GOOD_TILL_CANCEL");
    p["client_oid"] = json!("po-take");
    create(&mut ex, p.clone()).expect("accepted, then rejected");
    let o = detail(&mut ex, "po-take");
    assert_eq!((o["status"].as_str(), o["reason"].as_str()), (Some("REJECTED"), Some("43005")));
    assert_eq!(holding(&ex, "USD"), ("100000.00000000".into(), "0.00000000".into()));
    assert!(ex.user_trades().is_empty());
    p["price"] = json!("49999.99");
    p["client_oid"] = json!("po-rest");
    create(&mut ex, p).unwrap();
    assert_eq!(detail(&mut ex, "po-rest")["status"], "ACTIVE");
}

#[test]
fn ioc_fok_and_market_remainders_end_canceled() {
    let mut ex = quiet();
    ex.inject_maker("BTC_USD", false, d("50000"), d("0.05"), T0);
    let mut fok = limit("BUY", "50000.00", "0.1", "fok");
    fok["time_in_force"] = json!("FILL_OR_KILL");
    create(&mut ex, fok.clone()).unwrap();
    let o = detail(&mut ex, "fok");
    assert_eq!((o["status"].as_str(), o["reason"].as_str()), (Some("CANCELED"), Some("43003")));
    assert_eq!(o["cumulative_quantity"], "0.0000");
    let mut ioc = limit("BUY", "50000.00", "0.1", "ioc");
    ioc["time_in_force"] = json!("IMMEDIATE_OR_CANCEL");
    create(&mut ex, ioc).unwrap();
    let o = detail(&mut ex, "ioc");
    assert_eq!((o["status"].as_str(), o["reason"].as_str()), (Some("CANCELED"), Some("43004")));
    assert_eq!(o["cumulative_quantity"], "0.0500");
    assert_eq!(holding(&ex, "USD"), ("97500.00000000".into(), "0.00000000".into()));

    ex.inject_maker("BTC_USD", false, d("50000"), d("0.05"), T0);
    fok["client_oid"] = json!("fok2");
    fok["quantity"] = json!("0.05");
    create(&mut ex, fok).unwrap();
    assert_eq!(detail(&mut ex, "fok2")["status"], "FILLED");

    ex.inject_maker("BTC_USD", false, d("50000"), d("0.05"), T0);
    let market = json!({"instrument_name": "BTC_USD", "side": "BUY", "type": "MARKET",
                        "quantity": "0.1", "client_oid": "mkt"});
    create(&mut ex, market).unwrap();
    let o = detail(&mut ex, "mkt");
    assert_eq!((o["status"].as_str(), o["cumulative_quantity"].as_str()), (Some("CANCELED"), Some("0.0500")));

    ex.inject_maker("BTC_USD", false, d("50000"), d("1"), T0);
    let notional = json!({"instrument_name": "BTC_USD", "side": "BUY", "type": "MARKET",
                          "notional": 1001, "client_oid": "notional"});
    create(&mut ex, notional).unwrap();
    let o = detail(&mut ex, "notional");
    assert_eq!((o["status"].as_str(), o["cumulative_quantity"].as_str()), (Some("FILLED"), Some("0.0200")));
    assert_eq!(holding(&ex, "USD").1, "0.00000000", "unspent notional released");
}

#[test]
fn resting_order_goes_new_then_active_with_full_objects() {
    let mut ex = quiet();
    create(&mut ex, limit("BUY", "40000.00", "0.5", "rest")).unwrap();
    let events = core(ex.take_events());
    let updates = order_updates(&events);
    let statuses: Vec<&str> = updates.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["NEW", "ACTIVE"]);
    let o = &updates[1];
    for field in [
        "account_id",
        "order_id",
        "order_type",
        "time_in_force",
        "exec_inst",
        "limit_price",
        "maker_fee_rate",
        "create_time_ns",
        "update_time",
        "order_date",
        "fee_instrument_name",
    ] {
        assert!(o.get(field).is_some(), "missing {field}");
    }
    assert_eq!(o["limit_price"], "40000.00");
    assert_eq!(o["quantity"], "0.5000");
    assert!(o["create_time"].is_u64());
    assert_eq!(holding(&ex, "USD").1, "20000.00000000");
    assert_eq!(ex.open_orders_json(Some("BTC_USD")).len(), 1);
    assert!(ex.open_orders_json(Some("ETH_USD")).is_empty());
}

#[test]
fn self_trade_books_both_fills_with_distinct_trade_ids() {
    let mut ex = quiet();
    create(&mut ex, limit("SELL", "50000.00", "0.1", "mine-ask")).unwrap();
    create(&mut ex, limit("BUY", "50000.00", "0.1", "mine-bid")).unwrap();
    let fills = ex.user_trades();
    assert_eq!(fills.len(), 2);
    assert_ne!(fills[0]["trade_id"], fills[1]["trade_id"]);
    assert_eq!(fills[0]["trade_match_id"], fills[1]["trade_match_id"]);
    assert_eq!(detail(&mut ex, "mine-ask")["status"], "FILLED");
    // BTC: -0.1 + 0.1 - 0.0002 taker fee; USD: +5000 - 5 maker fee - 5000.
    assert_eq!(holding(&ex, "BTC"), ("1.99980000".into(), "0.00000000".into()));
    assert_eq!(holding(&ex, "USD"), ("99995.00000000".into(), "0.00000000".into()));
}

#[test]
fn post_only_amend_into_the_spread_is_refused() {
    let mut ex = quiet();
    ex.inject_maker("BTC_USD", false, d("50000"), d("1"), T0);
    let mut p = limit("BUY", "49000.00", "0.1", "po");
    p["exec_inst"] = json!(["POST_ONLY"]);
    create(&mut ex, p).unwrap();
    let amend = json!({"orig_client_oid": "po", "new_price": "50000.00", "new_quantity": "0.1"});
    let r = ex.private("private/amend-order", &amend, None, T0).unwrap_err();
    assert_eq!(r.code, 43005);
    assert_eq!(detail(&mut ex, "po")["limit_price"], "49000.00");
}
