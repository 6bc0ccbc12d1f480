//! What the engine must never do on its own, against the simulator: start on an instrument the
//! venue does not list, send an order off the venue's ticks, exceed max_open_orders with
//! placements in flight, keep retrying a strategy whose orders are all refused, cancel orders
//! that are not its own unless asked to, or count coins the account already held as a spot
//! position.

mod support;

use cdc_engine::protocol::Channel;
use std::str::FromStr;

use cdc_engine::engine::{start, EngineError, EngineEvent, KillScope, PlaceOutcome, RiskLimits, VenueError};
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::requests::CreateOrder;
use cdc_engine::strategy::ConfigError;
use cdc_sim::venue::Venue;
use rust_decimal::Decimal;
use support::scripted::Scripted;
use support::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn limit(side: Side, price: &str, qty: &str) -> CreateOrder {
    CreateOrder::limit("BTC_USD", side, d(price), d(qty), "set-by-the-engine")
}

fn sim_orders(sim: &cdc_sim::SimHandle<cdc_sim::exchange::Exchange>) -> Vec<serde_json::Value> {
    sim.with_venue(|x| x.open_orders_json(None))
}

#[tokio::test]
async fn an_instrument_the_venue_does_not_list_stops_the_start_with_the_closest_names() {
    let sim = sim(false).await;
    for (name, closest) in [("btc_usd", "BTC_USD"), ("FOO_BAR", "closest listed:")] {
        let (mut s, seen) = Scripted::new("typo");
        s.instruments = vec![name.into()];
        s.at_start = vec![limit(Side::Buy, "40000", "0.001")];
        let err = match start(engine_cfg(&sim, None), vec![Box::new(s)]).await {
            Err(e @ EngineError::Venue(VenueError::Unlisted { .. })) => e.to_string(),
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("{name}: the run started"),
        };
        assert!(err.contains(&format!("{name} is not listed")) && err.contains(closest), "{err}");
        assert_eq!(seen.lock().unwrap().started, 0);
    }
    assert!(sim_orders(&sim).is_empty(), "nothing was sent");
}

#[tokio::test]
async fn configure_gets_the_venue_ticks_and_its_refusal_stops_the_start() {
    let sim = sim(false).await;
    let (mut s, seen) = Scripted::new("picky");
    s.refuse_config = Some(ConfigError::parameter("order_qty", "0.00015 is not a multiple of 0.0001"));
    let Err(err @ EngineError::Strategy { .. }) = start(engine_cfg(&sim, None), vec![Box::new(s)]).await else {
        panic!("the run started")
    };
    let err = err.to_string();
    assert!(err.contains("strategy picky: order_qty 0.00015"), "{err}");
    let got = seen.lock().unwrap().configured.clone();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].price_tick_size, got[0].qty_tick_size), (d("0.01"), d("0.0001")));
}

#[tokio::test]
async fn strategy_orders_go_out_on_the_venue_ticks() {
    let sim = sim(false).await;
    let (mut s, seen) = Scripted::new("offtick");
    s.at_start = vec![limit(Side::Buy, "40000.129", "0.00019"), limit(Side::Sell, "60000.121", "0.00005")];
    let engine = start(engine_cfg(&sim, None), vec![Box::new(s)]).await.unwrap();
    eventually(10, "the rounded order resting", || sim_orders(&sim).len() == 1).await;
    let o = &sim_orders(&sim)[0];
    assert_eq!((o["limit_price"].as_str(), o["quantity"].as_str()), (Some("40000.12"), Some("0.0001")), "{o}");
    eventually(5, "the too-small sell refused", || !seen.lock().unwrap().refusals.is_empty()).await;
    assert!(seen.lock().unwrap().refusals[0].contains("smallest order is 0.0001"));
    engine.shutdown(false).await.unwrap();
}

#[tokio::test]
async fn max_open_orders_holds_with_every_placement_in_flight_at_once() {
    let sim = sim(false).await;
    let mut cfg = engine_cfg(&sim, None);
    cfg.risk = RiskLimits { max_open_orders: Some(3), ..RiskLimits::default() };
    let (mut s, seen) = Scripted::new("burst");
    s.at_start = (0..6).map(|i| limit(Side::Buy, &format!("4000{i}"), "0.001")).collect();
    let engine = start(cfg, vec![Box::new(s)]).await.unwrap();
    eventually(10, "three refusals", || seen.lock().unwrap().refusals.len() == 3).await;
    assert!(seen.lock().unwrap().refusals.iter().all(|r| r.contains("max_open_orders = 3")));
    // The three accepted may still be on their way: wait for them, then for the engine to agree.
    eventually(10, "the three accepted orders resting", || sim_orders(&sim).len() >= 3).await;
    converge(&engine, &sim, 10).await;
    assert_eq!(sim_orders(&sim).len(), 3, "never more than the limit on the exchange");
    engine.shutdown(false).await.unwrap();
}

#[tokio::test]
async fn a_strategy_refused_again_and_again_is_halted_and_its_orders_cancelled() {
    let sim = sim(false).await;
    let mut cfg = engine_cfg(&sim, None);
    cfg.risk = RiskLimits { max_order_notional: Some(d("1000")), ..RiskLimits::default() };
    let (mut stubborn, seen) = Scripted::new("stubborn");
    stubborn.at_start = vec![limit(Side::Buy, "40000", "0.001")];
    stubborn.every_timer = Some(limit(Side::Buy, "40000", "1"));
    stubborn.timer = Some(std::time::Duration::from_millis(60));
    let (mut steady, steady_seen) = Scripted::new("steady");
    steady.timer = Some(std::time::Duration::from_millis(60));
    let engine = start(cfg, vec![Box::new(stubborn), Box::new(steady)]).await.unwrap();
    let mut events = engine.subscribe_all();
    let reason = loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), events.recv()).await {
            Ok(Some(EngineEvent::Halted { strategy, reason })) => {
                assert_eq!(strategy, "stubborn");
                break reason;
            }
            Ok(Some(_)) => {}
            other => panic!("no halt: {other:?}"),
        }
    };
    assert!(reason.contains("5 orders in a row were refused") && reason.contains("notional"), "{reason}");
    eventually(5, "its resting order cancelled", || sim_orders(&sim).is_empty()).await;
    // The other strategy keeps running; the halted one gets nothing more.
    let timers_at_halt = seen.lock().unwrap().timers;
    let steady_at_halt = steady_seen.lock().unwrap().timers;
    eventually(5, "ten more timers of the steady one", || steady_seen.lock().unwrap().timers >= steady_at_halt + 10)
        .await;
    assert_eq!(seen.lock().unwrap().timers, timers_at_halt);
    assert_eq!(seen.lock().unwrap().refusals.len(), 5);
    let summary = engine.shutdown(false).await.unwrap();
    assert_eq!(summary.halted.len(), 1);
}

#[tokio::test]
async fn the_kill_switch_cancels_the_engines_orders_and_only_the_account_scope_cancels_others() {
    let sim = sim(false).await;
    let outside = place_direct(&sim, true, "41000.00", "0.0010", "placed-by-hand");
    let (mut s, _) = Scripted::new("quoter");
    s.at_start = vec![limit(Side::Buy, "40000", "0.001"), limit(Side::Sell, "60000", "0.001")];
    let engine = start(engine_cfg(&sim, None), vec![Box::new(s)]).await.unwrap();
    let manual = engine.place(limit(Side::Buy, "39000", "0.001")).await;
    assert!(matches!(manual, PlaceOutcome::Placed { .. }), "{manual:?}");
    eventually(10, "four orders resting", || sim_orders(&sim).len() == 4).await;
    engine.kill("test: engine scope");
    let outside_id = outside["order_id"].as_str().unwrap().to_owned();
    eventually(5, "only the outside order left", || sim_open_orders(&sim) == [outside_id.clone()].into()).await;
    engine.kill_scope("test: account scope", KillScope::Account);
    eventually(5, "nothing left on the account", || sim_orders(&sim).is_empty()).await;
    engine.shutdown(true).await.unwrap();
}

#[tokio::test]
async fn coins_held_before_the_run_are_no_spot_position() {
    // The README's example limit: 0.5 BTC, on an account that holds 2 BTC already.
    let sim = sim(false).await;
    let mut cfg = engine_cfg(&sim, None);
    cfg.risk.max_position.insert("BTC_USD".into(), d("0.5"));
    let (mut s, seen) = Scripted::new("inventory");
    s.at_start = vec![limit(Side::Buy, "40000", "0.01"), limit(Side::Sell, "60000", "0.01")];
    let engine = start(cfg, vec![Box::new(s)]).await.unwrap();
    eventually(10, "both orders resting", || sim_orders(&sim).len() == 2).await;
    assert!(seen.lock().unwrap().refusals.is_empty(), "{:?}", seen.lock().unwrap().refusals);
    engine.shutdown(false).await.unwrap();
}

#[tokio::test]
async fn two_strategies_on_one_instrument_each_hear_only_of_their_own_orders_fills_refusals_and_position() {
    let sim = sim(false).await;
    let mut cfg = engine_cfg(&sim, None);
    cfg.risk = RiskLimits { max_order_notional: Some(d("1000")), ..RiskLimits::default() };
    let (mut buyer, buyer_seen) = Scripted::new("buyer");
    buyer.at_start = vec![limit(Side::Buy, "49000", "0.01")];
    let (mut seller, seller_seen) = Scripted::new("seller");
    // The second order is refused (notional over 1000): only the seller may hear of it.
    seller.at_start = vec![limit(Side::Sell, "51000", "0.01"), limit(Side::Sell, "51000", "1")];
    let outside = place_direct(&sim, true, "48000.00", "0.0100", "by-hand");
    let engine = start(cfg, vec![Box::new(buyer), Box::new(seller)]).await.unwrap();
    eventually(10, "three orders resting", || sim_orders(&sim).len() == 3).await;
    take(&sim, false, d("0.015")); // fills the buyer's bid, then the outside one
    take(&sim, true, d("0.004")); // fills part of the seller's ask
    converge(&engine, &sim, 10).await;
    eventually(5, "each strategy saw its fill", || {
        !buyer_seen.lock().unwrap().fills.is_empty() && !seller_seen.lock().unwrap().fills.is_empty()
    })
    .await;
    let tag_of = |oid: Option<&cdc_engine::protocol::ids::ClientOrderId>| {
        oid.and_then(|c| cdc_engine::engine::oid::tag_of(c.as_str())).map(str::to_owned)
    };
    for (seen, tag) in [(&buyer_seen, "buyer"), (&seller_seen, "seller")] {
        let s = seen.lock().unwrap();
        assert!(!s.orders.is_empty(), "{tag} heard of its orders");
        assert!(
            s.orders.iter().all(|o| tag_of(o.client_oid.as_ref()).as_deref() == Some(tag)),
            "{tag}: {:?}",
            s.orders
        );
        assert!(s.fills.iter().all(|t| tag_of(t.client_oid.as_ref()).as_deref() == Some(tag)), "{tag}: {:?}", s.fills);
    }
    assert!(buyer_seen.lock().unwrap().refusals.is_empty());
    assert_eq!(seller_seen.lock().unwrap().refusals.len(), 1);
    // Each context shows its strategy's own position, not the account's nor the other's: the
    // buyer's bid filled whole, the seller's ask in part, the outside order is nobody's.
    eventually(5, "each saw its whole fill", || {
        buyer_seen.lock().unwrap().positions.last() == Some(&d("0.01"))
            && seller_seen.lock().unwrap().positions.last() == Some(&d("-0.004"))
    })
    .await;
    assert_eq!(buyer_seen.lock().unwrap().positions[0], Decimal::ZERO, "nothing at start");
    let outside_id = outside["order_id"].as_str().unwrap();
    assert!(engine.state().orders.get(outside_id).is_some(), "the engine itself follows the outside order");
    engine.shutdown(false).await.unwrap();
}

/// The price tick it was shown, whether it saw a valid book, its own open orders at each update.
type Looked = (Option<Decimal>, bool, Vec<usize>);

/// Records what its context shows: the venue's ticks, the book, and its own open orders.
struct Looker {
    seen: std::sync::Arc<std::sync::Mutex<Looked>>,
}

impl cdc_engine::strategy::Strategy for Looker {
    fn name(&self) -> &str {
        "looker"
    }
    fn market_channels(&self) -> Vec<Channel> {
        vec![Channel::book("BTC_USD", 10)]
    }
    fn on_start(&mut self, ctx: &mut cdc_engine::strategy::Context<'_>) {
        self.seen.lock().unwrap().0 = ctx.instrument("BTC_USD").map(|i| i.price_tick_size);
        ctx.submit(limit(Side::Buy, "40000", "0.001"));
    }
    fn on_book(
        &mut self,
        ctx: &mut cdc_engine::strategy::Context<'_>,
        instrument: &str,
        _: &cdc_engine::state::book::OrderBook,
    ) {
        self.seen.lock().unwrap().1 |= ctx.book(instrument).is_some();
    }
    fn on_order(&mut self, ctx: &mut cdc_engine::strategy::Context<'_>, _: &cdc_engine::protocol::models::Order) {
        self.seen.lock().unwrap().2.push(ctx.own_open_orders().len());
    }
}

#[tokio::test]
async fn the_context_shows_the_venues_ticks_the_book_and_only_the_strategys_own_open_orders() {
    let sim = sim(true).await;
    place_direct(&sim, true, "30000.00", "0.0010", "by-hand");
    let seen = std::sync::Arc::new(std::sync::Mutex::new((None, false, Vec::new())));
    let engine = start(engine_cfg(&sim, None), vec![Box::new(Looker { seen: seen.clone() })]).await.unwrap();
    eventually(10, "its order acknowledged and a book seen", || {
        let s = seen.lock().unwrap();
        !s.2.is_empty() && s.1
    })
    .await;
    let s = seen.lock().unwrap().clone();
    assert_eq!(s.0, Some(d("0.01")), "the venue's price tick");
    assert_eq!(s.2[0], 1, "its one order, not the one placed by hand");
    engine.shutdown(false).await.unwrap();
}
