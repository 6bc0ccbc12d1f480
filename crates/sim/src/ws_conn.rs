//! One WebSocket connection's task: it alone owns the socket, reads requests, writes queued
//! responses and pushes, sends heartbeats and applies the transport faults.
//!
//! The `select!` is biased so that orders (close, drop) and heartbeats go out before queued
//! pushes, and a client's heartbeat answer is read between any two pushes. Request meaning
//! lives in `ws_requests`; this module must NOT interpret requests.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use serde_json::Value;
use tokio::time::{sleep_until, Instant};

use super::envelope::ws_error;
use super::faults::AckMode;
use super::heartbeat::Heartbeat;
use super::hub::{Conn, ConnQueues, Ctrl, Kind, Out};
use super::limits::SecondLimiter;
use super::shared::Shared;
use super::ws_requests;
use cdc_protocol::clock::system_now_ms;

/// §4.5: requests per second per connection.
const USER_RATE: u64 = 150;
const MARKET_RATE: u64 = 100;
/// How long a push held back by the reorder fault waits for a partner.
const REORDER_HOLD: Duration = Duration::from_millis(50);

/// When a connection opened: the moment its upgrade request was read, before the client can
/// know it is connected. So a client that waits a second after connecting is never early, and
/// the pro-rated first second is never shorter than the client can compute.
#[derive(Debug, Clone, Copy)]
pub struct Opened {
    at: Instant,
    wall_ms: u64,
}

impl Opened {
    /// Stamps the connection as opened at this moment (monotonic and wall clock).
    pub fn now() -> Self {
        Opened { at: Instant::now(), wall_ms: system_now_ms() }
    }
}

/// Per-connection state the task owns.
pub struct ConnState {
    /// Heartbeat bookkeeping.
    pub hb: Heartbeat,
    /// Request rate per calendar second.
    pub limiter: SecondLimiter,
    /// When the connection opened (requests in the second after it are counted, §4.2).
    pub opened: Instant,
    held: Option<(String, Instant)>,
}

/// Serves one upgraded connection until it ends, then tells the venue (cancel-on-disconnect).
pub async fn run(shared: Arc<Shared>, mut socket: WebSocket, kind: Kind, opened: Opened) {
    let (conn, queues) = shared.hub.register(kind);
    let rate = shared.cfg.ws_rate_per_second.unwrap_or(if kind == Kind::User { USER_RATE } else { MARKET_RATE });
    let mut st = ConnState {
        hb: Heartbeat::new(shared.cfg.heartbeat_interval, shared.cfg.heartbeat_timeout),
        limiter: SecondLimiter::new(rate, opened.wall_ms),
        opened: opened.at,
        held: None,
    };
    tracing::debug!(conn = conn.id, ?kind, "ws connected");
    serve(&shared, &conn, &mut socket, queues, &mut st).await;
    shared.hub.unregister(conn.id);
    if kind == Kind::User {
        shared.run(|v| v.connection_closed(conn.id, system_now_ms()));
    }
    tracing::debug!(conn = conn.id, "ws closed");
}

async fn serve(shared: &Arc<Shared>, conn: &Arc<Conn>, socket: &mut WebSocket, mut q: ConnQueues, st: &mut ConnState) {
    loop {
        let hb_deadline = st.hb.deadline();
        let flush_at = st.held.as_ref().map(|(_, t)| *t);
        let step = tokio::select! {
            biased;
            ctrl = q.ctrl_rx.recv() => match ctrl {
                Some(Ctrl::Close(code, reason)) => close(socket, code, reason).await,
                Some(Ctrl::Drop) | None => Err(()),
            },
            _ = st.hb.interval.tick() => {
                match st.hb.on_tick(shared.faults.heartbeats_on()) {
                    (_, true) => close(socket, 1000, "heartbeat not answered").await,
                    (Some(frame), false) => send(socket, frame).await,
                    (None, false) => Ok(()),
                }
            }
            _ = sleep_until(hb_deadline.unwrap_or_else(Instant::now)), if hb_deadline.is_some() => {
                if st.hb.expire() { close(socket, 1000, "heartbeat not answered").await } else { Ok(()) }
            }
            msg = socket.recv() => match msg {
                Some(Ok(msg)) => on_message(shared, conn, socket, st, msg).await,
                Some(Err(_)) | None => Err(()),
            },
            out = q.out_rx.recv() => match out {
                Some(out) => write_out(shared, socket, st, out).await,
                None => Err(()),
            },
            _ = sleep_until(flush_at.unwrap_or_else(Instant::now)), if flush_at.is_some() => {
                match st.held.take() { Some((text, _)) => send(socket, text).await, None => Ok(()) }
            }
        };
        if step.is_err() {
            return;
        }
    }
}

async fn send(socket: &mut WebSocket, text: String) -> Result<(), ()> {
    socket.send(Message::Text(text.into())).await.map_err(|_| ())
}

/// Sends a close frame; the connection ends either way.
async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) -> Result<(), ()> {
    let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
    Err(())
}

/// Writes one queued frame, applying the duplicate and reorder faults to pushes.
async fn write_out(shared: &Shared, socket: &mut WebSocket, st: &mut ConnState, out: Out) -> Result<(), ()> {
    let text = match out {
        Out::Frame(text) => return send(socket, text).await,
        Out::Push(text) => text,
    };
    let copies = if shared.faults.duplicate() { 2 } else { 1 };
    if shared.faults.reorder() {
        match st.held.take() {
            None => {
                st.held = Some((text, Instant::now() + REORDER_HOLD));
                return Ok(());
            }
            Some((earlier, _)) => {
                for _ in 0..copies {
                    send(socket, text.clone()).await?;
                }
                return send(socket, earlier).await;
            }
        }
    }
    for _ in 0..copies {
        send(socket, text.clone()).await?;
    }
    Ok(())
}

async fn on_message(
    shared: &Arc<Shared>,
    conn: &Arc<Conn>,
    socket: &mut WebSocket,
    st: &mut ConnState,
    msg: Message,
) -> Result<(), ()> {
    let replies = match msg {
        Message::Text(text) => ws_requests::handle(shared, conn, st, text.as_str()),
        // The protocol is JSON text; a binary frame is answered like any malformed request.
        Message::Binary(bytes) => vec![ws_error(&String::from_utf8_lossy(&bytes))],
        Message::Ping(_) | Message::Pong(_) => Vec::new(),
        Message::Close(_) => return Err(()),
    };
    for reply in replies {
        acknowledge(shared, conn, socket, reply).await?;
    }
    Ok(())
}

/// Sends a response, unless the ack fault drops or delays it.
async fn acknowledge(shared: &Shared, conn: &Arc<Conn>, socket: &mut WebSocket, reply: Value) -> Result<(), ()> {
    let method = reply.get("method").and_then(Value::as_str).unwrap_or_default();
    match shared.faults.ack_for(method) {
        AckMode::Normal => send(socket, reply.to_string()).await,
        AckMode::Drop => Ok(()),
        AckMode::Delay(d) => {
            let conn = conn.clone();
            tokio::spawn(async move {
                tokio::time::sleep(d).await;
                conn.frame(reply.to_string());
            });
            Ok(())
        }
    }
}
