//! A local order book kept from a snapshot and deltas, with `u`/`pu` continuity (§5.1): a delta
//! applies only if its `pu` equals the last applied `u`; otherwise the book is discarded and the
//! caller must resubscribe for a fresh snapshot. `u` is not consecutive; never check `u == pu+1`.

use super::ladder::Ladder;

use rust_decimal::Decimal;

use crate::protocol::ids::InstrumentName;
use crate::protocol::models::{BookDelta, BookLevel, BookSnapshot};
use crate::protocol::{Channel, Push, PushData};

/// A delta did not continue the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("book gap: expected pu {expected:?}, got pu {got:?}")]
pub struct BookGap {
    /// The last applied `u` (none without a snapshot).
    pub expected: Option<u64>,
    /// The delta's `pu`.
    pub got: Option<u64>,
}

/// One instrument's book.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBook {
    bids: Ladder,
    asks: Ladder,
    last_u: Option<u64>,
    depth: Option<usize>,
    /// Time of the last applied message, ms.
    pub time_ms: Option<u64>,
}

impl Default for OrderBook {
    fn default() -> Self {
        OrderBook { bids: Ladder::new(true), asks: Ladder::new(false), last_u: None, depth: None, time_ms: None }
    }
}

impl OrderBook {
    /// An empty book that keeps at most `depth` levels a side (the subscription's depth).
    pub fn with_depth(depth: Option<usize>) -> Self {
        OrderBook { depth, ..Default::default() }
    }

    /// Replaces the book with a snapshot.
    pub fn apply_snapshot(&mut self, s: &BookSnapshot) {
        self.bids.clear();
        self.asks.clear();
        set_levels(&mut self.bids, &s.bids);
        set_levels(&mut self.asks, &s.asks);
        self.last_u = s.update_id;
        self.time_ms = s.time_ms;
        self.trim();
    }

    /// Applies a delta if it continues the book; on a gap the book is cleared and unusable
    /// until the next snapshot.
    pub fn apply_delta(&mut self, d: &BookDelta) -> Result<(), BookGap> {
        match (self.last_u, d.previous_update_id, d.update_id) {
            (Some(last), Some(pu), Some(u)) if pu == last => {
                set_levels(&mut self.bids, &d.update.bids);
                set_levels(&mut self.asks, &d.update.asks);
                self.last_u = Some(u);
                self.time_ms = d.time_ms.or(self.time_ms);
                self.trim();
                Ok(())
            }
            (expected, got, _) => {
                *self = OrderBook::with_depth(self.depth);
                Err(BookGap { expected, got })
            }
        }
    }

    /// Whether the book has a snapshot and no gap since.
    pub fn is_valid(&self) -> bool {
        self.last_u.is_some()
    }

    /// The last applied sequence number.
    pub fn last_u(&self) -> Option<u64> {
        self.last_u
    }

    /// Bids, best first.
    pub fn bids(&self) -> Vec<BookLevel> {
        self.bids.iter().map(|(price, quantity, orders)| BookLevel { price, quantity, orders }).collect()
    }

    /// Asks, best first.
    pub fn asks(&self) -> Vec<BookLevel> {
        self.asks.iter().map(|(price, quantity, orders)| BookLevel { price, quantity, orders }).collect()
    }

    /// Best bid price and quantity.
    pub fn best_bid(&self) -> Option<(Decimal, Decimal)> {
        self.bids.best()
    }

    /// Best ask price and quantity.
    pub fn best_ask(&self) -> Option<(Decimal, Decimal)> {
        self.asks.best()
    }

    /// The quantity resting at `price` on the bid side (`bid`) or the ask side; zero if none.
    pub fn quantity_at(&self, bid: bool, price: Decimal) -> Decimal {
        if bid {
            self.bids.at(price)
        } else {
            self.asks.at(price)
        }
    }

    /// The levels of one side, best first, as (price, quantity), without copying the book.
    pub fn levels(&self, bid: bool) -> impl Iterator<Item = (Decimal, Decimal)> + '_ {
        let side = if bid { &self.bids } else { &self.asks };
        side.iter().map(|(p, q, _)| (p, q))
    }

    /// Mid price, when both sides exist.
    pub fn mid(&self) -> Option<Decimal> {
        Some((self.best_bid()?.0 + self.best_ask()?.0) / Decimal::TWO)
    }

    fn trim(&mut self) {
        if let Some(depth) = self.depth {
            self.bids.trim(depth);
            self.asks.trim(depth);
        }
    }
}

fn set_levels(side: &mut Ladder, levels: &[BookLevel]) {
    for l in levels {
        side.set(l.price, l.quantity, l.orders);
    }
}

/// Books by instrument, fed from market pushes.
#[derive(Debug, Default)]
pub struct Books {
    // Shared so that strategies get the book without a copy of its levels; a delta copies it
    // only if someone still holds the previous version (`Arc::make_mut`).
    books: Vec<(InstrumentName, std::sync::Arc<OrderBook>)>,
    /// Each book's index in `books`.
    index: std::collections::HashMap<InstrumentName, usize, crate::state::IdHasher>,
    /// The book applied last: a feed of one instrument finds it without hashing its name.
    last: usize,
    /// Instruments whose gap was reported and which await a fresh snapshot: their deltas are
    /// dropped silently, so one gap asks for one resubscribe, not one per delta in flight.
    awaiting: std::collections::HashSet<InstrumentName, crate::state::IdHasher>,
}

impl Books {
    /// Applies a book push. Returns the channel to resubscribe when a gap was found.
    pub fn on_push(&mut self, push: &Push) -> Option<Channel> {
        self.apply(push).err()
    }

    /// Applies a book push in one lookup; `Ok(true)` when it changed a valid book (one to show
    /// strategies), `Err` the channel to resubscribe when a gap was found.
    pub(crate) fn apply(&mut self, push: &Push) -> Result<bool, Channel> {
        let Channel::Book { instrument, depth } = &push.channel else { return Ok(false) };
        let i = match self.books.get(self.last) {
            Some((name, _)) if name == instrument => self.last,
            _ => match self.index.get(instrument) {
                Some(i) => *i,
                None => {
                    let book = OrderBook::with_depth(usize::try_from(*depth).ok());
                    self.books.push((instrument.clone(), std::sync::Arc::new(book)));
                    self.index.insert(instrument.clone(), self.books.len() - 1);
                    self.books.len() - 1
                }
            },
        };
        self.last = i;
        let (_, book) = &mut self.books[i];
        Self::apply_to(book, &mut self.awaiting, instrument, push)
    }

    fn apply_to(
        shared: &mut std::sync::Arc<OrderBook>,
        awaiting: &mut std::collections::HashSet<InstrumentName, crate::state::IdHasher>,
        instrument: &InstrumentName,
        push: &Push,
    ) -> Result<bool, Channel> {
        let book = std::sync::Arc::make_mut(shared);
        // Most pushes are deltas of a book that has no gap: no set to look in then.
        let waiting = !awaiting.is_empty() && awaiting.contains(instrument);
        match &push.data {
            PushData::BookSnapshots(snaps) => {
                snaps.iter().for_each(|s| book.apply_snapshot(s));
                if waiting {
                    awaiting.remove(instrument);
                }
            }
            PushData::BookDeltas(_) if waiting => return Ok(false),
            PushData::BookDeltas(deltas) => {
                for d in deltas {
                    if let Err(gap) = book.apply_delta(d) {
                        tracing::warn!(%instrument, %gap, "book gap: resubscribing for a fresh snapshot");
                        awaiting.insert(instrument.clone());
                        return Err(push.channel.clone());
                    }
                }
            }
            _ => return Ok(false),
        }
        Ok(book.is_valid())
    }

    /// The book of an instrument.
    pub fn get(&self, instrument: &str) -> Option<&OrderBook> {
        let i = match self.books.get(self.last) {
            Some((name, _)) if name.as_str() == instrument => self.last,
            _ => *self.index.get(instrument)?,
        };
        self.books.get(i).map(|(_, b)| &**b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::models::BookLevels;

    fn lvl(p: i64, q: i64) -> BookLevel {
        BookLevel { price: Decimal::from(p), quantity: Decimal::from(q), orders: 1 }
    }

    fn delta(pu: u64, u: u64, bids: Vec<BookLevel>, asks: Vec<BookLevel>) -> BookDelta {
        BookDelta {
            update: BookLevels { asks, bids },
            time_ms: None,
            last_update_ms: None,
            update_id: Some(u),
            previous_update_id: Some(pu),
        }
    }

    #[test]
    fn deltas_chain_on_pu_and_gaps_clear_the_book() {
        let mut b = OrderBook::with_depth(Some(2));
        b.apply_snapshot(&BookSnapshot {
            asks: vec![lvl(101, 1), lvl(102, 2)],
            bids: vec![lvl(99, 1)],
            time_ms: None,
            last_update_ms: None,
            update_id: Some(10),
        });
        b.apply_delta(&delta(10, 17, vec![lvl(100, 3)], vec![lvl(101, 0)])).unwrap();
        assert_eq!(b.best_bid(), Some((Decimal::from(100), Decimal::from(3))));
        assert_eq!(b.best_ask(), Some((Decimal::from(102), Decimal::from(2))));
        // An empty delta with u == pu still continues the chain.
        b.apply_delta(&delta(17, 17, vec![], vec![])).unwrap();
        // Depth 2: a third bid pushes out the worst.
        b.apply_delta(&delta(17, 20, vec![lvl(98, 1)], vec![])).unwrap();
        assert_eq!(b.bids().len(), 2);
        let gap = b.apply_delta(&delta(19, 25, vec![], vec![])).unwrap_err();
        assert_eq!(gap, BookGap { expected: Some(20), got: Some(19) });
        assert!(!b.is_valid() && b.bids().is_empty());
        assert!(b.apply_delta(&delta(25, 26, vec![], vec![])).is_err(), "no deltas before a snapshot");
    }
}
