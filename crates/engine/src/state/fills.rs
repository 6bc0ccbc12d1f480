//! Fills by `trade_id`, written only by the engine task: the de-duplication point of the whole
//! engine. A bounded window of recent ids (including those recovered from the journal) decides
//! what was seen; the journal keeps every fill forever.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use crate::protocol::ids::TradeId;
use crate::protocol::models::Trade;

#[derive(Debug, Default)]
struct Seen {
    ids: HashSet<TradeId, super::IdHasher>,
    order: VecDeque<TradeId>,
    last_time_ns: Option<u128>,
    total: u64,
}

/// Recent fills and the de-duplication window.
#[derive(Debug)]
pub struct Fills {
    // Shared with the apply code that inserted it: one allocation per fill, not a deep copy.
    recent: super::Map<TradeId, Arc<Trade>>,
    seen: Mutex<Seen>,
    window: usize,
}

impl Fills {
    /// Remembers the last `window` trade ids (and keeps those fills readable).
    pub fn new(window: usize) -> Self {
        Fills { recent: super::Map::default(), seen: Mutex::default(), window: window.max(1) }
    }

    /// Marks ids as seen without fill data (recovered from the journal).
    pub(crate) fn preload(&self, ids: impl IntoIterator<Item = String>, last_time_ns: Option<u128>, total: u64) {
        let mut s = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            let id = TradeId::from(id);
            if s.ids.insert(id.clone()) {
                s.order.push_back(id);
            }
        }
        s.last_time_ns = s.last_time_ns.max(last_time_ns);
        s.total = total;
        self.trim(&mut s);
    }

    /// Records a fill; false if its `trade_id` was already seen (engine task only).
    pub(crate) fn insert(&self, t: &Arc<Trade>) -> bool {
        let mut s = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if !s.ids.insert(t.trade_id.clone()) {
            return false;
        }
        s.order.push_back(t.trade_id.clone());
        s.last_time_ns = s.last_time_ns.max(t.time_ns());
        s.total += 1;
        self.recent.insert(t.trade_id.clone(), t.clone());
        self.trim(&mut s);
        true
    }

    fn trim(&self, s: &mut Seen) {
        while s.order.len() > self.window {
            if let Some(old) = s.order.pop_front() {
                s.ids.remove(&old);
                self.recent.remove(&old);
            }
        }
    }

    /// Whether a trade id was seen (within the window).
    pub fn contains(&self, trade_id: &str) -> bool {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).ids.contains(trade_id)
    }

    /// A recent fill.
    pub fn get(&self, trade_id: &str) -> Option<Trade> {
        self.recent.get(trade_id).map(|t| Trade::clone(&t))
    }

    /// The newest fill time seen, ns: reconciliation fetches trades from here.
    pub fn last_time_ns(&self) -> Option<u128> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).last_time_ns
    }

    /// Fills seen in total (journal included).
    pub fn total(&self) -> u64 {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).total
    }

    /// Recent fills held in memory.
    pub fn recent(&self) -> Vec<Trade> {
        self.recent.iter().map(|t| Trade::clone(t.value())).collect()
    }
}
