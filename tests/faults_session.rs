//! The "Sessions" rows of docs/faults.md where the connection ends before the session is
//! ready: a connect that never completes, and drops during the 1 s pause, during auth and
//! during subscribe. Real loopback sockets, with short timeouts instead of paused time; the
//! simulator's counters show what reached it.

mod support;

use std::time::Duration;

use cdc_engine::ws::{spawn, SessionConfig, SessionEvent, WsError};
use cdc_sim::AckMode;
use support::*;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::{timeout, Instant};

fn is_disconnected(e: &SessionEvent) -> bool {
    matches!(e, SessionEvent::Disconnected { .. })
}

fn subscribed(events: &[SessionEvent]) -> Vec<String> {
    let mut out: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Subscribed { channel } => Some(channel.clone()),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// A server that accepts the TCP connection but never answers the WebSocket handshake: the
/// attempt ends at `connect_timeout` as "timed out", is reported as `Disconnected` with the
/// normal back-off, and is made again (timing out again, with a longer back-off). A request
/// made meanwhile ends at once with `NotConnected` (nothing was sent), while the attempt still
/// hangs: it does not wait out the connect.
#[tokio::test]
async fn a_connect_that_never_completes_times_out_and_is_tried_again_after_the_back_off() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}/exchange/v1/user", listener.local_addr().expect("addr"));
    let (accepted_tx, mut accepted) = mpsc::unbounded_channel();
    let server = tokio::spawn(async move {
        // Held, not closed: a closed socket would fail the attempt instead of stalling it.
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
            let _ = accepted_tx.send(());
        }
    });
    let mut cfg = SessionConfig::user(&url, creds());
    cfg.connect_timeout = Duration::from_secs(1);
    let started = Instant::now();
    let (handle, mut rx) = spawn(cfg);
    timeout(Duration::from_secs(5), accepted.recv()).await.expect("first attempt").expect("listener");
    let h = handle.clone();
    let request = tokio::spawn(async move { h.request("private/get-open-orders", Default::default()).await });
    let result = timeout(Duration::from_secs(5), request).await.expect("the request ended").expect("task");
    assert!(matches!(result, Err(WsError::NotConnected)), "{result:?}");
    assert!(rx.try_recv().is_err(), "answered only once the attempt had ended");

    let first = until(&mut rx, 5, "the first attempt to end", is_disconnected).await;
    assert!(started.elapsed() >= Duration::from_secs(1), "ended before connect_timeout: {first:?}");
    assert!(!first.iter().any(|e| matches!(e, SessionEvent::Connected { .. })), "{first:?}");
    let Some(SessionEvent::Disconnected { reason, retry_in }) = first.last().cloned() else { unreachable!() };
    assert_eq!(reason, format!("connecting to {url} timed out"));
    assert!(retry_in <= Duration::from_millis(100), "the normal back-off's first pause: {retry_in:?}");

    timeout(Duration::from_secs(5), accepted.recv()).await.expect("a second attempt").expect("listener");
    let second = until(&mut rx, 5, "the second attempt to end", is_disconnected).await;
    let Some(SessionEvent::Disconnected { reason, retry_in }) = second.last().cloned() else { unreachable!() };
    assert_eq!(reason, format!("connecting to {url} timed out"));
    // Never ready, so the back-off was not reset: the second pause is drawn from 200 ms.
    assert!(retry_in >= Duration::from_millis(100) && retry_in <= Duration::from_millis(200), "{retry_in:?}");

    handle.shutdown();
    server.abort();
}

/// A drop during the 1 s pause after connecting: a request made in the pause is refused at
/// once with `NotConnected` and never reaches the exchange; the session reconnects with the
/// back-off and pauses a full second again before it authenticates.
#[tokio::test]
async fn a_drop_during_the_pause_sends_nothing_and_the_new_connection_pauses_again() {
    let sim = sim(false).await;
    let mut cfg = user_session(&sim);
    cfg.connect_pause = Duration::from_secs(1);
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "the first connection", |e| matches!(e, SessionEvent::Connected { connection: 1 })).await;
    let result = handle.request("private/get-open-orders", Default::default()).await;
    assert!(matches!(result, Err(WsError::NotConnected)), "{result:?}");

    // The simulator registers a connection just after the handshake; drop it once it has.
    eventually(5, "the simulator to see the connection", || sim.connections() == 1).await;
    sim.faults().drop_connections();
    let first = until(&mut rx, 5, "the drop", is_disconnected).await;
    // Still in the pause when it dropped: the session had not even sent its auth.
    assert_eq!(ws_count(&sim, "public/auth"), 0, "{first:?}");
    assert!(!first.iter().any(|e| matches!(e, SessionEvent::Authenticated)), "{first:?}");

    let second = until(&mut rx, 10, "ready on the new connection", |e| matches!(e, SessionEvent::Ready)).await;
    let connected = second.iter().position(|e| matches!(e, SessionEvent::Connected { connection: 2 }));
    let authed = second.iter().position(|e| matches!(e, SessionEvent::Authenticated));
    assert!(connected.is_some() && authed > connected, "{second:?}");
    let stats = sim.stats();
    // Nothing reached the simulator within the first second of either connection.
    assert_eq!(stats.ws_user_early, 0, "{stats:?}");
    assert_eq!(ws_count(&sim, "public/auth"), 1);
    assert_eq!(ws_count(&sim, "private/get-open-orders"), 0, "the refused request was never sent");
    handle.shutdown();
}

/// A drop while `public/auth` awaits its answer: nothing past auth has happened (no channel,
/// no `Ready`, so no reconciliation), and the new connection authenticates again before it
/// subscribes and reports `Ready`.
#[tokio::test]
async fn a_drop_during_auth_reconnects_and_authenticates_again_before_ready() {
    let sim = sim(false).await;
    // The first auth is carried out but its answer is lost; later ones are answered.
    sim.faults().set_acks_for_next(AckMode::Drop, &["public/auth"], 1);
    let cfg = user_session(&sim);
    let auth_base = cfg.auth_backoff_base;
    let (handle, mut rx) = spawn(cfg);
    eventually(10, "the first auth to be sent", || ws_count(&sim, "public/auth") == 1).await;
    sim.faults().drop_connections();
    let first = until(&mut rx, 5, "the drop", is_disconnected).await;
    let past_auth = |e: &SessionEvent| {
        matches!(
            e,
            SessionEvent::Authenticated
                | SessionEvent::AuthFailed { .. }
                | SessionEvent::Subscribed { .. }
                | SessionEvent::Ready
        )
    };
    assert!(!first.iter().any(past_auth), "{first:?}");
    let Some(SessionEvent::Disconnected { retry_in, .. }) = first.last().cloned() else { unreachable!() };
    assert!(retry_in < auth_base, "a drop is not an auth failure: {retry_in:?}");
    assert_eq!(ws_count(&sim, "subscribe"), 0);

    let second = until(&mut rx, 10, "ready on the new connection", |e| matches!(e, SessionEvent::Ready)).await;
    let at = |want: fn(&SessionEvent) -> bool| second.iter().position(want);
    let connected = at(|e| matches!(e, SessionEvent::Connected { connection: 2 }));
    let authed = at(|e| matches!(e, SessionEvent::Authenticated));
    let first_channel = at(|e| matches!(e, SessionEvent::Subscribed { .. }));
    assert!(connected.is_some() && authed > connected && first_channel > authed, "{second:?}");
    assert_eq!(ws_count(&sim, "public/auth"), 2);
    assert_eq!(ws_count(&sim, "subscribe"), 1, "only the authenticated connection subscribed");
    handle.shutdown();
}

/// A drop while the subscription is half confirmed: the first connection confirmed two of
/// its three channels and reported no `Ready`; the new connection subscribes to all three
/// again, and `Ready` comes only after each one is confirmed on it.
#[tokio::test]
async fn a_drop_during_subscribe_subscribes_every_channel_again_and_ready_waits_for_all_of_them() {
    let sim = sim(false).await;
    // One channel's confirmation is lost on the first connection.
    sim.faults().set_acks_for_next(AckMode::Drop, &["subscribe"], 1);
    let (handle, mut rx) = spawn(user_session(&sim));
    let mut confirmed = 0;
    let first = until(&mut rx, 10, "two channels confirmed", |e| {
        confirmed += usize::from(matches!(e, SessionEvent::Subscribed { .. }));
        confirmed == 2
    })
    .await;
    sim.faults().drop_connections();
    let mut first_conn = first;
    first_conn.extend(until(&mut rx, 5, "the drop", is_disconnected).await);
    assert_eq!(subscribed(&first_conn).len(), 2, "{first_conn:?}");
    assert!(!first_conn.iter().any(|e| matches!(e, SessionEvent::Ready)), "{first_conn:?}");

    let second = until(&mut rx, 10, "ready on the new connection", |e| matches!(e, SessionEvent::Ready)).await;
    let connected = second.iter().position(|e| matches!(e, SessionEvent::Connected { connection: 2 }));
    let connected = connected.unwrap_or_else(|| panic!("no second connection: {second:?}"));
    assert_eq!(subscribed(&second[connected..]), ["user.balance", "user.order", "user.trade"], "{second:?}");
    assert_eq!(ws_count(&sim, "subscribe"), 2, "one subscribe per connection");
    handle.shutdown();
}
