//! Paper trading: the simulator taking the orders follows the live market's prices, and orders
//! go to it, never to the live exchange.

mod support;

use std::str::FromStr;

use cdc_engine::clock::system_now_ms;
use cdc_engine::engine::{start, EngineConfig, PlaceOutcome};
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::requests::CreateOrder;
use cdc_sim::venue::Venue;
use rust_decimal::Decimal;
use support::*;

fn mid(t: &serde_json::Value) -> Decimal {
    (Decimal::from_str(t["b"].as_str().unwrap()).unwrap() + Decimal::from_str(t["k"].as_str().unwrap()).unwrap())
        / Decimal::TWO
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paper_orders_reach_a_simulator_that_follows_live_prices() {
    // The "live" exchange: a simulator whose market walks; its price is moved far from the
    // paper simulator's starting mid, so following it is visible.
    let live = sim(true).await;
    live.with_venue(|x| x.set_reference_mid("BTC_USD", Decimal::from(73_000), system_now_ms()));
    let paper = cdc_cli::paper::start(&live.market_ws_url(), &["BTC_USD".into()], Vec::new()).await.unwrap();
    let target = live.with_venue(|x| x.ticker_json("BTC_USD", system_now_ms())).map(|t| mid(&t)).unwrap();
    eventually(15, "the paper market follows the live mid", || {
        paper
            .sim
            .with_venue(|x| x.ticker_json("BTC_USD", system_now_ms()))
            .is_some_and(|t| (mid(&t) - target).abs() < Decimal::from(50))
    })
    .await;

    let mut cfg = EngineConfig::new(paper.endpoints.clone(), paper.creds.clone());
    cfg.connect_pause = std::time::Duration::from_millis(100);
    let engine = start(cfg, Vec::new()).await.unwrap();
    eventually(10, "engine live", || engine.state().is_live()).await;
    let order =
        CreateOrder::limit("BTC_USD", Side::Buy, Decimal::from(60_000), Decimal::from_str("0.01").unwrap(), "paper-1");
    assert!(matches!(engine.place(order).await, PlaceOutcome::Placed { .. }));
    assert_eq!(paper.sim.with_venue(|x| x.open_orders_json(None)).len(), 1, "the order is at the paper venue");
    assert!(live.with_venue(|x| x.open_orders_json(None)).is_empty(), "and never at the live one");
    engine.shutdown(false).await.unwrap();
    paper.shutdown().await;
}
