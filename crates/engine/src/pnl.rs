//! Realised profit and loss, volume and fees per instrument from a sequence of fills, by the
//! average-cost method: a fill that reduces the position realises `(price - average cost) ×
//! quantity` (sign by side); one that adds to it moves the average cost. Fees are kept apart, by
//! currency, because they may be charged in the base, the quote or another currency. Used by the
//! shutdown summary, the `journal` command and the demo's status line. Pure arithmetic on
//! `Decimal`: this module must NOT read the state, the journal or the clock itself.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::protocol::enums::Side;
use crate::protocol::models::Trade;

/// One instrument's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstrumentPnl {
    /// Fills applied.
    pub fills: u64,
    /// Net position from these fills (base units; negative: short).
    pub position: Decimal,
    /// Average cost of the open position (quote per base); zero when flat.
    pub avg_cost: Decimal,
    /// Realised PnL in the quote currency, before fees.
    pub realised: Decimal,
    /// Traded quantity, both sides (base units).
    pub volume: Decimal,
    /// Traded notional, both sides (quote units).
    pub notional: Decimal,
    /// Fees paid by currency (positive: paid; a rebate is negative).
    pub fees: BTreeMap<String, Decimal>,
    /// Funding received on a perpetual position (negative: paid), in its settlement currency.
    pub funding: Decimal,
}

impl InstrumentPnl {
    /// Applies one fill of `qty` at `price`; `fee` is what was charged (positive: paid).
    pub fn apply(&mut self, side: &Side, price: Decimal, qty: Decimal, fee: Decimal, fee_ccy: &str) {
        self.fills += 1;
        self.volume += qty;
        self.notional += price * qty;
        if !fee.is_zero() {
            *self.fees.entry(fee_ccy.to_owned()).or_default() += fee;
        }
        let signed = if *side == Side::Sell { -qty } else { qty };
        let same_way = self.position.is_zero() || (self.position > Decimal::ZERO) == (signed > Decimal::ZERO);
        if same_way {
            let total = self.position.abs() + qty;
            if !total.is_zero() {
                self.avg_cost = (self.avg_cost * self.position.abs() + price * qty) / total;
            }
            self.position += signed;
            return;
        }
        let closed = qty.min(self.position.abs());
        let per_unit = if self.position > Decimal::ZERO { price - self.avg_cost } else { self.avg_cost - price };
        self.realised += per_unit * closed;
        self.position += signed;
        if self.position.is_zero() {
            self.avg_cost = Decimal::ZERO;
        } else if qty > closed {
            // The fill went through flat: what is left opens at this price.
            self.avg_cost = price;
        }
    }

    /// Unrealised PnL of the open position marked at `mark`.
    pub fn unrealised(&self, mark: Decimal) -> Decimal {
        (mark - self.avg_cost) * self.position
    }
}

/// Figures per instrument, in name order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pnl {
    /// By instrument name.
    pub by_instrument: BTreeMap<String, InstrumentPnl>,
}

impl Pnl {
    /// Applies a fill as the exchange reports it (`fees` negative means charged).
    pub fn apply_trade(&mut self, t: &Trade) {
        let ccy = t.fee_instrument_name.as_deref().unwrap_or("?");
        self.with(t.instrument_name.as_str(), |p| p.apply(&t.side, t.traded_price, t.traded_quantity, -t.fees, ccy));
    }

    /// Adds a funding payment (`amount` received; negative when paid) to `instrument`.
    pub fn apply_funding(&mut self, instrument: &str, amount: Decimal) {
        self.with(instrument, |p| p.funding += amount);
    }

    /// Runs `f` on the instrument's figures, created on first use (no allocation once they
    /// exist: this runs for every fill).
    fn with(&mut self, instrument: &str, f: impl FnOnce(&mut InstrumentPnl)) {
        match self.by_instrument.get_mut(instrument) {
            Some(p) => f(p),
            None => f(self.by_instrument.entry(instrument.to_owned()).or_default()),
        }
    }

    /// Figures of one instrument, if it traded.
    pub fn get(&self, instrument: &str) -> Option<&InstrumentPnl> {
        self.by_instrument.get(instrument)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn average_cost_realises_on_the_reducing_side_only() {
        let mut p = InstrumentPnl::default();
        p.apply(&Side::Buy, d("100"), d("1"), d("0.1"), "USD");
        p.apply(&Side::Buy, d("110"), d("1"), d("0.1"), "USD");
        assert_eq!((p.position, p.avg_cost, p.realised), (d("2"), d("105"), d("0")));
        p.apply(&Side::Sell, d("120"), d("0.5"), d("0"), "USD");
        assert_eq!((p.position, p.avg_cost, p.realised), (d("1.5"), d("105"), d("7.5")));
        // Through flat: 1.5 closes at a loss of 5 each, 0.5 opens short at 100.
        p.apply(&Side::Sell, d("100"), d("2"), d("0"), "USD");
        assert_eq!((p.position, p.avg_cost, p.realised), (d("-0.5"), d("100"), d("0")));
        p.apply(&Side::Buy, d("90"), d("0.5"), d("0.05"), "BTC");
        assert_eq!((p.position, p.avg_cost, p.realised), (d("0"), d("0"), d("5")));
        assert_eq!(p.fees.get("USD"), Some(&d("0.2")));
        assert_eq!(p.fees.get("BTC"), Some(&d("0.05")));
        assert_eq!((p.fills, p.volume, p.notional), (5, d("5"), d("515")));
    }

    #[test]
    fn unrealised_marks_the_open_position() {
        let mut p = InstrumentPnl::default();
        p.apply(&Side::Sell, d("100"), d("2"), d("0"), "USD");
        assert_eq!(p.unrealised(d("95")), d("10"));
    }
}
