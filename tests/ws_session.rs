//! The user WebSocket session against the simulator over real loopback sockets: auth success
//! and classified failures, heartbeats, reconnects, request correlation.

mod support;

use std::str::FromStr;
use std::time::Duration;

use cdc_engine::clock::SystemClock;
use cdc_engine::protocol::codes::CodeClass;
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::envelope::OrderAck;
use cdc_engine::protocol::requests::CreateOrder;
use cdc_engine::protocol::{Credentials, PushData};
use cdc_engine::ws::{spawn, SessionEvent, WsError};
use rust_decimal::Decimal;
use support::*;

#[tokio::test]
async fn authenticates_subscribes_and_places_an_order_over_the_socket() {
    let sim = sim(false).await;
    let (handle, mut rx) = spawn(user_session(&sim));
    wait_for(&mut rx, 10, "authenticated", |e| matches!(e, SessionEvent::Authenticated)).await;
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;

    let order =
        CreateOrder::limit("BTC_USD", Side::Buy, Decimal::from(40000), Decimal::from_str("0.01").unwrap(), "ws-1");
    let resp = handle.call(&order).await.expect("create-order answered");
    let ack: OrderAck = resp.result().unwrap();
    assert_eq!(ack.client_oid.as_deref(), Some("ws-1"));
    let ev = wait_for(&mut rx, 10, "the order's push", |e| {
        matches!(e, SessionEvent::Push(p) if matches!(&p.data, PushData::Orders(o) if o.iter().any(|o| o.client_oid.as_ref().map(|c| c.as_str()) == Some("ws-1"))))
    })
    .await;
    assert!(matches!(ev, SessionEvent::Push(_)));

    // A refusal comes back as the exchange's classified error, not a transport failure.
    let bad = CreateOrder::limit("BTC_USD", Side::Buy, Decimal::from_str("40000.001").unwrap(), Decimal::ONE, "ws-2");
    match handle.call(&bad).await {
        Err(WsError::Exchange(e)) => assert_eq!((e.code, e.class()), (308, CodeClass::Reject)),
        other => panic!("expected 308, got {other:?}"),
    }
    handle.shutdown();
}

async fn auth_failure(mut cfg: cdc_engine::ws::SessionConfig) -> (i64, CodeClass, String, usize) {
    cfg.auth_backoff_base = Duration::from_millis(400);
    cfg.auth_backoff_cap = Duration::from_millis(800);
    let (handle, mut rx) = spawn(cfg);
    let ev = wait_for(&mut rx, 10, "auth failure", |e| matches!(e, SessionEvent::AuthFailed { .. })).await;
    let SessionEvent::AuthFailed { error, retry_in } = ev else { unreachable!() };
    assert!(retry_in >= Duration::from_millis(200), "auth failures back off: {retry_in:?}");
    // Count connection attempts over 2 s: the auth back-off (≥ 200 ms here, ≥ 10 s by default)
    // keeps them few; a reconnect storm would make dozens.
    let mut attempts = 0;
    let end = tokio::time::Instant::now() + Duration::from_secs(2);
    while let Ok(Some(ev)) = tokio::time::timeout_at(end, rx.recv()).await {
        attempts += usize::from(matches!(ev, SessionEvent::Connected { .. }));
        assert!(!matches!(ev, SessionEvent::Ready | SessionEvent::Authenticated));
    }
    handle.shutdown();
    (error.code, error.class(), error.to_string(), attempts)
}

#[tokio::test]
async fn wrong_secret_is_40101_with_its_causes_and_no_reconnect_storm() {
    let sim = sim(false).await;
    let mut cfg = user_session(&sim);
    if let cdc_engine::ws::SessionKind::User { creds, .. } = &mut cfg.kind {
        *creds = Credentials::new(KEY, "the-wrong-secret-value").unwrap();
    }
    let (code, class, text, attempts) = auth_failure(cfg).await;
    assert_eq!((code, class), (40101, CodeClass::Auth));
    assert!(text.contains("header"), "40101 lists its usual causes: {text}");
    assert!(!text.contains("the-wrong-secret-value") && !text.contains(SECRET));
    assert!(attempts <= 6, "{attempts} attempts in 2 s");
}

#[tokio::test]
async fn a_skewed_clock_is_40102_classed_as_clock() {
    let sim = sim(false).await;
    let mut cfg = user_session(&sim);
    cfg.clock = SystemClock::with_offset(-120_000);
    let (code, class, text, attempts) = auth_failure(cfg).await;
    assert_eq!((code, class), (40102, CodeClass::Clock));
    assert!(text.contains("60"), "{text}");
    assert!(attempts <= 6, "{attempts} attempts in 2 s");
}

#[test]
fn default_auth_backoff_allows_at_most_a_few_attempts_a_minute() {
    let cfg = cdc_engine::ws::SessionConfig::user("ws://127.0.0.1:1/exchange/v1/user", creds());
    let mut b = cdc_engine::ws::Backoff::new(cfg.auth_backoff_base, cfg.auth_backoff_cap);
    let mut t = Duration::ZERO;
    let mut attempts = 1;
    while t < Duration::from_secs(60) {
        t += b.next_delay();
        attempts += usize::from(t < Duration::from_secs(60));
    }
    assert!(attempts <= 6, "{attempts} attempts in the first minute");
}

#[tokio::test]
async fn survives_twenty_drops_in_a_row_without_hanging_requests() {
    let sim = sim(false).await;
    let cfg = user_session(&sim);
    let cap = cfg.backoff_cap;
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "first ready", |e| matches!(e, SessionEvent::Ready)).await;
    for round in 0..20 {
        // A request in flight when the connection drops must end at once, not at its timeout.
        let h = handle.clone();
        let pending = tokio::spawn(async move { h.request("private/get-open-orders", Default::default()).await });
        sim.faults().drop_connections();
        let ev = wait_for(&mut rx, 10, "disconnect", |e| matches!(e, SessionEvent::Disconnected { .. })).await;
        if let SessionEvent::Disconnected { retry_in, .. } = ev {
            assert!(retry_in <= cap, "round {round}: back-off {retry_in:?} above the cap");
        }
        let result =
            tokio::time::timeout(Duration::from_secs(3), pending).await.expect("request did not hang").unwrap();
        assert!(result.is_ok() || matches!(result, Err(WsError::Disconnected | WsError::NotConnected)), "{result:?}");
        wait_for(&mut rx, 10, "ready again", |e| matches!(e, SessionEvent::Ready)).await;
    }
    let resp = handle.request("private/get-open-orders", Default::default()).await.expect("works after 20 drops");
    assert!(resp.is_ok());
    handle.shutdown();
}

#[tokio::test]
async fn after_shutdown_stopped_returns_once_the_session_task_has_ended() {
    let sim = sim(false).await;
    let (handle, mut rx) = spawn(user_session(&sim));
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    let ended = handle.clone();
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(200), ended.stopped()).await.is_err(),
        "a live session has not stopped"
    );
    handle.shutdown();
    tokio::time::timeout(std::time::Duration::from_secs(5), handle.stopped()).await.expect("stopped after shutdown");
    // The task is gone: its event channel is closed once what it sent is read.
    while rx.recv().await.is_some() {}
}
