//! Lost answers of the requests that change orders but place none (docs/faults.md,
//! "Acknowledgements"): `private/cancel-order`, `private/cancel-all-orders`,
//! `private/amend-order` and `private/batch-order-request`. Each is executed by the simulator
//! and its answer never comes; the engine must not send it again, and its state must still end
//! as the exchange's, from the `user.order` pushes.

mod support;

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdc_engine::engine::{start, EngineHandle, PlaceOutcome};
use cdc_engine::protocol::enums::{OrderStatus, Side};
use cdc_engine::protocol::requests::{AmendOrder, CreateOrder, OrderRef};
use cdc_engine::strategy::{Context, Strategy};
use cdc_sim::exchange::Exchange;
use cdc_sim::{AckMode, SimHandle};
use rust_decimal::Decimal;
use support::*;

type Act = Box<dyn FnOnce(&mut Context<'_>) + Send>;

/// A strategy that does, on its next timer, what the test hands it: the intents that only a
/// strategy can send (amend, cancel-all, batch) go out through the engine's real path.
#[derive(Clone, Default)]
struct Remote(Arc<Mutex<Vec<Act>>>);

impl Remote {
    fn run(&self, act: impl FnOnce(&mut Context<'_>) + Send + 'static) {
        self.0.lock().unwrap().push(Box::new(act));
    }
}

impl Strategy for Remote {
    fn name(&self) -> &str {
        "remote"
    }
    fn instruments(&self) -> Vec<String> {
        vec!["BTC_USD".into()]
    }
    fn on_timer(&mut self, ctx: &mut Context<'_>) {
        let acts = std::mem::take(&mut *self.0.lock().unwrap());
        for act in acts {
            act(ctx);
        }
    }
    fn timer_interval(&self) -> Option<Duration> {
        Some(Duration::from_millis(20))
    }
}

/// A live engine with the remote strategy; socket requests time out after 500 ms.
async fn setup() -> (SimHandle<Exchange>, EngineHandle, Remote) {
    let sim = sim(false).await;
    let mut cfg = engine_cfg(&sim, None);
    cfg.request_timeout = Duration::from_millis(500);
    cfg.cancel_on_disconnect = Some(false);
    let remote = Remote::default();
    let engine = start(cfg, vec![Box::new(remote.clone())]).await.unwrap();
    converge(&engine, &sim, 10).await;
    (sim, engine, remote)
}

fn buy(oid: &str, price: i64) -> CreateOrder {
    CreateOrder::limit("BTC_USD", Side::Buy, Decimal::from(price), Decimal::from_str("0.0010").unwrap(), oid)
}

/// Places a resting buy through the engine; returns its order id.
async fn rest_a_buy(engine: &EngineHandle, oid: &str, price: i64) -> String {
    match engine.place(buy(oid, price)).await {
        PlaceOutcome::Placed { order_id: Some(id), .. } => id,
        other => panic!("{oid}: {other:?}"),
    }
}

/// How many requests of `method` reached the simulator, over both routes.
fn seen(sim: &SimHandle<Exchange>, method: &str) -> u64 {
    let s = sim.stats();
    s.ws.get(method).map_or(0, |m| m.accepted) + s.rest.get(method).map_or(0, |m| m.accepted)
}

fn status(engine: &EngineHandle, order_id: &str) -> Option<OrderStatus> {
    engine.state().orders.get(order_id).map(|o| o.status)
}

/// Shuts the engine down, which joins every send still running: a resend after the lost
/// answer would have reached the simulator by then. Then `method` must have arrived once.
async fn sent_once(sim: &SimHandle<Exchange>, engine: EngineHandle, method: &str) {
    engine.shutdown(true).await.unwrap();
    assert_eq!(seen(sim, method), 1, "{method} was sent again after its answer was lost");
}

/// A cancel whose answer is lost is not retried, and the order still ends cancelled in the
/// engine's state, from its `user.order` push.
#[tokio::test]
async fn a_lost_cancel_answer_is_not_retried_and_the_push_ends_the_order() {
    let (sim, engine, _) = setup().await;
    let id = rest_a_buy(&engine, "lost-cancel", 40_000).await;
    sim.faults().set_acks_for_next(AckMode::Drop, &["private/cancel-order"], 1);
    engine.cancel(OrderRef::OrderId(id.as_str().into()));
    eventually(5, "the cancel on user.order", || status(&engine, &id) == Some(OrderStatus::Canceled)).await;
    converge(&engine, &sim, 5).await;
    sent_once(&sim, engine, "private/cancel-order").await;
}

/// A cancel-all whose answer is lost is not retried; every order it cancelled ends cancelled.
#[tokio::test]
async fn a_lost_cancel_all_answer_is_not_retried_and_the_pushes_end_the_orders() {
    let (sim, engine, remote) = setup().await;
    let ids = [rest_a_buy(&engine, "lost-all-1", 40_000).await, rest_a_buy(&engine, "lost-all-2", 40_001).await];
    sim.faults().set_acks_for_next(AckMode::Drop, &["private/cancel-all-orders"], 1);
    remote.run(|ctx| ctx.cancel_all(Some("BTC_USD")));
    eventually(5, "both cancels on user.order", || {
        ids.iter().all(|id| status(&engine, id) == Some(OrderStatus::Canceled))
    })
    .await;
    assert!(sim_open_orders(&sim).is_empty());
    converge(&engine, &sim, 5).await;
    sent_once(&sim, engine, "private/cancel-all-orders").await;
}

/// An amend whose answer is lost is not retried; the engine learns the new price and
/// quantity from the order's push.
#[tokio::test]
async fn a_lost_amend_answer_is_not_retried_and_the_push_carries_the_new_price() {
    let (sim, engine, remote) = setup().await;
    let id = rest_a_buy(&engine, "lost-amend", 40_000).await;
    sim.faults().set_acks_for_next(AckMode::Drop, &["private/amend-order"], 1);
    let target = OrderRef::OrderId(id.as_str().into());
    let qty = Decimal::from_str("0.0020").unwrap();
    remote.run(move |ctx| {
        ctx.amend(AmendOrder { target, client_oid: None, new_price: Decimal::from(40_500), new_quantity: qty })
    });
    let amended = |engine: &EngineHandle| {
        engine
            .state()
            .orders
            .get(&id)
            .is_some_and(|o| o.limit_price == Some(Decimal::from(40_500)) && o.quantity == qty)
    };
    eventually(5, "the amended order on user.order", || amended(&engine)).await;
    converge(&engine, &sim, 5).await;
    sent_once(&sim, engine, "private/amend-order").await;
}

/// A batch (the engine's `private/batch-order-request`) whose answer is lost is not retried;
/// its cancel and each create show in the state by their own pushes, by `client_oid`.
#[tokio::test]
async fn a_lost_batch_answer_is_not_retried_and_each_order_shows_by_its_client_oid() {
    let (sim, engine, remote) = setup().await;
    let old = rest_a_buy(&engine, "lost-batch-old", 40_000).await;
    sim.faults().set_acks_for_next(AckMode::Drop, &["private/batch-order-request"], 1);
    let created = Arc::new(Mutex::new(Vec::new()));
    let (target, out) = (OrderRef::OrderId(old.as_str().into()), created.clone());
    remote.run(move |ctx| {
        let ids = ctx.submit_batch("BTC_USD", vec![target], vec![buy("x", 40_010), buy("y", 40_020)]);
        *out.lock().unwrap() = ids.into_iter().map(|c| c.as_str().to_owned()).collect();
    });
    eventually(5, "the batch's cancel and creates on user.order", || {
        let oids = created.lock().unwrap().clone();
        status(&engine, &old) == Some(OrderStatus::Canceled)
            && oids.len() == 2
            && oids.iter().all(|c| engine.state().orders.by_client_oid(c).is_some_and(|o| o.status.is_open()))
    })
    .await;
    assert_eq!(sim_open_orders(&sim).len(), 2);
    let accepted = sim.with_venue(|x| x.accepted_per_client_oid().clone());
    assert!(created.lock().unwrap().iter().all(|c| accepted.get(c) == Some(&1)), "{accepted:?}");
    converge(&engine, &sim, 5).await;
    sent_once(&sim, engine, "private/batch-order-request").await;
}
