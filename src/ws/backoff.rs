//! Jittered exponential back-off for reconnects (§4.6): `base × 2^n`, capped, with "full
//! jitter" in the upper half so that many clients do not reconnect in lockstep.

use std::time::Duration;

use rand::Rng;

/// Back-off state: call [`Backoff::next_delay`] after each failure, [`Backoff::reset`] after success.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    failures: u32,
}

impl Backoff {
    /// Starts at `base`, never exceeds `cap`.
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff { base, cap: cap.max(base), failures: 0 }
    }

    /// The pause before the next attempt: between half and all of `min(cap, base × 2^n)`.
    pub fn next_delay(&mut self) -> Duration {
        let exp = self.base.saturating_mul(1u32 << self.failures.min(20));
        let ceiling = exp.min(self.cap);
        self.failures = self.failures.saturating_add(1);
        let half = ceiling / 2;
        let jitter_ms = rand::rng().random_range(0..=u64::try_from(half.as_millis()).unwrap_or(u64::MAX));
        (half + Duration::from_millis(jitter_ms)).min(self.cap)
    }

    /// Forgets earlier failures.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// The cap.
    pub fn cap(&self) -> Duration {
        self.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_stays_under_the_cap() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(30));
        let delays: Vec<_> = (0..40).map(|_| b.next_delay()).collect();
        assert!(delays[0] <= Duration::from_millis(100) && delays[0] >= Duration::from_millis(50));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(30)));
        assert!(delays[30..].iter().all(|d| *d >= Duration::from_secs(15)));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }
}
