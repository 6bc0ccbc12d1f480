//! The listener: one axum router for REST, both WebSockets and `/sim/control`, plus restart.
//!
//! It wires routes to handlers and owns the serving task; it must NOT interpret requests.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use axum::routing::{any, get};
use axum::serve::ListenerExt;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::hub::{Ctrl, Kind};
use super::shared::Shared;
use super::{control, http, ws_conn};

/// Largest request body or WS message accepted; bigger ones are refused, not buffered.
const MAX_MESSAGE: usize = 4 << 20;

/// The running serve loop.
pub struct ServerTask {
    stop_tx: oneshot::Sender<()>,
    join: JoinHandle<()>,
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/exchange/v1/user", get(user_ws))
        .route("/exchange/v1/market", get(market_ws))
        .route("/exchange/v1/{*method}", any(http::rest))
        .nest("/sim/control", control::router())
        .fallback(http::not_found)
        .layer(DefaultBodyLimit::max(MAX_MESSAGE))
        .with_state(shared)
}

async fn user_ws(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    let opened = ws_conn::Opened::now();
    ws.max_message_size(MAX_MESSAGE).on_upgrade(move |socket| ws_conn::run(shared, socket, Kind::User, opened))
}

async fn market_ws(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    let opened = ws_conn::Opened::now();
    ws.max_message_size(MAX_MESSAGE).on_upgrade(move |socket| ws_conn::run(shared, socket, Kind::Market, opened))
}

/// Starts serving on `listener`.
pub fn spawn(shared: Arc<Shared>, listener: TcpListener) -> ServerTask {
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let app = router(shared);
    let join = tokio::spawn(async move {
        let stop = async move {
            let _ = stop_rx.await;
        };
        // Without TCP_NODELAY a small answer written while an earlier push is still unacknowledged
        // waits for the client's delayed ACK (measured: 1 to 24 ms a request on loopback).
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY not set");
            }
        });
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
            tracing::warn!(error = %e, "sim server stopped with an error");
        }
    });
    ServerTask { stop_tx, join }
}

/// Closes every WebSocket with `code`, stops accepting, and waits briefly for HTTP to finish.
pub async fn stop(shared: &Shared, task: ServerTask, code: u16, reason: &'static str) {
    for conn in shared.hub.all() {
        conn.control(Ctrl::Close(code, reason));
    }
    shared.rest_kill.notify_waiters();
    let ServerTask { stop_tx, mut join } = task;
    let _ = stop_tx.send(());
    // Graceful shutdown lets in-flight REST answers out; a client holding a connection open
    // must not block a restart, so give up waiting after a moment.
    if tokio::time::timeout(Duration::from_secs(2), &mut join).await.is_err() {
        join.abort();
    }
}

/// Binds `addr`, retrying briefly while the old socket is released.
pub async fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let mut last = None;
    for _ in 0..50 {
        match TcpListener::bind(addr).await {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(last.unwrap_or_else(|| io::Error::other("bind failed")))
}

/// Restarts the listener on the same address; connections are closed with 1013.
pub async fn restart(shared: &Arc<Shared>) -> io::Result<()> {
    let mut slot = shared.server.lock().await;
    if let Some(task) = slot.take() {
        stop(shared, task, 1013, "server restarting").await;
    }
    let listener = bind(shared.addr).await?;
    *slot = Some(spawn(shared.clone(), listener));
    tracing::info!(addr = %shared.addr, "sim restarted");
    Ok(())
}
