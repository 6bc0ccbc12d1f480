//! Client-side rate limits (§10): a sliding window per method, so that the exchange never sees
//! more than its limit in any window, plus a back-off gate after a 42901.
//!
//! Windows are widened a little beyond the documented ones: requests sent exactly one window
//! apart can arrive closer together, and the server counts arrivals.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The documented limit of a method: `count` requests per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed per period.
    pub count: usize,
    /// The period.
    pub period: Duration,
}

/// The §10 table. `private/amend-order` is not listed there and falls under "all other private
/// methods" (3 / 100 ms), the conservative reading.
pub fn limit_for(method: &str) -> Limit {
    let ms = Duration::from_millis;
    match method {
        "private/create-order" | "private/cancel-order" | "private/cancel-all-orders" => {
            Limit { count: 15, period: ms(100) }
        }
        "private/get-order-detail" => Limit { count: 30, period: ms(100) },
        "private/get-trades" | "private/get-order-history" => Limit { count: 1, period: ms(1000) },
        m if m.starts_with("public/") => Limit { count: 100, period: ms(1000) },
        _ => Limit { count: 3, period: ms(100) },
    }
}

#[derive(Debug, Default)]
struct Window {
    sent: VecDeque<Instant>,
    blocked_until: Option<Instant>,
    backoff: Duration,
}

/// Per-method sliding windows shared by all callers of one client.
#[derive(Debug, Default)]
pub struct Limiter {
    windows: Mutex<HashMap<String, Window>>,
}

const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(32);

fn widened(period: Duration) -> Duration {
    period + period / 10 + Duration::from_millis(5)
}

impl Limiter {
    /// Waits until one more request of `method` fits, and books it.
    pub async fn acquire(&self, method: &str) {
        let limit = limit_for(method);
        loop {
            let wait = {
                let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
                let w = map.entry(method.to_owned()).or_default();
                let now = Instant::now();
                let period = widened(limit.period);
                while w.sent.front().is_some_and(|t| now.duration_since(*t) >= period) {
                    w.sent.pop_front();
                }
                match w.blocked_until.filter(|b| *b > now) {
                    Some(until) => until - now,
                    None if w.sent.len() < limit.count => {
                        w.sent.push_back(now);
                        return;
                    }
                    None => w.sent.front().map_or(Duration::ZERO, |t| (*t + period).saturating_duration_since(now)),
                }
            };
            tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
        }
    }

    /// The exchange answered 42901: hold this method back, doubling the pause each time.
    pub fn too_many(&self, method: &str) -> Duration {
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let w = map.entry(method.to_owned()).or_default();
        w.backoff = if w.backoff.is_zero() { FIRST_BACKOFF } else { (w.backoff * 2).min(MAX_BACKOFF) };
        w.blocked_until = Some(Instant::now() + w.backoff);
        w.backoff
    }

    /// A request of `method` succeeded: forget earlier back-off.
    pub fn succeeded(&self, method: &str) {
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(w) = map.get_mut(method) {
            w.backoff = Duration::ZERO;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_any_window() {
        let limiter = Limiter::default();
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..60 {
            limiter.acquire("private/create-order").await;
            times.push(Instant::now() - start);
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..].iter().filter(|u| **u - *t < Duration::from_millis(100)).count();
            assert!(in_window <= 15, "{in_window} requests within 100 ms from {t:?}");
        }
        // And it is not needlessly slow: 60 requests at 15/100 ms take about 4 windows.
        assert!(times[59] < Duration::from_millis(500), "{:?}", times[59]);
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_after_42901_doubles_and_is_capped() {
        let limiter = Limiter::default();
        let pauses: Vec<_> = (0..8).map(|_| limiter.too_many("private/get-trades")).collect();
        assert_eq!(pauses[0], Duration::from_secs(1));
        assert_eq!(pauses[1], Duration::from_secs(2));
        assert_eq!(*pauses.last().unwrap(), MAX_BACKOFF);
        let t = Instant::now();
        limiter.acquire("private/get-trades").await;
        assert!(Instant::now() - t >= MAX_BACKOFF);
    }
}
