//! Balances per currency, as the exchange last reported them.
//! The exchange is the source of truth for money: balances are taken from its snapshots and
//! pushes, never computed from fills here.

use rust_decimal::Decimal;

use crate::protocol::models::BalanceSummary;

/// One currency's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balance {
    /// Total holding.
    pub total: Decimal,
    /// Locked in orders.
    pub reserved: Decimal,
    /// Free for new orders: `total − reserved`.
    pub available: Decimal,
}

/// Balances by currency.
#[derive(Debug, Default)]
pub struct Balances {
    map: super::Map<String, Balance>,
    /// The last summary's account-wide figures (margin, PnL), without the per-currency rows.
    totals: std::sync::RwLock<Option<BalanceSummary>>,
}

impl Balances {
    /// Replaces every currency with a summary's rows; returns the currencies that changed.
    pub(crate) fn set_summary(&self, s: &BalanceSummary) -> Vec<(String, Balance)> {
        let mut changed = Vec::new();
        let present: std::collections::HashSet<&str> =
            s.position_balances.iter().map(|b| b.instrument_name.as_str()).collect();
        self.map.retain(|k, _| present.contains(k.as_str()));
        let totals = BalanceSummary { position_balances: Vec::new(), ..s.clone() };
        *self.totals.write().unwrap_or_else(|e| e.into_inner()) = Some(totals);
        for row in &s.position_balances {
            let b = Balance { total: row.quantity, reserved: row.reserved_qty, available: row.available() };
            let old = self.map.insert(row.instrument_name.clone(), b);
            if old != Some(b) {
                changed.push((row.instrument_name.clone(), b));
            }
        }
        changed
    }

    /// The account-wide figures of the last summary: available and margin balance, initial
    /// and maintenance margin, position cost, session PnL, leverage (`position_balances` is
    /// left empty; [`Balances::all`] has the currencies).
    pub fn margin(&self) -> Option<BalanceSummary> {
        self.totals.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// One currency.
    pub fn get(&self, currency: &str) -> Option<Balance> {
        self.map.get(currency).map(|b| *b)
    }

    /// Every currency, sorted.
    pub fn all(&self) -> Vec<(String, Balance)> {
        let mut v: Vec<_> = self.map.iter().map(|e| (e.key().clone(), *e.value())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}
