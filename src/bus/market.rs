//! (being written) Market data through NATS: the gateway's publishing side and the relay a
//! `--market-from` engine reads. The API below is agreed with `src/cli/ops.rs`.

/// A loopback WebSocket that speaks the exchange's market protocol, fed from NATS.
pub struct Relay {}

impl Relay {
    /// Starts a relay reading the gateway's market data from `nats_url`.
    pub async fn start(_nats_url: &str) -> anyhow::Result<Relay> {
        anyhow::bail!("--market-from is not built yet")
    }

    /// The `ws://127.0.0.1:PORT/...` URL to give the engine as its market WebSocket.
    pub fn ws_url(&self) -> String {
        String::new()
    }

    /// Stops it.
    pub async fn shutdown(self) {}
}
