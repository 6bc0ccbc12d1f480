//! Perpetuals: positions from fills, realised PnL, margin, leverage, reduce-only,
//! close-position, funding and liquidation.

use super::*;

const PERP: &str = "BTCUSD-PERP";

fn call(ex: &mut Exchange, method: &str, p: Value) -> Result<Value, Reject> {
    ex.private(method, &p, None, T0)
}

fn market(side: &str, qty: &str) -> Value {
    json!({"instrument_name": PERP, "side": side, "type": "MARKET", "quantity": qty})
}

/// A quiet exchange with participants resting 1 BTC of perpetual on each side of 50000.
fn perp_book() -> Exchange {
    let mut ex = quiet_with(&[("USD", "10000")]);
    ex.inject_maker(PERP, true, d("49999.0"), d("5"), T0);
    ex.inject_maker(PERP, false, d("50001.0"), d("5"), T0);
    ex.take_events();
    ex
}

fn position(ex: &mut Exchange) -> Value {
    call(ex, "private/get-positions", json!({"instrument_name": PERP})).unwrap()["data"][0].clone()
}

#[test]
fn a_perpetual_fill_moves_the_position_and_usd_cash_never_the_base() {
    let mut ex = perp_book();
    create(&mut ex, market("BUY", "0.1")).unwrap();
    let events = ex.take_events();
    let p = position(&mut ex);
    assert_eq!((p["quantity"].as_str(), p["type"].as_str()), (Some("0.1000"), Some("PERPETUAL_SWAP")));
    assert_eq!(p["cost"], "5000.10000000");
    // Taker fee 0.2 % of 5000.1, in USD; no BTC appears.
    assert_eq!(ex.holding("USD"), d("10000") - d("10.0002"));
    assert_eq!(ex.holding("BTC"), Decimal::ZERO);
    let pushed = pushes(&events, "user.positions");
    assert_eq!(pushed.last().map(|p| p["quantity"].clone()), Some(json!("0.1000")));
    let bal = ex.balance_json(T0);
    // IM at leverage 10: 0.1 × mark 50000 / 10 = 500; maintenance half of it.
    assert_eq!(
        (bal["total_initial_margin"].as_str(), bal["total_maintenance_margin"].as_str()),
        (Some("500.00000000"), Some("250.00000000"))
    );
    assert_eq!(bal["total_position_cost"], "5000.10000000");
    // Selling back at the bid realises (49999 − 50001) × 0.1 = −0.2 and pays the fee again.
    create(&mut ex, market("SELL", "0.1")).unwrap();
    assert_eq!(ex.position(PERP).map(|p| (p.quantity, p.realized_pnl)), Some((Decimal::ZERO, d("-0.2"))));
    assert_eq!(ex.holding("USD"), d("10000") - d("10.0002") - d("0.2") - d("9.9998"));
    assert_eq!(
        call(&mut ex, "private/get-positions", json!({})).unwrap()["data"],
        json!([]),
        "flat positions are not listed"
    );
}

#[test]
fn margin_leverage_and_reduce_only_refusals_carry_the_exchange_codes() {
    let mut ex = perp_book();
    // 3 BTC at 50001 needs 15000 of margin at leverage 10; the account has 10000.
    assert_eq!(create(&mut ex, market("BUY", "3")).unwrap_err().code, 306);
    for bad in ["0", "101", "2.5", "x"] {
        let r = call(&mut ex, "private/change-account-leverage", json!({"leverage": bad})).unwrap_err();
        assert!(matches!(r.code, 226 | 40004), "{bad}: {}", r.code);
    }
    call(&mut ex, "private/change-account-leverage", json!({"leverage": "50"})).unwrap();
    create(&mut ex, market("BUY", "3")).unwrap();
    assert_eq!(ex.position(PERP).map(|p| p.quantity), Some(d("3")));
    // Back to 1x the position would need 150000 of margin: refused, leverage kept.
    assert_eq!(call(&mut ex, "private/change-account-leverage", json!({"leverage": "1"})).unwrap_err().code, 306);
    let mut ro = market("BUY", "1");
    ro["exec_inst"] = json!(["REDUCE_ONLY"]);
    assert_eq!(create(&mut ex, ro.clone()).unwrap_err().code, 1110, "a reduce-only buy on a long");
    ro["instrument_name"] = json!("BTC_USD");
    assert_eq!(create(&mut ex, ro).unwrap_err().code, 219, "reduce-only on spot");
    // A reduce-only sell larger than the position trades only down to flat.
    let mut sell = market("SELL", "4");
    sell["exec_inst"] = json!(["REDUCE_ONLY"]);
    create(&mut ex, sell).unwrap();
    assert_eq!(ex.position(PERP).map(|p| p.quantity), Some(Decimal::ZERO));
    assert_eq!(call(&mut ex, "private/close-position", json!({"instrument_name": PERP})).unwrap_err().code, 201);
}

#[test]
fn close_position_flattens_with_a_reduce_only_market_order() {
    let mut ex = perp_book();
    create(&mut ex, market("SELL", "0.5")).unwrap();
    let ack = call(&mut ex, "private/close-position", json!({"instrument_name": PERP, "type": "MARKET"})).unwrap();
    assert!(ack["order_id"].is_string());
    assert_eq!(ex.position(PERP).map(|p| p.quantity), Some(Decimal::ZERO));
    let o = ex.private("private/get-order-detail", &json!({"order_id": ack["order_id"]}), None, T0).unwrap();
    assert_eq!((o["status"].as_str(), o["exec_inst"][0].as_str()), (Some("FILLED"), Some("REDUCE_ONLY")));
}

#[test]
fn funding_is_paid_on_the_mark_and_recorded_in_the_ledger() {
    let mut ex = Exchange::new(ExchangeConfig {
        balances: vec![("USD".into(), d("10000"))],
        synthetic_market: false,
        funding_rate: Some(d("0.0001")),
        ..ExchangeConfig::default()
    });
    ex.inject_maker(PERP, false, d("50001.0"), d("5"), T0);
    create(&mut ex, market("BUY", "1")).unwrap();
    let before = ex.holding("USD");
    ex.take_events();
    ex.pay_funding_now(T0 + 1);
    // A long pays 1 × mark 50000 × 0.0001 = 5.
    assert_eq!(ex.holding("USD"), before - d("5"));
    assert_eq!(ex.position(PERP).map(|p| p.funding), Some(d("-5")));
    let events = ex.take_events();
    assert_eq!(pushes(&events, "funding").first().map(|f| f["v"].clone()), Some(json!("0.0001")));
    let txns = call(&mut ex, "private/get-transactions", json!({"journal_type": "FUNDING"})).unwrap();
    assert_eq!(txns["data"][0]["transaction_qty"], "-5.00000000");
    let all = call(&mut ex, "private/get-transactions", json!({"instrument_name": PERP})).unwrap();
    let types: Vec<&str> = all["data"].as_array().unwrap().iter().filter_map(|t| t["journal_type"].as_str()).collect();
    assert_eq!(types, ["FUNDING", "TRADE_FEE", "TRADING"]);
    let fees = call(&mut ex, "private/get-instrument-fee-rate", json!({"instrument_name": PERP})).unwrap();
    assert_eq!(
        (fees["effective_maker_rate_bps"].as_str(), fees["effective_taker_rate_bps"].as_str()),
        (Some("10"), Some("20"))
    );
    assert_eq!(call(&mut ex, "private/get-fee-rate", json!({})).unwrap()["effective_deriv_taker_rate_bps"], "20");
}

#[test]
fn a_breached_maintenance_margin_liquidates_the_position() {
    let mut ex = quiet_with(&[("USD", "1000")]);
    ex.inject_maker(PERP, false, d("50001.0"), d("5"), T0);
    ex.inject_maker(PERP, true, d("40000.0"), d("5"), T0);
    call(&mut ex, "private/change-account-leverage", json!({"leverage": "100"})).unwrap();
    create(&mut ex, market("BUY", "1")).unwrap();
    let liq = position(&mut ex)["liquidation_price"].as_str().unwrap().parse::<Decimal>().unwrap();
    assert!(liq > d("49000") && liq < d("50000"), "{liq}");
    ex.take_events();
    // The mark falls 2 %: the 1000 of collateral cannot carry the loss.
    ex.set_mark(PERP, d("49000"), T0 + 1);
    assert_eq!(ex.position(PERP).map(|p| p.quantity), Some(Decimal::ZERO));
    let orders = super::order_updates(&ex.take_events());
    assert!(orders.iter().any(|o| o["exec_inst"] == json!(["LIQUIDATION"]) && o["status"] == "FILLED"), "{orders:?}");
}
