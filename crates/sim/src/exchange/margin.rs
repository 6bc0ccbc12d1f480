//! The cross-margin model: mark and index prices, initial and maintenance margin, what a new
//! perpetual order needs, and liquidation when the maintenance margin is breached.
//!
//! The model is deliberately simple and every rule of it is an ASSUMPTION (the reference gives
//! the fields, not the formulas); the rules live here and in docs/simulator.md only:
//! - collateral is every holding at its USD value with no haircut; the margin balance is
//!   collateral plus the positions' unrealised PnL;
//! - a position's initial margin is |quantity| × mark × contract size ÷ leverage, where
//!   leverage is the account's, capped by the instrument's maximum; maintenance is half of it;
//! - an open perpetual order holds initial margin on the part that would grow the position;
//! - when the margin balance falls below the maintenance margin, every perpetual order is
//!   cancelled and every position is closed at market (fills marked `LIQUIDATION`).
//!
//! It must not render wire objects other than the margin totals it hands to the balance row.

use super::book::Side;
use super::instruments::Kind;
use super::Exchange;
use rust_decimal::Decimal;

/// Maintenance margin as a share of initial margin (ASSUMED).
pub(crate) const MAINTENANCE_SHARE: Decimal = Decimal::from_parts(5, 0, 0, false, 1);
/// The account leverage a new account starts with (ASSUMED).
pub(crate) const DEFAULT_LEVERAGE: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// The account-wide margin figures, all in USD.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Totals {
    /// Holdings at USD value.
    pub collateral: Decimal,
    /// Σ unrealised PnL of the positions at mark.
    pub unrealized: Decimal,
    /// Σ realised PnL since the last settlement.
    pub session_realized: Decimal,
    /// Initial margin of the positions.
    pub position_im: Decimal,
    /// Maintenance margin of the positions.
    pub maintenance: Decimal,
    /// Margin held by open perpetual orders.
    pub order_im: Decimal,
    /// USD value locked by open spot orders.
    pub spot_locked: Decimal,
    /// Σ position cost.
    pub position_cost: Decimal,
    /// Σ |position notional| at mark.
    pub notional: Decimal,
}

impl Totals {
    /// Collateral plus unrealised PnL.
    pub fn margin_balance(&self) -> Decimal {
        self.collateral + self.unrealized
    }

    /// Everything new orders cannot use: positions, orders and spot locks.
    pub fn initial(&self) -> Decimal {
        self.position_im + self.order_im + self.spot_locked
    }

    /// What new orders may still use.
    pub fn available(&self) -> Decimal {
        self.margin_balance() - self.initial()
    }
}

impl Exchange {
    /// A perpetual's mark price: the mid its synthetic market quotes around (ASSUMED model).
    pub(super) fn mark(&self, i: usize) -> Decimal {
        self.mids[i]
    }

    /// A perpetual's index: the mid of the spot pair it tracks.
    pub(super) fn index_price(&self, i: usize) -> Decimal {
        match self.instruments[i].kind {
            Kind::Perp { index_spot, .. } => self.inst_index(index_spot).map_or(self.mids[i], |s| self.mids[s]),
            Kind::Spot => self.mids[i],
        }
    }

    /// The leverage a position on `i` uses.
    pub(super) fn leverage_for(&self, i: usize) -> Decimal {
        match self.instruments[i].kind {
            Kind::Perp { max_leverage, .. } => self.leverage.min(max_leverage),
            Kind::Spot => Decimal::ONE,
        }
    }

    /// Initial margin for `qty` contracts of `i` at `price`.
    pub(super) fn im_for(&self, i: usize, qty: Decimal, price: Decimal) -> Decimal {
        qty.abs() * price * self.instruments[i].contract_size() / self.leverage_for(i)
    }

    /// The margin a new perpetual order needs: none for the part that reduces the position.
    pub(super) fn order_margin(&self, i: usize, side: Side, qty: Decimal, price: Decimal) -> Decimal {
        self.im_for(i, (qty - self.reducible(i, side)).max(Decimal::ZERO), price)
    }

    /// The account's margin figures now.
    pub(super) fn totals(&self) -> Totals {
        let mut t = Totals { collateral: self.account.value(|c| self.usd_price(c)), ..Totals::default() };
        t.spot_locked = self.account.locked_value(|c| self.usd_price(c));
        for (i, p) in self.positions.iter().enumerate().filter(|(i, _)| self.instruments[*i].is_perp()) {
            let (mark, cs) = (self.mark(i), self.instruments[i].contract_size());
            t.unrealized += p.unrealized(mark, cs);
            t.session_realized += p.session_realized_pnl;
            t.position_cost += p.cost;
            t.notional += p.quantity.abs() * mark * cs;
            let im = self.im_for(i, p.quantity, mark);
            t.position_im += im;
            t.maintenance += im * MAINTENANCE_SHARE;
        }
        t.order_im = self
            .open
            .iter()
            .filter_map(|id| self.orders.get(id))
            .filter(|o| self.instruments[o.inst].is_perp())
            .map(|o| o.reserved)
            .sum();
        t
    }

    /// The price at which `i`'s position alone would exhaust the margin above maintenance
    /// (zero when flat; an approximation that holds the other positions' values fixed).
    pub(super) fn liquidation_price(&self, i: usize, t: &Totals) -> Decimal {
        let p = &self.positions[i];
        if p.quantity.is_zero() {
            return Decimal::ZERO;
        }
        let cs = self.instruments[i].contract_size();
        let room = t.margin_balance() - t.maintenance;
        (self.mark(i) - room / (p.quantity * cs)).max(Decimal::ZERO)
    }

    /// Liquidates when the margin balance is below maintenance: cancels every perpetual
    /// order, then closes every position at market. Returns whether it did.
    pub(super) fn check_liquidation(&mut self, now_ms: u64) -> bool {
        // Runs after every call: with no position there is nothing to liquidate, and the
        // totals (a walk over the open orders) need not be computed at all.
        if self.positions.iter().all(|p| p.quantity.is_zero()) {
            return false;
        }
        let t = self.totals();
        if t.maintenance.is_zero() || t.margin_balance() >= t.maintenance {
            return false;
        }
        self.is_liquidating = true;
        let perp_orders: Vec<u64> = self
            .open
            .iter()
            .copied()
            .filter(|id| self.orders.get(id).is_some_and(|o| self.instruments[o.inst].is_perp()))
            .collect();
        for id in perp_orders {
            self.close(id, super::orders::Status::Canceled, None, now_ms);
        }
        for i in 0..self.instruments.len() {
            if self.instruments[i].is_perp() && !self.positions[i].quantity.is_zero() {
                if let Err(e) = self.close_at_market(i, vec!["LIQUIDATION".to_string()], None, now_ms) {
                    tracing::warn!(code = e.code, "the liquidator could not close a position");
                }
            }
        }
        self.is_liquidating = false;
        true
    }
}
