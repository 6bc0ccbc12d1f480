//! One instrument's public tape: recent public trades and one-minute candles built from them
//! (the source of tickers, `public/get-trades` and `public/get-candlestick`).
//!
//! It records what matching reports; it must not decide prices or touch the book.

use super::book::Side;
use super::clock::month_start;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, VecDeque};

/// Public trades kept per instrument; older ones survive only in the candles.
const KEEP_TRADES: usize = 20_000;
const MINUTE_MS: u64 = 60_000;
const DAY_MS: u64 = 86_400_000;

/// One public trade.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PublicTrade {
    /// Trade id (`d`).
    pub id: u64,
    /// Match id (`m`).
    pub match_id: u64,
    /// Time in ns (`tn`; `t` is this in ms).
    pub ns: u64,
    /// Price the trade printed at.
    pub price: Decimal,
    /// Quantity.
    pub qty: Decimal,
    /// The taker's side (`s`).
    pub taker_side: Side,
}

/// Open, high, low, close, base volume and quote value of one period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Candle {
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub close: Decimal,
    pub volume: Decimal,
    pub value: Decimal,
}

impl Candle {
    fn start(price: Decimal) -> Self {
        Candle { open: price, high: price, low: price, close: price, volume: Decimal::ZERO, value: Decimal::ZERO }
    }

    /// Folds a later candle (or trade) into this one.
    fn merge(&mut self, later: &Candle) {
        self.high = self.high.max(later.high);
        self.low = self.low.min(later.low);
        self.close = later.close;
        self.volume += later.volume;
        self.value += later.value;
    }
}

/// A candle length: fixed milliseconds, or a calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Period {
    Fixed(u64),
    Month,
}

impl Period {
    /// The period of a §5.4 timeframe name (`1m` ... `1M`).
    pub fn parse(name: &str) -> Option<Period> {
        let minutes = match name {
            "1m" => 1,
            "5m" => 5,
            "15m" => 15,
            "30m" => 30,
            "1h" => 60,
            "2h" => 120,
            "4h" => 240,
            "6h" => 360,
            "12h" => 720,
            "1D" => 1_440,
            "7D" => 10_080,
            "14D" => 20_160,
            "1M" => return Some(Period::Month),
            _ => return None,
        };
        Some(Period::Fixed(minutes * MINUTE_MS))
    }

    fn bucket(self, ms: u64) -> u64 {
        match self {
            Period::Fixed(len) => ms - ms % len,
            Period::Month => month_start(ms),
        }
    }
}

/// Recent trades and minute candles of one instrument.
#[derive(Debug, Default)]
pub(crate) struct Tape {
    trades: VecDeque<PublicTrade>,
    minutes: BTreeMap<u64, Candle>,
}

impl Tape {
    /// Records a trade.
    pub fn record(&mut self, t: PublicTrade) {
        let ms = t.ns / 1_000_000;
        let mut one = Candle::start(t.price);
        one.volume = t.qty;
        one.value = t.qty * t.price;
        self.minutes.entry(ms - ms % MINUTE_MS).and_modify(|c| c.merge(&one)).or_insert(one);
        self.trades.push_back(t);
        if self.trades.len() > KEEP_TRADES {
            self.trades.pop_front();
        }
    }

    /// The last trade.
    pub fn last(&self) -> Option<&PublicTrade> {
        self.trades.back()
    }

    /// Trades newest first with `start_ns <= ns < end_ns`, at most `n`.
    pub fn recent(&self, n: usize, start_ns: u64, end_ns: u64) -> Vec<PublicTrade> {
        self.trades.iter().rev().filter(|t| t.ns >= start_ns && t.ns < end_ns).take(n).copied().collect()
    }

    /// The last 24 hours (by minute) folded into one candle.
    pub fn day(&self, now_ms: u64) -> Option<Candle> {
        let from = now_ms.saturating_sub(DAY_MS);
        let mut it = self.minutes.range(from..).map(|(_, c)| c);
        let mut acc = *it.next()?;
        it.for_each(|c| acc.merge(c));
        Some(acc)
    }

    /// Candles of `period` starting in `[start_ms, end_ms)`, the last `count`, oldest first.
    pub fn candles(&self, period: Period, start_ms: u64, end_ms: u64, count: usize) -> Vec<(u64, Candle)> {
        let mut out: Vec<(u64, Candle)> = Vec::new();
        for (t, c) in self.minutes.range(start_ms..end_ms) {
            let b = period.bucket(*t);
            match out.last_mut() {
                Some((last, acc)) if *last == b => acc.merge(c),
                _ => out.push((b, *c)),
            }
        }
        let skip = out.len().saturating_sub(count);
        out.split_off(skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(ms: u64, price: i64, qty: i64) -> PublicTrade {
        PublicTrade {
            id: ms,
            match_id: ms,
            ns: ms * 1_000_000,
            price: Decimal::from(price),
            qty: Decimal::from(qty),
            taker_side: Side::Buy,
        }
    }

    #[test]
    fn candles_fold_minutes_into_periods() {
        let mut tape = Tape::default();
        tape.record(trade(60_000, 10, 1));
        tape.record(trade(61_000, 12, 2));
        tape.record(trade(5 * 60_000 + 1, 9, 3));
        let c1 = tape.candles(Period::Fixed(MINUTE_MS), 0, u64::MAX, 10);
        assert_eq!(c1.len(), 2);
        assert_eq!((c1[0].1.open, c1[0].1.high, c1[0].1.close), (10.into(), 12.into(), 12.into()));
        let c5 = tape.candles(Period::Fixed(5 * MINUTE_MS), 0, u64::MAX, 10);
        assert_eq!(c5.iter().map(|c| c.0).collect::<Vec<_>>(), vec![0, 300_000]);
        assert_eq!(c5[0].1.volume, Decimal::from(3));
        assert_eq!(tape.candles(Period::Fixed(MINUTE_MS), 0, u64::MAX, 1)[0].0, 300_000);
        assert_eq!(tape.recent(5, 0, 61_000_000_000).len(), 1);
    }
}
