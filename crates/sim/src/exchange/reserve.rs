//! What an open order holds back, for spot and perpetual alike: a spot order locks the
//! currency it pays with in the account; a perpetual order holds initial margin, which is
//! not a lock in any currency but counts against the available margin (see `margin.rs`).
//!
//! It must not decide whether an order is valid or change order records.

use super::book::Side;
use super::orders::OrdType;
use super::Exchange;
use rust_decimal::Decimal;

/// What an order asks for, enough to say what it must hold.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ask {
    pub inst: usize,
    pub side: Side,
    pub kind: OrdType,
    pub price: Option<Decimal>,
    pub qty: Option<Decimal>,
    pub notional: Option<Decimal>,
    pub reduce_only: bool,
}

impl Exchange {
    /// The amount an order must hold: for spot, in the currency it pays with; for a
    /// perpetual, in USD margin (none when reduce-only).
    pub(super) fn hold_needed(&self, a: &Ask) -> Decimal {
        let qty = a.qty.unwrap_or_default();
        if self.instruments[a.inst].is_perp() {
            if a.reduce_only {
                return Decimal::ZERO;
            }
            let price = match a.kind {
                OrdType::Limit => a.price.unwrap_or_else(|| self.mark(a.inst)),
                // A market order is margined at the worse of mark and the book it will take.
                OrdType::Market => self.market_price_for(a.inst, a.side),
            };
            return self.order_margin(a.inst, a.side, qty, price);
        }
        match (a.side, a.price, a.qty, a.notional) {
            (Side::Sell, _, q, _) => q.unwrap_or_default(),
            (Side::Buy, Some(p), Some(q), _) => p * q,
            (Side::Buy, None, Some(q), _) => self.books[a.inst].cost_to_buy(q),
            (Side::Buy, _, _, n) => n.unwrap_or_default(),
        }
    }

    fn market_price_for(&self, i: usize, side: Side) -> Decimal {
        let mark = self.mark(i);
        match (side, self.books[i].best(side.opposite())) {
            (Side::Buy, Some(ask)) => ask.max(mark),
            (Side::Sell, Some(bid)) => bid.min(mark),
            (_, None) => mark,
        }
    }

    /// The currency a spot order on `inst` pays with (quote for BUY, base for SELL).
    fn pay_ccy(&self, inst: usize, side: Side) -> &'static str {
        let i = &self.instruments[inst];
        match side {
            Side::Buy => i.quote,
            Side::Sell => i.base,
        }
    }

    /// Holds `amount` for an order on `inst`; false (nothing held) when it is not there. For a
    /// perpetual the order's own earlier hold must already be zero (callers release first).
    pub(super) fn try_hold(&mut self, inst: usize, side: Side, amount: Decimal) -> bool {
        if self.instruments[inst].is_perp() {
            return amount.is_zero() || amount <= self.totals().available();
        }
        let ccy = self.pay_ccy(inst, side);
        self.account.reserve(ccy, amount)
    }

    /// Releases what an order on `inst` held (nothing to do for a perpetual's margin, which
    /// is counted from the open orders themselves).
    pub(super) fn unhold(&mut self, inst: usize, side: Side, amount: Decimal) {
        if !self.instruments[inst].is_perp() {
            let ccy = self.pay_ccy(inst, side);
            self.account.release(ccy, amount);
        }
    }
}
