//! The engine against the simulator: it reconciles and goes live, follows orders, fills and
//! balances, routes orders, and refuses what the risk limits forbid.

mod support;

use std::str::FromStr;

use cdc_engine::engine::{start, EngineEvent, PlaceOutcome, RiskLimits, RiskRefusal};
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::requests::CreateOrder;
use rust_decimal::Decimal;
use support::*;

#[tokio::test]
async fn follows_orders_fills_and_balances_and_routes_orders() {
    let sim = sim(false).await;
    place_direct(&sim, true, "49000.00", "0.0100", "before-start");
    let engine = start(engine_cfg(&sim, None), Vec::new()).await.unwrap();
    let mut events = engine.subscribe();
    converge(&engine, &sim, 10).await;
    assert!(engine.state().orders.by_client_oid("before-start").is_some(), "found by reconciliation");

    let outcome = engine
        .place(CreateOrder::limit(
            "BTC_USD",
            Side::Sell,
            Decimal::from(51000),
            Decimal::from_str("0.02").unwrap(),
            "manual-1",
        ))
        .await;
    assert!(matches!(outcome, PlaceOutcome::Placed { via: cdc_engine::engine::Via::WebSocket, .. }), "{outcome:?}");
    take(&sim, false, Decimal::from_str("0.0100").unwrap());
    take(&sim, true, Decimal::from_str("0.0050").unwrap());
    converge(&engine, &sim, 10).await;
    assert_eq!(engine.state().fills.total(), 2);
    let order = engine.state().orders.by_client_oid("manual-1").unwrap();
    assert_eq!(order.cumulative_quantity, Decimal::from_str("0.005").unwrap());

    let mut fills = 0;
    while let Ok(ev) = events.try_recv() {
        fills += usize::from(matches!(ev, EngineEvent::Fill(_)));
    }
    assert_eq!(fills, 2, "each fill is broadcast exactly once");
    let outsider = place_direct(&sim, true, "45000.00", "0.0010", "someone-else");
    engine.shutdown(false).await.unwrap();
    let expected: std::collections::BTreeSet<String> = [outsider["order_id"].as_str().unwrap().to_owned()].into();
    eventually(5, "own orders cancelled on shutdown, others kept", || sim_open_orders(&sim) == expected).await;
}

#[tokio::test]
async fn risk_limits_refuse_with_a_reason_and_the_kill_switch_blocks() {
    let sim = sim(false).await;
    let mut cfg = engine_cfg(&sim, None);
    cfg.risk = RiskLimits { max_order_notional: Some(Decimal::from(1000)), ..RiskLimits::default() };
    let engine = start(cfg, Vec::new()).await.unwrap();
    converge(&engine, &sim, 10).await;
    let big = CreateOrder::limit("BTC_USD", Side::Buy, Decimal::from(50000), Decimal::ONE, "big");
    match engine.place(big).await {
        PlaceOutcome::Refused(r) => assert!(r.to_string().contains("notional"), "{r}"),
        other => panic!("{other:?}"),
    }
    let small =
        CreateOrder::limit("BTC_USD", Side::Buy, Decimal::from(40000), Decimal::from_str("0.001").unwrap(), "small");
    assert!(matches!(engine.place(small.clone()).await, PlaceOutcome::Placed { .. }));
    engine.kill("test");
    eventually(5, "kill switch cancels own orders", || sim_open_orders(&sim).is_empty()).await;
    let mut again = small;
    again.client_oid = None;
    assert!(matches!(engine.place(again).await, PlaceOutcome::Refused(RiskRefusal::KillSwitch(_))));
    engine.shutdown(true).await.unwrap();
}
