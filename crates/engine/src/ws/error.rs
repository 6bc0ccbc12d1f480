//! Errors a WebSocket request can end with. A disconnect or a timeout is never a rejection: the
//! request may have taken effect, and order entry must look the order up (§12).

use crate::protocol::ExchangeError;

/// Why a request over the socket did not get an answer we can use.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WsError {
    /// The connection dropped while the request was pending; its outcome is unknown.
    #[error("the connection dropped before the answer; the request's outcome is unknown")]
    Disconnected,
    /// No answer within the timeout; its outcome is unknown.
    #[error("no answer within {0:?}; the request's outcome is unknown")]
    Timeout(std::time::Duration),
    /// There is no live (authenticated) connection right now; nothing was sent.
    #[error("not connected (or not yet authenticated); nothing was sent")]
    NotConnected,
    /// The session has shut down.
    #[error("the session has shut down")]
    Closed,
    /// The exchange answered with a non-zero code.
    #[error(transparent)]
    Exchange(Box<ExchangeError>),
}

impl WsError {
    /// Whether the request may have taken effect (reconcile before retrying).
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, WsError::Disconnected | WsError::Timeout(_))
    }
}
