//! Rate limits (§10, §4.5) and the counters that let tests prove a client stayed within them.
//!
//! REST limits are sliding windows per method (one account, so per API key); WebSocket limits
//! are per connection per calendar second, pro-rated in the second the connection opened.
//! It also counts what a careful client never does: requests in the first second of a
//! connection (§4.2), and private methods over REST and WebSocket together beyond the REST
//! limit (whether the exchange counts them together is unconfirmed, so clients budget for it).
//! This module only counts; it must NOT answer requests.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

/// Per-method counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MethodStats {
    /// Requests accepted (executed).
    pub accepted: u64,
    /// Requests refused with 42901 by the rate limiter.
    pub refused: u64,
    /// The most requests accepted within any one limit window (REST only; 0 for WS).
    pub max_in_window: u64,
}

/// A snapshot of the simulator's request counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// REST, by method.
    pub rest: BTreeMap<String, MethodStats>,
    /// WebSocket requests (both servers), by method.
    pub ws: BTreeMap<String, MethodStats>,
    /// The most requests accepted on one user connection within one calendar second.
    pub ws_user_max_per_second: u64,
    /// The most requests accepted on one market connection within one calendar second.
    pub ws_market_max_per_second: u64,
    /// Requests that arrived on a user connection less than a second after it opened
    /// (clients are asked to wait that long, §4.2). Heartbeat answers are not requests.
    pub ws_user_early: u64,
    /// The same for market connections.
    pub ws_market_early: u64,
    /// Per private method, the most requests accepted over REST and WebSocket together within
    /// one REST window of that method. A client that budgets WebSocket order entry against the
    /// REST limit keeps this within it.
    pub combined_max_in_window: BTreeMap<String, u64>,
}

/// The §10 REST limit of a method: (requests, window).
pub fn rest_limit(method: &str) -> (usize, Duration) {
    let ms = Duration::from_millis;
    match method {
        "private/create-order" | "private/cancel-order" | "private/cancel-all-orders" => (15, ms(100)),
        "private/get-order-detail" => (30, ms(100)),
        "private/get-trades" | "private/get-order-history" => (1, ms(1000)),
        m if m.starts_with("public/") => (100, ms(1000)),
        _ => (3, ms(100)),
    }
}

/// A sliding-window log: at most `max` acceptances in any `window`.
#[derive(Debug)]
pub struct SlidingWindow {
    max: usize,
    window: Duration,
    log: VecDeque<Instant>,
}

impl SlidingWindow {
    /// An empty window.
    pub fn new(max: usize, window: Duration) -> Self {
        SlidingWindow { max, window, log: VecDeque::with_capacity(max.min(1024)) }
    }

    /// Accepts one request at `now` if the window has room; returns the count now in it.
    pub fn try_acquire(&mut self, now: Instant) -> Option<usize> {
        while self.log.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            self.log.pop_front();
        }
        if self.log.len() >= self.max {
            return None;
        }
        self.log.push_back(now);
        Some(self.log.len())
    }
}

/// A per-connection limit per calendar second of wall-clock time (§4.2).
#[derive(Debug)]
pub struct SecondLimiter {
    limit: u64,
    first_second: u64,
    first_cap: u64,
    second: u64,
    count: u64,
}

impl SecondLimiter {
    /// A limiter for a connection opened at `connected_ms` (wall clock, ms).
    pub fn new(limit: u64, connected_ms: u64) -> Self {
        let left_ms = 1000 - connected_ms % 1000;
        SecondLimiter {
            limit,
            first_second: connected_ms / 1000,
            first_cap: limit * left_ms / 1000,
            second: connected_ms / 1000,
            count: 0,
        }
    }

    /// Accepts one request at `now_ms` if this second has room; returns this second's count.
    pub fn try_acquire(&mut self, now_ms: u64) -> Option<u64> {
        let second = now_ms / 1000;
        if second != self.second {
            self.second = second;
            self.count = 0;
        }
        let cap = if second == self.first_second { self.first_cap } else { self.limit };
        if self.count >= cap {
            return None;
        }
        self.count += 1;
        Some(self.count)
    }
}

/// REST windows and all counters, shared by every connection.
#[derive(Debug, Default)]
pub struct Limits {
    windows: Mutex<HashMap<String, SlidingWindow>>,
    /// Private methods over both transports, measured only (never refused).
    combined: Mutex<HashMap<String, SlidingWindow>>,
    stats: Mutex<Stats>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Limits {
    /// Checks and counts one REST request; `false` means refuse with 42901.
    pub fn rest_acquire(&self, method: &str, now: Instant) -> bool {
        let got = {
            let mut windows = lock(&self.windows);
            let w = windows.entry(method.to_string()).or_insert_with(|| {
                let (max, window) = rest_limit(method);
                SlidingWindow::new(max, window)
            });
            w.try_acquire(now)
        };
        if got.is_some() {
            self.combined(method, now);
        }
        let mut stats = lock(&self.stats);
        let s = stats.rest.entry(method.to_string()).or_default();
        match got {
            Some(n) => {
                s.accepted += 1;
                s.max_in_window = s.max_in_window.max(n as u64);
                true
            }
            None => {
                s.refused += 1;
                false
            }
        }
    }

    /// Counts one WS request; `in_second` is the connection's count this second when accepted,
    /// `early` whether it came within the first second of the connection.
    pub fn ws_count(&self, method: &str, user: bool, in_second: Option<u64>, early: bool) {
        if in_second.is_some() && user {
            self.combined(method, Instant::now());
        }
        let mut stats = lock(&self.stats);
        if early {
            *(if user { &mut stats.ws_user_early } else { &mut stats.ws_market_early }) += 1;
        }
        let s = stats.ws.entry(method.to_string()).or_default();
        match in_second {
            Some(n) => {
                s.accepted += 1;
                let max = if user { &mut stats.ws_user_max_per_second } else { &mut stats.ws_market_max_per_second };
                *max = (*max).max(n);
            }
            None => s.refused += 1,
        }
    }

    /// Records one accepted private request (either transport) in its method's REST window.
    fn combined(&self, method: &str, now: Instant) {
        if !method.starts_with("private/") {
            return;
        }
        let n = {
            let mut windows = lock(&self.combined);
            let w = windows
                .entry(method.to_string())
                .or_insert_with(|| SlidingWindow::new(usize::MAX, rest_limit(method).1));
            w.try_acquire(now).unwrap_or(usize::MAX)
        };
        let mut stats = lock(&self.stats);
        let max = stats.combined_max_in_window.entry(method.to_string()).or_default();
        *max = (*max).max(n as u64);
    }

    /// A copy of the counters.
    pub fn stats(&self) -> Stats {
        lock(&self.stats).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn sliding_window_allows_max_per_window() {
        let mut w = SlidingWindow::new(3, Duration::from_millis(100));
        let t0 = Instant::now();
        assert_eq!((0..5).filter(|_| w.try_acquire(t0).is_some()).count(), 3);
        assert!(w.try_acquire(t0 + Duration::from_millis(99)).is_none());
        assert_eq!(w.try_acquire(t0 + Duration::from_millis(100)), Some(1));
    }

    #[tokio::test(start_paused = true)]
    async fn rest_and_ws_private_requests_are_measured_together() {
        let limits = Limits::default();
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(limits.rest_acquire("private/create-order", t0));
            limits.ws_count("private/create-order", true, Some(1), false);
        }
        limits.ws_count("public/get-book", false, Some(1), true);
        let stats = limits.stats();
        assert_eq!(stats.combined_max_in_window["private/create-order"], 20);
        assert_eq!(stats.rest["private/create-order"].max_in_window, 10);
        assert_eq!((stats.ws_user_early, stats.ws_market_early), (0, 1));
        assert!(!stats.combined_max_in_window.contains_key("public/get-book"));
    }

    #[test]
    fn second_limiter_pro_rates_the_first_second() {
        let mut l = SecondLimiter::new(150, 10_500);
        assert_eq!((0..200).filter(|_| l.try_acquire(10_600).is_some()).count(), 75);
        assert_eq!((0..200).filter(|_| l.try_acquire(11_000).is_some()).count(), 150);
    }

    #[test]
    fn rest_limits_follow_section_10() {
        assert_eq!(rest_limit("private/create-order").0, 15);
        assert_eq!(rest_limit("private/get-trades"), (1, Duration::from_secs(1)));
        assert_eq!(rest_limit("private/user-balance").0, 3);
        assert_eq!(rest_limit("public/get-book").0, 100);
    }
}
