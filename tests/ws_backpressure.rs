//! Bounded queues between a session and its reader (issue 11): when the reader lags a whole
//! queue behind, a user session waits (no order update or fill is ever dropped) and a market
//! session drops data pushes (the newest wins; memory stays bounded) and carries on.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use cdc_engine::protocol::{Channel, PushData};
use cdc_engine::ws::{spawn, SessionConfig, SessionEvent};
use support::*;

const QUEUE: usize = 4;

#[tokio::test]
async fn a_lagging_reader_of_the_user_stream_loses_no_order_update() {
    let sim = sim(false).await;
    let mut cfg = user_session(&sim);
    cfg.event_capacity = QUEUE;
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    // Ten times more updates than the queue holds, while nobody reads.
    let oids: HashSet<String> = (0..40).map(|n| format!("bp-{n}")).collect();
    for oid in &oids {
        place_direct(&sim, true, "40000.00", "0.0010", oid);
    }
    eventually(10, "the queue to fill up", || rx.len() == QUEUE).await;
    let mut seen = HashSet::new();
    while seen.len() < oids.len() {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(SessionEvent::Push(p))) => {
                assert!(rx.len() <= QUEUE, "the queue stays bounded");
                if let PushData::Orders(orders) = &p.data {
                    seen.extend(orders.iter().filter_map(|o| o.client_oid.as_ref().map(|c| c.to_string())));
                }
            }
            Ok(Some(_)) => {}
            other => panic!("{} of {} order updates arrived, then {other:?}", seen.len(), oids.len()),
        }
    }
    assert_eq!(seen, oids, "every order update arrived");
    assert_eq!(handle.dropped_pushes(), 0, "a user session never drops");
    handle.shutdown();
}

#[tokio::test]
async fn a_lagging_reader_of_market_data_drops_old_pushes_and_gets_new_ones() {
    let sim = sim(true).await;
    let mut cfg = SessionConfig::market(&sim.market_ws_url(), vec![Channel::book("BTC_USD", 10)]);
    cfg.connect_pause = Duration::from_millis(10);
    cfg.event_capacity = QUEUE;
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    eventually(30, "pushes dropped while nobody reads", || handle.dropped_pushes() > 0).await;
    assert!(rx.len() <= QUEUE, "memory stays bounded: {} queued", rx.len());
    // Caught up, the reader gets fresh data again: the session carried on.
    while rx.try_recv().is_ok() {}
    let dropped = handle.dropped_pushes();
    wait_for(&mut rx, 10, "a fresh push", |e| matches!(e, SessionEvent::Push(_))).await;
    assert!(handle.dropped_pushes() >= dropped);
    handle.shutdown();
}
