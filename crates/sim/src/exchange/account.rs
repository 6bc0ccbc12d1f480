//! The user's holdings per currency: total quantity and the part reserved by open orders.
//!
//! Plain bookkeeping with no notion of orders or prices beyond what callers pass in; it must
//! not let `reserved` exceed `quantity` (callers check `available` before reserving).

use super::instruments::fixed;
use super::margin::Totals;
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

    /// Every currency held, in name order.
    pub fn holdings(&self) -> impl Iterator<Item = (&str, Holding)> {
        self.holdings.iter().map(|(c, h)| (c.as_str(), *h))
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

    /// Every holding at its USD value.
    pub fn value(&self, usd_price: impl Fn(&str) -> Decimal) -> Decimal {
        self.holdings.iter().map(|(ccy, h)| h.quantity * usd_price(ccy)).sum()
    }

    /// What open spot orders lock, at USD value.
    pub fn locked_value(&self, usd_price: impl Fn(&str) -> Decimal) -> Decimal {
        self.holdings.iter().map(|(ccy, h)| h.reserved * usd_price(ccy)).sum()
    }

    /// The `user-balance` summary row (§7.3): every holding valued in USD by `usd_price`, and
    /// the account's margin figures from `t`.
    pub fn summary_json(&self, usd_price: impl Fn(&str) -> Decimal, t: &Totals, liquidating: bool) -> Value {
        let mut rows = Vec::new();
        for (ccy, h) in &self.holdings {
            let value = h.quantity * usd_price(ccy);
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
        let balance = t.margin_balance();
        let leverage = if balance > Decimal::ZERO { t.notional / balance } else { Decimal::ZERO };
        json!({
            "instrument_name": "USD",
            "total_available_balance": usd(t.available()),
            "total_margin_balance": usd(balance),
            "total_initial_margin": usd(t.initial()),
            // No haircuts in the model, so the documented identity IM = position IM + haircut
            // puts everything held (positions, orders, spot locks) under position IM.
            "total_position_im": usd(t.initial()),
            "total_haircut": usd(Decimal::ZERO),
            "total_maintenance_margin": usd(t.maintenance),
            "total_position_cost": usd(t.position_cost),
            "total_cash_balance": usd(t.collateral),
            "total_collateral_value": usd(t.collateral),
            "total_session_unrealized_pnl": usd(t.unrealized),
            "total_session_realized_pnl": usd(t.session_realized),
            "is_liquidating": liquidating,
            "total_effective_leverage": fixed(leverage, 4),
            "position_limit": "3000000",
            "used_position_limit": usd(t.notional),
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
