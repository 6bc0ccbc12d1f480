//! Wall-clock time for nonces (§2.1: UTC milliseconds within 60 s of the server).
//!
//! Sessions take a [`Clock`] as a parameter so tests can skew it and prove the 40102 path, and
//! so `doctor` can measure the offset. Timers and timeouts use tokio's clock, never this one.
//! [`system_now_ms`] is the library's one read of the wall clock (the engine, doctor, journal and
//! simulator all call it); nothing else here may read the time, and nothing here sleeps.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of UTC milliseconds.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The machine's clock, with an optional correction (e.g. measured against the exchange).
#[derive(Debug, Default)]
pub struct SystemClock {
    offset_ms: AtomicI64,
}

impl SystemClock {
    /// The machine's clock, uncorrected.
    pub fn new() -> Arc<Self> {
        Arc::new(SystemClock::default())
    }

    /// A clock that runs `offset_ms` ahead of the machine (negative: behind).
    pub fn with_offset(offset_ms: i64) -> Arc<Self> {
        Arc::new(SystemClock { offset_ms: AtomicI64::new(offset_ms) })
    }

    /// Changes the correction.
    pub fn set_offset(&self, offset_ms: i64) {
        self.offset_ms.store(offset_ms, Ordering::Relaxed);
    }
}

/// The machine's UTC milliseconds (0 if the clock is before 1970).
pub fn system_now_ms() -> u64 {
    u64::try_from(system_now_ns() / 1_000_000).unwrap_or(u64::MAX)
}

/// The machine's UTC nanoseconds (0 if the clock is before 1970): the one wall-clock read.
pub fn system_now_ns() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        system_now_ms().saturating_add_signed(self.offset_ms.load(Ordering::Relaxed))
    }
}
