//! What an engine run needs: where the exchange is, whose account, where the journal lives, the
//! risk limits and a few tunables.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::risk::RiskLimits;
use crate::clock::{Clock, SystemClock};
use crate::config::Endpoints;
use crate::protocol::Credentials;

/// Settings of one engine run.
#[derive(Clone)]
pub struct EngineConfig {
    /// REST and WebSocket URLs.
    pub endpoints: Endpoints,
    /// The account.
    pub creds: Credentials,
    /// The journal file; `None` runs without one (no resume on restart).
    pub journal: Option<PathBuf>,
    /// Pre-trade limits.
    pub risk: RiskLimits,
    /// Ask the exchange to cancel this connection's orders when it drops (§6.11). `None`: on
    /// when a strategy runs (an unattended strategy must not leave quotes behind), off otherwise.
    pub cancel_on_disconnect: Option<bool>,
    /// Prefix of every client id of this run (default: derived from the start time).
    pub client_oid_prefix: Option<String>,
    /// Pause after a WebSocket connects (§4.2: 1 s).
    pub connect_pause: Duration,
    /// How long a request over the socket may go unanswered before its outcome counts as
    /// unknown (and an order is looked up by `client_oid`).
    pub request_timeout: Duration,
    /// Finished orders kept in memory.
    pub keep_terminal_orders: usize,
    /// Recent fills kept in memory for de-duplication.
    pub fill_window: usize,
    /// Source of nonces.
    pub clock: Arc<dyn Clock>,
    /// A strategy whose orders are refused this many times in a row (by the risk checks or
    /// the exchange; an unknown outcome does not count) is halted instead of retrying forever.
    pub halt_after_refusals: u32,
    /// Events the broadcast holds for a slow [`subscribe`](super::EngineHandle::subscribe)
    /// reader before it lags ([`subscribe_all`](super::EngineHandle::subscribe_all) never lags).
    pub event_buffer: usize,
}

impl EngineConfig {
    /// Defaults for an account at `endpoints`.
    pub fn new(endpoints: Endpoints, creds: Credentials) -> Self {
        EngineConfig {
            endpoints,
            creds,
            journal: None,
            risk: RiskLimits::default(),
            cancel_on_disconnect: None,
            client_oid_prefix: None,
            connect_pause: Duration::from_secs(1),
            request_timeout: Duration::from_secs(10),
            keep_terminal_orders: 2_000,
            fill_window: 50_000,
            clock: SystemClock::new(),
            halt_after_refusals: 5,
            event_buffer: 8192,
        }
    }
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("endpoints", &self.endpoints)
            .field("creds", &self.creds)
            .field("journal", &self.journal)
            .field("risk", &self.risk)
            .finish()
    }
}
