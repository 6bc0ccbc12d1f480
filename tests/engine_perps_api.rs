//! A strategy's perpetual order surface through the engine, against the simulator: an OCO of
//! reduce-only take-profit and stop-loss legs protecting a fresh position, an OTOCO bracket,
//! close-position, and a batch.

mod support;

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use cdc_engine::clock::system_now_ms;
use cdc_engine::engine::start;
use cdc_engine::protocol::enums::{OrderStatus, OrderType, Side};
use cdc_engine::protocol::ids::ClientOrderId;
use cdc_engine::protocol::models::Trade;
use cdc_engine::protocol::requests::CreateOrder;
use cdc_engine::strategy::{Context, Refusal, Strategy};
use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::{SimConfig, SimHandle};
use rust_decimal::Decimal;
use support::*;

const PERP: &str = "BTCUSD-PERP";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A quiet simulator whose perpetual book has asks at 50001 and bids at 49999 and 48000.
async fn perp_sim() -> SimHandle<Exchange> {
    let core = Exchange::new(ExchangeConfig { synthetic_market: false, ..ExchangeConfig::default() });
    let sim = cdc_sim::start(SimConfig::new(KEY, SECRET), core).await.expect("sim starts");
    sim.with_venue(|x| {
        x.inject_maker(PERP, false, d("50001.0"), d("5"), system_now_ms());
        x.inject_maker(PERP, true, d("49999.0"), d("5"), system_now_ms());
        x.inject_maker(PERP, true, d("48000.0"), d("5"), system_now_ms());
    });
    sim
}

/// What a test strategy did, for the test to look at.
#[derive(Default)]
struct Seen {
    legs: Option<[ClientOrderId; 2]>,
    refused: Vec<String>,
}

/// Buys `qty` at market when it starts; on its fill, `then` runs.
struct OnFill {
    qty: Decimal,
    bought: Option<ClientOrderId>,
    then: fn(&mut Context<'_>) -> Option<[ClientOrderId; 2]>,
    seen: Arc<Mutex<Seen>>,
}

impl Strategy for OnFill {
    fn name(&self) -> &str {
        "perp-test"
    }

    fn on_start(&mut self, ctx: &mut Context<'_>) {
        self.bought = Some(ctx.submit(CreateOrder::market(PERP, Side::Buy, self.qty, "x")));
    }

    fn on_fill(&mut self, ctx: &mut Context<'_>, fill: &Trade) {
        if fill.client_oid.is_some() && fill.client_oid == self.bought {
            self.bought = None;
            let legs = (self.then)(ctx);
            self.seen.lock().unwrap_or_else(|e| e.into_inner()).legs = legs;
        }
    }

    fn on_refused(&mut self, _ctx: &mut Context<'_>, refusal: &Refusal) {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).refused.push(refusal.reason.clone());
    }
}

fn protect(ctx: &mut Context<'_>) -> Option<[ClientOrderId; 2]> {
    let qty = d("0.1");
    let tp = CreateOrder::trigger(PERP, Side::Sell, OrderType::TakeProfitLimit, qty, d("52000"), Some(d("52000")), "x");
    let sl = CreateOrder::trigger(PERP, Side::Sell, OrderType::StopLoss, qty, d("48500"), None, "x");
    Some(ctx.submit_oco(tp.reduce_only(), sl.reduce_only()))
}

fn close(ctx: &mut Context<'_>) -> Option<[ClientOrderId; 2]> {
    ctx.close_position(PERP, None);
    None
}

fn position(engine: &cdc_engine::engine::EngineHandle) -> Decimal {
    engine.state().positions.get(PERP).map_or(Decimal::ZERO, |p| p.quantity)
}

#[tokio::test]
async fn a_strategy_protects_its_position_with_an_oco_that_the_mark_fires() {
    let sim = perp_sim().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s = OnFill { qty: d("0.1"), bought: None, then: protect, seen: seen.clone() };
    let engine = start(engine_cfg(&sim, None), vec![Box::new(s)]).await.expect("engine starts");
    let legs = || seen.lock().unwrap_or_else(|e| e.into_inner()).legs.clone();
    eventually(10, "the strategy placed its OCO", || legs().is_some()).await;
    let [tp, sl] = legs().unwrap_or_else(|| unreachable!());
    let status = |oid: &ClientOrderId| engine.state().orders.by_client_oid(oid.as_str()).map(|o| o.status);
    eventually(10, "both legs pending at the exchange", || {
        status(&tp) == Some(OrderStatus::Pending) && status(&sl) == Some(OrderStatus::Pending)
    })
    .await;
    assert_eq!(position(&engine), d("0.1"));
    sim.with_venue(|x| x.set_mark(PERP, d("48400"), system_now_ms()));
    eventually(10, "the stop filled, the take-profit cancelled, flat", || {
        status(&sl) == Some(OrderStatus::Filled)
            && status(&tp) == Some(OrderStatus::Canceled)
            && position(&engine).is_zero()
    })
    .await;
    assert!(seen.lock().unwrap_or_else(|e| e.into_inner()).refused.is_empty());
    engine.shutdown(false).await.expect("clean stop");
}

#[tokio::test]
async fn a_strategy_closes_its_position() {
    let sim = perp_sim().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s = OnFill { qty: d("0.2"), bought: None, then: close, seen: seen.clone() };
    let engine = start(engine_cfg(&sim, None), vec![Box::new(s)]).await.expect("engine starts");
    eventually(10, "bought, then closed", || engine.state().fills.total() == 2 && position(&engine).is_zero()).await;
    assert_eq!(sim.with_venue(|x| x.position(PERP)).map(|p| p.quantity), Some(Decimal::ZERO));
    engine.shutdown(false).await.expect("clean stop");
}

/// Sends one batch of two far-away buys when it starts.
struct Batcher {
    seen: Arc<Mutex<Seen>>,
}

impl Strategy for Batcher {
    fn name(&self) -> &str {
        "batcher"
    }

    fn on_start(&mut self, ctx: &mut Context<'_>) {
        let buy = |px: &str| CreateOrder::limit(PERP, Side::Buy, d(px), d("0.01"), "x");
        let ids = ctx.submit_batch(PERP, Vec::new(), vec![buy("40000"), buy("40001")]);
        let legs = [ids[0].clone(), ids[1].clone()];
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).legs = Some(legs);
    }
}

#[tokio::test]
async fn a_strategy_places_a_batch_whose_orders_carry_its_client_ids() {
    let sim = perp_sim().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let engine = start(engine_cfg(&sim, None), vec![Box::new(Batcher { seen: seen.clone() })]).await.expect("starts");
    let legs = || seen.lock().unwrap_or_else(|e| e.into_inner()).legs.clone();
    eventually(10, "the batch sent", || legs().is_some()).await;
    let [a, b] = legs().unwrap_or_else(|| unreachable!());
    let resting = |oid: &ClientOrderId| engine.state().orders.by_client_oid(oid.as_str()).map(|o| o.status);
    eventually(10, "both batch orders resting", || {
        resting(&a) == Some(OrderStatus::Active) && resting(&b) == Some(OrderStatus::Active)
    })
    .await;
    engine.shutdown(false).await.expect("clean stop");
    eventually(10, "cancelled on shutdown like any own order", || sim_open_orders(&sim).is_empty()).await;
}

/// Opens a position with an OTOCO: a marketable buy, then a take-profit / stop-loss pair.
struct Bracket {
    seen: Arc<Mutex<Seen>>,
}

impl Strategy for Bracket {
    fn name(&self) -> &str {
        "bracket"
    }

    fn on_start(&mut self, ctx: &mut Context<'_>) {
        let qty = d("0.1");
        let entry = CreateOrder::limit(PERP, Side::Buy, d("50001"), qty, "x");
        let tp = CreateOrder::trigger(PERP, Side::Sell, OrderType::TakeProfit, qty, d("52000"), None, "x");
        let sl = CreateOrder::trigger(PERP, Side::Sell, OrderType::StopLoss, qty, d("48500"), None, "x");
        let [_, tp, sl] = ctx.submit_otoco(entry, tp.reduce_only(), sl.reduce_only());
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).legs = Some([tp, sl]);
    }
}

#[tokio::test]
async fn an_otoco_opens_a_position_then_its_pair_protects_it() {
    let sim = perp_sim().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let engine = start(engine_cfg(&sim, None), vec![Box::new(Bracket { seen: seen.clone() })]).await.expect("starts");
    let legs = || seen.lock().unwrap_or_else(|e| e.into_inner()).legs.clone();
    eventually(10, "the OTOCO sent", || legs().is_some()).await;
    let [tp, sl] = legs().unwrap_or_else(|| unreachable!());
    let status = |oid: &ClientOrderId| engine.state().orders.by_client_oid(oid.as_str()).map(|o| o.status);
    eventually(10, "the entry filled, the pair waiting", || {
        position(&engine) == d("0.1")
            && status(&tp) == Some(OrderStatus::Pending)
            && status(&sl) == Some(OrderStatus::Pending)
    })
    .await;
    sim.with_venue(|x| x.set_mark(PERP, d("48400"), system_now_ms()));
    eventually(10, "stopped out, the take-profit cancelled", || {
        position(&engine).is_zero()
            && status(&sl) == Some(OrderStatus::Filled)
            && status(&tp) == Some(OrderStatus::Canceled)
    })
    .await;
    engine.shutdown(false).await.expect("clean stop");
}
