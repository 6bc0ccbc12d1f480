//! Market data shared through NATS, so that N strategy processes on a machine do not open N
//! market sockets: the [`gateway`](run_gateway) holds the machine's one connection to the
//! exchange and publishes books, trades and tickers; a [`Relay`] inside each `--market-from`
//! process serves them to its engine as the exchange's own market WebSocket would. The subjects
//! and headers they agree on are in [`subjects`]; `docs/gateway.md` tells the whole story.
//!
//! Nothing here trades, holds credentials or decides: it carries public market data.

mod book;
mod feed;
mod gateway;
pub mod metrics;
mod publish;
mod relay;
mod store;
pub mod subjects;

pub use gateway::{run_gateway, GatewayConfig, Report, STATUS_EVERY};
pub use relay::Relay;

/// Resolves once `stop` is true (or its sender is gone). Holds no borrow of the value, so a
/// `select!` arm may await after it in a spawned task.
pub(crate) async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
