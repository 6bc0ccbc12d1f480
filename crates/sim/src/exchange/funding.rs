//! The perpetuals' clock-driven side: mark and index pushes, the funding rate and its
//! payments on a schedule, and settlement.
//!
//! ASSUMED model (the reference gives the channels and `{v, t}`, not the formulas):
//! - the funding rate is `ExchangeConfig::funding_rate` when set, else the premium
//!   (mark − index) ÷ index clamped to ±0.05 %, plus 0.001 % interest;
//! - every `funding_interval_ms` (an hour by default; the simulator can run it faster) a
//!   position receives −quantity × mark × contract size × rate in USD (longs pay when the rate
//!   is positive), recorded as a FUNDING transaction;
//! - every `settlement_interval_ms` (a day) the session PnL starts again from zero and
//!   `settlement.{instrument}` carries the mark it settled at. Cash and cost are not moved:
//!   realised PnL reaches the cash at every fill already.
//!
//! It must not match orders.

use super::perps::usd_round;
use super::Exchange;
use crate::venue::SimEvent;
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// The clamp on the premium part of the rate.
const MAX_PREMIUM: Decimal = Decimal::from_parts(5, 0, 0, false, 4);
/// The interest part of the rate.
const INTEREST: Decimal = Decimal::from_parts(1, 0, 0, false, 5);
/// How often mark, index and estimated funding are pushed when they do not change.
const QUIET_PUSH_MS: u64 = 1_000;

/// When the next funding and settlement are due, and what was last pushed.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    pub next_funding_ms: u64,
    pub next_settlement_ms: u64,
    pub last_push_ms: u64,
    /// The marks last pushed, per instrument.
    pub pushed_marks: Vec<Decimal>,
    /// The rate each perpetual last paid.
    pub last_rate: Vec<Decimal>,
}

impl Schedule {
    /// Nothing due yet (times are set at the first market step), for `n` instruments.
    pub fn new(n: usize) -> Self {
        Schedule { pushed_marks: vec![Decimal::ZERO; n], last_rate: vec![Decimal::ZERO; n], ..Schedule::default() }
    }
}

/// The first multiple of `every` after `now` (the exchange funds on the hour).
fn next_boundary(now: u64, every: u64) -> u64 {
    let every = every.max(1);
    (now / every + 1) * every
}

impl Exchange {
    /// The indices of the listed perpetuals.
    pub(super) fn perp_indices(&self) -> Vec<usize> {
        (0..self.instruments.len()).filter(|i| self.instruments[*i].is_perp()).collect()
    }

    /// The funding rate a perpetual would pay now.
    pub(super) fn funding_rate(&self, i: usize) -> Decimal {
        if let Some(r) = self.cfg.funding_rate {
            return r;
        }
        let index = self.index_price(i);
        if index.is_zero() {
            return INTEREST;
        }
        ((self.mark(i) - index) / index).clamp(-MAX_PREMIUM, MAX_PREMIUM).round_dp(8) + INTEREST
    }

    /// The `{v, t}` item of a perpetual channel (`mark`, `index`, `funding`,
    /// `estimatedfunding`, `settlement`) for instrument `i`.
    pub(super) fn perp_item(&self, family: &str, i: usize, now_ms: u64) -> Option<Value> {
        let inst = &self.instruments[i];
        let v = match family {
            "mark" | "settlement" => inst.price(self.mark(i)),
            "index" => inst.price(self.index_price(i)),
            "funding" => self.sched.last_rate.get(i).copied().unwrap_or_default().normalize().to_string(),
            "estimatedfunding" => self.funding_rate(i).normalize().to_string(),
            _ => return None,
        };
        Some(json!({ "v": v, "t": now_ms }))
    }

    /// The perpetuals' part of a market step: pushes, then funding and settlement when due.
    pub(super) fn perp_tick(&mut self, now_ms: u64) {
        if self.sched.next_funding_ms == 0 {
            self.sched.next_funding_ms = next_boundary(now_ms, self.cfg.funding_interval_ms);
            self.sched.next_settlement_ms = next_boundary(now_ms, self.cfg.settlement_interval_ms);
        }
        let quiet = now_ms >= self.sched.last_push_ms + QUIET_PUSH_MS;
        for i in self.perp_indices() {
            if quiet || self.sched.pushed_marks[i] != self.mark(i) {
                self.sched.pushed_marks[i] = self.mark(i);
                self.push_perp(i, "mark", now_ms);
                self.push_perp(i, "index", now_ms);
            }
            if quiet {
                self.push_perp(i, "estimatedfunding", now_ms);
            }
        }
        if quiet {
            self.sched.last_push_ms = now_ms;
        }
        if now_ms >= self.sched.next_funding_ms {
            // A stalled clock pays once, not once per missed interval.
            self.sched.next_funding_ms = next_boundary(now_ms, self.cfg.funding_interval_ms);
            self.pay_funding(now_ms);
        }
        if now_ms >= self.sched.next_settlement_ms {
            self.sched.next_settlement_ms = next_boundary(now_ms, self.cfg.settlement_interval_ms);
            self.settle_session(now_ms);
        }
    }

    fn push_perp(&mut self, i: usize, family: &'static str, now_ms: u64) {
        let Some(item) = self.perp_item(family, i, now_ms) else { return };
        let inst = self.instruments[i];
        // Index channels are named after the index symbol (§5.5).
        let instrument = match (family, inst.kind) {
            ("index", super::instruments::Kind::Perp { index, .. }) => index.to_string(),
            _ => inst.symbol.to_string(),
        };
        self.events.push(SimEvent::Market {
            channel: format!("{family}.{instrument}"),
            family,
            instrument,
            data: vec![item],
        });
    }

    /// Pays every open position its funding, then pushes the rates, the ledger entries, the
    /// positions and the balance.
    pub(super) fn pay_funding(&mut self, now_ms: u64) {
        let ns = self.stamp(now_ms);
        let mut paid = false;
        for i in self.perp_indices() {
            let rate = self.funding_rate(i);
            self.sched.last_rate[i] = rate;
            let q = self.positions[i].quantity;
            if !q.is_zero() {
                let amount = usd_round(-q * self.mark(i) * self.instruments[i].contract_size() * rate);
                self.account.credit(self.instruments[i].quote, amount);
                let p = &mut self.positions[i];
                p.funding += amount;
                p.update_ns = ns;
                self.positions_dirty.insert(i);
                self.record_funding_txn(i, amount, ns);
                paid = true;
            }
            self.push_perp(i, "funding", now_ms);
        }
        if paid {
            self.emit_positions();
            self.emit_balance();
        }
    }

    fn settle_session(&mut self, now_ms: u64) {
        for i in self.perp_indices() {
            self.positions[i].session_realized_pnl = Decimal::ZERO;
            self.push_perp(i, "settlement", now_ms);
        }
    }
}
