//! Heartbeats (§4.3) against the simulator: a session that answers stays connected for ten
//! intervals; one made to ignore them is closed by the simulator with 1000.
//!
//! These run on the real clock with short intervals. Under `tokio::time::pause()` the runtime
//! auto-advances its clock whenever it is idle, including while a frame is still in flight on a
//! real loopback socket, so a paused-time version fails at random (tried: the session's own
//! 1 s pause and auth timeout fire before the simulator's answer is read). The timing logic on
//! both sides is covered under paused time by unit tests (`sim::heartbeat`, `ws::backoff`).

mod support;

use std::time::Duration;

use cdc_engine::sim::SimConfig;
use cdc_engine::ws::{spawn, SessionEvent};
use support::*;

const INTERVAL: Duration = Duration::from_millis(150);

fn fast_heartbeats() -> SimConfig {
    let mut cfg = SimConfig::new(KEY, SECRET);
    cfg.heartbeat_interval = INTERVAL;
    cfg.heartbeat_timeout = Duration::from_millis(100);
    cfg
}

#[tokio::test]
async fn answered_heartbeats_keep_the_session_for_ten_intervals() {
    let sim = sim_with(fast_heartbeats(), false).await;
    let mut cfg = user_session(&sim);
    cfg.liveness = INTERVAL * 3;
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    // Ten intervals, with a liveness alarm of three intervals: it would fire if the heartbeats
    // stopped coming, so staying connected proves both directions work.
    let end = tokio::time::Instant::now() + INTERVAL * 10 + INTERVAL / 2;
    while let Ok(Some(ev)) = tokio::time::timeout_at(end, rx.recv()).await {
        assert!(!matches!(ev, SessionEvent::Disconnected { .. }), "dropped: {ev:?}");
    }
    assert!(handle.request("private/get-open-orders", Default::default()).await.is_ok());
    handle.shutdown();
}

#[tokio::test]
async fn ignored_heartbeats_get_the_session_closed_by_the_simulator() {
    let sim = sim_with(fast_heartbeats(), false).await;
    let mut cfg = user_session(&sim);
    cfg.answer_heartbeats = false;
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    let started = tokio::time::Instant::now();
    let ev = wait_for(&mut rx, 10, "the simulator's close", |e| matches!(e, SessionEvent::Disconnected { .. })).await;
    let SessionEvent::Disconnected { reason, .. } = ev else { unreachable!() };
    assert!(reason.contains("1000"), "closed with 1000 (§4.6): {reason}");
    // At the third missed heartbeat: about 3 intervals plus the answer window.
    let after = started.elapsed();
    assert!(after >= INTERVAL * 2 && after <= INTERVAL * 12, "{after:?}");
    handle.shutdown();
}
