//! One instrument's limit order book with price-time priority: price levels, each a FIFO queue
//! of resting entries (the user's and the synthetic participants' in the same queues).
//!
//! It knows nothing of balances, fees or order records; matching only reduces entries here.

use super::instruments::Instrument;
use crate::venue::Level;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, VecDeque};

/// Which side of the book (also the side of an order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// Bids.
    Buy,
    /// Asks.
    Sell,
}

impl Side {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }

    /// The other side.
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    /// Whether a taker on this side with `limit` may trade at a maker's `price`.
    pub fn crosses(self, limit: Option<Decimal>, price: Decimal) -> bool {
        match (self, limit) {
            (_, None) => true,
            (Side::Buy, Some(l)) => price <= l,
            (Side::Sell, Some(l)) => price >= l,
        }
    }
}

/// Who owns a resting entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The simulated account (has an order record).
    User,
    /// A synthetic participant (no record, unlimited funds).
    Participant,
}

/// One resting order in a level's queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Entry {
    /// The order id.
    pub id: u64,
    /// Quantity still resting.
    pub qty: Decimal,
    /// Whose it is.
    pub owner: Owner,
}

/// Bids and asks of one instrument.
#[derive(Debug, Default)]
pub(crate) struct Book {
    bids: BTreeMap<Decimal, VecDeque<Entry>>,
    asks: BTreeMap<Decimal, VecDeque<Entry>>,
}

impl Book {
    fn side(&self, side: Side) -> &BTreeMap<Decimal, VecDeque<Entry>> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn side_mut(&mut self, side: Side) -> &mut BTreeMap<Decimal, VecDeque<Entry>> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    /// Levels of a side, best first.
    fn iter_best(&self, side: Side) -> Box<dyn Iterator<Item = (&Decimal, &VecDeque<Entry>)> + '_> {
        match side {
            Side::Buy => Box::new(self.bids.iter().rev()),
            Side::Sell => Box::new(self.asks.iter()),
        }
    }

    /// Queues `entry` at the back of its price level.
    pub fn insert(&mut self, side: Side, price: Decimal, entry: Entry) {
        self.side_mut(side).entry(price).or_default().push_back(entry);
    }

    /// Takes an entry out of the book.
    pub fn remove(&mut self, side: Side, price: Decimal, id: u64) -> Option<Entry> {
        let levels = self.side_mut(side);
        let queue = levels.get_mut(&price)?;
        let at = queue.iter().position(|e| e.id == id)?;
        let entry = queue.remove(at);
        if queue.is_empty() {
            levels.remove(&price);
        }
        entry
    }

    /// Changes an entry's quantity where it stands (keeps its queue position).
    pub fn set_qty(&mut self, side: Side, price: Decimal, id: u64, qty: Decimal) -> bool {
        let found = self.side_mut(side).get_mut(&price).and_then(|q| q.iter_mut().find(|e| e.id == id));
        match found {
            Some(e) => {
                e.qty = qty;
                true
            }
            None => false,
        }
    }

    /// The best price of a side.
    pub fn best(&self, side: Side) -> Option<Decimal> {
        self.iter_best(side).next().map(|(p, _)| *p)
    }

    /// The best price of a side and the quantity resting there.
    pub fn best_with_qty(&self, side: Side) -> Option<(Decimal, Decimal)> {
        self.iter_best(side).next().map(|(p, q)| (*p, q.iter().map(|e| e.qty).sum()))
    }

    /// The first entry at the best level of a side.
    pub fn front(&self, side: Side) -> Option<(Decimal, Entry)> {
        self.iter_best(side).next().and_then(|(p, q)| q.front().map(|e| (*p, *e)))
    }

    /// Reduces the first entry at `price` by `qty`, dropping it (and the level) when emptied.
    pub fn fill_front(&mut self, side: Side, price: Decimal, qty: Decimal) {
        let levels = self.side_mut(side);
        let Some(queue) = levels.get_mut(&price) else {
            return;
        };
        if let Some(e) = queue.front_mut() {
            e.qty -= qty;
            if e.qty <= Decimal::ZERO {
                queue.pop_front();
            }
        }
        if queue.is_empty() {
            levels.remove(&price);
        }
    }

    /// Quantity resting on `side` at prices a taker with `limit` would accept.
    pub fn available(&self, side: Side, limit: Option<Decimal>) -> Decimal {
        let taker = side.opposite();
        self.iter_best(side)
            .take_while(|(p, _)| taker.crosses(limit, **p))
            .flat_map(|(_, q)| q.iter().map(|e| e.qty))
            .sum()
    }

    /// What buying `qty` from the asks would cost (only as much as rests there).
    pub fn cost_to_buy(&self, qty: Decimal) -> Decimal {
        let mut left = qty;
        let mut cost = Decimal::ZERO;
        for (price, queue) in self.asks.iter() {
            for e in queue {
                let q = left.min(e.qty);
                cost += q * price;
                left -= q;
                if left <= Decimal::ZERO {
                    return cost;
                }
            }
        }
        cost
    }

    /// Entries of one owner on a side, as (price, entry), best first.
    pub fn entries_of(&self, side: Side, owner: Owner) -> Vec<(Decimal, Entry)> {
        self.iter_best(side).flat_map(|(p, q)| q.iter().filter(|e| e.owner == owner).map(|e| (*p, *e))).collect()
    }

    /// Whether a participant entry rests at exactly `price` on `side`.
    pub fn has_participant_at(&self, side: Side, price: Decimal) -> bool {
        self.side(side).get(&price).is_some_and(|q| q.iter().any(|e| e.owner == Owner::Participant))
    }

    /// The top `depth` levels of a side as wire tuples `[price, qty, count]`, best first.
    pub fn levels(&self, side: Side, depth: usize, inst: &Instrument) -> Vec<Level> {
        self.iter_best(side)
            .take(depth)
            .map(|(p, q)| {
                let total: Decimal = q.iter().map(|e| e.qty).sum();
                [inst.price(*p), inst.qty(total), q.len().to_string()]
            })
            .collect()
    }
}
