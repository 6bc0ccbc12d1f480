//! The relay inside a `--market-from` process: a WebSocket server on loopback that speaks the
//! exchange's market protocol (§4, §5) to the engine's own market session, fed from a gateway
//! through NATS. The engine is not told it is not talking to the exchange: it subscribes,
//! answers heartbeats, checks `u`/`pu` and resubscribes on a gap exactly as it would there.
//!
//! Parts: `conn` (one engine connection: requests, heartbeats, the order of frames), `forward`
//! (one channel: a consistent start from the gateway's snapshot, then its stream) and
//! `upstream` (whether the gateway and NATS are there; when they go, engines are disconnected
//! so that they know their data stopped).
//!
//! It must NOT build books or reorder data: it passes on the gateway's frames as they are.

mod conn;
mod forward;
mod upstream;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// How long a stopping relay waits for its connections to close.
const STOP_WAIT: Duration = Duration::from_secs(3);

/// A loopback WebSocket that speaks the exchange's market protocol, fed from NATS.
pub struct Relay {
    addr: SocketAddr,
    stop_tx: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Relay {
    /// Starts a relay reading the gateway's market data from `nats_url`. It returns at once,
    /// even with NATS or the gateway not there yet: subscriptions then wait for them.
    pub async fn start(nats_url: &str) -> anyhow::Result<Relay> {
        let nats = crate::bus::connect::connect(nats_url, "cdc-engine relay").await?;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.context("the relay cannot listen on loopback")?;
        let addr = listener.local_addr().context("the relay's address")?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let (up_rx, watcher) = upstream::spawn(nats.clone(), nats_url.to_owned());
        let task = tokio::spawn(accept(listener, nats, up_rx, stop_rx, watcher));
        tracing::info!(%addr, nats = nats_url, "market relay listening");
        Ok(Relay { addr, stop_tx, task: Some(task) })
    }

    /// The `ws://127.0.0.1:PORT/...` URL to give the engine as its market WebSocket.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/exchange/v1/market", self.addr)
    }

    /// Stops it: every connection gets a close frame, and the tasks are waited for (bounded).
    pub async fn shutdown(mut self) {
        let _ = self.stop_tx.send(true);
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(STOP_WAIT + Duration::from_secs(1), task).await;
        }
    }
}

impl Drop for Relay {
    /// A relay dropped without `shutdown` still stops serving.
    fn drop(&mut self) {
        let _ = self.stop_tx.send(true);
    }
}

async fn accept(
    listener: TcpListener,
    nats: async_nats::Client,
    up: watch::Receiver<upstream::Upstream>,
    mut stop: watch::Receiver<bool>,
    watcher: JoinHandle<()>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = crate::bus::market::stopped(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    conns.spawn(conn::serve(stream, nats.clone(), up.clone(), stop.clone()));
                }
                Err(e) => {
                    // Out of descriptors, typically: pause rather than spin.
                    tracing::warn!(error = %e, "the market relay cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    let _ = tokio::time::timeout(STOP_WAIT, async { while conns.join_next().await.is_some() {} }).await;
    conns.abort_all();
    watcher.abort();
}
