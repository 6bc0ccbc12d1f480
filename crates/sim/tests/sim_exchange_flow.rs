//! The simulator with its real exchange core, driven by a minimal client written straight from
//! the reference (raw JSON over reqwest and tokio-tungstenite, its own signing): an order from
//! placement to fill, balances after the fill and its fee, get-trades paging, and
//! cancel-on-disconnect over the wire.

mod sim_support;

use std::collections::BTreeSet;
use std::str::FromStr;

use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::{start, SimConfig, SimHandle};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sim_support::{auth_with, connect, now_ms, recv_until, send, sign, wait_for, KEY, SECRET};

type Sim = SimHandle<Exchange>;

async fn sim() -> Sim {
    let core = Exchange::new(ExchangeConfig { synthetic_market: false, ..ExchangeConfig::default() });
    start(SimConfig::new(KEY, SECRET), core).await.expect("sim starts")
}

/// POSTs a signed private request; returns the JSON answer.
async fn call(sim: &Sim, id: u64, method: &str, params: Value) -> Value {
    let nonce = now_ms();
    let sig = sign(SECRET, method, &id.to_string(), KEY, Some(&params), &nonce.to_string());
    let body = json!({"id": id, "method": method, "params": params, "api_key": KEY, "sig": sig, "nonce": nonce});
    reqwest::Client::new()
        .post(format!("{}/{method}", sim.rest_url()))
        .json(&body)
        .send()
        .await
        .expect("http")
        .json()
        .await
        .expect("json")
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}"))).unwrap()
}

fn balance(answer: &Value, ccy: &str) -> (Decimal, Decimal) {
    let row = answer["result"]["data"][0]["position_balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instrument_name"] == ccy)
        .unwrap()
        .clone();
    (dec(&row["quantity"]), dec(&row["reserved_qty"]))
}

fn take(sim: &Sim, buy: bool, qty: &str) {
    sim.with_venue(|x| x.inject_taker("BTC_USD", buy, Decimal::from_str(qty).unwrap(), now_ms()));
}

#[tokio::test]
async fn an_order_from_placement_to_fill_with_balances_after_fees() {
    let sim = sim().await;
    let order = json!({"instrument_name":"BTC_USD","side":"BUY","type":"LIMIT","price":"50000.00","quantity":"0.0100","client_oid":"flow-1"});
    let ack = call(&sim, 1, "private/create-order", order).await;
    assert_eq!(ack["code"], 0, "{ack}");
    let bal = call(&sim, 2, "private/user-balance", json!({})).await;
    assert_eq!(balance(&bal, "USD"), (Decimal::from(100_000), Decimal::from(500)), "the order reserves price × qty");

    take(&sim, false, "0.0100");
    let detail = call(&sim, 3, "private/get-order-detail", json!({"client_oid": "flow-1"})).await;
    assert_eq!(
        (detail["result"]["status"].as_str(), dec(&detail["result"]["cumulative_quantity"])),
        (Some("FILLED"), Decimal::new(1, 2))
    );
    let trades = call(&sim, 4, "private/get-trades", json!({})).await;
    let t = &trades["result"]["data"][0];
    // Maker fee 0.1 % charged in the currency received, reported negative.
    assert_eq!(
        (dec(&t["fees"]), t["fee_instrument_name"].as_str(), t["taker_side"].as_str()),
        (Decimal::new(-1, 5), Some("BTC"), Some("MAKER"))
    );
    let bal = call(&sim, 5, "private/user-balance", json!({})).await;
    assert_eq!(balance(&bal, "USD"), (Decimal::from(99_500), Decimal::ZERO));
    assert_eq!(balance(&bal, "BTC"), (Decimal::from_str("2.00999").unwrap(), Decimal::ZERO));
}

#[tokio::test]
async fn get_trades_pages_backwards_without_missing_or_repeating_a_fill() {
    let sim = sim().await;
    for i in 0..250 {
        let o = json!({"instrument_name":"BTC_USD","side":"BUY","type":"LIMIT","price":"49000.00","quantity":"0.0001","client_oid":format!("p{i}")});
        sim.with_venue(|x| cdc_sim::venue::Venue::private(x, "private/create-order", &o, None, now_ms())).unwrap();
        if i % 50 == 49 {
            take(&sim, false, "0.0050");
        }
    }
    let mut seen = BTreeSet::new();
    let mut end: Option<String> = None;
    for page in 0..10u64 {
        let mut params = json!({"limit": 100});
        if let Some(e) = &end {
            params["end_time"] = json!(e);
        }
        // get-trades allows 1 request/s (§10): wait out the window between pages.
        if page > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        }
        let answer = call(&sim, 10 + page, "private/get-trades", params).await;
        let data = answer["result"]["data"].as_array().unwrap().clone();
        let times: Vec<u128> = data.iter().map(|t| t["create_time_ns"].as_str().unwrap().parse().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
        for t in &data {
            assert!(seen.insert(t["trade_id"].as_str().unwrap().to_owned()), "a fill came twice");
        }
        if data.len() < 100 {
            break;
        }
        end = times.last().map(|t| t.to_string());
    }
    assert_eq!(seen.len(), 250);
}

#[tokio::test]
async fn cancel_on_disconnect_cancels_only_that_connections_orders() {
    let sim = sim().await;
    let mut ws = connect(&sim.user_ws_url()).await;
    assert_eq!(auth_with(&mut ws, 1, SECRET, now_ms()).await["code"], 0);
    send(&mut ws, json!({"id": 2, "method": "private/set-cancel-on-disconnect", "params": {"scope": "CONNECTION"}, "nonce": now_ms()})).await;
    assert_eq!(recv_until(&mut ws, |v| v["id"] == 2).await["result"]["scope"], "CONNECTION");
    let o = json!({"instrument_name":"BTC_USD","side":"BUY","type":"LIMIT","price":"40000.00","quantity":"0.0010","client_oid":"cod-ws"});
    send(&mut ws, json!({"id": 3, "method": "private/create-order", "params": o, "nonce": now_ms()})).await;
    assert_eq!(recv_until(&mut ws, |v| v["id"] == 3).await["code"], 0);
    let rest_order = json!({"instrument_name":"BTC_USD","side":"BUY","type":"LIMIT","price":"40000.00","quantity":"0.0010","client_oid":"cod-rest"});
    assert_eq!(call(&sim, 4, "private/create-order", rest_order).await["code"], 0);
    drop(ws);
    wait_for(|| sim.with_venue(|x| cdc_sim::venue::Venue::open_orders_json(x, None)).len() == 1).await;
    let ws_order = call(&sim, 5, "private/get-order-detail", json!({"client_oid": "cod-ws"})).await;
    assert_eq!(ws_order["result"]["status"], "CANCELED");
    let kept = call(&sim, 6, "private/get-order-detail", json!({"client_oid": "cod-rest"})).await;
    assert_eq!(kept["result"]["status"], "ACTIVE");
}
