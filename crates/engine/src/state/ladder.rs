//! One side of an order book as sorted vectors with the best level last: the prices as 128-bit
//! integers at one scale (the most decimals seen on this side), searched by bisection over a
//! small contiguous array, and the levels beside them. A level added or emptied near the touch
//! (where most changes are) moves only the few levels behind it. It replaced a `BTreeMap` of
//! `Decimal`s, whose node walks and general comparisons were the largest cost of a delta. It
//! must NOT hold two levels at one price (1.0 and 1.00 are one price), nor a zero quantity.

use rust_decimal::Decimal;

/// A level: price, quantity, order count.
type Level = (Decimal, Decimal, u64);

/// The `scale` of a side that compares prices instead of keys.
const SLOW: u32 = u32::MAX;

/// One side of a book.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ladder {
    bid: bool,
    /// The scale of `keys`.
    scale: u32,
    /// Prices at `scale` (negated on the ask side, so that the best sorts last), ascending.
    keys: Vec<i64>,
    levels: Vec<Level>,
}

impl Ladder {
    /// An empty bid side (`bid`) or ask side.
    pub(crate) fn new(bid: bool) -> Self {
        Ladder { bid, scale: 0, keys: Vec::new(), levels: Vec::new() }
    }

    /// `price` as a key at `scale`; `None` if it needs more decimals than `scale` has.
    fn key_at(&self, price: Decimal, scale: u32) -> Option<i64> {
        let m = match scale.checked_sub(price.scale())? {
            // The usual case: the side's prices share one scale.
            0 => price.mantissa(),
            up => price.mantissa().checked_mul(10i128.checked_pow(up)?)?,
        };
        let m = i64::try_from(m).ok()?;
        Some(if self.bid { m } else { -m })
    }

    /// The key of `price`, first raising the side's scale if it has more decimals; `None`
    /// once the side has fallen back to comparing prices (below).
    fn key(&mut self, price: Decimal) -> Option<i64> {
        if self.scale == SLOW {
            return None;
        }
        if let Some(k) = self.key_at(price, self.scale) {
            return Some(k);
        }
        // More decimals than seen so far: re-key the side at the new scale. An exchange's
        // prices fit 64 bits at their scale by far; a side whose prices do not (too many
        // digits, or scales too far apart) compares the prices themselves from then on.
        let scale = price.scale().max(self.scale);
        let rekeyed: Option<Vec<i64>> = self.levels.iter().map(|l| self.key_at(l.0, scale)).collect();
        match (rekeyed, self.key_at(price, scale)) {
            (Some(keys), Some(k)) => {
                self.keys = keys;
                self.scale = scale;
                Some(k)
            }
            _ => {
                self.scale = SLOW;
                self.keys.clear();
                None
            }
        }
    }

    /// Where `price` is (or would go), and its key.
    fn locate(&mut self, price: Decimal) -> (Result<usize, usize>, Option<i64>) {
        match self.key(price) {
            Some(key) => (search(&self.keys, key), Some(key)),
            None => {
                let bid = self.bid;
                let order = |a: Decimal, b: Decimal| if bid { a.cmp(&b) } else { b.cmp(&a) };
                (self.levels.binary_search_by(|l| order(l.0, price)), None)
            }
        }
    }

    /// Sets the quantity at `price`; zero removes the level.
    pub(crate) fn set(&mut self, price: Decimal, qty: Decimal, orders: u64) {
        let (at, key) = self.locate(price);
        match at {
            Ok(i) if qty.is_zero() => {
                if key.is_some() {
                    self.keys.remove(i);
                }
                self.levels.remove(i);
            }
            Ok(i) => {
                let l = &mut self.levels[i];
                (l.1, l.2) = (qty, orders);
            }
            Err(_) if qty.is_zero() => {}
            Err(i) => {
                if let Some(key) = key {
                    self.keys.insert(i, key);
                }
                self.levels.insert(i, (price, qty, orders));
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        self.keys.clear();
        self.levels.clear();
        self.scale = 0;
    }

    /// The best level's price and quantity.
    pub(crate) fn best(&self) -> Option<(Decimal, Decimal)> {
        self.levels.last().map(|l| (l.0, l.1))
    }

    /// The quantity at `price`, zero if none.
    pub(crate) fn at(&self, price: Decimal) -> Decimal {
        let i = match self.key_at(price, self.scale).filter(|_| self.scale != SLOW) {
            Some(key) => search(&self.keys, key).ok(),
            None => self.levels.iter().position(|l| l.0 == price),
        };
        i.map_or(Decimal::ZERO, |i| self.levels[i].1)
    }

    /// (price, quantity, orders), best first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Level> + '_ {
        self.levels.iter().rev().copied()
    }

    /// Keeps the best `depth` levels.
    pub(crate) fn trim(&mut self, depth: usize) {
        if self.levels.len() > depth {
            let worst = self.levels.len() - depth;
            self.keys.drain(..worst);
            self.levels.drain(..worst);
        }
    }
}

/// Finds `key` in ascending `keys`: std's bisection, which on plain integers compiles to
/// conditional moves (no branch to mispredict), over a few hundred bytes of keys.
fn search(keys: &[i64], key: i64) -> Result<usize, usize> {
    keys.binary_search(&key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn each_side_keeps_its_best_first_and_one_level_a_price() {
        let mut bids = Ladder::new(true);
        let mut asks = Ladder::new(false);
        for (p, q) in [("100", "1"), ("101", "2"), ("99.5", "3"), ("101.0", "4")] {
            bids.set(d(p), d(q), 1);
            asks.set(d(p), d(q), 1);
        }
        assert_eq!(bids.best(), Some((d("101"), d("4"))), "101.0 replaced 101");
        assert_eq!(asks.best(), Some((d("99.5"), d("3"))));
        assert_eq!(bids.iter().map(|l| l.0).collect::<Vec<_>>(), [d("101"), d("100"), d("99.5")]);
        assert_eq!(asks.iter().map(|l| l.0).collect::<Vec<_>>(), [d("99.5"), d("100"), d("101")]);
        bids.set(d("100.00"), Decimal::ZERO, 0);
        bids.set(d("42"), Decimal::ZERO, 0);
        assert_eq!((bids.levels.len(), bids.at(d("100")), bids.at(d("99.50"))), (2, Decimal::ZERO, d("3")));
        asks.trim(1);
        assert_eq!((asks.levels.len(), asks.best()), (1, Some((d("99.5"), d("3")))), "trimming drops the worst");
    }

    #[test]
    fn search_agrees_with_bisection_near_and_far_from_the_touch() {
        let keys: Vec<i64> = (0..100).map(|k| k * 10).collect();
        assert_eq!(search(&keys[..5], 25), Err(3));
        for key in -5..1_005 {
            assert_eq!(search(&keys, key), keys.binary_search(&key), "{key}");
        }
        assert_eq!(search(&[], 3), Err(0));
    }

    #[test]
    fn prices_too_far_apart_for_one_scale_still_sort() {
        let mut bids = Ladder::new(true);
        for p in ["79228162514264337593543950335", "1", "0.0000000000000000000000000001", "2", "1.5"] {
            bids.set(d(p), Decimal::ONE, 1);
        }
        let got: Vec<Decimal> = bids.iter().map(|l| l.0).collect();
        let want: Vec<Decimal> = ["79228162514264337593543950335", "2", "1.5", "1", "0.0000000000000000000000000001"]
            .iter()
            .map(|p| d(p))
            .collect();
        assert_eq!(got, want);
        bids.set(d("1.50"), Decimal::ZERO, 0);
        assert_eq!(bids.levels.len(), 4);
        assert_eq!(bids.at(d("2")), Decimal::ONE);
    }
}
