//! The order router against the simulator (issue 10): a retry that meets 204 DUPLICATE_CLORDID
//! ends as placed with the exchange's order id, and orders over the socket and over REST draw
//! from one order budget.

mod support;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use cdc_engine::clock::SystemClock;
use cdc_engine::engine::router::Router;
use cdc_engine::engine::PlaceOutcome;
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::requests::CreateOrder;
use cdc_engine::rest::RestClient;
use cdc_engine::ws::{spawn, SessionEvent, SessionHandle};
use cdc_sim::exchange::Exchange;
use cdc_sim::venue::Venue;
use cdc_sim::{AckMode, SimHandle};
use rust_decimal::Decimal;
use support::*;

fn rest(sim: &SimHandle<Exchange>) -> Arc<RestClient> {
    Arc::new(RestClient::new(&sim.rest_url(), Some(creds()), SystemClock::new()).expect("rest client"))
}

async fn ready_session(sim: &SimHandle<Exchange>, timeout: Duration) -> SessionHandle {
    let mut cfg = user_session(sim);
    cfg.request_timeout = timeout;
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    handle
}

fn order(oid: &str, price: i64) -> CreateOrder {
    CreateOrder::limit("BTC_USD", Side::Buy, Decimal::from(price), Decimal::from_str("0.0001").unwrap(), oid)
}

/// The simulator's open orders with this client id.
fn sim_orders_with(sim: &SimHandle<Exchange>, oid: &str) -> Vec<String> {
    sim.with_venue(|x| x.open_orders_json(None))
        .iter()
        .filter(|o| o["client_oid"] == oid)
        .filter_map(|o| o["order_id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_retry_that_meets_204_ends_placed_with_the_order_id_and_one_order() {
    let sim = sim(false).await;
    let ws = ready_session(&sim, Duration::from_millis(500)).await;
    let router = Router::new(Some(ws.clone()), rest(&sim));
    // The placement's first answer is lost (it executes; the socket request times out). The
    // look-up that follows misses the order, as when the exchange has not processed it yet,
    // so the router sends it again over REST: that retry meets 204.
    sim.faults().set_acks_for_next(AckMode::Drop, &["private/create-order"], 1);
    sim.faults().inject_errors_on("private/get-order-detail", 40401, 1);
    let outcome = router.place(&order("dup-204", 40_000)).await;

    let attempts = sim.with_venue(|x| x.create_attempts_per_client_oid().get("dup-204").copied());
    assert_eq!(attempts, Some(2), "the retry reached the exchange (and was refused as a duplicate)");
    let accepted = sim.with_venue(|x| x.accepted_per_client_oid().get("dup-204").copied());
    assert_eq!(accepted, Some(1), "placed once only");
    let at_sim = sim_orders_with(&sim, "dup-204");
    assert_eq!(at_sim.len(), 1, "exactly one order at the exchange: {at_sim:?}");
    assert_eq!(
        outcome,
        PlaceOutcome::Placed { order_id: Some(at_sim[0].clone()), via: cdc_engine::engine::Via::Lookup }
    );
    ws.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_and_rest_placements_share_one_order_budget() {
    let sim = sim(false).await;
    let ws = ready_session(&sim, Duration::from_secs(10)).await;
    let rest = rest(&sim);
    // Two routes over one REST client: one through the socket, one REST only.
    let over_ws = Router::new(Some(ws.clone()), rest.clone());
    let over_rest = Router::new(None, rest);
    let mut tasks = Vec::new();
    for i in 0..40 {
        for (route, router) in [("w", over_ws.clone()), ("r", over_rest.clone())] {
            tasks
                .push(tokio::spawn(async move { router.place(&order(&format!("mix-{route}-{i}"), 40_000 - i)).await }));
        }
    }
    for t in tasks {
        let outcome = t.await.unwrap();
        assert!(matches!(outcome, PlaceOutcome::Placed { order_id: Some(_), .. }), "{outcome:?}");
    }
    let stats = sim.stats();
    let method = "private/create-order";
    assert_eq!(stats.ws.get(method).map(|s| (s.accepted, s.refused)), Some((40, 0)), "40 over the socket");
    assert_eq!(stats.rest.get(method).map(|s| (s.accepted, s.refused)), Some((40, 0)), "40 over REST");
    // The REST limit of create-order is 15 per 100 ms; both routes together stay within it.
    let together = stats.combined_max_in_window.get(method).copied().unwrap_or_default();
    assert!(together <= 15, "{together} placements within one 100 ms window over both routes");
    ws.shutdown();
}
