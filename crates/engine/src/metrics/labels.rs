//! The label sets of the engine's metrics, and the few words a disconnect reason is sorted
//! into (a label must have few values: the reason text itself goes to the log, not here).

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};

/// Which socket; the variants are the label values, hence lower case.
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
pub enum SocketName {
    /// The private user socket.
    user,
    /// The market data socket.
    market,
}

/// Which socket, as a label set.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SocketLabel {
    /// The socket.
    pub socket: SocketName,
}

/// Index of a socket in per-socket arrays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Socket {
    /// The private user socket.
    User = 0,
    /// The market data socket.
    Market = 1,
}

impl Socket {
    /// As a label set.
    pub fn label(self) -> SocketLabel {
        SocketLabel { socket: if self == Socket::User { SocketName::user } else { SocketName::market } }
    }
}

/// A socket and a channel kind (`user.order`, `book`, `book.update`, `trade`, `ticker`, ...).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Channel {
    /// `user` or `market`.
    pub socket: SocketName,
    /// The channel without its instrument.
    pub channel: String,
}

/// A kind of event or trigger.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Kind {
    /// e.g. `fill`, `order`, `daily_loss`.
    pub kind: String,
}

/// An instrument.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Instrument {
    /// e.g. `BTC_USD`.
    pub instrument: String,
}

/// A placement's outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    /// `placed`, `rejected`, `refused`, `not_placed` or `unknown`.
    pub outcome: String,
}

/// A disconnect: which socket and why, in one word.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SocketCause {
    /// `user` or `market`.
    pub socket: SocketName,
    /// See [`reconnect_cause`].
    pub cause: String,
}

/// An API method.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Method {
    /// e.g. `private/create-order`.
    pub method: String,
}

/// A strategy.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StrategyName {
    /// Its name.
    pub strategy: String,
}

/// A halted strategy and why.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Halt {
    /// Its name.
    pub strategy: String,
    /// Why it was halted.
    pub reason: String,
}

/// Sorts a session's disconnect reason into one word: `silent` (no frame, heartbeats
/// included), `closed_by_server`, `read_error`, `auth`, `requested`, `connect_failed`, `timeout` or
/// `other`.
pub fn reconnect_cause(reason: &str) -> &'static str {
    let r = reason.to_ascii_lowercase();
    let has = |w: &str| r.contains(w);
    if has("heartbeat") || has("no frame") {
        "silent"
    } else if has("closed") {
        "closed_by_server"
    } else if has("read error") || has("write error") || has("reset") {
        "read_error"
    } else if has("auth") {
        "auth"
    } else if has("requested") {
        "requested"
    } else if has("connect") || has("refused") {
        "connect_failed"
    } else if has("timeout") || has("timed out") {
        "timeout"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use super::reconnect_cause;

    #[test]
    fn disconnect_reasons_sort_into_few_words() {
        assert_eq!(reconnect_cause("closed by the server: code 1000 bye"), "closed_by_server");
        assert_eq!(reconnect_cause("the server closed the stream"), "closed_by_server");
        assert_eq!(reconnect_cause("read error: connection reset"), "read_error");
        assert_eq!(reconnect_cause("no answer to public/auth in time"), "auth");
        assert_eq!(reconnect_cause("connect failed: connection refused"), "connect_failed");
        assert_eq!(reconnect_cause("no frame for 35s"), "silent");
        assert_eq!(reconnect_cause("reconnect requested"), "requested");
        assert_eq!(reconnect_cause("connecting to ws://x timed out"), "connect_failed");
        assert_eq!(reconnect_cause("something new"), "other");
    }
}
