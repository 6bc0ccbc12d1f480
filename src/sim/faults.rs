//! Fault injection: the switches the server consults, and the [`Faults`] handle that flips them.
//!
//! Faults change what the network side does (drop, delay, duplicate, corrupt); they must NOT
//! change the venue's state.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::hub::{lock, Ctrl};
use super::shared::Shared;

/// What happens to responses to requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AckMode {
    /// Answer normally.
    #[default]
    Normal,
    /// Execute requests but never answer them.
    Drop,
    /// Answer after this delay.
    Delay(Duration),
}

#[derive(Debug, Default)]
struct ErrorFault {
    code: i64,
    count: u64,
    until: Option<Instant>,
}

/// The switches, read on every request and push.
#[derive(Debug, Default)]
pub struct FaultSwitches {
    ack: Mutex<AckMode>,
    /// Methods the ack mode applies to; empty means every method.
    ack_methods: Mutex<Vec<String>>,
    duplicate: AtomicBool,
    reorder: AtomicBool,
    heartbeats_off: AtomicBool,
    errors: Mutex<ErrorFault>,
}

impl FaultSwitches {
    /// The current acknowledgement mode.
    pub fn ack(&self) -> AckMode {
        *lock(&self.ack)
    }

    /// The acknowledgement mode for one method's answers.
    pub fn ack_for(&self, method: &str) -> AckMode {
        let methods = lock(&self.ack_methods);
        if methods.is_empty() || methods.iter().any(|m| m == method) {
            self.ack()
        } else {
            AckMode::Normal
        }
    }

    /// Whether pushes are sent twice.
    pub fn duplicate(&self) -> bool {
        self.duplicate.load(Ordering::Relaxed)
    }

    /// Whether adjacent pushes are swapped.
    pub fn reorder(&self) -> bool {
        self.reorder.load(Ordering::Relaxed)
    }

    /// Whether heartbeats are sent.
    pub fn heartbeats_on(&self) -> bool {
        !self.heartbeats_off.load(Ordering::Relaxed)
    }

    /// The code to answer this request with instead of executing it, if an error fault is armed.
    pub fn take_error(&self) -> Option<i64> {
        let mut e = lock(&self.errors);
        if e.count > 0 {
            e.count -= 1;
            return Some(e.code);
        }
        match e.until {
            Some(t) if Instant::now() < t => Some(e.code),
            _ => None,
        }
    }
}

/// Malformed frames the `malformed` fault cycles through: cut JSON, not JSON, wrong shapes.
const MALFORMED: [&str; 4] = [
    r#"{"id":-1,"method":"subscribe","code":0,"result":{"channel":"user.order","data":[{"#,
    "this is not json",
    "[]",
    r#"{"id":"x","method":7,"code":"zero"}"#,
];

/// The fault switches of a running simulator (also reachable under `/sim/control/`).
#[derive(Clone)]
pub struct Faults {
    pub(crate) shared: Arc<Shared>,
}

impl Faults {
    fn sw(&self) -> &FaultSwitches {
        &self.shared.faults
    }

    /// Drops every connection now, without a close frame.
    pub fn drop_connections(&self) {
        for conn in self.shared.hub.all() {
            conn.control(Ctrl::Drop);
        }
        self.shared.rest_kill.notify_waiters();
    }

    /// Sets how requests are acknowledged.
    pub fn set_acks(&self, mode: AckMode) {
        *lock(&self.sw().ack_methods) = Vec::new();
        *lock(&self.sw().ack) = mode;
    }

    /// Sets how the answers of these methods only are acknowledged (e.g. drop the acks of
    /// `private/create-order` while order look-ups still answer).
    pub fn set_acks_for(&self, mode: AckMode, methods: &[&str]) {
        *lock(&self.sw().ack_methods) = methods.iter().map(|m| (*m).to_owned()).collect();
        *lock(&self.sw().ack) = mode;
    }

    /// Sends every push twice (`true`) or once.
    pub fn set_duplicate(&self, on: bool) {
        self.sw().duplicate.store(on, Ordering::Relaxed);
    }

    /// Swaps adjacent pushes (`true`) or keeps their order.
    pub fn set_reorder(&self, on: bool) {
        self.sw().reorder.store(on, Ordering::Relaxed);
    }

    /// Sends `count` malformed text frames to every WebSocket connection.
    pub fn send_malformed(&self, count: usize) {
        for conn in self.shared.hub.all() {
            for i in 0..count {
                conn.frame(MALFORMED[i % MALFORMED.len()].to_string());
            }
        }
    }

    /// Answers the next `count` requests with `code` (e.g. 42901 or 50001) without executing them.
    pub fn inject_errors(&self, code: i64, count: u64) {
        let mut e = lock(&self.sw().errors);
        *e = ErrorFault { code, count, until: None };
    }

    /// Answers every request with `code` for `duration`, without executing them.
    pub fn inject_errors_for(&self, code: i64, duration: Duration) {
        let mut e = lock(&self.sw().errors);
        *e = ErrorFault { code, count: 0, until: Some(Instant::now() + duration) };
    }

    /// Sends heartbeats (`true`) or stops sending them.
    pub fn set_heartbeats(&self, on: bool) {
        self.sw().heartbeats_off.store(!on, Ordering::Relaxed);
    }

    /// Turns every fault off.
    pub fn reset(&self) {
        self.set_acks(AckMode::Normal);
        self.set_duplicate(false);
        self.set_reorder(false);
        self.set_heartbeats(true);
        self.inject_errors(0, 0);
    }

    /// Closes every connection and the listener, then listens again on the same port; the
    /// venue keeps its state.
    pub async fn restart(&self) -> std::io::Result<()> {
        super::server::restart(&self.shared).await
    }
}
