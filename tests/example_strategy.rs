//! The `dip_buyer` example's strategy (examples/dip_buyer, its own crate), a strategy written by a
//! user against the library alone: driven by hand (the venue's ticks, a bid that follows the
//! mid up but not down, the position cap, the exit), then run by an engine against the
//! simulator, on the synthetic market and on a market the test moves itself.

mod support;

use std::str::FromStr;
use std::time::Duration;

use cdc_engine::clock::system_now_ms;
use cdc_engine::engine::{start, EngineEvent, EngineHandle, PlaceOutcome};
use cdc_engine::protocol::enums::{ExecInst, Side, TakerSide};
use cdc_engine::protocol::ids::ClientOrderId;
use cdc_engine::protocol::models::{BookLevel, BookSnapshot, Instrument, Order, Trade};
use cdc_engine::protocol::requests::{CreateOrder, OrderRef};
use cdc_engine::state::book::OrderBook;
use cdc_engine::state::State;
use cdc_engine::strategy::{ConfigError, Context, Intent, Strategy};
use dip_buyer::{DipBuyer, Settings};
use rust_decimal::Decimal;
use serde_json::json;
use support::*;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn settings(qty: &str, dip_bps: &str, take_profit_bps: &str, max_position: &str) -> Settings {
    Settings {
        instrument: "BTC_USD".into(),
        qty: d(qty),
        dip_bps: d(dip_bps),
        take_profit_bps: d(take_profit_bps),
        max_position: d(max_position),
    }
}

fn venue(symbol: &str, price_tick: &str, qty_tick: &str) -> Vec<Instrument> {
    let v = json!([{"symbol": symbol, "price_tick_size": price_tick, "qty_tick_size": qty_tick}]);
    serde_json::from_value(v).unwrap()
}

/// A book with one bid and one ask.
fn book(bid: &str, ask: &str) -> OrderBook {
    let lvl = |p: &str| BookLevel { price: d(p), quantity: d("1"), orders: 1 };
    let mut b = OrderBook::with_depth(Some(10));
    b.apply_snapshot(&BookSnapshot {
        asks: vec![lvl(ask)],
        bids: vec![lvl(bid)],
        time_ms: Some(1),
        last_update_ms: None,
        update_id: Some(1),
    });
    b
}

/// Runs one callback the way the engine does: a fresh context, client ids `c-1`, `c-2`, ...
struct Driver {
    state: State,
    next: u64,
}

impl Driver {
    fn run(&mut self, f: impl FnOnce(&mut Context<'_>)) -> Vec<Intent> {
        let mut intents = Vec::new();
        let next = &mut self.next;
        let mut oids = || {
            *next += 1;
            ClientOrderId::from(format!("c-{next}"))
        };
        f(&mut Context::new(&self.state, &mut intents, &mut oids, 1_700_000_000_000));
        intents
    }
}

fn submits(intents: &[Intent]) -> Vec<CreateOrder> {
    intents.iter().filter_map(|i| if let Intent::Submit(o) = i { Some(o.clone()) } else { None }).collect()
}

fn update(o: &CreateOrder, order_id: &str, status: &str, cum: &str) -> Order {
    serde_json::from_value(json!({
        "order_id": order_id, "client_oid": o.client_oid.as_ref().map(|c| c.to_string()),
        "side": o.side.as_str(), "quantity": o.quantity.unwrap_or_default().to_string(),
        "limit_price": o.price.map(|p| p.to_string()), "status": status,
        "instrument_name": "BTC_USD", "cumulative_quantity": cum, "update_time": 1
    }))
    .unwrap()
}

fn fill(o: &CreateOrder, order_id: &str, trade_id: &str) -> Trade {
    serde_json::from_value(json!({
        "trade_id": trade_id, "order_id": order_id, "client_oid": o.client_oid.as_ref().map(|c| c.to_string()),
        "instrument_name": "BTC_USD", "side": o.side.as_str(), "traded_price": o.price.unwrap().to_string(),
        "traded_quantity": o.quantity.unwrap().to_string(), "fees": "-0.01", "create_time": 1_700_000_000_000u64
    }))
    .unwrap()
}

/// (side, price, quantity) of each order submitted.
fn shape(intents: &[Intent]) -> Vec<(Side, Option<Decimal>, Option<Decimal>)> {
    submits(intents).into_iter().map(|o| (o.side, o.price, o.quantity)).collect()
}

#[test]
fn configure_takes_the_venues_ticks_and_refuses_what_the_venue_would() {
    let mut s = DipBuyer::new(settings("0.0015", "10", "1.5", "0.003")).unwrap();
    assert_eq!(
        s.configure(&venue("BTC_USD", "0.5", "0.001")),
        Err(ConfigError::parameter(
            "qty",
            "0.0015 is not a multiple of BTC_USD's quantity tick 0.001: use 0.001 or 0.002"
        ))
    );
    let e = s.configure(&venue("ETH_USD", "0.5", "0.001")).unwrap_err().to_string();
    assert!(e.contains("BTC_USD: the venue does not list it"), "{e}");
    let e = DipBuyer::new(settings("0.001", "0", "1.5", "0.003")).err().unwrap();
    assert_eq!(e.to_string(), "dip_bps must be > 0, got 0");

    // With the venue's 0.5 price tick, the bid 10 bps under a 50000.8 mid (49950.7992) is
    // rounded down to 49950.5, not to the cent.
    let mut s = DipBuyer::new(settings("0.002", "10", "1.5", "0.004")).unwrap();
    assert_eq!(s.configure(&venue("BTC_USD", "0.5", "0.001")), Ok(()));
    let mut drv = Driver { state: State::default(), next: 0 };
    assert!(drv.run(|ctx| s.on_book(ctx, "BTC_USD", &book("49990.6", "50011"))).is_empty(), "not live yet");
    // Live: it bids from the mid it has seen.
    let intents = drv.run(|ctx| s.on_live(ctx, true));
    assert_eq!(shape(&intents), vec![(Side::Buy, Some(d("49950.5")), Some(d("0.002")))]);
    assert_eq!(submits(&intents)[0].exec_inst, vec![ExecInst::PostOnly]);
}

#[test]
fn the_bid_follows_the_mid_up_not_down_and_each_fill_is_offered_back_within_the_cap() {
    let mut s = DipBuyer::new(settings("0.002", "10", "1.5", "0.002")).unwrap();
    s.configure(&venue("BTC_USD", "0.01", "0.0001")).unwrap();
    let mut drv = Driver { state: State::default(), next: 0 };
    drv.run(|ctx| s.on_live(ctx, true));
    let first = submits(&drv.run(|ctx| s.on_book(ctx, "BTC_USD", &book("49990.01", "50010"))));
    assert_eq!(
        shape(&first.iter().cloned().map(Intent::Submit).collect::<Vec<_>>()),
        vec![(Side::Buy, Some(d("49950")), Some(d("0.002")))]
    );
    drv.run(|ctx| s.on_order(ctx, &update(&first[0], "1", "ACTIVE", "0")));

    // The market falls: the bid stays where it is, for the fall to run into it.
    assert_eq!(drv.run(|ctx| s.on_book(ctx, "BTC_USD", &book("49900", "49920"))), vec![]);
    // It rises 40 (more than half the 50 of the dip): the bid is cancelled, then replaced.
    let oid = first[0].client_oid.clone().unwrap();
    let intents = drv.run(|ctx| s.on_book(ctx, "BTC_USD", &book("50030", "50050")));
    assert_eq!(intents, vec![Intent::Cancel(OrderRef::ClientOid(oid))]);
    let second = submits(&drv.run(|ctx| s.on_order(ctx, &update(&first[0], "1", "CANCELED", "0"))));
    assert_eq!(
        second.iter().map(|o| (o.side.clone(), o.price)).collect::<Vec<_>>(),
        vec![(Side::Buy, Some(d("49989.96")))]
    );

    // Filled: offered back 1.5 bps higher, rounded up to the tick (49997.458494 -> 49997.46);
    // the position is at its cap, so no new bid.
    drv.run(|ctx| s.on_order(ctx, &update(&second[0], "2", "ACTIVE", "0")));
    let exit = submits(&drv.run(|ctx| s.on_fill(ctx, &fill(&second[0], "2", "t1"))));
    assert_eq!(
        exit.iter().map(|o| (o.side.clone(), o.price, o.quantity)).collect::<Vec<_>>(),
        vec![(Side::Sell, Some(d("49997.46")), Some(d("0.002")))]
    );
    assert_eq!(drv.run(|ctx| s.on_order(ctx, &update(&second[0], "2", "FILLED", "0.002"))), vec![]);
    assert_eq!(drv.run(|ctx| s.on_book(ctx, "BTC_USD", &book("50030", "50050"))), vec![], "at the cap");

    // The exit fills: flat again, so it bids again.
    drv.run(|ctx| s.on_order(ctx, &update(&exit[0], "3", "ACTIVE", "0")));
    let again = submits(&drv.run(|ctx| s.on_fill(ctx, &fill(&exit[0], "3", "t2"))));
    assert_eq!(
        again.iter().map(|o| (o.side.clone(), o.price)).collect::<Vec<_>>(),
        vec![(Side::Buy, Some(d("49989.96")))]
    );
    // A stale view pulls the bid.
    drv.run(|ctx| s.on_order(ctx, &update(&again[0], "4", "ACTIVE", "0")));
    let pulled = drv.run(|ctx| s.on_live(ctx, false));
    assert_eq!(pulled, vec![Intent::Cancel(OrderRef::ClientOid(again[0].client_oid.clone().unwrap()))]);
}

/// This run's open BTC_USD orders as (side, price, quantity).
fn own_open(engine: &EngineHandle) -> Vec<(Side, Decimal, Decimal)> {
    let tag = format!("-{}-", engine.client_oid_prefix());
    let mut v: Vec<_> = engine
        .state()
        .orders
        .open()
        .into_iter()
        .filter(|o| o.client_oid.as_ref().is_some_and(|c| c.as_str().contains(&tag)))
        .map(|o| (o.side.clone(), o.price().unwrap_or_default(), o.quantity))
        .collect();
    v.sort_by_key(|(_, p, _)| *p);
    v
}

fn filled(engine: &EngineHandle, side: Side) -> Decimal {
    engine.state().fills.recent().iter().filter(|t| t.side == side).map(|t| t.traded_quantity).sum()
}

/// Stops new orders, lets those in flight land, then shuts down and checks nothing is left.
async fn stop(engine: EngineHandle, sim: &cdc_sim::SimHandle<cdc_sim::exchange::Exchange>) {
    engine.kill("end of test");
    let probe = CreateOrder::limit("BTC_USD", Side::Buy, d("1"), d("0.001"), "probe");
    assert!(matches!(engine.place(probe).await, PlaceOutcome::Refused(cdc_engine::engine::RiskRefusal::KillSwitch(_))));
    eventually(10, "the engine to see every order the exchange holds", || {
        engine_open_orders(&engine) == sim_open_orders(sim)
    })
    .await;
    engine.shutdown(false).await.unwrap();
    eventually(10, "its orders cancelled on shutdown", || sim_open_orders(sim).is_empty()).await;
}

/// The next engine event; panics at `deadline`.
async fn next(events: &mut UnboundedReceiver<EngineEvent>, deadline: Instant) -> EngineEvent {
    let ev = tokio::time::timeout_at(deadline, events.recv()).await;
    ev.expect("timed out waiting for the engine's events").expect("the engine's events ended")
}

#[tokio::test]
async fn on_the_synthetic_market_its_bid_is_filled_as_a_maker_and_offered_back() {
    let sim = sim(true).await;
    let dip = DipBuyer::new(settings("0.001", "0.05", "0.05", "0.003")).unwrap();
    let engine = start(engine_cfg(&sim, None), vec![Box::new(dip)]).await.unwrap();
    let mut events = engine.subscribe_all();
    let deadline = Instant::now() + Duration::from_secs(40);
    let bought = loop {
        if let EngineEvent::Fill(f) = next(&mut events, deadline).await {
            break f;
        }
    };
    assert_eq!((bought.side.clone(), bought.traded_quantity), (Side::Buy, d("0.001")), "{bought:?}");
    assert_eq!(bought.taker_side, Some(TakerSide::Maker), "a post-only bid never takes: {bought:?}");
    // Offered back 0.05 bps above the price paid, rounded up to the cent.
    let want = (bought.traded_price * d("1.000005") / d("0.01")).ceil() * d("0.01");
    loop {
        if let EngineEvent::Order(o) = next(&mut events, deadline).await {
            if o.side == Side::Sell {
                assert_eq!((o.price(), o.quantity), (Some(want), d("0.001")), "{o:?}");
                break;
            }
        }
    }
    assert!(filled(&engine, Side::Buy) <= d("0.003"), "never past max_position");
    stop(engine, &sim).await;
}

#[tokio::test]
async fn a_dip_fills_the_bid_the_bought_quantity_is_sold_back_and_the_bid_returns() {
    let sim = sim(false).await;
    // Someone else's quotes: mid 50000.005.
    sim.with_venue(|x| x.inject_maker("BTC_USD", true, d("49990.01"), d("0.001"), system_now_ms()));
    sim.with_venue(|x| x.inject_maker("BTC_USD", false, d("50010"), d("0.001"), system_now_ms()));
    let dip = DipBuyer::new(settings("0.002", "10", "1.5", "0.002")).unwrap();
    let engine = start(engine_cfg(&sim, None), vec![Box::new(dip)]).await.unwrap();
    let bid = vec![(Side::Buy, d("49950"), d("0.002"))];
    eventually(15, "the bid resting 10 bps under the mid", || own_open(&engine) == bid).await;

    // A seller goes through the other bid and into ours.
    take(&sim, false, d("0.003"));
    eventually(10, "the bought 0.002 offered back at 49957.50", || {
        own_open(&engine) == vec![(Side::Sell, d("49957.5"), d("0.002"))]
    })
    .await;
    assert_eq!(filled(&engine, Side::Buy), d("0.002"));

    // A buyer takes the offer: flat again, the bid returns (no bid in the book since, so it is
    // priced from the last mid the book gave).
    take(&sim, true, d("0.002"));
    eventually(10, "the offer sold and the bid back", || own_open(&engine) == bid).await;
    assert_eq!((filled(&engine, Side::Buy), filled(&engine, Side::Sell)), (d("0.002"), d("0.002")));
    stop(engine, &sim).await;
}
