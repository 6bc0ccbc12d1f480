//! The user's holdings per currency: total quantity and the part reserved by open orders.
//!
//! Plain bookkeeping with no notion of orders or prices beyond what callers pass in; it must
//! not let `reserved` exceed `quantity` (callers check `available` before reserving).

use super::instruments::fixed;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Decimals used when showing balances (fees are charged rounded to this, so it is exact).
pub(crate) const BALANCE_DECIMALS: u32 = 8;

/// One currency's holding.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Holding {
    /// Total held.
    pub quantity: Decimal,
    /// Locked by open orders.
    pub reserved: Decimal,
}

/// All holdings of the account.
#[derive(Debug, Default)]
pub(crate) struct Account {
    holdings: BTreeMap<String, Holding>,
}

impl Account {
    /// An account holding the given amounts.
    pub fn new(balances: &[(String, Decimal)]) -> Self {
        let mut account = Account::default();
        for (ccy, qty) in balances {
            account.entry(ccy).quantity += *qty;
        }
        account
    }

    fn entry(&mut self, ccy: &str) -> &mut Holding {
        self.holdings.entry(ccy.to_string()).or_default()
    }

    /// The holding of a currency (zero if never held).
    pub fn holding(&self, ccy: &str) -> Holding {
        self.holdings.get(ccy).copied().unwrap_or_default()
    }

    /// What new orders may still use.
    pub fn available(&self, ccy: &str) -> Decimal {
        let h = self.holding(ccy);
        h.quantity - h.reserved
    }

    /// Locks `amount` for an order; false (and nothing locked) if not enough is available.
    pub fn reserve(&mut self, ccy: &str, amount: Decimal) -> bool {
        if amount > self.available(ccy) {
            return false;
        }
        self.entry(ccy).reserved += amount;
        true
    }

    /// Unlocks `amount`.
    pub fn release(&mut self, ccy: &str, amount: Decimal) {
        let h = self.entry(ccy);
        h.reserved = (h.reserved - amount).max(Decimal::ZERO);
    }

    /// Adds `amount` (negative to pay out).
    pub fn credit(&mut self, ccy: &str, amount: Decimal) {
        self.entry(ccy).quantity += amount;
    }

    /// The `user-balance` summary row (§7.3), every amount valued in USD by `usd_price`.
    pub fn summary_json(&self, usd_price: impl Fn(&str) -> Decimal) -> Value {
        let mut rows = Vec::new();
        let (mut cash, mut locked, mut free) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for (ccy, h) in &self.holdings {
            let px = usd_price(ccy);
            let value = h.quantity * px;
            cash += value;
            locked += h.reserved * px;
            free += (h.quantity - h.reserved) * px;
            rows.push(json!({
                "instrument_name": ccy,
                "quantity": fixed(h.quantity, BALANCE_DECIMALS),
                "reserved_qty": fixed(h.reserved, BALANCE_DECIMALS),
                "market_value": fixed(value, BALANCE_DECIMALS),
                "collateral_eligible": true,
                "haircut": "0",
                "collateral_amount": fixed(value, BALANCE_DECIMALS),
                "max_withdrawal_balance": fixed(h.quantity - h.reserved, BALANCE_DECIMALS),
            }));
        }
        let usd = |d: Decimal| fixed(d, BALANCE_DECIMALS);
        // Spot only: what open orders lock is the only "margin" in use.
        json!({
            "instrument_name": "USD",
            "total_available_balance": usd(free),
            "total_margin_balance": usd(cash),
            "total_initial_margin": usd(locked),
            "total_position_im": usd(locked),
            "total_haircut": "0",
            "total_maintenance_margin": "0",
            "total_position_cost": "0",
            "total_cash_balance": usd(cash),
            "total_collateral_value": usd(cash),
            "total_session_unrealized_pnl": "0",
            "total_session_realized_pnl": "0",
            "is_liquidating": false,
            "total_effective_leverage": "0",
            "position_limit": "3000000",
            "used_position_limit": "0",
            "total_isolated_cash_balance": "0",
            "isolated_positions": [],
            "position_balances": rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_refuses_beyond_available_and_release_frees() {
        let mut a = Account::new(&[("USD".into(), Decimal::from(100))]);
        assert!(a.reserve("USD", Decimal::from(60)));
        assert!(!a.reserve("USD", Decimal::from(41)));
        assert_eq!(a.available("USD"), Decimal::from(40));
        a.release("USD", Decimal::from(60));
        assert_eq!(a.available("USD"), Decimal::from(100));
        assert!(!a.reserve("BTC", Decimal::ONE));
    }
}
