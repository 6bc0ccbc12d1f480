//! Control from outside the writer task: halting one strategy or all (the kill switch),
//! resuming, cancelling this run's orders, the status an operator asks for, and the automatic
//! triggers that pull the kill switch by themselves. Each halt cancels and reports why (log,
//! metric, event). It must NOT place orders or touch orders that are not this engine's.

use rust_decimal::Decimal;

use super::events::EngineEvent;
use super::handle::KillScope;
use super::task::Task;
use super::triggers::Fired;
use crate::strategy::Intent;

/// What an operator asks of a running engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// Halt one strategy (by name or id) and cancel its orders; `None`: the kill switch (every
    /// strategy halted, every new order blocked, this engine's orders cancelled).
    Halt {
        /// The strategy, or all.
        strategy: Option<String>,
        /// Why, for the log, the event and the metric.
        reason: String,
    },
    /// Resume one strategy, or everything (lifting the kill switch).
    Resume {
        /// The strategy, or all.
        strategy: Option<String>,
    },
    /// Cancel this engine's open orders, halting nothing.
    Cancel,
    /// Only the status.
    Status,
}

/// A strategy as the operator sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StrategyStatus {
    /// Its name.
    pub name: String,
    /// Its id (the tag in its client ids).
    pub id: String,
    /// Why it is halted, if it is.
    pub halted: Option<String>,
}

/// The engine's answer to a [`Control`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ControlReply {
    /// Whether it did what was asked.
    pub ok: bool,
    /// What it did, or why not.
    pub detail: String,
    /// Why the kill switch is on, if it is.
    pub kill_switch: Option<String>,
    /// Whether the state is live (reconciled and following the stream).
    pub live: bool,
    /// Cancels sent.
    pub cancelled: usize,
    /// Every strategy's state after it.
    pub strategies: Vec<StrategyStatus>,
}

impl Task {
    pub(crate) fn on_control(&mut self, c: Control) -> ControlReply {
        let (ok, detail, cancelled) = match c {
            Control::Halt { strategy: None, reason } => {
                let n = self.kill_all(&reason);
                (true, format!("kill switch on: {reason}"), n)
            }
            Control::Halt { strategy: Some(name), reason } => match self.host.find(&name) {
                Some(i) if self.host.halted(i).is_some() => (true, format!("{name} was already halted"), 0),
                Some(i) => {
                    let n = self.halt(i, reason.clone());
                    (true, format!("{name} halted: {reason}"), n)
                }
                None => (false, self.no_such(&name), 0),
            },
            Control::Resume { strategy: None } => {
                self.flow.risk.unkill();
                self.triggers.rearm();
                for i in 0..self.host.len() {
                    self.resume_one(i);
                }
                self.emit(EngineEvent::KillSwitch { on: false, reason: "resumed by the operator".into() });
                (true, "resumed: kill switch off, every strategy running".into(), 0)
            }
            Control::Resume { strategy: Some(name) } => {
                match (self.host.find(&name), self.flow.risk.killed_because()) {
                    (None, _) => (false, self.no_such(&name), 0),
                    (Some(_), Some(why)) => {
                        (false, format!("the kill switch is on ({why}): resume everything to lift it"), 0)
                    }
                    (Some(i), None) => {
                        self.resume_one(i);
                        (true, format!("{name} resumed"), 0)
                    }
                }
            }
            Control::Cancel => {
                let targets = self.own_cancel_targets();
                let n = targets.len();
                tracing::warn!(orders = n, "control: cancelling this engine's orders");
                self.run_intents(None, targets.into_iter().map(Intent::Cancel).collect());
                (true, format!("{n} cancels sent"), n)
            }
            Control::Status => (true, "status".into(), 0),
        };
        self.publish_strategy_states();
        ControlReply {
            ok,
            detail,
            kill_switch: self.flow.risk.killed_because().map(str::to_owned),
            live: self.state.is_live(),
            cancelled,
            strategies: (0..self.host.len())
                .map(|i| StrategyStatus {
                    name: self.host.name(i),
                    id: self.host.tag(i).to_owned(),
                    halted: self.host.halted(i).map(str::to_owned),
                })
                .collect(),
        }
    }

    fn no_such(&self, name: &str) -> String {
        let names: Vec<String> = (0..self.host.len()).map(|i| self.host.name(i)).collect();
        format!(
            "no strategy named {name:?}; this engine runs: {}",
            if names.is_empty() { "none".into() } else { names.join(", ") }
        )
    }

    fn resume_one(&mut self, i: usize) {
        if self.host.halted(i).is_none() {
            return;
        }
        self.host.resume(i);
        tracing::warn!(strategy = %self.host.name(i), "strategy resumed by the operator");
        // It heard of its orders while halted; live again, it re-reads the market and quotes.
        let live = self.state.is_live();
        self.dispatch_one(i, |s, ctx| s.on_live(ctx, live));
    }

    /// The kill switch: every strategy halted, every new order blocked, this engine's orders
    /// cancelled. Returns the cancels sent.
    pub(crate) fn kill_all(&mut self, why: &str) -> usize {
        let before = self.own_cancel_targets().len();
        // Said first: a reader that stops once every strategy is halted has heard why.
        self.emit(EngineEvent::KillSwitch { on: true, reason: why.to_owned() });
        // Blocked first, so nothing a strategy hears from here on can place an order.
        self.flow.risk.kill(why);
        for i in 0..self.host.len() {
            if self.host.halted(i).is_none() {
                self.mark_halted(i, format!("kill switch: {why}"));
            }
        }
        // One set of cancels for all of this engine's orders, the strategies' among them.
        self.kill(why, KillScope::Engine);
        self.publish_strategy_states();
        before
    }

    /// An automatic trigger fired: the kill switch, with its reason counted and reported.
    pub(crate) fn fire(&mut self, f: Fired) {
        if self.flow.risk.is_killed() {
            return;
        }
        tracing::error!(trigger = f.kind, reason = %f.reason, "automatic trigger: kill switch");
        self.out.metrics.triggers.get_or_create(&crate::metrics::Kind { kind: f.kind.to_owned() }).inc();
        self.kill_all(&format!("{}: {}", f.kind, f.reason));
    }

    /// No trading without a journal: while the journal's commits fail (a full disk, a file made
    /// read-only), the kill switch goes on, naming the file, the error and what to do. Checked
    /// on every tick, so a resume while it still fails is undone at once.
    pub(crate) fn check_journal(&mut self) {
        if self.flow.risk.is_killed() {
            return;
        }
        let Some(j) = &self.out.journal else { return };
        let Some(detail) = j.failure() else { return };
        let reason = format!(
            "the journal {} cannot be written ({detail}); no trading without a journal. Fills and \
             order changes are held in memory and retried meanwhile: free disk space or make the \
             file writable, then resume or restart",
            j.path().display()
        );
        self.fire(Fired { kind: "journal", reason });
    }

    /// The periodic triggers (PnL and market data age), from the task's tick.
    pub(crate) fn check_triggers(&mut self) {
        if !self.triggers.any() || self.flow.risk.is_killed() || !self.host.started {
            return;
        }
        let now = tokio::time::Instant::now();
        let stale = if self.io.market.is_some() { self.triggers.on_market_age(self.last_market, now) } else { None };
        let fired = stale.or_else(|| {
            let pnl = self.run_pnl();
            self.triggers.on_pnl(pnl, self.clock.now_ms())
        });
        if let Some(f) = fired {
            self.fire(f);
        }
    }

    /// This run's own PnL in the quote currency: realised and funding, the open position at
    /// the book's mid (else the position's mark), fees in the base currency valued at it too.
    pub(crate) fn run_pnl(&self) -> Decimal {
        let mut total = Decimal::ZERO;
        for (instrument, p) in &self.out.summary.pnl.by_instrument {
            let mark = self
                .books
                .get(instrument)
                .and_then(|b| b.mid())
                .or_else(|| self.state.positions.get(instrument).and_then(|p| p.mark_price));
            total += p.realised + p.funding;
            if let Some(m) = mark {
                total += p.unrealised(m);
            }
            let base = instrument.split(['_', '-']).next().unwrap_or("");
            for (ccy, fee) in &p.fees {
                total -= if ccy == base { fee * mark.unwrap_or(Decimal::ZERO) } else { *fee };
            }
        }
        total
    }

    /// Hands the strategies' states and the kill switch to the metrics.
    pub(crate) fn publish_strategy_states(&self) {
        let states =
            (0..self.host.len()).map(|i| (self.host.name(i), self.host.halted(i).map(str::to_owned))).collect();
        if let Ok(mut s) = self.out.metrics.strategies.lock() {
            *s = states;
        }
        if let Ok(mut k) = self.out.metrics.killed.lock() {
            *k = self.flow.risk.killed_because().map(str::to_owned);
        }
    }
}
