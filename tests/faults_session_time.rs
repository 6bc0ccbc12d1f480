//! The docs/faults.md rows about a session's timers and clocks: `public/auth` not answered
//! (request timeout, normal back-off), subscriptions refused with 42901 (asked again after
//! 1 s) or for good, and the wall clock jumping while the session runs. Real loopback sockets,
//! with short timeouts instead of paused time.

mod support;

use std::time::Duration;

use cdc_engine::clock::SystemClock;
use cdc_engine::protocol::codes::CodeClass;
use cdc_engine::ws::{spawn, SessionEvent};
use cdc_sim::AckMode;
use support::*;
use tokio::sync::mpsc::Receiver;
use tokio::time::Instant;

/// Every event that arrives within `window`: for showing that something does NOT happen in
/// a stretch of time (a bounded look, not a way to wait for something).
async fn during(rx: &mut Receiver<SessionEvent>, window: Duration) -> Vec<SessionEvent> {
    let mut seen = Vec::new();
    let end = Instant::now() + window;
    while let Ok(Some(ev)) = tokio::time::timeout_at(end, rx.recv()).await {
        seen.push(ev);
    }
    seen
}

/// The channels and codes of the `SubscriptionFailed` events among `events`.
fn refusals(events: &[SessionEvent]) -> Vec<(String, i64, CodeClass)> {
    let mut out: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::SubscriptionFailed { channel, error } => Some((channel.clone(), error.code, error.class())),
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// `public/auth` sent but never answered: after `request_timeout` the session drops the
/// connection ("no answer to public/auth in time"), reports it as `Disconnected` with the
/// normal back-off (well below the auth back-off: silence is not a refusal), and
/// authenticates on the next connection.
#[tokio::test]
async fn an_unanswered_auth_is_dropped_after_the_request_timeout_and_retried_on_the_normal_back_off() {
    let sim = sim(false).await;
    sim.faults().set_acks_for_next(AckMode::Drop, &["public/auth"], 1);
    let mut cfg = user_session(&sim);
    cfg.request_timeout = Duration::from_millis(500);
    let (pause, auth_base) = (cfg.connect_pause, cfg.auth_backoff_base);
    let started = Instant::now();
    let (handle, mut rx) = spawn(cfg);
    eventually(10, "the first auth to be sent", || ws_count(&sim, "public/auth") == 1).await;
    let sent = Instant::now();
    let first = until(&mut rx, 10, "the drop", |e| matches!(e, SessionEvent::Disconnected { .. })).await;
    // Not before the pause and the request timeout, and not long after the timeout.
    assert!(started.elapsed() >= pause + Duration::from_millis(500), "{first:?}");
    assert!(sent.elapsed() < Duration::from_secs(3), "{first:?}");
    assert!(!first.iter().any(|e| matches!(e, SessionEvent::Authenticated | SessionEvent::AuthFailed { .. })));
    let Some(SessionEvent::Disconnected { reason, retry_in }) = first.last().cloned() else { unreachable!() };
    assert_eq!(reason, "no answer to public/auth in time");
    assert!(retry_in < auth_base / 2, "the normal back-off, not the auth one: {retry_in:?}");
    assert!(retry_in <= Duration::from_millis(100), "{retry_in:?}");

    let second = until(&mut rx, 10, "ready on the new connection", |e| matches!(e, SessionEvent::Ready)).await;
    assert!(second.iter().any(|e| matches!(e, SessionEvent::Connected { connection: 2 })), "{second:?}");
    assert!(second.iter().any(|e| matches!(e, SessionEvent::Authenticated)), "{second:?}");
    assert_eq!(ws_count(&sim, "public/auth"), 2);
    handle.shutdown();
}

/// A subscribe refused with 42901 (rate limit, transient): every refused channel is reported,
/// asked for again about a second later on the same connection, and `Ready` follows once all
/// are confirmed.
#[tokio::test]
async fn channels_refused_with_42901_are_asked_for_again_after_a_second_and_ready_follows() {
    let sim = sim(false).await;
    sim.faults().inject_errors_on("subscribe", 42901, 1);
    let (handle, mut rx) = spawn(user_session(&sim));
    let refused = until(&mut rx, 10, "the refusal", |e| matches!(e, SessionEvent::SubscriptionFailed { .. })).await;
    let refused_at = Instant::now();
    let rest = until(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    // The retry waits 1 s; half of it leaves room for a reader that saw the refusal late.
    assert!(refused_at.elapsed() >= Duration::from_millis(500), "asked again too soon");
    let all: Vec<_> = refused.iter().chain(&rest).cloned().collect();
    let transient = |c: &str| (c.to_owned(), 42901, CodeClass::Transient);
    assert_eq!(refusals(&all), [transient("user.balance"), transient("user.order"), transient("user.trade")]);
    assert!(!all.iter().any(|e| matches!(e, SessionEvent::Disconnected { .. })), "same connection: {all:?}");
    let ready = all.iter().position(|e| matches!(e, SessionEvent::Ready));
    let last_sub = all.iter().rposition(|e| matches!(e, SessionEvent::Subscribed { .. }));
    assert!(last_sub.is_some() && ready > last_sub, "{all:?}");
    assert_eq!(ws_count(&sim, "subscribe"), 2, "the refused request and its retry");
    handle.shutdown();
}

/// A channel refused for good (40003, an unknown instrument): it is reported once as
/// `SubscriptionFailed` and not asked for again on that connection, the request's other
/// channels are confirmed (the refusal is matched to its channel by the message even though it
/// sits in the middle of the request), and `Ready` follows once every channel has its answer, so
/// an engine on this session reconciles and goes live. A new connection asks for it again.
#[tokio::test]
async fn a_channel_refused_for_good_is_reported_once_and_not_asked_for_again() {
    let sim = sim(false).await;
    let mut cfg = user_session(&sim);
    // Sorts between `user.order` and `user.trade`: its refusal is not the request's last answer.
    cfg.channels.push("user.order.NOPE_USD".into());
    let (handle, mut rx) = spawn(cfg);
    let mut seen = until(&mut rx, 10, "the refusal", |e| matches!(e, SessionEvent::SubscriptionFailed { .. })).await;
    // Past the 1 s at which a transient refusal would be asked for again.
    seen.extend(during(&mut rx, Duration::from_millis(1500)).await);
    let failed = refusals(&seen);
    assert_eq!(failed.len(), 1, "{failed:?}");
    let (channel, code, class) = &failed[0];
    assert_eq!((channel.as_str(), *code), ("user.order.NOPE_USD", 40003));
    assert_ne!(*class, CodeClass::Transient);
    let confirmed = seen.iter().filter(|e| matches!(e, SessionEvent::Subscribed { .. })).count();
    assert_eq!(confirmed, 3, "the other channels are confirmed: {seen:?}");
    assert_eq!(ws_count(&sim, "subscribe"), 1, "not asked for again");
    assert!(!seen.iter().any(|e| matches!(e, SessionEvent::Disconnected { .. })), "{seen:?}");
    let ready = seen.iter().filter(|e| matches!(e, SessionEvent::Ready)).count();
    assert_eq!(ready, 1, "Ready once every channel has its answer: {seen:?}");
    // The next connection asks for it again, and is Ready again without it.
    sim.faults().drop_connections();
    let again = until(&mut rx, 10, "ready on the new connection", |e| matches!(e, SessionEvent::Ready)).await;
    assert_eq!(refusals(&again).len(), 1, "{again:?}");
    assert_eq!(ws_count(&sim, "subscribe"), 2);
    handle.shutdown();
}

/// The wall clock jumps two minutes ahead (twice the nonce window) on a live session:
/// requests on the authenticated socket are not signed and keep working, a slow answer
/// included, and no timer fires early (the 40 s liveness alarm runs on the monotonic clock;
/// a wall-clock one would see 120 s of silence). The jump shows at the next auth, after a drop: 40102, class Clock, with
/// the auth back-off. Once the clock is right again the session authenticates.
#[tokio::test]
async fn a_clock_jump_leaves_the_live_socket_working_and_shows_at_the_next_auth() {
    let sim = sim(false).await;
    let clock = SystemClock::with_offset(0);
    let mut cfg = user_session(&sim);
    cfg.clock = clock.clone();
    cfg.auth_backoff_base = Duration::from_millis(400);
    cfg.auth_backoff_cap = Duration::from_millis(800);
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;

    clock.set_offset(120_000);
    // An answer that takes half a second leaves the session with no frame to read after the
    // jump: only its own timers could end the wait, and none may fire.
    sim.faults().set_acks_for(AckMode::Delay(Duration::from_millis(500)), &["private/get-open-orders"]);
    let result = handle.request("private/get-open-orders", Default::default()).await;
    assert!(result.is_ok(), "a slow answer after the jump: {result:?}");
    sim.faults().set_acks(AckMode::Normal);
    for i in 0..20 {
        let result = handle.request("private/get-open-orders", Default::default()).await;
        assert!(result.is_ok(), "request {i} after the jump: {result:?}");
    }
    let meanwhile: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert!(!meanwhile.iter().any(|e| matches!(e, SessionEvent::Disconnected { .. })), "{meanwhile:?}");

    sim.faults().drop_connections();
    let failed = until(&mut rx, 10, "the next auth", |e| matches!(e, SessionEvent::AuthFailed { .. })).await;
    assert!(!failed.iter().any(|e| matches!(e, SessionEvent::Authenticated)), "{failed:?}");
    let Some(SessionEvent::AuthFailed { error, retry_in }) = failed.last().cloned() else { unreachable!() };
    assert_eq!((error.code, error.class()), (40102, CodeClass::Clock));
    assert!(retry_in >= Duration::from_millis(200), "the auth back-off: {retry_in:?}");

    clock.set_offset(0);
    let back = until(&mut rx, 10, "ready with the clock right", |e| matches!(e, SessionEvent::Ready)).await;
    assert!(back.iter().any(|e| matches!(e, SessionEvent::Authenticated)), "{back:?}");
    let result = handle.request("private/get-open-orders", Default::default()).await;
    assert!(result.is_ok(), "{result:?}");
    handle.shutdown();
}
