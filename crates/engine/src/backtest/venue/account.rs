//! The backtest account: balances by currency (total and reserved), perpetual positions at
//! average cost, marks and funding rates, and the fee rates. Spot fills move currencies as the
//! simulator does (the fee in the currency received); perpetual fills move the position, and
//! the fee and realised PnL settle in the instrument's quote currency. It must NOT match
//! orders or render anything: the matcher calls it with fills.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

/// Balances are kept to this many decimals, as the simulator keeps them.
const DECIMALS: u32 = 8;

fn round(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(DECIMALS, RoundingStrategy::MidpointAwayFromZero)
}

/// Fee rates as fractions of the traded value (0.001 = 0.1 %).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FeeRates {
    /// For an order that rested on the book.
    pub maker: Decimal,
    /// For an order that took liquidity.
    pub taker: Decimal,
}

impl Default for FeeRates {
    /// The simulator's defaults.
    fn default() -> Self {
        FeeRates { maker: Decimal::new(1, 3), taker: Decimal::new(2, 3) }
    }
}

/// A perpetual position.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PerpPosition {
    /// Signed quantity (negative: short).
    pub qty: Decimal,
    /// Signed cost at the average entry price.
    pub cost: Decimal,
    /// Last change, ms.
    pub updated_ms: u64,
}

/// One instrument's currencies, as the account needs them.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Base currency (spot) or the underlying (perpetual).
    pub base: String,
    /// Quote currency; a perpetual's settlement currency.
    pub quote: String,
    /// Whether it is a perpetual.
    pub perp: bool,
}

/// What one fill cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    /// The fee charged (positive: paid).
    pub fee: Decimal,
    /// The currency it was charged in.
    pub fee_ccy: String,
}

/// Money and positions.
#[derive(Debug, Default)]
pub struct Account {
    /// (total, reserved) by currency, in name order.
    pub balances: BTreeMap<String, (Decimal, Decimal)>,
    /// Perpetual positions by instrument.
    pub positions: BTreeMap<String, PerpPosition>,
    /// Fee rates.
    pub fees: FeeRates,
}

impl Account {
    /// Free balance of `ccy`.
    pub fn available(&self, ccy: &str) -> Decimal {
        self.balances.get(ccy).map_or(Decimal::ZERO, |(t, r)| t - r)
    }

    /// Sets aside `amount` of `ccy` for an order.
    pub fn reserve(&mut self, ccy: &str, amount: Decimal) {
        self.balances.entry(ccy.to_owned()).or_default().1 += amount;
    }

    /// Gives back what an order had set aside (never below zero).
    pub fn release(&mut self, ccy: &str, amount: Decimal) {
        let e = self.balances.entry(ccy.to_owned()).or_default();
        e.1 = (e.1 - amount).max(Decimal::ZERO);
    }

    /// Adds `amount` (negative: takes) to `ccy`.
    pub fn credit(&mut self, ccy: &str, amount: Decimal) {
        self.balances.entry(ccy.to_owned()).or_default().0 += amount;
    }

    /// Settles a fill of (`price`, `qty`); `rate` is the maker or taker rate.
    pub fn settle(
        &mut self,
        pair: &Pair,
        instrument: &str,
        buy: bool,
        (price, qty): (Decimal, Decimal),
        rate: Decimal,
        now_ms: u64,
    ) -> Settled {
        let value = price * qty;
        if pair.perp {
            let fee = round(value * rate);
            let realised = self.move_position(instrument, buy, price, qty, now_ms);
            self.credit(&pair.quote, round(realised) - fee);
            return Settled { fee, fee_ccy: pair.quote.clone() };
        }
        match buy {
            true => {
                let fee = round(qty * rate);
                self.credit(&pair.quote, -value);
                self.credit(&pair.base, qty - fee);
                Settled { fee, fee_ccy: pair.base.clone() }
            }
            false => {
                let fee = round(value * rate);
                self.credit(&pair.base, -qty);
                self.credit(&pair.quote, value - fee);
                Settled { fee, fee_ccy: pair.quote.clone() }
            }
        }
    }

    /// Moves a perpetual position by a fill; returns the PnL realised by its closing part.
    fn move_position(&mut self, instrument: &str, buy: bool, price: Decimal, qty: Decimal, now_ms: u64) -> Decimal {
        let p = self.positions.entry(instrument.to_owned()).or_default();
        let signed = if buy { qty } else { -qty };
        let mut realised = Decimal::ZERO;
        if p.qty.is_zero() || p.qty.is_sign_positive() == signed.is_sign_positive() {
            p.qty += signed;
            p.cost += signed * price;
        } else {
            let closing = signed.abs().min(p.qty.abs());
            let avg = p.cost / p.qty;
            let sign = if p.qty.is_sign_positive() { Decimal::ONE } else { -Decimal::ONE };
            realised = (price - avg) * closing * sign;
            p.cost -= avg * closing * sign;
            p.qty += signed;
            if p.qty.is_zero() {
                p.cost = Decimal::ZERO;
            } else if p.qty.is_sign_positive() != sign.is_sign_positive() {
                // Flipped through zero: the rest opens at this price.
                p.cost = p.qty * price;
            }
        }
        p.updated_ms = now_ms;
        realised
    }

    /// Pays funding on `instrument`'s position at `mark` and `rate`: a long pays a positive
    /// rate, a short receives it. Returns the amount credited (negative: paid), if any.
    pub fn fund(&mut self, instrument: &str, quote: &str, mark: Decimal, rate: Decimal) -> Option<Decimal> {
        let qty = self.positions.get(instrument).map(|p| p.qty).filter(|q| !q.is_zero())?;
        let amount = round(-qty * mark * rate);
        self.credit(quote, amount);
        Some(amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn spot_fees_are_in_the_currency_received_and_perps_realise_at_average_cost() {
        let mut a = Account::default();
        a.credit("USD", d("1000"));
        let spot = Pair { base: "BTC".into(), quote: "USD".into(), perp: false };
        let s = a.settle(&spot, "BTC_USD", true, (d("100"), d("1")), d("0.002"), 1);
        assert_eq!((s.fee, s.fee_ccy.as_str()), (d("0.002"), "BTC"));
        assert_eq!(a.balances["BTC"].0, d("0.998"));
        a.settle(&spot, "BTC_USD", false, (d("99"), d("0.998")), d("0.002"), 2);
        // 1000 − 100 + 0.998 × 99 × (1 − 0.002)
        assert_eq!(a.balances["USD"].0, d("998.604396"));
        let perp = Pair { base: "BTC".into(), quote: "USD".into(), perp: true };
        let mut b = Account::default();
        b.settle(&perp, "P", true, (d("100"), d("2")), Decimal::ZERO, 1);
        b.settle(&perp, "P", true, (d("110"), d("2")), Decimal::ZERO, 2);
        b.settle(&perp, "P", false, (d("120"), d("3")), Decimal::ZERO, 3);
        assert_eq!(b.balances["USD"].0, d("45"), "3 closed at 120 against an average of 105");
        b.settle(&perp, "P", false, (d("100"), d("2")), Decimal::ZERO, 4);
        assert_eq!(b.positions["P"].qty, d("-1"));
        assert_eq!(b.positions["P"].cost, d("-100"), "the flip opens the rest at the fill price");
        assert_eq!(b.fund("P", "USD", d("100"), d("0.01")), Some(d("1")), "a short receives a positive rate");
    }
}
