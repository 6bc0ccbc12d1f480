//! Running unattended: the HTTP endpoints an operator's tools read and use, and the signal for
//! operators without tools. [`serve_metrics`] answers `/metrics` (Prometheus text), `/healthz`
//! (the process is up) and `/readyz` (every socket live and reconciled); [`serve_control`]
//! answers the token-protected control endpoint ([`control`]); [`on_kill_signal`] turns SIGUSR1
//! into the kill switch. It serves and forwards; it must NOT decide anything the engine decides.

pub mod control;
pub mod placement;

use std::net::SocketAddr;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use cdc_engine::engine::{Control, EngineHandle};
use tokio::sync::oneshot;

/// A running HTTP server of ours; [`OpsServer::shutdown`] stops it.
pub struct OpsServer {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl OpsServer {
    /// Where it listens (the port the system chose when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops it, waiting for requests in progress.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Binds `addr` and serves `app` until shut down.
pub(crate) async fn serve(addr: SocketAddr, app: Router) -> std::io::Result<OpsServer> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stopped = async move {
            let _ = stopped.await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stopped).await {
            tracing::error!(error = %e, "ops server stopped");
        }
    });
    Ok(OpsServer { addr, stop, task })
}

/// What `/metrics` and `/readyz` read: an engine, or a gateway.
pub trait Probe: Send + Sync + 'static {
    /// The metrics in the Prometheus text format.
    fn encode(&self) -> String;
    /// Why it is not ready, if it is not.
    fn not_ready_because(&self) -> Option<String>;
}

impl Probe for EngineHandle {
    fn encode(&self) -> String {
        self.metrics().encode()
    }
    fn not_ready_because(&self) -> Option<String> {
        self.metrics().not_ready_because()
    }
}

impl Probe for crate::bus::market::metrics::GatewayMetrics {
    fn encode(&self) -> String {
        crate::bus::market::metrics::GatewayMetrics::encode(self)
    }
    fn not_ready_because(&self) -> Option<String> {
        crate::bus::market::metrics::GatewayMetrics::not_ready_because(self)
    }
}

/// Serves `/metrics`, `/healthz` and `/readyz` for `engine` on `addr`.
pub async fn serve_metrics(addr: SocketAddr, engine: EngineHandle) -> std::io::Result<OpsServer> {
    serve_probe(addr, std::sync::Arc::new(engine)).await
}

/// Serves `/metrics`, `/healthz` and `/readyz` of whatever `probe` reads.
pub async fn serve_probe(addr: SocketAddr, probe: std::sync::Arc<dyn Probe>) -> std::io::Result<OpsServer> {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(probe);
    serve(addr, app).await
}

async fn metrics(State(probe): State<std::sync::Arc<dyn Probe>>) -> impl IntoResponse {
    let text = probe.encode();
    ([(header::CONTENT_TYPE, prometheus_client::encoding::prometheus_text::CONTENT_TYPE)], text)
}

async fn readyz(State(probe): State<std::sync::Arc<dyn Probe>>) -> (StatusCode, String) {
    match probe.not_ready_because() {
        None => (StatusCode::OK, "ready\n".into()),
        Some(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}\n")),
    }
}

/// Serves the control endpoint for `engine` on `addr`; every request must carry `token`.
pub async fn serve_control(addr: SocketAddr, token: String, engine: EngineHandle) -> std::io::Result<OpsServer> {
    serve(addr, control::router(token, engine)).await
}

/// SIGUSR1 pulls the kill switch: every strategy halted, this engine's orders cancelled, no
/// new order until an operator resumes through the control endpoint (or the process restarts).
pub fn on_kill_signal(engine: EngineHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut usr1 = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGUSR1; the kill switch signal is off");
                return;
            }
        };
        while usr1.recv().await.is_some() {
            eprintln!("SIGUSR1: kill switch on (every strategy halted, this engine's orders cancelled)");
            let halt = Control::Halt { strategy: None, reason: "SIGUSR1 from the operator".into() };
            if engine.control(halt).await.is_err() {
                return;
            }
        }
    })
}
