//! Fault injection: the switches the server consults, and the [`Faults`] handle that flips them.
//!
//! Faults change what the network side does (drop, delay, duplicate, corrupt); they must NOT
//! change the venue's state.

use std::collections::HashMap;
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
    /// How many more answers the ack mode applies to before it reverts to normal; `None`
    /// means every answer until it is changed.
    ack_budget: Mutex<Option<u64>>,
    duplicate: AtomicBool,
    reorder: AtomicBool,
    heartbeats_off: AtomicBool,
    errors: Mutex<ErrorFault>,
    /// Error faults armed for one method only, consulted before the global one.
    method_errors: Mutex<HashMap<String, ErrorFault>>,
}

impl FaultSwitches {
    /// The acknowledgement mode for one method's answers. Each answer it applies to uses up
    /// one of a limited budget (see [`Faults::set_acks_for_next`]).
    pub fn ack_for(&self, method: &str) -> AckMode {
        let methods = lock(&self.ack_methods);
        if !(methods.is_empty() || methods.iter().any(|m| m == method)) {
            return AckMode::Normal;
        }
        let mut ack = lock(&self.ack);
        let mut budget = lock(&self.ack_budget);
        let mode = *ack;
        if mode != AckMode::Normal {
            if let Some(left) = budget.as_mut() {
                *left = left.saturating_sub(1);
                if *left == 0 {
                    *ack = AckMode::Normal;
                    *budget = None;
                }
            }
        }
        mode
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

    /// The code to answer this request of `method` with instead of executing it, if an error
    /// fault is armed for this method or for all.
    pub fn take_error(&self, method: &str) -> Option<i64> {
        if let Some(code) = lock(&self.method_errors).get_mut(method).and_then(ErrorFault::take) {
            return Some(code);
        }
        lock(&self.errors).take()
    }
}

impl ErrorFault {
    fn take(&mut self) -> Option<i64> {
        if self.count > 0 {
            self.count -= 1;
            return Some(self.code);
        }
        match self.until {
            Some(t) if Instant::now() < t => Some(self.code),
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
        self.set_ack_fault(mode, &[], None);
    }

    /// Sets how the answers of these methods only are acknowledged (e.g. drop the acks of
    /// `private/create-order` while order look-ups still answer).
    pub fn set_acks_for(&self, mode: AckMode, methods: &[&str]) {
        self.set_ack_fault(mode, methods, None);
    }

    /// Like [`Faults::set_acks_for`], for the next `count` answers of these methods only (over
    /// REST and WebSocket together); then answers are normal again. E.g. lose the answer of a
    /// first placement but let its retry be answered.
    pub fn set_acks_for_next(&self, mode: AckMode, methods: &[&str], count: u64) {
        self.set_ack_fault(mode, methods, Some(count));
    }

    fn set_ack_fault(&self, mode: AckMode, methods: &[&str], budget: Option<u64>) {
        let sw = self.sw();
        // Same lock order as `ack_for`: methods, mode, budget.
        let mut m = lock(&sw.ack_methods);
        let mut ack = lock(&sw.ack);
        let mut left = lock(&sw.ack_budget);
        *m = methods.iter().map(|m| (*m).to_owned()).collect();
        (*ack, *left) = match budget {
            Some(0) => (AckMode::Normal, None),
            b => (mode, b),
        };
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

    /// Answers the next `count` requests of `method` with `code` without executing them (e.g.
    /// refuse `private/set-cancel-on-disconnect`, or make a look-up miss an order it has).
    pub fn inject_errors_on(&self, method: &str, code: i64, count: u64) {
        let mut m = lock(&self.sw().method_errors);
        m.insert(method.to_owned(), ErrorFault { code, count, until: None });
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
        lock(&self.sw().method_errors).clear();
    }

    /// Closes every connection and the listener, then listens again on the same port; the
    /// venue keeps its state.
    pub async fn restart(&self) -> std::io::Result<()> {
        super::server::restart(&self.shared).await
    }
}
