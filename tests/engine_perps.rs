//! The engine on a perpetual against the simulator: positions from pushes, a stop-loss of an
//! OCO firing when the mark crosses it (the fill, the flat position, the other leg cancelled),
//! funding reaching the engine's balances and PnL, and positions, balances and PnL equal to
//! the simulator's through twenty drops and a thousand perpetual fills.

mod support;

use std::str::FromStr;

use cdc_engine::clock::system_now_ms;
use cdc_engine::engine::start;
use cdc_engine::protocol::enums::OrderStatus;
use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::venue::Venue;
use cdc_sim::{SimConfig, SimHandle};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use support::*;

const PERP: &str = "BTCUSD-PERP";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A quiet simulator whose perpetual book has asks at 50001 and bids at 49999 and 48000.
async fn perp_sim(funding_rate: Option<Decimal>) -> SimHandle<Exchange> {
    let core = Exchange::new(ExchangeConfig { synthetic_market: false, funding_rate, ..ExchangeConfig::default() });
    let sim = cdc_sim::start(SimConfig::new(KEY, SECRET), core).await.expect("sim starts");
    sim.with_venue(|x| {
        x.inject_maker(PERP, false, d("50001.0"), d("5"), system_now_ms());
        x.inject_maker(PERP, true, d("49999.0"), d("5"), system_now_ms());
        x.inject_maker(PERP, true, d("48000.0"), d("5"), system_now_ms());
    });
    sim
}

/// A private call straight into the simulator's core, as if from another client.
fn direct(sim: &SimHandle<Exchange>, method: &str, params: Value) -> Value {
    sim.with_venue(|x| x.private(method, &params, None, system_now_ms())).unwrap_or_else(|r| panic!("{method}: {r:?}"))
}

fn buy(sim: &SimHandle<Exchange>, qty: &str) {
    direct(
        sim,
        "private/create-order",
        json!({"instrument_name": PERP, "side": "BUY", "type": "MARKET", "quantity": qty}),
    );
}

fn engine_position(engine: &cdc_engine::engine::EngineHandle) -> Decimal {
    engine.state().positions.get(PERP).map_or(Decimal::ZERO, |p| p.quantity)
}

fn status_of(engine: &cdc_engine::engine::EngineHandle, oid: &str) -> Option<OrderStatus> {
    engine.state().orders.by_client_oid(oid).map(|o| o.status)
}

#[tokio::test]
async fn an_oco_stop_fires_on_the_mark_and_the_engine_shows_the_fill_the_flat_position_and_the_cancel() {
    let sim = perp_sim(None).await;
    let engine = start(engine_cfg(&sim, None), Vec::new()).await.expect("engine starts");
    converge(&engine, &sim, 10).await;
    buy(&sim, "0.1");
    eventually(10, "the engine sees the long position", || engine_position(&engine) == d("0.1")).await;
    let pair = json!({"order_list": [
        {"instrument_name": PERP, "side": "SELL", "type": "TAKE_PROFIT_LIMIT", "quantity": "0.1",
         "price": "52000.0", "ref_price": "52000.0", "client_oid": "tp-1"},
        {"instrument_name": PERP, "side": "SELL", "type": "STOP_LOSS", "quantity": "0.1",
         "ref_price": "48500.0", "client_oid": "sl-1", "exec_inst": ["REDUCE_ONLY"]},
    ]});
    direct(&sim, "private/advanced/create-oco", pair);
    eventually(10, "both legs pending in the engine", || {
        status_of(&engine, "tp-1") == Some(OrderStatus::Pending)
            && status_of(&engine, "sl-1") == Some(OrderStatus::Pending)
    })
    .await;
    sim.with_venue(|x| x.set_mark(PERP, d("48400"), system_now_ms()));
    eventually(10, "the stop filled, the take-profit cancelled, the position flat", || {
        status_of(&engine, "sl-1") == Some(OrderStatus::Filled)
            && status_of(&engine, "tp-1") == Some(OrderStatus::Canceled)
            && engine_position(&engine).is_zero()
    })
    .await;
    converge(&engine, &sim, 10).await;
    assert_eq!(engine.state().fills.total(), 2, "the buy and the stop's fill");
    assert_eq!(sim.with_venue(|x| x.position(PERP)).map(|p| p.quantity), Some(Decimal::ZERO));
    engine.shutdown(false).await.expect("clean stop");
}

#[tokio::test]
async fn funding_paid_by_the_simulator_reaches_the_engine_balances_and_margin() {
    let sim = perp_sim(Some(d("0.0001"))).await;
    let engine = start(engine_cfg(&sim, None), Vec::new()).await.expect("engine starts");
    converge(&engine, &sim, 10).await;
    buy(&sim, "1");
    eventually(10, "the engine sees the position", || engine_position(&engine) == d("1")).await;
    converge(&engine, &sim, 10).await;
    let usd = |engine: &cdc_engine::engine::EngineHandle| engine.state().balances.get("USD").map(|b| b.total);
    let before = usd(&engine).expect("USD balance");
    let margin = engine.state().balances.margin().expect("the margin figures");
    assert!(margin.total_initial_margin.is_some_and(|im| im > Decimal::ZERO), "{margin:?}");
    sim.with_venue(|x| x.pay_funding_now(system_now_ms()));
    // A long of 1 at mark 50000 pays 50000 × 0.0001 = 5 USD.
    eventually(10, "the funding payment in the engine's USD", || usd(&engine) == Some(before - d("5"))).await;
    // The engine's own PnL counts it too, from the user.transactions push.
    let funding = || engine.state().pnl.get(PERP).map(|p| p.funding);
    eventually(10, "the funding payment in the engine's PnL", || funding() == Some(d("-5"))).await;
    converge(&engine, &sim, 10).await;
    engine.shutdown(false).await.expect("clean stop");
}

/// Rests `n` perpetual buys of 0.002 and `n` sells of 0.001 around 50000 (as another client),
/// then lets participants take them all: 2n fills that leave the account longer each round.
fn perp_round(sim: &SimHandle<Exchange>, round: usize, n: usize, mut between: impl FnMut(usize)) {
    for i in 0..n {
        let (bid, ask) = (49_900 - (i % 7) as i64, 50_100 + (i % 7) as i64);
        for (side, px, qty, tag) in [("BUY", bid, "0.002", "b"), ("SELL", ask, "0.001", "s")] {
            let oid = format!("p{round}{tag}{i}");
            direct(
                sim,
                "private/create-order",
                json!({"instrument_name": PERP, "side": side, "type": "LIMIT",
                "price": format!("{px}.0"), "quantity": qty, "client_oid": oid}),
            );
        }
    }
    between(0);
    sim.with_venue(|x| x.inject_taker(PERP, false, d("0.002") * Decimal::from(n as u64), system_now_ms()));
    between(1);
    sim.with_venue(|x| x.inject_taker(PERP, true, d("0.001") * Decimal::from(n as u64), system_now_ms()));
    between(2);
}

#[tokio::test]
async fn through_twenty_drops_and_a_thousand_perpetual_fills_positions_balances_and_pnl_equal_the_simulator() {
    // Only the user's orders in the book, so every participant taker fills them.
    let core = Exchange::new(ExchangeConfig {
        synthetic_market: false,
        funding_rate: Some(d("0.0001")),
        ..ExchangeConfig::default()
    });
    let sim = cdc_sim::start(SimConfig::new(KEY, SECRET), core).await.expect("sim starts");
    let engine = start(engine_cfg(&sim, None), Vec::new()).await.expect("engine starts");
    converge(&engine, &sim, 10).await;
    let mut drops = 0;
    for round in 0..22 {
        eventually(30, "live again", || engine.state().is_live()).await;
        // Drop before the fills, between the two sweeps, or after them; every fourth round
        // funding is paid while the engine is away.
        let at = round % 3;
        perp_round(&sim, round, 25, |step| {
            if step == at {
                sim.faults().drop_connections();
                drops += 1;
                if round % 4 == 1 {
                    sim.with_venue(|x| x.pay_funding_now(system_now_ms()));
                }
            }
        });
        if round % 4 == 3 {
            sim.with_venue(|x| x.pay_funding_now(system_now_ms()));
        }
    }
    assert!(drops >= 20);
    converge(&engine, &sim, 90).await;
    let fills = engine.state().fills.total();
    assert!(fills >= 1000, "{fills} fills");
    let at_sim = sim.with_venue(|x| x.position(PERP)).expect("listed");
    let mine = engine.state().positions.get(PERP).expect("an open position");
    assert_eq!((mine.quantity, mine.cost), (at_sim.quantity, Some(at_sim.cost)), "the position");
    let pnl = engine.state().pnl.get(PERP).expect("the engine's PnL");
    assert_eq!(pnl.position, at_sim.quantity, "the engine's own position from its fills");
    assert_eq!(pnl.realised.round_dp(8), at_sim.realized_pnl.round_dp(8), "realised PnL");
    assert!(at_sim.funding < Decimal::ZERO, "a long paid funding: {}", at_sim.funding);
    assert_eq!(pnl.funding, at_sim.funding, "funding, including what was paid during drops");
    assert_eq!(pnl.fees.get("USD").copied().unwrap_or_default(), at_sim.fees, "fees");
    engine.shutdown(false).await.expect("clean stop");
}
