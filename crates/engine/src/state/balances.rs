//! Balances per currency and positions per instrument, as the exchange last reported them.
//! The exchange is the source of truth for money: balances are taken from its snapshots and
//! pushes, never computed from fills here.

use rust_decimal::Decimal;

use crate::protocol::ids::InstrumentName;
use crate::protocol::models::{BalanceSummary, Position};

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
}

impl Balances {
    /// Replaces every currency with a summary's rows; returns the currencies that changed.
    pub(crate) fn set_summary(&self, s: &BalanceSummary) -> Vec<(String, Balance)> {
        let mut changed = Vec::new();
        let present: std::collections::HashSet<&str> =
            s.position_balances.iter().map(|b| b.instrument_name.as_str()).collect();
        self.map.retain(|k, _| present.contains(k.as_str()));
        for row in &s.position_balances {
            let b = Balance { total: row.quantity, reserved: row.reserved_qty, available: row.available() };
            let old = self.map.insert(row.instrument_name.clone(), b);
            if old != Some(b) {
                changed.push((row.instrument_name.clone(), b));
            }
        }
        changed
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

/// Positions by instrument.
#[derive(Debug, Default)]
pub struct Positions {
    map: super::Map<InstrumentName, Position>,
}

impl Positions {
    /// Replaces all positions (a REST snapshot).
    pub(crate) fn set_all(&self, list: &[Position]) {
        self.map.clear();
        for p in list {
            self.map.insert(p.instrument_name.clone(), p.clone());
        }
    }

    /// Applies one pushed position; a zero quantity removes it.
    pub(crate) fn apply(&self, p: &Position) {
        if p.quantity.is_zero() {
            self.map.remove(&p.instrument_name);
        } else {
            self.map.insert(p.instrument_name.clone(), p.clone());
        }
    }

    /// One instrument's position.
    pub fn get(&self, instrument: &str) -> Option<Position> {
        self.map.get(instrument).map(|p| p.clone())
    }

    /// Every position.
    pub fn all(&self) -> Vec<Position> {
        self.map.iter().map(|p| p.clone()).collect()
    }
}
