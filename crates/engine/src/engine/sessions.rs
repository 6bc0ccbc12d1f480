//! The writer task's two sockets: the user session (always) and the market session (when a
//! strategy needs market data), set up from the engine's configuration. It must NOT read or
//! apply events: the writer task's loop does.

use tokio::sync::mpsc;

use super::config::EngineConfig;
use crate::protocol::enums::BookSubscriptionType;
use crate::protocol::Channel;
use crate::ws::{self, SessionConfig, SessionEvent, SessionHandle, SessionKind};

/// How long shutdown waits for a session's task to end (it closes its socket first).
const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The sessions part of the writer task.
pub(crate) struct Sessions {
    pub(crate) user: SessionHandle,
    pub(crate) user_rx: mpsc::Receiver<SessionEvent>,
    pub(crate) market: Option<SessionHandle>,
    pub(crate) market_rx: Option<mpsc::Receiver<SessionEvent>>,
}

impl Sessions {
    /// Starts the user session (with cancel-on-disconnect when `cancel_on_disconnect`) and,
    /// when `market_channels` is not empty, the market session.
    pub(crate) fn spawn(cfg: &EngineConfig, market_channels: Vec<Channel>, cancel_on_disconnect: bool) -> Self {
        let mut user_cfg = SessionConfig::user(&cfg.endpoints.user_ws_url, cfg.creds.clone());
        user_cfg.kind = SessionKind::User { creds: cfg.creds.clone(), cancel_on_disconnect };
        user_cfg.channels.push(Channel::UserPositions);
        // Funding payments reach the engine's PnL through the ledger channel (§7.5).
        user_cfg.channels.push(Channel::UserTransactions);
        user_cfg.connect_pause = cfg.connect_pause;
        user_cfg.request_timeout = cfg.request_timeout;
        user_cfg.clock = cfg.clock.clone();
        let (user, user_rx) = ws::spawn(user_cfg);
        let (market, market_rx) = if market_channels.is_empty() {
            (None, None)
        } else {
            let mut m = SessionConfig::market(&cfg.endpoints.market_ws_url, market_channels);
            m.book_subscription_type = Some(BookSubscriptionType::SnapshotAndUpdate);
            m.connect_pause = cfg.connect_pause;
            let (h, rx) = ws::spawn(m);
            (Some(h), Some(rx))
        };
        Sessions { user, user_rx, market, market_rx }
    }

    /// Stops both sessions and waits (bounded) until their tasks have ended.
    pub(crate) async fn shutdown(&self) {
        self.user.shutdown();
        if let Some(m) = &self.market {
            m.shutdown();
        }
        let both = async {
            self.user.stopped().await;
            if let Some(m) = &self.market {
                m.stopped().await;
            }
        };
        if tokio::time::timeout(STOP_WAIT, both).await.is_err() {
            tracing::warn!("a session did not stop within {STOP_WAIT:?}");
        }
    }
}

/// The next market event, or never when there is no market session.
pub(crate) async fn recv_market(rx: &mut Option<mpsc::Receiver<SessionEvent>>) -> Option<SessionEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
