//! REST errors seen from the engine and its REST client (docs/faults.md, "Limits and
//! errors"): a 42901 storm and 5xx answers (50001). Reads are retried, writes are not, a
//! refused placement is looked up by `client_oid` before it is sent again, and no `client_oid`
//! is ever placed twice.

mod support;

use std::str::FromStr;
use std::time::Duration;

use cdc_engine::clock::SystemClock;
use cdc_engine::engine::{start, EngineHandle, PlaceOutcome, Via};
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::envelope::DataList;
use cdc_engine::protocol::models::BalanceSummary;
use cdc_engine::protocol::requests::{ApiRequest, CancelOrder, CreateOrder, OrderRef, UserBalance};
use cdc_engine::rest::RestClient;
use cdc_sim::exchange::Exchange;
use cdc_sim::SimHandle;
use rust_decimal::Decimal;
use support::*;
use tokio::time::Instant;

const CREATE: &str = "private/create-order";
const LOOKUP: &str = "private/get-order-detail";

/// Requests of `method` that reached the simulator over REST and over the socket.
fn calls(sim: &SimHandle<Exchange>, method: &str) -> (u64, u64) {
    let s = sim.stats();
    (s.rest.get(method).map_or(0, |m| m.accepted), s.ws.get(method).map_or(0, |m| m.accepted))
}

fn order(oid: &str, side: Side, price: i64) -> CreateOrder {
    CreateOrder::limit("BTC_USD", side, Decimal::from(price), Decimal::from_str("0.0010").unwrap(), oid)
}

/// How many times the exchange accepted a placement with this client id.
fn accepted(sim: &SimHandle<Exchange>, oid: &str) -> u32 {
    sim.with_venue(|x| x.accepted_per_client_oid().get(oid).copied().unwrap_or(0))
}

async fn live_engine(sim: &SimHandle<Exchange>) -> EngineHandle {
    let engine = start(engine_cfg(sim, None), Vec::new()).await.unwrap();
    converge(&engine, sim, 10).await;
    engine
}

/// Through a storm of 42901: a placement refused on the socket is looked up (the look-up's own
/// 42901 retried after its method's gate) and sent over REST; refused there, it is looked up
/// again and sent once more only after the create-order gate's 1 s. Refused every time, it
/// ends not placed with the reason. No client id is placed twice, and afterwards the engine
/// trades normally.
#[tokio::test]
async fn a_42901_storm_waits_at_the_gates_places_no_client_oid_twice_and_trading_resumes() {
    let sim = sim(false).await;
    let engine = live_engine(&sim).await;

    // A: refused on the socket and once over REST; its first look-up refused too.
    sim.faults().inject_errors_on(CREATE, 42901, 2);
    sim.faults().inject_errors_on(LOOKUP, 42901, 1);
    let t = Instant::now();
    let outcome = engine.place(order("storm-a", Side::Buy, 40_000)).await;
    let took = t.elapsed();
    assert!(matches!(outcome, PlaceOutcome::Placed { order_id: Some(_), via: Via::Rest }), "{outcome:?}");
    // The look-up's retry waited its gate (1 s), and the REST resend the create gate (1 s).
    assert!(took >= Duration::from_secs(2), "through two closed gates in {took:?}");
    assert_eq!(calls(&sim, CREATE), (2, 1), "socket once, REST twice");
    assert_eq!(calls(&sim, LOOKUP).0, 3, "the refused look-up retried, and one before the resend");
    assert_eq!(accepted(&sim, "storm-a"), 1);

    // B: refused on every attempt: not placed, and the reason says why.
    sim.faults().inject_errors_on(CREATE, 42901, 3);
    let outcome = engine.place(order("storm-b", Side::Buy, 40_001)).await;
    match &outcome {
        PlaceOutcome::NotPlaced(why) => assert!(why.contains("42901") || why.contains("TOO_MANY"), "{why}"),
        other => panic!("refused throughout, yet {other:?}"),
    }
    assert_eq!(calls(&sim, CREATE), (4, 2), "each resend after a look-up that found nothing");
    assert_eq!(accepted(&sim, "storm-b"), 0);
    assert!(engine.state().orders.by_client_oid("storm-b").is_none());

    // After the storm: placed over the socket (once the create gate reopens) and filled.
    let outcome = engine.place(order("after-storm", Side::Sell, 60_000)).await;
    assert!(matches!(outcome, PlaceOutcome::Placed { via: Via::WebSocket, .. }), "{outcome:?}");
    take(&sim, true, Decimal::from_str("0.0010").unwrap());
    converge(&engine, &sim, 10).await;
    assert_eq!(engine.state().fills.total(), 1);
    let placed = sim.with_venue(|x| x.accepted_per_client_oid().clone());
    assert!(placed.values().all(|n| *n == 1), "a client id placed twice: {placed:?}");
    engine.shutdown(true).await.unwrap();
}

/// The REST client retries a read through 50001 (3 attempts in all) and gives up after the
/// third; a write meeting 50001 is sent once.
#[tokio::test]
async fn reads_are_retried_through_50001_and_writes_are_sent_once() {
    let sim = sim(false).await;
    let c = RestClient::new(&sim.rest_url(), Some(creds()), SystemClock::new()).unwrap();
    let balance = UserBalance.method();
    sim.faults().inject_errors_on(balance, 50001, 2);
    let read: Result<DataList<BalanceSummary>, _> = c.call(&UserBalance).await;
    assert!(read.is_ok(), "the third attempt is answered: {read:?}");
    assert_eq!(calls(&sim, balance).0, 3);
    sim.faults().inject_errors_on(balance, 50001, 3);
    let read: Result<DataList<BalanceSummary>, _> = c.call(&UserBalance).await;
    assert_eq!(read.unwrap_err().code(), Some(50001));
    assert_eq!(calls(&sim, balance).0, 6, "no fourth attempt");

    let placed = place_direct(&sim, true, "40000.00", "0.0010", "five-hundred");
    let id = placed["order_id"].as_str().unwrap().to_owned();
    sim.faults().inject_errors_on(CancelOrder::METHOD, 50001, 1);
    let cancel = CancelOrder(OrderRef::OrderId(id.as_str().into()));
    let sent = c.send(CancelOrder::METHOD, cancel.params()).await;
    assert_eq!(sent.unwrap_err().code(), Some(50001));
    assert_eq!(calls(&sim, CancelOrder::METHOD).0, 1, "a write is not retried");
    assert!(sim_open_orders(&sim).contains(&id), "the refused cancel did nothing");
}

/// In the engine, a placement meeting 50001 is looked up by `client_oid` before each resend
/// and placed once; a cancel meeting 50001 is not retried (the order stays open, and the
/// engine's state says so).
#[tokio::test]
async fn a_placement_through_50001_is_looked_up_before_each_resend_and_a_cancel_is_not_retried() {
    let sim = sim(false).await;
    let engine = live_engine(&sim).await;
    sim.faults().inject_errors_on(CREATE, 50001, 2);
    let outcome = engine.place(order("five-hundred", Side::Buy, 40_000)).await;
    let Some(id) = (match outcome {
        PlaceOutcome::Placed { order_id, via: Via::Rest } => order_id,
        other => panic!("{other:?}"),
    }) else {
        panic!("placed without an order id")
    };
    assert_eq!(calls(&sim, CREATE), (2, 1), "socket once, REST twice");
    assert_eq!(calls(&sim, LOOKUP).0, 2, "one look-up before each resend");
    assert_eq!(accepted(&sim, "five-hundred"), 1);

    sim.faults().inject_errors_on(CancelOrder::METHOD, 50001, 1);
    engine.cancel(OrderRef::OrderId(id.as_str().into()));
    converge(&engine, &sim, 5).await;
    // Shutdown joins the cancel's send: a retry would have reached the simulator by then.
    engine.shutdown(true).await.unwrap();
    assert_eq!(calls(&sim, CancelOrder::METHOD), (0, 1), "the cancel was sent once");
    assert!(sim_open_orders(&sim).contains(&id));
}
