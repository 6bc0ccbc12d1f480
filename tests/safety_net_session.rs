//! The WebSocket session's safety net (issue 10) against the simulator over loopback: the
//! cancel-on-disconnect answer is checked, and requests are paced within the per-connection
//! limits of both servers so that a burst waits instead of meeting 42901.

mod support;

use std::time::Duration;

use cdc_engine::ws::{spawn, SessionConfig, SessionEvent, SessionKind};
use cdc_sim::AckMode;
use serde_json::Map;
use support::*;
use tokio::time::Instant;

fn with_cod(mut cfg: SessionConfig) -> SessionConfig {
    cfg.kind = SessionKind::User { creds: creds(), cancel_on_disconnect: true };
    cfg
}

/// Waits for the session's cancel-on-disconnect report: (active, code, detail).
async fn cod_report(rx: &mut tokio::sync::mpsc::Receiver<SessionEvent>) -> (bool, Option<i64>, String) {
    match wait_for(rx, 10, "the cancel-on-disconnect report", |e| matches!(e, SessionEvent::CancelOnDisconnect { .. }))
        .await
    {
        SessionEvent::CancelOnDisconnect { active, code, detail } => (active, code, detail),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_refused_cancel_on_disconnect_is_reported_and_never_claimed() {
    let sim = sim(false).await;
    sim.faults().inject_errors_on("private/set-cancel-on-disconnect", 40001, 1);
    let (handle, mut rx) = spawn(with_cod(user_session(&sim)));
    let (active, code, detail) = cod_report(&mut rx).await;
    assert!(!active, "{detail}");
    assert_eq!(code, Some(40001));
    assert!(detail.contains("40001"), "the reason code is in the report: {detail}");
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    assert!(!handle.cancel_on_disconnect_active(), "a refused protection is not claimed");

    // On the next connection the exchange agrees: now, and only now, it is on.
    sim.faults().drop_connections();
    let (active, code, detail) = cod_report(&mut rx).await;
    assert!(active && code.is_none(), "{detail}");
    assert!(handle.cancel_on_disconnect_active());
    handle.shutdown();
}

#[tokio::test]
async fn an_unanswered_cancel_on_disconnect_is_reported_after_the_request_timeout() {
    let sim = sim(false).await;
    sim.faults().set_acks_for(AckMode::Drop, &["private/set-cancel-on-disconnect"]);
    let mut cfg = with_cod(user_session(&sim));
    cfg.request_timeout = Duration::from_millis(600);
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    let asked = Instant::now();
    let (active, code, detail) = cod_report(&mut rx).await;
    assert!(!active && code.is_none(), "{detail}");
    assert!(detail.contains("no answer"), "{detail}");
    assert!(asked.elapsed() < Duration::from_secs(2), "reported at its timeout, not later");
    assert!(!handle.cancel_on_disconnect_active());
    handle.shutdown();
}

/// Fires `n` requests of `method` at once and checks that every one was answered with code 0.
async fn burst(handle: &cdc_engine::ws::SessionHandle, method: &'static str, n: usize) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let h = handle.clone();
            tokio::spawn(async move { h.request(method, Map::new()).await })
        })
        .collect();
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.is_ok(), "{method}: {r:?}");
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_the_user_socket_waits_for_the_limit_instead_of_meeting_42901() {
    let sim = sim(false).await;
    let (handle, mut rx) = spawn(user_session(&sim));
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    let took = burst(&handle, "private/get-open-orders", 400).await;
    let stats = sim.stats();
    let s = &stats.ws["private/get-open-orders"];
    assert_eq!((s.accepted, s.refused), (400, 0));
    assert!(stats.ws.values().all(|s| s.refused == 0), "{:?}", stats.ws);
    assert!(stats.ws_user_max_per_second <= 150, "{}", stats.ws_user_max_per_second);
    // 150 a second at most: 400 requests span at least two second boundaries.
    assert!(took >= Duration::from_secs(2), "not paced: {took:?}");
    handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_the_market_socket_keeps_to_its_lower_limit() {
    let sim = sim(false).await;
    let mut cfg = SessionConfig::market(&sim.market_ws_url(), Vec::new());
    cfg.connect_pause = Duration::from_millis(100);
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    let took = burst(&handle, "public/get-instruments", 250).await;
    let stats = sim.stats();
    let s = &stats.ws["public/get-instruments"];
    assert_eq!((s.accepted, s.refused), (250, 0));
    assert!(stats.ws_market_max_per_second <= 100, "{}", stats.ws_market_max_per_second);
    assert!(took >= Duration::from_secs(2), "not paced: {took:?}");
    handle.shutdown();
}
