//! Per-subscription order-book state: snapshots, level diffs and the `u`/`pu` chain (§5.1).
//!
//! Each book subscription remembers the levels it last sent and its last `u`, so every delta
//! says exactly what changed for THAT subscriber and its `pu` is that subscriber's previous `u`.
//! It builds JSON only; it must NOT send anything or hold the venue.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use super::venue::Level;

/// How a book subscription is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookMode {
    /// A full snapshot every interval.
    Snapshot,
    /// One snapshot, then deltas.
    Delta,
}

/// What one book subscriber has been sent.
#[derive(Debug, Clone)]
pub struct BookSub {
    /// The instrument whose book is followed.
    pub instrument: String,
    /// 10 or 50.
    pub depth: usize,
    /// Snapshot or delta feed.
    pub mode: BookMode,
    /// Snapshot interval (SNAPSHOT mode).
    pub interval: Duration,
    bids: Vec<Level>,
    asks: Vec<Level>,
    last_u: u64,
    /// When this subscriber was last sent a book message.
    pub last_sent: Instant,
    tt: u64,
}

impl BookSub {
    /// A subscriber about to receive its first snapshot.
    pub fn new(instrument: &str, depth: usize, mode: BookMode, interval: Duration) -> Self {
        BookSub {
            instrument: instrument.to_string(),
            depth,
            mode,
            interval,
            bids: Vec::new(),
            asks: Vec::new(),
            last_u: 0,
            last_sent: Instant::now(),
            tt: 0,
        }
    }

    /// Records a full snapshot with sequence `u` and returns its `result` object.
    pub fn snapshot(&mut self, sub: &str, bids: Vec<Level>, asks: Vec<Level>, u: u64, now_ms: u64) -> Value {
        if bids != self.bids || asks != self.asks || self.tt == 0 {
            self.tt = now_ms;
        }
        self.bids = bids;
        self.asks = asks;
        self.last_u = u;
        self.last_sent = Instant::now();
        json!({"instrument_name": self.instrument, "subscription": sub, "channel": "book", "depth": self.depth,
               "data": [{"asks": self.asks, "bids": self.bids, "t": now_ms, "tt": self.tt, "u": u}]})
    }

    /// The delta from what was last sent to these levels, or `None` when nothing changed and
    /// `force_empty` is false. An empty delta still advances `u` (quiet-book keepalive).
    pub fn delta(
        &mut self,
        sub: &str,
        bids: Vec<Level>,
        asks: Vec<Level>,
        next_u: u64,
        now_ms: u64,
        force_empty: bool,
    ) -> Option<Value> {
        let bid_changes = diff_levels(&self.bids, &bids);
        let ask_changes = diff_levels(&self.asks, &asks);
        if bid_changes.is_empty() && ask_changes.is_empty() && !force_empty {
            return None;
        }
        if !(bid_changes.is_empty() && ask_changes.is_empty()) {
            self.tt = now_ms;
        }
        let pu = self.last_u;
        self.bids = bids;
        self.asks = asks;
        self.last_u = next_u;
        self.last_sent = Instant::now();
        Some(
            json!({"instrument_name": self.instrument, "subscription": sub, "channel": "book.update", "depth": self.depth,
                    "data": [{"update": {"asks": ask_changes, "bids": bid_changes}, "t": now_ms, "tt": self.tt,
                              "u": next_u, "pu": pu}]}),
        )
    }
}

/// Levels that differ between `old` and `new`, with their new absolute quantity; levels gone
/// from `new` come back with quantity `"0"`.
pub fn diff_levels(old: &[Level], new: &[Level]) -> Vec<Level> {
    let before: HashMap<&str, &Level> = old.iter().map(|l| (l[0].as_str(), l)).collect();
    let after: HashMap<&str, &Level> = new.iter().map(|l| (l[0].as_str(), l)).collect();
    let mut out: Vec<Level> = new.iter().filter(|l| before.get(l[0].as_str()) != Some(l)).cloned().collect();
    out.extend(
        old.iter().filter(|l| !after.contains_key(l[0].as_str())).map(|l| [l[0].clone(), "0".into(), "0".into()]),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(p: &str, q: &str) -> Level {
        [p.into(), q.into(), "1".into()]
    }

    #[test]
    fn diff_reports_changes_additions_and_deletions() {
        let old = vec![lv("100", "1"), lv("99", "2"), lv("98", "3")];
        let new = vec![lv("100", "1"), lv("99", "5"), lv("97", "1")];
        let d = diff_levels(&old, &new);
        assert_eq!(d, vec![lv("99", "5"), lv("97", "1"), ["98".into(), "0".into(), "0".into()]]);
    }

    #[tokio::test]
    async fn deltas_chain_pu_to_previous_u() {
        let mut s = BookSub::new("X", 10, BookMode::Delta, Duration::from_millis(10));
        let snap = s.snapshot("book.X.10", vec![lv("1", "1")], vec![lv("2", "1")], 5, 1);
        assert_eq!(snap["data"][0]["u"], 5);
        assert!(s.delta("book.X.10", vec![lv("1", "1")], vec![lv("2", "1")], 9, 2, false).is_none());
        let d = s.delta("book.X.10", vec![lv("1", "2")], vec![], 9, 2, false).unwrap_or_default();
        assert_eq!((d["data"][0]["pu"].as_u64(), d["data"][0]["u"].as_u64()), (Some(5), Some(9)));
        let e = s.delta("book.X.10", vec![lv("1", "2")], vec![], 12, 3, true).unwrap_or_default();
        assert_eq!((e["data"][0]["pu"].as_u64(), e["data"][0]["u"].as_u64()), (Some(9), Some(12)));
        assert_eq!(e["data"][0]["update"]["bids"], json!([]));
    }
}
