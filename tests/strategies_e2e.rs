//! The built-in strategies, each run by an engine against the simulator: the market maker
//! quotes both sides, gets filled only as a maker (post-only quotes, a skew that never crosses
//! the mid) and stays within its position cap; the grid lays its ladder
//! and replaces a filled level; the TWAP executes exactly its total and then stays idle.

mod support;

use cdc_strategies as strategies;

use std::str::FromStr;
use std::time::Duration;

use cdc_engine::clock::system_now_ms;
use cdc_engine::engine::{start, EngineEvent, EngineHandle, PlaceOutcome};
use cdc_engine::protocol::enums::{Side, TakerSide};
use cdc_engine::protocol::models::Order;
use cdc_engine::protocol::requests::CreateOrder;
use rust_decimal::Decimal;
use support::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn params(s: &str) -> toml::Table {
    s.parse().unwrap()
}

/// The engine's open BTC_USD orders placed by this run.
fn own_open(engine: &EngineHandle) -> Vec<Order> {
    let prefix = engine.client_oid_prefix().to_owned();
    engine
        .state()
        .orders
        .open()
        .into_iter()
        .filter(|o| o.instrument_name.as_str() == "BTC_USD")
        .filter(|o| o.client_oid.as_ref().is_some_and(|c| c.as_str().contains(&format!("-{prefix}-"))))
        .collect()
}

/// Executed quantity of the engine's fills on one side.
fn filled(engine: &EngineHandle, side: Side) -> Decimal {
    engine.state().fills.recent().iter().filter(|t| t.side == side).map(|t| t.traded_quantity).sum()
}

#[tokio::test]
async fn market_maker_quotes_both_sides_gets_filled_as_maker_and_respects_max_position() {
    let sim = sim(true).await;
    // A skew of 100 bps a unit moves the quotes 0.5 USD per 0.001 held: twice the 0.25 USD
    // half-spread. Unbounded, the ask would cross the mid and take.
    let mm = strategies::build(
        "market_maker",
        &params(
            "spread_bps = \"0.1\"\norder_qty = \"0.001\"\nmax_position = \"0.003\"\n\
             skew_bps_per_unit = \"100\"\nrequote_bps = \"0.5\"",
        ),
    )
    .unwrap();
    let engine = start(engine_cfg(&sim, None), vec![mm]).await.unwrap();
    let mut events = engine.subscribe();
    eventually(20, "a bid and an ask resting at once", || {
        let open = own_open(&engine);
        open.iter().any(|o| o.side == Side::Buy) && open.iter().any(|o| o.side == Side::Sell)
    })
    .await;

    // Follow every fill: the position from them never leaves ±max_position.
    let (max, mut net, mut fills) = (d("0.003"), Decimal::ZERO, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    while fills < 8 {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(EngineEvent::Fill(t))) => {
                net += if t.side == Side::Buy { t.traded_quantity } else { -t.traded_quantity };
                fills += 1;
                assert!(net.abs() <= max, "position {net} beyond ±{max} after fill {fills}");
                assert_eq!(t.taker_side, Some(TakerSide::Maker), "fill {fills} took liquidity: {t:?}");
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("event stream: {e}"),
            Err(_) => panic!("only {fills} fills within 45 s"),
        }
    }
    // Both sides traded: the skew works the inventory back rather than piling it up.
    assert!(filled(&engine, Side::Buy) > Decimal::ZERO && filled(&engine, Side::Sell) > Decimal::ZERO);
    // Stop new quotes first and let placements already in flight land, so that shutdown knows
    // every order it must cancel (it cancels the orders the engine has seen).
    engine.kill("end of test");
    let probe = CreateOrder::limit("BTC_USD", Side::Buy, d("1"), d("0.001"), "probe");
    assert!(matches!(engine.place(probe).await, PlaceOutcome::Refused(cdc_engine::engine::RiskRefusal::KillSwitch(_))));
    eventually(10, "the engine to see every order the exchange holds", || {
        engine_open_orders(&engine) == sim_open_orders(&sim)
    })
    .await;
    engine.shutdown(false).await.unwrap();
    eventually(10, "quotes cancelled on shutdown", || sim_open_orders(&sim).is_empty()).await;
    let total = filled(&engine, Side::Buy) - filled(&engine, Side::Sell);
    assert!(total.abs() <= max, "position {total} beyond ±{max} at the end");
}

#[tokio::test]
async fn grid_places_its_ladder_and_replaces_a_filled_level() {
    let sim = sim(false).await;
    // Someone else's quotes make a book with mid 50000.
    sim.with_venue(|x| x.inject_maker("BTC_USD", true, d("49990"), d("0.001"), system_now_ms()));
    sim.with_venue(|x| x.inject_maker("BTC_USD", false, d("50010"), d("0.001"), system_now_ms()));
    let grid =
        strategies::build("grid", &params("lower = \"49900\"\nupper = \"50100\"\nlevels = 5\norder_qty = \"0.002\""))
            .unwrap();
    let engine = start(engine_cfg(&sim, None), vec![grid]).await.unwrap();
    let ladder = |engine: &EngineHandle| {
        let mut v: Vec<(Side, Decimal)> =
            own_open(engine).into_iter().map(|o| (o.side.clone(), o.price().unwrap_or_default())).collect();
        v.sort_by_key(|(_, p)| *p);
        v
    };
    let initial =
        vec![(Side::Buy, d("49900")), (Side::Buy, d("49950")), (Side::Sell, d("50050")), (Side::Sell, d("50100"))];
    eventually(15, "the ladder resting", || ladder(&engine) == initial).await;
    assert_eq!(sim_open_orders(&sim), engine_open_orders(&engine), "the exchange holds the same four");

    // A seller takes the other bid (0.001) and our 49950 buy (0.002): a sell goes to 50000.
    take(&sim, false, d("0.003"));
    let after_buy =
        vec![(Side::Buy, d("49900")), (Side::Sell, d("50000")), (Side::Sell, d("50050")), (Side::Sell, d("50100"))];
    eventually(10, "the filled buy replaced by a sell one level up", || ladder(&engine) == after_buy).await;

    // A buyer takes that sell: a buy goes back to 49950.
    take(&sim, true, d("0.002"));
    eventually(10, "the filled sell replaced by a buy one level down", || ladder(&engine) == initial).await;
    assert_eq!(filled(&engine, Side::Buy), d("0.002"));
    assert_eq!(filled(&engine, Side::Sell), d("0.002"));
    engine.shutdown(false).await.unwrap();
}

#[tokio::test]
async fn twap_executes_exactly_its_total_then_stays_idle() {
    let sim = sim(true).await;
    let twap = strategies::build(
        "twap",
        &params("side = \"BUY\"\ntotal_qty = \"0.0107\"\nduration_secs = \"1.5\"\nslices = 5"),
    )
    .unwrap();
    let engine = start(engine_cfg(&sim, None), vec![twap]).await.unwrap();
    eventually(20, "the TWAP to fill its total", || filled(&engine, Side::Buy) >= d("0.0107")).await;
    assert_eq!(filled(&engine, Side::Buy), d("0.0107"));
    // Watch a few more schedule lengths: nothing else is sent once the total is done.
    let orders_then = engine.state().orders.len();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(filled(&engine, Side::Buy), d("0.0107"));
    assert_eq!(filled(&engine, Side::Sell), Decimal::ZERO);
    assert_eq!(engine.state().orders.len(), orders_then, "no order after completion");
    assert!(own_open(&engine).is_empty());
    engine.shutdown(true).await.unwrap();
}
