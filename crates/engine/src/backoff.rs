//! The one back-off policy of the crate: the pause before retry `n` is `base × 2^n`, capped,
//! with an optional random share taken off so that many clients do not retry in lockstep
//! (§4.6). The WebSocket reconnects, the REST client's read retries, the 42901 gate of the REST
//! limits and the engine's reconciliation retries all draw their delays from it.
//!
//! Pure arithmetic on [`Duration`]s: it must NOT sleep, read a clock or do I/O; callers decide
//! how to wait (tokio timers) and when an attempt failed or succeeded.

use std::time::Duration;

use rand::Rng;

/// How much of each delay is left to chance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly the ceiling each time: for gates whose pauses logs and tests must predict.
    None,
    /// Up to `1/n` of the ceiling is taken off at random: `Fraction(2)` gives delays between
    /// half and all of it, `Fraction(3)` between two thirds and all. `Fraction(0)` is read as
    /// no jitter.
    Fraction(u32),
}

/// Back-off state: call [`Backoff::next_delay`] after each failure, [`Backoff::reset`] after a
/// success.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    jitter: Jitter,
    failures: u32,
}

/// Doubling stops here; `2^20` times any sensible base is far beyond any cap.
const MAX_DOUBLINGS: u32 = 20;

impl Backoff {
    /// Starts at `base`, never exceeds `cap`, each delay between half and all of its ceiling
    /// (the reconnect policy).
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff { base, cap: cap.max(base), jitter: Jitter::Fraction(2), failures: 0 }
    }

    /// The same pause every time, without jitter.
    pub fn constant(delay: Duration) -> Self {
        Backoff::new(delay, delay).with_jitter(Jitter::None)
    }

    /// This policy with another share of randomness.
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The ceiling of the next delay, `min(cap, base × 2^n)` after `n` failures, without
    /// counting a failure.
    pub fn ceiling(&self) -> Duration {
        let exp = self.base.saturating_mul(1u32 << self.failures.min(MAX_DOUBLINGS));
        exp.min(self.cap)
    }

    /// Counts one more failure and returns the pause before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.failures = self.failures.saturating_add(1);
        match self.jitter {
            Jitter::None | Jitter::Fraction(0) => ceiling,
            Jitter::Fraction(n) => {
                let spread = u64::try_from((ceiling / n).as_millis()).unwrap_or(u64::MAX);
                ceiling.saturating_sub(Duration::from_millis(rand::rng().random_range(0..=spread)))
            }
        }
    }

    /// Forgets earlier failures: the next delay is `base` again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Failures counted since the last reset.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The longest delay this policy returns, however many failures came before.
    pub fn cap(&self) -> Duration {
        self.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn without_jitter_doubles_from_base_to_cap() {
        let mut b = Backoff::new(MS(1000), MS(32_000)).with_jitter(Jitter::None);
        let delays: Vec<_> = (0..8).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(delays, [1000, 2000, 4000, 8000, 16_000, 32_000, 32_000, 32_000]);
    }

    #[test]
    fn reset_starts_again_at_base() {
        let mut b = Backoff::new(MS(100), MS(10_000)).with_jitter(Jitter::None);
        for _ in 0..5 {
            b.next_delay();
        }
        assert_eq!(b.failures(), 5);
        b.reset();
        assert_eq!(b.failures(), 0);
        assert_eq!(b.next_delay(), MS(100));
    }

    #[test]
    fn half_jitter_stays_between_half_and_all_of_the_ceiling() {
        let mut b = Backoff::new(MS(100), MS(30_000));
        for n in 0..40u32 {
            let ceiling = b.ceiling();
            assert_eq!(ceiling, MS(100 << n.min(20)).min(MS(30_000)), "failure {n}");
            let d = b.next_delay();
            assert!(d <= ceiling && d >= ceiling / 2, "failure {n}: {d:?} outside [{:?}, {ceiling:?}]", ceiling / 2);
        }
    }

    #[test]
    fn jitter_actually_varies_and_covers_its_range() {
        // 400 draws from [400, 600] ms: some in each third, not all the same.
        let draws: Vec<_> =
            (0..400).map(|_| Backoff::new(MS(600), MS(600)).with_jitter(Jitter::Fraction(3)).next_delay()).collect();
        assert!(draws.iter().all(|d| (MS(400)..=MS(600)).contains(d)), "{draws:?}");
        assert!(draws.iter().any(|d| *d < MS(467)), "never in the lower third");
        assert!(draws.iter().any(|d| *d > MS(533)), "never in the upper third");
    }

    #[test]
    fn constant_never_grows() {
        let mut b = Backoff::constant(MS(1000));
        assert!((0..10).all(|_| b.next_delay() == MS(1000)));
    }

    #[test]
    fn a_cap_below_base_is_raised_to_base_and_huge_counts_do_not_overflow() {
        let mut b = Backoff::new(MS(500), MS(10)).with_jitter(Jitter::None);
        assert_eq!(b.cap(), MS(500));
        assert_eq!(b.next_delay(), MS(500));
        let mut big = Backoff::new(Duration::from_secs(u64::MAX / 2), Duration::MAX).with_jitter(Jitter::None);
        for _ in 0..100 {
            assert!(big.next_delay() <= Duration::MAX);
        }
    }
}
