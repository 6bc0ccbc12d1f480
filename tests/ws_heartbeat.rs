//! Heartbeats (§4.3) under paused time, with the real 30 s interval and 5 s answer window,
//! against the simulator over real loopback sockets.
//!
//! Tokio's paused clock auto-advances whenever the runtime is idle, even while a frame is still
//! in flight on a socket, which makes such tests flaky. Here a spinner task keeps the runtime
//! busy, so the clock never jumps by itself: the test moves it forward in 100 ms steps and lets
//! the sockets settle between steps. Virtual time then passes only as fast as I/O keeps up.

mod support;

use std::time::Duration;
use tokio::sync::mpsc::Receiver;

use cdc_engine::ws::{spawn, SessionEvent};
use cdc_sim::SimConfig;
use support::*;

const STEP: Duration = Duration::from_millis(100);

/// Lets real I/O and every task make progress without moving the clock.
async fn settle() {
    for _ in 0..200 {
        tokio::task::yield_now().await;
    }
}

/// Advances virtual time by `total` in small steps, collecting the session's events.
async fn advance(total: Duration, rx: &mut Receiver<SessionEvent>, seen: &mut Vec<SessionEvent>) {
    let mut passed = Duration::ZERO;
    while passed < total {
        tokio::time::advance(STEP).await;
        settle().await;
        while let Ok(ev) = rx.try_recv() {
            seen.push(ev);
        }
        passed += STEP;
    }
}

async fn ready(rx: &mut Receiver<SessionEvent>) {
    let mut seen = Vec::new();
    for _ in 0..300 {
        advance(STEP, rx, &mut seen).await;
        if seen.iter().any(|e| matches!(e, SessionEvent::Ready)) {
            return;
        }
    }
    panic!("not ready after 30 virtual seconds: {seen:?}");
}

fn spinner() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        loop {
            tokio::task::yield_now().await;
        }
    })
}

fn thirty_second_heartbeats() -> SimConfig {
    let mut cfg = SimConfig::new(KEY, SECRET);
    cfg.heartbeat_interval = Duration::from_secs(30);
    cfg.heartbeat_timeout = Duration::from_secs(5);
    cfg
}

#[tokio::test(start_paused = true)]
async fn answered_heartbeats_keep_the_session_for_ten_intervals_under_paused_time() {
    let spin = spinner();
    let sim = sim_with(thirty_second_heartbeats(), false).await;
    let (handle, mut rx) = spawn(user_session(&sim));
    ready(&mut rx).await;
    let mut seen = Vec::new();
    // Ten 30 s intervals and a little more; the 40 s liveness alarm would fire too if the
    // heartbeats stopped, so staying connected proves both directions.
    advance(Duration::from_secs(10 * 30 + 10), &mut rx, &mut seen).await;
    assert!(!seen.iter().any(|e| matches!(e, SessionEvent::Disconnected { .. })), "dropped: {seen:?}");
    handle.shutdown();
    spin.abort();
}

#[tokio::test(start_paused = true)]
async fn ignored_heartbeats_are_closed_by_the_simulator_under_paused_time() {
    let spin = spinner();
    let sim = sim_with(thirty_second_heartbeats(), false).await;
    let mut cfg = user_session(&sim);
    cfg.answer_heartbeats = false;
    let (handle, mut rx) = spawn(cfg);
    ready(&mut rx).await;
    let mut seen = Vec::new();
    let started = tokio::time::Instant::now();
    while !seen.iter().any(|e| matches!(e, SessionEvent::Disconnected { .. })) {
        assert!(started.elapsed() < Duration::from_secs(200), "never closed: {seen:?}");
        advance(STEP, &mut rx, &mut seen).await;
    }
    let after = started.elapsed();
    let reason = seen.iter().find_map(|e| match e {
        SessionEvent::Disconnected { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    assert!(reason.as_deref().is_some_and(|r| r.contains("1000")), "{reason:?}");
    // The third missed heartbeat (at 90 s) plus its 5 s answer window.
    assert!(after >= Duration::from_secs(85) && after <= Duration::from_secs(100), "{after:?}");
    handle.shutdown();
    spin.abort();
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_is_dropped_at_the_liveness_alarm_and_not_before_then_reconnected() {
    let spin = spinner();
    let sim = sim_with(thirty_second_heartbeats(), false).await;
    // No heartbeats, no market: after the subscribe answers the server sends nothing at all.
    sim.faults().set_heartbeats(false);
    let cfg = user_session(&sim);
    assert_eq!(cfg.liveness, Duration::from_secs(40), "the default alarm (§4.3: 35-40 s)");
    let (handle, mut rx) = spawn(cfg);
    ready(&mut rx).await;
    // The last frame (a subscribe answer) came at most one step before this.
    let silent_since = tokio::time::Instant::now();
    let mut seen = Vec::new();
    advance(Duration::from_secs(39), &mut rx, &mut seen).await;
    assert!(!seen.iter().any(|e| matches!(e, SessionEvent::Disconnected { .. })), "dropped early: {seen:?}");
    while !seen.iter().any(|e| matches!(e, SessionEvent::Disconnected { .. })) {
        assert!(silent_since.elapsed() < Duration::from_secs(45), "never dropped: {seen:?}");
        advance(STEP, &mut rx, &mut seen).await;
    }
    let after = silent_since.elapsed();
    assert!(after >= Duration::from_millis(39_800) && after <= Duration::from_millis(40_300), "{after:?}");
    let reason = seen.iter().find_map(|e| match e {
        SessionEvent::Disconnected { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    assert!(reason.as_deref().is_some_and(|r| r.contains("no frame")), "{reason:?}");
    // And it comes back on a new connection.
    let mut again = Vec::new();
    while !again.iter().any(|e| matches!(e, SessionEvent::Ready)) {
        assert!(silent_since.elapsed() < Duration::from_secs(60), "not back: {again:?}");
        advance(STEP, &mut rx, &mut again).await;
    }
    let reconnected = seen.iter().chain(&again).any(|e| matches!(e, SessionEvent::Connected { connection: 2 }));
    assert!(reconnected, "{seen:?} {again:?}");
    handle.shutdown();
    spin.abort();
}
