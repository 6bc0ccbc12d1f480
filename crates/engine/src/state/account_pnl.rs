//! The engine's own PnL of the account: every fill it applies (each `trade_id` once) and every
//! funding payment it learns of (each `journal_id` once, pushed or fetched at reconciliation),
//! by the average-cost method of [`crate::pnl`]; unrealised PnL at the marks the position
//! pushes carry. Computed here, never copied from the exchange's figures, so that a test can
//! hold the two against each other.
//!
//! It counts from the engine's start: fills and funding before it are not in it. It must not
//! do I/O.

use std::collections::HashSet;
use std::sync::Mutex;

use crate::pnl::{InstrumentPnl, Pnl};
use crate::protocol::models::{Trade, Transaction};

/// The account's PnL as the engine computes it.
#[derive(Debug, Default)]
pub struct AccountPnl {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    pnl: Pnl,
    funding_seen: HashSet<String>,
}

impl AccountPnl {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new fill (the caller has de-duplicated it).
    pub(crate) fn apply_trade(&self, t: &Trade) {
        self.lock().pnl.apply_trade(t);
    }

    /// A ledger entry: funding is counted once per `journal_id`; other types are already in
    /// the fills. Returns whether it changed anything.
    pub(crate) fn apply_transaction(&self, t: &Transaction) -> bool {
        let Some(instrument) = t.instrument_name.as_ref().filter(|_| t.is_funding()) else {
            return false;
        };
        let mut inner = self.lock();
        if !inner.funding_seen.insert(t.journal_id.clone()) {
            return false;
        }
        inner.pnl.apply_funding(instrument.as_str(), t.transaction_qty);
        true
    }

    /// One instrument's figures (position, average cost, realised, fees, funding).
    pub fn get(&self, instrument: &str) -> Option<InstrumentPnl> {
        self.lock().pnl.get(instrument).cloned()
    }

    /// Every instrument's figures.
    pub fn all(&self) -> Pnl {
        self.lock().pnl.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn funding(id: &str, qty: &str) -> Transaction {
        let json = format!(
            r#"{{"journal_id":"{id}","journal_type":"FUNDING","instrument_name":"BTCUSD-PERP","transaction_qty":"{qty}"}}"#
        );
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn funding_counts_once_per_journal_id_and_other_entries_not_at_all() {
        let pnl = AccountPnl::default();
        assert!(pnl.apply_transaction(&funding("1", "-5")));
        assert!(!pnl.apply_transaction(&funding("1", "-5")), "the fetched copy of a pushed entry");
        assert!(pnl.apply_transaction(&funding("2", "1.5")));
        let mut fee = funding("3", "-2");
        fee.journal_type = "TRADE_FEE".into();
        assert!(!pnl.apply_transaction(&fee), "fees come with the fills");
        assert_eq!(pnl.get("BTCUSD-PERP").map(|p| p.funding), Some(Decimal::new(-35, 1)));
    }
}
