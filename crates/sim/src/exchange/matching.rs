//! Price-time matching of one taker against a book: walks the opposite side best level first,
//! oldest entry first, and trades at the maker's price.
//!
//! It only reduces book entries and reports fills; applying fills to orders, balances and the
//! tape is the exchange's job, not this module's.

use super::book::{Book, Owner, Side};
use super::instruments::floor_tick;
use rust_decimal::Decimal;

/// One match between a taker and a resting maker entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fill {
    /// The maker's order id.
    pub maker_id: u64,
    /// The maker's owner.
    pub maker_owner: Owner,
    /// The trade price (the maker's).
    pub price: Decimal,
    /// The traded quantity.
    pub qty: Decimal,
}

/// How much a taker still wants: a quantity, or (MARKET BUY) an amount of quote to spend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Want {
    /// Base quantity.
    Qty(Decimal),
    /// Quote notional; each fill is rounded down to the quantity tick.
    Notional(Decimal),
}

/// Matches a taker on `side` (with an optional limit price) against `book`.
pub(crate) fn take(
    book: &mut Book,
    side: Side,
    limit: Option<Decimal>,
    mut want: Want,
    qty_tick: Decimal,
) -> Vec<Fill> {
    let maker_side = side.opposite();
    let mut fills = Vec::new();
    while let Some((price, entry)) = book.front(maker_side) {
        if !side.crosses(limit, price) {
            break;
        }
        let wanted = match want {
            Want::Qty(q) => q,
            Want::Notional(n) => floor_tick(n / price, qty_tick),
        };
        let qty = wanted.min(entry.qty);
        if qty <= Decimal::ZERO {
            break;
        }
        book.fill_front(maker_side, price, qty);
        want = match want {
            Want::Qty(q) => Want::Qty(q - qty),
            Want::Notional(n) => Want::Notional(n - qty * price),
        };
        fills.push(Fill { maker_id: entry.id, maker_owner: entry.owner, price, qty });
    }
    fills
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::book::Entry;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn entry(id: u64, qty: &str) -> Entry {
        Entry { id, qty: d(qty), owner: Owner::Participant }
    }

    #[test]
    fn price_then_time_priority_and_maker_price() {
        let mut book = Book::default();
        book.insert(Side::Sell, d("101"), entry(1, "1"));
        book.insert(Side::Sell, d("100"), entry(2, "1"));
        book.insert(Side::Sell, d("100"), entry(3, "1"));
        let fills = take(&mut book, Side::Buy, Some(d("101")), Want::Qty(d("2.5")), d("0.1"));
        let got: Vec<(u64, Decimal, Decimal)> = fills.iter().map(|f| (f.maker_id, f.price, f.qty)).collect();
        assert_eq!(got, vec![(2, d("100"), d("1")), (3, d("100"), d("1")), (1, d("101"), d("0.5"))]);
        assert_eq!(book.best_with_qty(Side::Sell), Some((d("101"), d("0.5"))));
    }

    #[test]
    fn limit_stops_and_notional_rounds_down() {
        let mut book = Book::default();
        book.insert(Side::Buy, d("99"), entry(1, "5"));
        book.insert(Side::Buy, d("98"), entry(2, "5"));
        assert!(take(&mut book, Side::Sell, Some(d("99.5")), Want::Qty(d("1")), d("0.1")).is_empty());
        let mut asks = Book::default();
        asks.insert(Side::Sell, d("3"), entry(7, "100"));
        let fills = take(&mut asks, Side::Buy, None, Want::Notional(d("10")), d("1"));
        assert_eq!(fills[0].qty, d("3"));
        assert_eq!(fills.len(), 1);
    }
}
