//! Client-side rate limits (§10): permits per method that guarantee the exchange never counts
//! more than its limit in any window, whatever the network latency, plus a back-off gate after
//! a 42901. Not a retry policy: callers decide what to retry.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::backoff::{Backoff, Jitter};
use crate::protocol::requests::catalogue::rate_class;
use crate::protocol::requests::RateClass;

/// The documented limit of a method: `count` requests per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed per period.
    pub count: usize,
    /// The window in which at most `count` requests may arrive.
    pub period: Duration,
}

/// The §10 numbers of each class. Which method is in which class is declared by its typed
/// request (`ApiRequest::RATE`), not here.
pub fn class_limit(class: RateClass) -> Limit {
    let ms = Duration::from_millis;
    match class {
        RateClass::OrderEntry => Limit { count: 15, period: ms(100) },
        RateClass::OrderDetail => Limit { count: 30, period: ms(100) },
        RateClass::History => Limit { count: 1, period: ms(1000) },
        RateClass::Public => Limit { count: 100, period: ms(1000) },
        RateClass::OtherPrivate => Limit { count: 3, period: ms(100) },
    }
}

/// The limit of a method by name (see [`class_limit`]).
pub fn limit_for(method: &str) -> Limit {
    class_limit(rate_class(method))
}

/// Per-method permits and back-off gates shared by all callers of one client.
///
/// Each method has `count` slots. A request takes one before it is sent and frees it one
/// `period` after its answer (or failure). The server sees a request somewhere between its send
/// and its answer, so at the end of any window of one `period` every request that arrived in it
/// still holds its slot: no window can ever hold more than `count` arrivals, whatever the
/// network does to the timing. A freed slot is a time stamp, not a task: nothing of the limiter
/// runs once its client is gone.
#[derive(Debug, Default)]
pub struct Limiter {
    methods: Mutex<HashMap<String, Arc<MethodGate>>>,
}

#[derive(Debug)]
struct MethodGate {
    count: usize,
    period: Duration,
    slots: Mutex<Slots>,
    /// Woken when a held slot is let go.
    freed: Notify,
    gate: Mutex<Gate>,
}

/// The slots of one method that are not free: held by a request, or let go less than a period
/// ago (when, oldest first).
#[derive(Debug, Default)]
struct Slots {
    held: usize,
    cooling: VecDeque<Instant>,
}

impl MethodGate {
    /// Takes a slot if one is free; else says until when none will be (`None`: until a held
    /// one is let go).
    fn try_take(&self) -> Result<(), Option<Instant>> {
        let mut s = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        while s.cooling.front().is_some_and(|t| *t + self.period <= now) {
            s.cooling.pop_front();
        }
        if s.held + s.cooling.len() < self.count {
            s.held += 1;
            return Ok(());
        }
        Err(s.cooling.front().map(|t| *t + self.period))
    }

    /// Lets a held slot go: free again one period from now, or at once when `unused`.
    fn release(&self, unused: bool) {
        {
            let mut s = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            s.held = s.held.saturating_sub(1);
            if !unused {
                s.cooling.push_back(Instant::now());
            }
        }
        self.freed.notify_waiters();
    }
}

#[derive(Debug)]
struct Gate {
    blocked_until: Option<Instant>,
    backoff: Backoff,
}

impl Default for Gate {
    fn default() -> Self {
        // No jitter: the pause is logged and a per-method gate has only this one client behind it.
        Gate { blocked_until: None, backoff: Backoff::new(FIRST_BACKOFF, MAX_BACKOFF).with_jitter(Jitter::None) }
    }
}

/// A booked request slot; dropping it frees the slot one period later.
#[derive(Debug)]
pub struct Permit {
    gate: Option<Arc<MethodGate>>,
}

impl Permit {
    /// The request was never sent after all: give the slot back now rather than a period
    /// later.
    pub fn unused(mut self) {
        if let Some(g) = self.gate.take() {
            g.release(true);
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(g) = self.gate.take() {
            g.release(false);
        }
    }
}

const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(32);

impl Limiter {
    fn gate(&self, method: &str) -> Arc<MethodGate> {
        let mut map = self.methods.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(method.to_owned())
            .or_insert_with(|| {
                let limit = limit_for(method);
                Arc::new(MethodGate {
                    count: limit.count,
                    // A little slack for clock granularity at either end.
                    period: limit.period + Duration::from_millis(2),
                    slots: Mutex::new(Slots::default()),
                    freed: Notify::new(),
                    gate: Mutex::new(Gate::default()),
                })
            })
            .clone()
    }

    /// Waits until one more request of `method` may go out, and books it. Hold the permit
    /// until the answer has arrived.
    pub async fn acquire(&self, method: &str) -> Permit {
        let g = self.gate(method);
        let mut counted = false;
        let mut count_wait = || {
            if !std::mem::replace(&mut counted, true) {
                crate::metrics::rate_limit_waits()
                    .get_or_create(&crate::metrics::Method { method: method.to_owned() })
                    .inc();
            }
        };
        loop {
            let blocked = g.gate.lock().unwrap_or_else(|p| p.into_inner()).blocked_until;
            match blocked.filter(|b| *b > Instant::now()) {
                Some(until) => {
                    count_wait();
                    tokio::time::sleep_until(until).await
                }
                None => break,
            }
        }
        loop {
            // Registered before looking, so a slot let go in between still wakes this waiter.
            let freed = g.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            match g.try_take() {
                Ok(()) => return Permit { gate: Some(g.clone()) },
                Err(Some(free_at)) => {
                    count_wait();
                    tokio::select! {
                        _ = tokio::time::sleep_until(free_at) => {}
                        _ = freed => {}
                    }
                }
                Err(None) => {
                    count_wait();
                    freed.await
                }
            }
        }
    }

    /// The exchange answered 42901: hold this method back, doubling the pause each time the
    /// gate has opened again and the exchange still refuses. Refusals that arrive while the
    /// gate is closed were sent before it closed (nothing passes a closed gate), so they are
    /// the same storm and do not double it again: five requests refused together pause the
    /// method 1 s, not 16 s.
    pub fn too_many(&self, method: &str) -> Duration {
        let g = self.gate(method);
        let mut gate = g.gate.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if let Some(until) = gate.blocked_until.filter(|u| *u > now) {
            return until - now;
        }
        let pause = gate.backoff.next_delay();
        gate.blocked_until = Some(now + pause);
        pause
    }

    /// A request of `method` succeeded: forget earlier back-off.
    pub fn succeeded(&self, method: &str) {
        let g = self.gate(method);
        g.gate.lock().unwrap_or_else(|p| p.into_inner()).backoff.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_any_window() {
        let limiter = Arc::new(Limiter::default());
        let start = Instant::now();
        let times = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..60u64 {
            let (limiter, times) = (limiter.clone(), times.clone());
            tasks.push(tokio::spawn(async move {
                let permit = limiter.acquire("private/create-order").await;
                // Requests "arrive" anywhere between send and answer; the answer takes 0-29 ms.
                let latency = Duration::from_millis(i * 7 % 30);
                tokio::time::sleep(latency / 2).await;
                times.lock().unwrap().push(Instant::now() - start);
                tokio::time::sleep(latency / 2).await;
                drop(permit);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let mut times = times.lock().unwrap().clone();
        times.sort();
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..].iter().filter(|u| **u - *t < Duration::from_millis(100)).count();
            assert!(in_window <= 15, "{in_window} arrivals within 100 ms from {t:?}");
        }
        // And not needlessly slow: 60 requests at 15 per 100 ms take a few windows.
        assert!(times[59] < Duration::from_millis(600), "{:?}", times[59]);
    }

    #[test]
    fn the_section_10_table_by_method() {
        let limit = |count, ms| Limit { count, period: Duration::from_millis(ms) };
        for (method, want) in [
            ("private/create-order", limit(15, 100)),
            ("private/cancel-order", limit(15, 100)),
            ("private/cancel-all-orders", limit(15, 100)),
            ("private/get-order-detail", limit(30, 100)),
            ("private/get-trades", limit(1, 1000)),
            ("private/get-order-history", limit(1, 1000)),
            ("public/get-trades", limit(100, 1000)),
            ("public/get-book", limit(100, 1000)),
            ("public/not-typed-yet", limit(100, 1000)),
            ("private/amend-order", limit(3, 100)),
            ("private/user-balance", limit(3, 100)),
            ("private/not-typed-yet", limit(3, 100)),
        ] {
            assert_eq!(limit_for(method), want, "{method}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_after_42901_doubles_and_is_capped() {
        let limiter = Limiter::default();
        let mut pauses = Vec::new();
        for _ in 0..8 {
            // Each refusal comes after the gate opened again: the exchange still says no.
            pauses.push(limiter.too_many("private/get-trades"));
            tokio::time::advance(*pauses.last().unwrap()).await;
        }
        assert_eq!(pauses[0], Duration::from_secs(1));
        assert_eq!(pauses[1], Duration::from_secs(2));
        assert_eq!(*pauses.last().unwrap(), MAX_BACKOFF);
        limiter.too_many("private/get-trades");
        let t = Instant::now();
        limiter.acquire("private/get-trades").await;
        assert!(Instant::now() - t >= MAX_BACKOFF);
    }

    /// Requests refused together (all sent before the gate closed) are one storm: the pause
    /// is the first one's, not doubled by each of them.
    #[tokio::test(start_paused = true)]
    async fn refusals_while_the_gate_is_closed_do_not_double_it() {
        let limiter = Limiter::default();
        let first = limiter.too_many("private/create-order");
        let rest: Vec<_> = (0..5).map(|_| limiter.too_many("private/create-order")).collect();
        assert_eq!(first, Duration::from_secs(1));
        assert!(rest.iter().all(|p| *p <= first), "{rest:?}");
        let t = Instant::now();
        limiter.acquire("private/create-order").await;
        assert!(Instant::now() - t <= Duration::from_secs(1), "{:?}", Instant::now() - t);
        // Refused again once open: now it doubles.
        assert_eq!(limiter.too_many("private/create-order"), Duration::from_secs(2));
    }
}
