//! The gateway's copy of one book: the exchange's snapshot with every delta applied since,
//! keyed by price, so that a relay joining late can be given a snapshot at the current `u`
//! (§5.1). Levels are kept as the exchange wrote them (`["price","qty","count"]`), so what a
//! newcomer receives is the exchange's own text, only gathered.
//!
//! It must NOT publish or decide what to do about a gap: it says so, and the gateway
//! resubscribes.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{json, Value};

/// What a delta did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    /// It continued the book and is applied.
    Continued,
    /// No snapshot since the last gap: the delta is dropped until one comes.
    Waiting,
    /// Its `pu` is not the last `u` (or it could not be read): the book is discarded.
    Gap {
        /// The last applied `u`.
        expected: Option<u64>,
        /// The delta's `pu`.
        got: Option<u64>,
    },
}

/// One instrument's book at one depth.
#[derive(Debug, Clone)]
pub(crate) struct Book {
    depth: usize,
    bids: BTreeMap<Decimal, Value>,
    asks: BTreeMap<Decimal, Value>,
    last_u: Option<u64>,
    tt: Option<u64>,
}

type Levels = Vec<(Decimal, Decimal, Value)>;

impl Book {
    /// An empty book awaiting its snapshot.
    pub(crate) fn new(depth: u32) -> Book {
        Book { depth: depth as usize, bids: BTreeMap::new(), asks: BTreeMap::new(), last_u: None, tt: None }
    }

    /// Whether a snapshot was taken and no gap seen since.
    #[cfg(test)]
    pub(crate) fn is_valid(&self) -> bool {
        self.last_u.is_some()
    }

    /// The last applied `u`.
    #[cfg(test)]
    pub(crate) fn last_u(&self) -> Option<u64> {
        self.last_u
    }

    /// Forgets the levels (the feed dropped): nothing is served until the next snapshot.
    pub(crate) fn invalidate(&mut self) {
        self.bids.clear();
        self.asks.clear();
        self.last_u = None;
    }

    /// Replaces the book with a snapshot item (`{"bids":…,"asks":…,"u":…}`); an unreadable
    /// one leaves the book invalid and says what was wrong.
    pub(crate) fn apply_snapshot(&mut self, item: &Value) -> Result<(), String> {
        self.invalidate();
        let u = item.get("u").and_then(Value::as_u64).ok_or("a book snapshot without a numeric `u`")?;
        let bids = levels(item.get("bids"))?;
        let asks = levels(item.get("asks"))?;
        set(&mut self.bids, bids);
        set(&mut self.asks, asks);
        self.last_u = Some(u);
        self.tt = item.get("tt").and_then(Value::as_u64).or(self.tt);
        self.trim();
        Ok(())
    }

    /// Applies a delta item (`{"update":{…},"u":…,"pu":…}`) if it continues the book.
    pub(crate) fn apply_delta(&mut self, item: &Value) -> Applied {
        let Some(last) = self.last_u else { return Applied::Waiting };
        let pu = item.get("pu").and_then(Value::as_u64);
        let u = item.get("u").and_then(Value::as_u64);
        let side = |name: &str| levels(item.get("update").and_then(|x| x.get(name)));
        match (pu, u, side("bids"), side("asks")) {
            (Some(pu), Some(u), Ok(bids), Ok(asks)) if pu == last => {
                set(&mut self.bids, bids);
                set(&mut self.asks, asks);
                self.last_u = Some(u);
                self.tt = item.get("tt").and_then(Value::as_u64).or(self.tt);
                self.trim();
                Applied::Continued
            }
            // A delta that cannot be read is one the book missed: the same as a gap.
            _ => {
                self.invalidate();
                Applied::Gap { expected: Some(last), got: pu }
            }
        }
    }

    /// A snapshot push of the current book, as the exchange would send it (`id` -1), with
    /// `t` = `now_ms`; `None` while the book is invalid.
    pub(crate) fn render(&self, channel: &str, instrument: &str, now_ms: u64) -> Option<Value> {
        let u = self.last_u?;
        let bids: Vec<&Value> = self.bids.values().rev().collect();
        let asks: Vec<&Value> = self.asks.values().collect();
        let item = json!({"asks": asks, "bids": bids, "t": now_ms, "tt": self.tt.unwrap_or(now_ms), "u": u});
        Some(json!({"id": -1, "method": "subscribe", "code": 0,
            "result": {"instrument_name": instrument, "subscription": channel, "channel": "book",
                       "depth": self.depth, "data": [item]}}))
    }

    /// Keeps the best `depth` levels a side: the exchange deletes what falls out of its
    /// depth, and this bounds the memory if a deletion is ever missing.
    fn trim(&mut self) {
        while self.bids.len() > self.depth {
            self.bids.pop_first();
        }
        while self.asks.len() > self.depth {
            self.asks.pop_last();
        }
    }
}

/// Reads a side's levels; an absent side is empty. Every level is checked before any is
/// applied, so a bad one leaves the book untouched.
fn levels(side: Option<&Value>) -> Result<Levels, String> {
    let Some(side) = side else { return Ok(Vec::new()) };
    let rows = side.as_array().ok_or_else(|| format!("a book side that is not a list: {}", trim(side)))?;
    rows.iter()
        .map(|row| {
            let price = row.get(0).and_then(decimal);
            let qty = row.get(1).and_then(decimal);
            match (price, qty) {
                (Some(p), Some(q)) => Ok((p, q, row.clone())),
                _ => Err(format!("a book level without a price and quantity: {}", trim(row))),
            }
        })
        .collect()
}

fn set(side: &mut BTreeMap<Decimal, Value>, levels: Levels) {
    for (price, qty, raw) in levels {
        // A delta level carries the new absolute quantity; "0" deletes it (§5.1).
        if qty.is_zero() {
            side.remove(&price);
        } else {
            side.insert(price, raw);
        }
    }
}

fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

/// The start of a value's text, for a log line.
fn trim(v: &Value) -> String {
    let mut s = v.to_string();
    if s.len() > 120 {
        let mut cut = 120;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(u: u64) -> Value {
        json!({"bids": [["100.0","1","1"], ["99","2","1"]], "asks": [["101","1","2"]], "t": 1, "tt": 1, "u": u})
    }

    fn delta(pu: u64, u: u64, bids: Value, asks: Value) -> Value {
        json!({"update": {"bids": bids, "asks": asks}, "t": 2, "tt": 2, "u": u, "pu": pu})
    }

    fn sides(b: &Book) -> (Value, Value) {
        let v = b.render("book.X.10", "X", 5).unwrap_or_default();
        (v["result"]["data"][0]["bids"].clone(), v["result"]["data"][0]["asks"].clone())
    }

    #[test]
    fn deltas_set_and_delete_levels_and_the_render_is_a_snapshot_at_the_last_u() {
        let mut b = Book::new(10);
        assert_eq!(b.apply_delta(&delta(1, 2, json!([]), json!([]))), Applied::Waiting);
        b.apply_snapshot(&snap(7)).unwrap();
        // "100" and "100.0" are one price: the delta replaces the level the snapshot wrote.
        let d = delta(7, 9, json!([["100", "3", "2"], ["99", "0", "0"]]), json!([["102", "4", "1"]]));
        assert_eq!(b.apply_delta(&d), Applied::Continued);
        assert_eq!(sides(&b), (json!([["100", "3", "2"]]), json!([["101", "1", "2"], ["102", "4", "1"]])));
        let v = b.render("book.X.10", "X", 5).unwrap_or_default();
        assert_eq!(v["id"], -1);
        assert_eq!(v["result"]["channel"], "book");
        assert_eq!(v["result"]["subscription"], "book.X.10");
        assert_eq!((v["result"]["data"][0]["u"].as_u64(), v["result"]["data"][0]["t"].as_u64()), (Some(9), Some(5)));
        // An empty delta (a quiet book's keepalive, u == pu) continues the chain.
        assert_eq!(b.apply_delta(&delta(9, 9, json!([]), json!([]))), Applied::Continued);
        assert_eq!(b.last_u(), Some(9));
    }

    #[test]
    fn a_delta_off_the_chain_or_unreadable_discards_the_book() {
        let mut b = Book::new(10);
        b.apply_snapshot(&snap(7)).unwrap();
        assert_eq!(b.apply_delta(&delta(8, 9, json!([]), json!([]))), Applied::Gap { expected: Some(7), got: Some(8) });
        assert!(!b.is_valid() && b.render("c", "X", 1).is_none());
        b.apply_snapshot(&snap(10)).unwrap();
        let bad = delta(10, 11, json!([["abc", "1", "1"]]), json!([]));
        assert!(matches!(b.apply_delta(&bad), Applied::Gap { .. }));
        assert!(b.apply_snapshot(&json!({"bids": [], "asks": []})).is_err(), "no u");
        assert!(!b.is_valid());
    }

    #[test]
    fn only_the_best_depth_levels_are_kept() {
        let mut b = Book::new(2);
        let item = json!({"bids": [["1","1","1"], ["2","1","1"], ["3","1","1"]],
                          "asks": [["6","1","1"], ["4","1","1"], ["5","1","1"]], "u": 1});
        b.apply_snapshot(&item).unwrap();
        assert_eq!(sides(&b), (json!([["3", "1", "1"], ["2", "1", "1"]]), json!([["4", "1", "1"], ["5", "1", "1"]])));
    }
}
