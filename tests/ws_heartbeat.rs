//! Heartbeats (§4.3) under paused time against the simulator: a session that answers stays
//! connected for ten intervals; one made to ignore them is closed by the simulator with 1000.

mod support;

use std::time::Duration;

use cdc_engine::sim::SimConfig;
use cdc_engine::ws::{spawn, SessionEvent};
use support::*;

fn thirty_second_heartbeats() -> SimConfig {
    let mut cfg = SimConfig::new(KEY, SECRET);
    cfg.heartbeat_interval = Duration::from_secs(30);
    cfg.heartbeat_timeout = Duration::from_secs(5);
    cfg
}

#[tokio::test(start_paused = true)]
async fn answered_heartbeats_keep_the_session_for_ten_intervals() {
    let sim = sim_with(thirty_second_heartbeats(), false).await;
    let (handle, mut rx) = spawn(user_session(&sim));
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    // Ten intervals of simulated time. The 40 s liveness alarm would also fire if the
    // heartbeats stopped coming, so staying connected proves both directions work.
    let end = tokio::time::Instant::now() + Duration::from_secs(10 * 30 + 10);
    while let Ok(Some(ev)) = tokio::time::timeout_at(end, rx.recv()).await {
        assert!(!matches!(ev, SessionEvent::Disconnected { .. }), "dropped: {ev:?}");
    }
    assert!(handle.request("private/get-open-orders", Default::default()).await.is_ok());
    handle.shutdown();
}

#[tokio::test(start_paused = true)]
async fn ignored_heartbeats_get_the_session_closed_by_the_simulator() {
    let sim = sim_with(thirty_second_heartbeats(), false).await;
    let mut cfg = user_session(&sim);
    cfg.answer_heartbeats = false;
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    let started = tokio::time::Instant::now();
    let ev = wait_for(&mut rx, 200, "the simulator's close", |e| matches!(e, SessionEvent::Disconnected { .. })).await;
    let SessionEvent::Disconnected { reason, .. } = ev else { unreachable!() };
    assert!(reason.contains("1000"), "closed with 1000 (§4.6): {reason}");
    // About the third missed heartbeat: 3 × 30 s plus the 5 s answer window.
    let after = started.elapsed();
    assert!(after >= Duration::from_secs(60) && after <= Duration::from_secs(100), "{after:?}");
    handle.shutdown();
}
