//! One perpetual position's bookkeeping: signed quantity, cost, realised PnL and funding, and
//! the arithmetic of a fill against it (opening, adding, reducing, flipping).
//!
//! Pure arithmetic on one record: it must not touch balances, orders or the book; the caller
//! moves the cash the returned realised PnL and fees stand for.

use rust_decimal::Decimal;

/// A position in one perpetual, as the simulator keeps it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Position {
    /// Contracts held: positive long, negative short.
    pub quantity: Decimal,
    /// `quantity × average entry price × contract size`, signed like the quantity.
    pub cost: Decimal,
    /// PnL realised by reducing fills since the account opened (fees and funding excluded).
    pub realized_pnl: Decimal,
    /// PnL realised since the last settlement (what `session_pnl` shows).
    pub session_realized_pnl: Decimal,
    /// Funding received (positive) or paid (negative) since the account opened.
    pub funding: Decimal,
    /// Fees paid on this instrument's fills (a positive amount).
    pub fees: Decimal,
    /// When it last changed, in ns (the wire's `update_timestamp_ms` is this / 10⁶).
    pub update_ns: u64,
}

impl Position {
    /// The average entry price (zero when flat).
    pub fn entry_price(&self, contract_size: Decimal) -> Decimal {
        if self.quantity.is_zero() || contract_size.is_zero() {
            return Decimal::ZERO;
        }
        self.cost / (self.quantity * contract_size)
    }

    /// The unrealised PnL at `mark`.
    pub fn unrealized(&self, mark: Decimal, contract_size: Decimal) -> Decimal {
        self.quantity * mark * contract_size - self.cost
    }

    /// Applies a fill of `delta` contracts (positive buys) at `price`; returns the PnL it
    /// realised. A fill larger than an opposite position closes it and opens the remainder
    /// at `price`.
    pub fn apply_fill(&mut self, delta: Decimal, price: Decimal, contract_size: Decimal) -> Decimal {
        let mut realized = Decimal::ZERO;
        let mut delta = delta;
        let opposite = !self.quantity.is_zero() && (self.quantity.is_sign_positive() != delta.is_sign_positive());
        if opposite {
            let closing = delta.abs().min(self.quantity.abs());
            let closed = if self.quantity.is_sign_positive() { closing } else { -closing };
            let entry = self.entry_price(contract_size);
            realized = closed * (price - entry) * contract_size;
            self.cost -= closed * entry * contract_size;
            self.quantity -= closed;
            delta += closed;
            if self.quantity.is_zero() {
                // Rounding of the average must not leave a cost on a flat position.
                self.cost = Decimal::ZERO;
            }
        }
        if !delta.is_zero() {
            self.cost += delta * price * contract_size;
            self.quantity += delta;
        }
        self.realized_pnl += realized;
        self.session_realized_pnl += realized;
        realized
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_else(|_| panic!("decimal {s}"))
    }

    #[test]
    fn opening_adding_and_reducing_keep_the_average_entry() {
        let mut p = Position::default();
        assert_eq!(p.apply_fill(d("1"), d("100"), Decimal::ONE), Decimal::ZERO);
        assert_eq!(p.apply_fill(d("1"), d("110"), Decimal::ONE), Decimal::ZERO);
        assert_eq!(p.entry_price(Decimal::ONE), d("105"));
        assert_eq!(p.apply_fill(d("-0.5"), d("115"), Decimal::ONE), d("5"));
        assert_eq!((p.quantity, p.entry_price(Decimal::ONE)), (d("1.5"), d("105")));
        assert_eq!(p.unrealized(d("100"), Decimal::ONE), d("-7.5"));
    }

    #[test]
    fn a_fill_through_zero_closes_then_opens_at_the_fill_price() {
        let mut p = Position::default();
        p.apply_fill(d("-2"), d("50"), Decimal::ONE);
        // Short 2 at 50, buy 3 at 40: +20 realised, long 1 at 40.
        assert_eq!(p.apply_fill(d("3"), d("40"), Decimal::ONE), d("20"));
        assert_eq!((p.quantity, p.cost), (d("1"), d("40")));
        assert_eq!(p.apply_fill(d("-1"), d("40"), Decimal::ONE), Decimal::ZERO);
        assert_eq!((p.quantity, p.cost, p.realized_pnl), (Decimal::ZERO, Decimal::ZERO, d("20")));
    }
}
