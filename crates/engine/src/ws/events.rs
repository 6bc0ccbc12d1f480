//! What a session tells its owner, in order.

use std::time::Duration;

use crate::protocol::{ExchangeError, Push};

/// An event of a session's life or a decoded push.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    /// A socket is open (the 1 s pause follows).
    Connected {
        /// How many connections this session has opened so far, this one included.
        connection: u64,
    },
    /// `public/auth` succeeded (user sessions).
    Authenticated,
    /// `public/auth` failed; the session backs off for long before trying again.
    AuthFailed {
        /// The code and its explanation.
        error: Box<ExchangeError>,
        /// When the next attempt comes.
        retry_in: Duration,
    },
    /// The exchange confirmed a channel.
    Subscribed {
        /// The channel name.
        channel: String,
    },
    /// The exchange refused a channel.
    SubscriptionFailed {
        /// The channel name.
        channel: String,
        /// Why.
        error: Box<ExchangeError>,
    },
    /// The answer to `private/set-cancel-on-disconnect`, sent after each auth when the session
    /// is configured for it. Only `active: true` means the exchange will cancel the orders
    /// placed over this connection when it drops.
    CancelOnDisconnect {
        /// Whether the exchange confirmed it for this connection.
        active: bool,
        /// The exchange's reason code, when it refused.
        code: Option<i64>,
        /// The confirmed scope, or why it is not on (the refusal, or that no answer came).
        detail: String,
    },
    /// Authenticated (user) and every desired channel confirmed (or refused for good, which
    /// was reported as [`SessionEvent::SubscriptionFailed`]): the stream is flowing.
    Ready,
    /// Channel data.
    Push(Box<Push>),
    /// A frame that did not decode; logged and skipped.
    Malformed {
        /// What was wrong, with the start of the raw text.
        error: String,
    },
    /// The connection ended (or could not be opened).
    Disconnected {
        /// Why.
        reason: String,
        /// When the next attempt comes.
        retry_in: Duration,
    },
}
