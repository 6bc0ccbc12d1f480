//! (being written) The metrics, health and control endpoints, and the operator's signal.

use std::net::SocketAddr;

use cdc_engine::engine::EngineHandle;

/// A running HTTP server of ours.
pub struct OpsServer {
    addr: SocketAddr,
}

impl OpsServer {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops it.
    pub async fn shutdown(self) {}
}

/// Serves `/metrics`, `/healthz`, `/readyz` for `engine` on `addr`.
pub async fn serve_metrics(addr: SocketAddr, _engine: EngineHandle) -> std::io::Result<OpsServer> {
    Ok(OpsServer { addr })
}

/// Serves the control endpoint for `engine` on `addr`, checking `token`.
pub async fn serve_control(addr: SocketAddr, _token: String, _engine: EngineHandle) -> std::io::Result<OpsServer> {
    Ok(OpsServer { addr })
}

/// SIGUSR1 halts every strategy and cancels this engine's orders.
pub fn on_kill_signal(_engine: EngineHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {})
}
