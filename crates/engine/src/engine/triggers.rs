//! The automatic kill-switch triggers: a daily loss or a drawdown past its limit, a storm of
//! refusals (N in M seconds), and market data gone stale. Each is checked from figures the
//! writer task hands in and answers which fired and why, in words a person can act on; the
//! task then halts, cancels and reports. It must NOT act itself or read the exchange.

use std::collections::VecDeque;
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::time::Instant;

/// The triggers' limits (part of [`super::RiskLimits`]); `None` is off.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriggerLimits {
    /// Largest loss of this run's own trading within one UTC day, in the quote currency
    /// (realised and unrealised at the mid, funding and fees included).
    pub max_daily_loss: Option<Decimal>,
    /// Largest fall of that same PnL from its highest point.
    pub max_drawdown: Option<Decimal>,
    /// `(n, window)`: n refusals (by the risk checks or the exchange) within the window.
    pub refusal_storm: Option<(u32, Duration)>,
    /// Longest a strategy's market data may stay silent once it has started flowing.
    pub max_market_data_age: Option<Duration>,
}

/// Which trigger fired, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    /// `daily_loss`, `drawdown`, `refusal_storm`, `stale_market_data`, or `journal` (the
    /// journal cannot be written; fired by the task itself): the metric's label.
    pub kind: &'static str,
    /// The figures, for the log, the event and the metric's reader.
    pub reason: String,
}

const DAY_MS: u64 = 86_400_000;

/// The triggers' running figures.
#[derive(Debug, Default)]
pub(crate) struct Triggers {
    limits: TriggerLimits,
    /// The UTC day (days since the epoch) the daily figure counts from, and the PnL then.
    day: Option<(u64, Decimal)>,
    peak: Option<Decimal>,
    refusals: VecDeque<Instant>,
    /// Whether no PnL has been checked since the run began. The run's PnL was 0 then, and the
    /// first check (on the task's tick) may come after the first fills: counting from the PnL
    /// at that check would hide whatever was lost before it.
    from_run_start: bool,
}

impl Triggers {
    pub(crate) fn new(limits: TriggerLimits) -> Self {
        Triggers { limits, from_run_start: true, ..Default::default() }
    }

    /// Whether any trigger is set (the task skips the figures otherwise).
    pub(crate) fn any(&self) -> bool {
        let l = &self.limits;
        l.max_daily_loss.is_some() || l.max_drawdown.is_some() || l.max_market_data_age.is_some()
    }

    /// Counts a refusal at `now`; fires when it completes a storm.
    pub(crate) fn on_refusal(&mut self, now: Instant) -> Option<Fired> {
        let (n, window) = self.limits.refusal_storm?;
        self.refusals.push_back(now);
        while self.refusals.front().is_some_and(|t| now.duration_since(*t) > window) {
            self.refusals.pop_front();
        }
        (self.refusals.len() >= n as usize).then(|| Fired {
            kind: "refusal_storm",
            reason: format!(
                "{} orders refused within {:?} (limit refusal_storm = {n} in {window:?})",
                self.refusals.len(),
                window
            ),
        })
    }

    /// Checks the PnL triggers with this run's PnL `pnl` at wall-clock `now_ms`.
    pub(crate) fn on_pnl(&mut self, pnl: Decimal, now_ms: u64) -> Option<Fired> {
        let today = now_ms / DAY_MS;
        let base = if std::mem::take(&mut self.from_run_start) { Decimal::ZERO } else { pnl };
        let start = match self.day {
            Some((day, start)) if day == today => start,
            // A later day counts from its first check (the PnL at midnight itself is not seen);
            // `base` is `pnl` then, since the run's start came before.
            _ => {
                self.day = Some((today, base));
                base
            }
        };
        let peak = *self.peak.get_or_insert(base);
        self.peak = Some(peak.max(pnl));
        if let Some(max) = self.limits.max_daily_loss {
            let loss = start - pnl;
            if loss > max {
                return Some(Fired {
                    kind: "daily_loss",
                    reason: format!(
                        "lost {} today (PnL {} since {}), limit max_daily_loss = {max}",
                        loss.normalize(),
                        pnl.normalize(),
                        start.normalize()
                    ),
                });
            }
        }
        if let Some(max) = self.limits.max_drawdown {
            let peak = self.peak.unwrap_or(pnl);
            let dd = peak - pnl;
            if dd > max {
                return Some(Fired {
                    kind: "drawdown",
                    reason: format!(
                        "PnL {} is {} below its peak {}, limit max_drawdown = {max}",
                        pnl.normalize(),
                        dd.normalize(),
                        peak.normalize()
                    ),
                });
            }
        }
        None
    }

    /// Checks the market data's age: `last` is when the last market push came (None: none yet,
    /// which the feed timeout of the command handles).
    pub(crate) fn on_market_age(&self, last: Option<Instant>, now: Instant) -> Option<Fired> {
        let max = self.limits.max_market_data_age?;
        let age = now.duration_since(last?);
        (age > max).then(|| Fired {
            kind: "stale_market_data",
            reason: format!("no market data for {:.1} s, limit max_market_data_age = {:?}", age.as_secs_f64(), max),
        })
    }

    /// After an operator's resume: every trigger counts afresh from the figures now, so the
    /// one that fired does not fire again at once.
    pub(crate) fn rearm(&mut self) {
        self.day = None;
        self.peak = None;
        self.refusals.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn daily_loss_counts_from_the_start_of_the_utc_day() {
        let mut t = Triggers::new(TriggerLimits { max_daily_loss: Some(d("100")), ..Default::default() });
        let day = 20_000 * DAY_MS;
        assert_eq!(t.on_pnl(d("50"), day + 1), None);
        assert_eq!(t.on_pnl(d("-100"), day + 2), None, "100 lost since the run began at 0: within 100");
        let fired = t.on_pnl(d("-101"), day + 3).map(|f| f.kind);
        assert_eq!(fired, Some("daily_loss"));
        // A new day counts from where it starts.
        assert_eq!(t.on_pnl(d("-101"), day + DAY_MS), None);
        assert_eq!(t.on_pnl(d("-201"), day + DAY_MS + 1), None, "100 lost today");
        let fired = t.on_pnl(d("-202"), day + DAY_MS + 2).map(|f| f.reason);
        assert!(fired.is_some_and(|r| r.contains("since -101")), "counted from the new day's start");
    }

    #[test]
    fn a_loss_made_before_the_first_check_counts_from_the_run_start() {
        let limits = TriggerLimits { max_daily_loss: Some(d("10")), max_drawdown: Some(d("20")), ..Default::default() };
        let mut t = Triggers::new(limits.clone());
        let f = t.on_pnl(d("-11"), 1).expect("11 lost since the run began at 0");
        assert!(f.reason.contains("lost 11 today (PnL -11 since 0)"), "{}", f.reason);
        let mut t = Triggers::new(TriggerLimits { max_daily_loss: None, ..limits });
        let f = t.on_pnl(d("-21"), 1).expect("21 below the run's start");
        assert!(f.reason.contains("21 below its peak 0"), "{}", f.reason);
    }

    #[test]
    fn drawdown_is_measured_from_the_peak() {
        let mut t = Triggers::new(TriggerLimits { max_drawdown: Some(d("30")), ..Default::default() });
        for p in ["0", "80", "60"] {
            assert_eq!(t.on_pnl(d(p), 1), None);
        }
        let f = t.on_pnl(d("49"), 1).expect("31 below the peak of 80");
        assert!(f.reason.contains("31 below its peak 80"), "{}", f.reason);
        t.rearm();
        assert_eq!(t.on_pnl(d("49"), 1), None, "re-armed from the figures now");
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_storm_is_n_refusals_within_the_window() {
        let mut t =
            Triggers::new(TriggerLimits { refusal_storm: Some((3, Duration::from_secs(10))), ..Default::default() });
        assert_eq!(t.on_refusal(Instant::now()), None);
        tokio::time::advance(Duration::from_secs(11)).await;
        assert_eq!(t.on_refusal(Instant::now()), None);
        assert_eq!(t.on_refusal(Instant::now()), None, "the first fell out of the window");
        assert_eq!(t.on_refusal(Instant::now()).map(|f| f.kind), Some("refusal_storm"));
    }

    #[tokio::test(start_paused = true)]
    async fn market_data_is_stale_past_its_age_once_it_has_flowed() {
        let t =
            Triggers::new(TriggerLimits { max_market_data_age: Some(Duration::from_secs(5)), ..Default::default() });
        assert_eq!(t.on_market_age(None, Instant::now()), None, "nothing yet is the feed timeout's case");
        let last = Instant::now();
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(t.on_market_age(Some(last), Instant::now()), None);
        tokio::time::advance(Duration::from_millis(100)).await;
        assert_eq!(t.on_market_age(Some(last), Instant::now()).map(|f| f.kind), Some("stale_market_data"));
    }
}
