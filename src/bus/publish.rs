//! (being written) Publishing an engine's events to JetStream. The API below is agreed with
//! `src/cli/ops.rs`; the body is filled in by the publisher work.

use std::path::PathBuf;
use std::time::Duration;

use cdc_engine::engine::EngineHandle;

/// Where and as whom to publish.
#[derive(Debug, Clone)]
pub struct PublishConfig {
    /// `nats://HOST:PORT`.
    pub url: String,
    /// The account's name in subjects (`cdc.<account>.<kind>.<instrument>`).
    pub account: String,
    /// The engine's journal: fills and order transitions are published from it, so none is
    /// missing from the stream after NATS or the engine was down.
    pub journal: Option<PathBuf>,
}

/// A running publisher.
pub struct Publisher {}

impl Publisher {
    /// Starts publishing `engine`'s events.
    pub async fn start(_cfg: PublishConfig, _engine: &EngineHandle) -> anyhow::Result<Publisher> {
        anyhow::bail!("--publish is not built yet")
    }

    /// Publishes what is still queued (waiting at most `wait`), then stops.
    pub async fn finish(self, _wait: Duration) {}
}

/// The account name used when none is configured: derived from the API key (never the secret).
pub fn default_account(api_key: &str) -> String {
    let _ = api_key;
    "account".to_owned()
}
