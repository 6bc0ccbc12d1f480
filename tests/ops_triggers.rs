//! Each automatic trigger pulls the kill switch against the simulator: a storm of refusals, market
//! data gone stale, a daily loss and a drawdown past their limits. Each halts the strategy,
//! cancels its resting order, says why in a `KillSwitch` event and counts itself in the metrics.

mod support;

use std::str::FromStr;
use std::time::Duration;

use cdc_engine::engine::{start, EngineConfig, EngineEvent, EngineHandle, RiskLimits, TriggerLimits};
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::requests::CreateOrder;
use cdc_engine::protocol::Channel;
use cdc_sim::venue::Venue;
use rust_decimal::Decimal;
use support::scripted::Scripted;
use support::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn limit(side: Side, price: &str, qty: &str) -> CreateOrder {
    CreateOrder::limit("BTC_USD", side, d(price), d(qty), "x")
}

type Sim = cdc_sim::SimHandle<cdc_sim::exchange::Exchange>;

fn sim_orders(sim: &Sim) -> usize {
    sim.with_venue(|x| x.open_orders_json(None)).len()
}

/// Starts `s` with these triggers; returns the engine and its events from the start.
async fn run(
    sim: &Sim,
    s: Scripted,
    triggers: TriggerLimits,
) -> (EngineHandle, tokio::sync::mpsc::UnboundedReceiver<EngineEvent>) {
    let mut cfg: EngineConfig = engine_cfg(sim, None);
    cfg.risk = RiskLimits { max_order_notional: Some(d("5000")), triggers, ..RiskLimits::default() };
    // The storm must be what halts, not the per-strategy run of refusals.
    cfg.halt_after_refusals = 1_000;
    let engine = start(cfg, vec![Box::new(s)]).await.unwrap();
    let events = engine.subscribe_all();
    (engine, events)
}

/// Waits for the kill switch; returns its reason.
async fn kill_switch(rx: &mut tokio::sync::mpsc::UnboundedReceiver<EngineEvent>, secs: u64) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(EngineEvent::KillSwitch { on: true, reason })) => return reason,
            Ok(Some(_)) => {}
            other => panic!("no kill switch within {secs} s: {other:?}"),
        }
    }
}

/// What every trigger must leave: the switch on in the metrics, the trigger counted, the
/// strategy halted, its resting order gone.
async fn assert_pulled(engine: &EngineHandle, sim: &Sim, kind: &str) {
    eventually(5, "the resting order cancelled", || sim_orders(sim) == 0).await;
    let text = engine.metrics().encode();
    assert!(text.contains(&format!("cdc_triggers_total{{kind=\"{kind}\"}} 1")), "{text}");
    assert!(text.contains("cdc_kill_switch 1"), "{text}");
    assert!(text.contains("cdc_strategy_running{strategy=\"probe\"} 0"), "{text}");
}

#[tokio::test]
async fn a_storm_of_refusals_pulls_the_kill_switch() {
    let sim = sim(false).await;
    let (mut s, seen) = Scripted::new("probe");
    s.at_start = vec![limit(Side::Buy, "40000", "0.001")];
    // 40000 × 1 is over max_order_notional: every timer's order is refused.
    s.every_timer = Some(limit(Side::Buy, "40000", "1"));
    s.timer = Some(Duration::from_millis(60));
    let storm = TriggerLimits { refusal_storm: Some((4, Duration::from_secs(10))), ..Default::default() };
    let (engine, mut events) = run(&sim, s, storm).await;
    let reason = kill_switch(&mut events, 10).await;
    assert!(reason.starts_with("refusal_storm: 4 orders refused within 10s"), "{reason}");
    assert_pulled(&engine, &sim, "refusal_storm").await;
    assert_eq!(seen.lock().unwrap().refusals.len(), 4, "nothing more was tried after the switch");
    engine.shutdown(false).await.unwrap();
}

#[tokio::test]
async fn market_data_gone_stale_pulls_the_kill_switch() {
    // No synthetic market: after the snapshot the book stays quiet for 5 s (§5.1's empty delta).
    let sim = sim(false).await;
    let (mut s, _) = Scripted::new("probe");
    s.at_start = vec![limit(Side::Buy, "40000", "0.001")];
    s.market = vec![Channel::book("BTC_USD", 10)];
    let stale = TriggerLimits { max_market_data_age: Some(Duration::from_millis(800)), ..Default::default() };
    let (engine, mut events) = run(&sim, s, stale).await;
    let reason = kill_switch(&mut events, 10).await;
    assert!(reason.starts_with("stale_market_data: no market data for"), "{reason}");
    assert_pulled(&engine, &sim, "stale_market_data").await;
    engine.shutdown(false).await.unwrap();
}

/// A strategy that rests a bid far below and buys at the ask: marked at the mid and paying the
/// taker fee, its PnL goes below zero at once.
fn buyer() -> Scripted {
    let (mut s, _) = Scripted::new("probe");
    s.market = vec![Channel::book("BTC_USD", 10)];
    s.at_start = vec![limit(Side::Buy, "1000", "0.001"), limit(Side::Buy, "100000", "0.001")];
    s
}

#[tokio::test]
async fn a_daily_loss_past_its_limit_pulls_the_kill_switch() {
    let sim = sim(true).await;
    let limits = TriggerLimits { max_daily_loss: Some(d("0.000001")), ..Default::default() };
    let (engine, mut events) = run(&sim, buyer(), limits).await;
    let reason = kill_switch(&mut events, 15).await;
    assert!(reason.starts_with("daily_loss: lost") && reason.contains("limit max_daily_loss = 0.000001"), "{reason}");
    assert_pulled(&engine, &sim, "daily_loss").await;
    engine.shutdown(false).await.unwrap();
}

#[tokio::test]
async fn a_drawdown_past_its_limit_pulls_the_kill_switch() {
    let sim = sim(true).await;
    let limits = TriggerLimits { max_drawdown: Some(d("0.000001")), ..Default::default() };
    let (engine, mut events) = run(&sim, buyer(), limits).await;
    let reason = kill_switch(&mut events, 15).await;
    assert!(reason.starts_with("drawdown: PnL") && reason.contains("below its peak 0"), "{reason}");
    assert_pulled(&engine, &sim, "drawdown").await;
    engine.shutdown(false).await.unwrap();
}
