//! How a session connects and behaves. Defaults follow the reference: 1 s pause after connect
//! (§4.2), 40 s liveness (§4.3), back-off 100 ms doubling to 30 s (§4.6).

use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::protocol::enums::BookSubscriptionType;
use crate::protocol::{Channel, Credentials};

/// Which server a session talks to.
#[derive(Clone, Debug)]
pub enum SessionKind {
    /// The user API: authenticates, private requests, `user.*` channels.
    User {
        /// The account's credentials.
        creds: Credentials,
        /// Send `private/set-cancel-on-disconnect` after each auth (§6.11).
        cancel_on_disconnect: bool,
    },
    /// The market data API: no auth.
    Market,
}

/// A session's settings.
#[derive(Clone)]
pub struct SessionConfig {
    /// `wss://…/exchange/v1/user` or `…/market` (or `ws://` for the simulator).
    pub url: String,
    /// User or market.
    pub kind: SessionKind,
    /// Channels to keep subscribed across reconnects.
    pub channels: Vec<Channel>,
    /// Book subscription type, for `book.*` channels.
    pub book_subscription_type: Option<BookSubscriptionType>,
    /// Book update frequency in ms, for `book.*` channels.
    pub book_update_frequency: Option<u64>,
    /// Pause after connecting before sending anything.
    pub connect_pause: Duration,
    /// No frame for this long forces a reconnect.
    pub liveness: Duration,
    /// Timeout of one request (auth, subscribe, private requests).
    pub request_timeout: Duration,
    /// Timeout of opening the socket.
    pub connect_timeout: Duration,
    /// First reconnect pause.
    pub backoff_base: Duration,
    /// Longest reconnect pause.
    pub backoff_cap: Duration,
    /// First pause after an auth or clock failure; these never spin.
    pub auth_backoff_base: Duration,
    /// Longest pause after auth failures.
    pub auth_backoff_cap: Duration,
    /// Source of nonces.
    pub clock: Arc<dyn Clock>,
    /// Answer server heartbeats (always, in real use). Tests turn it off to prove that the
    /// server drops a session that does not.
    pub answer_heartbeats: bool,
    /// Wire timings for measurement (`cdc-engine bench`); `None` in real use.
    pub wire_trace: Option<Arc<dyn super::WireTrace>>,
    /// How many events wait for the reader at most. When the reader lags that far, a market
    /// session drops data pushes (the newest wins; a book that misses a delta sees the gap and
    /// is fetched afresh), while a user session stops reading the socket until there is room:
    /// an order update or a fill is never dropped.
    pub event_capacity: usize,
}

impl SessionConfig {
    fn with(url: &str, kind: SessionKind) -> Self {
        SessionConfig {
            url: url.to_owned(),
            kind,
            channels: Vec::new(),
            book_subscription_type: None,
            book_update_frequency: None,
            connect_pause: Duration::from_secs(1),
            liveness: Duration::from_secs(40),
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(30),
            auth_backoff_base: Duration::from_secs(20),
            auth_backoff_cap: Duration::from_secs(300),
            clock: SystemClock::new(),
            answer_heartbeats: true,
            wire_trace: None,
            event_capacity: 4096,
        }
    }

    /// A user-API session with the default channels `user.order`, `user.trade`, `user.balance`.
    pub fn user(url: &str, creds: Credentials) -> Self {
        let mut c = Self::with(url, SessionKind::User { creds, cancel_on_disconnect: false });
        c.channels = vec!["user.order".into(), "user.trade".into(), "user.balance".into()];
        c
    }

    /// A market-data session for the given channels.
    pub fn market(url: &str, channels: Vec<Channel>) -> Self {
        let mut c = Self::with(url, SessionKind::Market);
        c.channels = channels;
        c
    }
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("url", &self.url)
            .field("kind", &self.kind)
            .field("channels", &self.channels)
            .finish()
    }
}
