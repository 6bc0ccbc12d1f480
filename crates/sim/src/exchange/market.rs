//! The synthetic market: a seeded random-walk mid per instrument, participants keeping a
//! ladder of resting quotes around it in the same books as the user's orders, and occasional
//! participant market orders that take liquidity (the user's resting orders included).
//!
//! Participants have unlimited funds and no records; this module must not touch the user's
//! balances except through the normal settlement of fills. Reproducible for a seed.

use super::book::{Entry, Owner, Side};
use super::instruments::{ceil_tick, floor_tick};
use super::matching::{take, Want};
use super::Exchange;
use rust_decimal::Decimal;

/// Rungs per side of a participant ladder.
const RUNGS: u32 = 5;
/// Chance (in %) that a participant sends a market order in a step, per instrument.
const TAKER_PERCENT: u64 = 35;

/// A small deterministic generator (SplitMix64): enough for a reproducible simulation.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi.saturating_sub(lo) + 1)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next_u64() % 100 < p
    }
}

/// How far (in ladder rungs) a perpetual's mid may stray from its index.
const PERP_BAND_RUNGS: u64 = 4;

impl Exchange {
    /// A participant sends a market order of `quantity`, taking liquidity (possibly the
    /// user's resting orders). Unknown instruments are ignored.
    pub fn inject_taker(&mut self, instrument: &str, side_buy: bool, quantity: Decimal, now_ms: u64) {
        if let Some(i) = self.inst_index(instrument) {
            self.participant_order(i, side(side_buy), None, quantity, now_ms);
            self.flush_market(now_ms);
        }
    }

    /// A participant places a limit order: it trades with whatever it crosses first, then the
    /// rest joins the book behind earlier orders at its price. Returns the resting order's id.
    pub fn inject_maker(
        &mut self,
        instrument: &str,
        side_buy: bool,
        price: Decimal,
        quantity: Decimal,
        now_ms: u64,
    ) -> Option<u64> {
        let i = self.inst_index(instrument)?;
        let id = self.participant_order(i, side(side_buy), Some(price), quantity, now_ms);
        self.flush_market(now_ms);
        id
    }

    /// Matches a participant order, then rests a limit remainder.
    fn participant_order(
        &mut self,
        i: usize,
        side: Side,
        limit: Option<Decimal>,
        qty: Decimal,
        now_ms: u64,
    ) -> Option<u64> {
        let tick = self.instruments[i].qty_tick;
        let fills = take(&mut self.books[i], side, limit, Want::Qty(qty), tick);
        let filled: Decimal = fills.iter().map(|f| f.qty).sum();
        let settled = self.apply_fills(i, side, None, &fills, now_ms);
        let mut rested = None;
        if let (Some(price), true) = (limit, qty > filled) {
            let id = self.new_order_id();
            let entry = Entry { id, qty: qty - filled, owner: Owner::Participant };
            self.books[i].insert(side, price, entry);
            self.dirty.insert(i);
            rested = Some(id);
        }
        self.finish(settled, false);
        rested
    }

    /// Pins an instrument's mid to an outside reference (paper trading on live market data):
    /// participants quote around it from now on instead of a random walk. The mid is rounded
    /// to the tick; unknown instruments are ignored.
    pub fn set_reference_mid(&mut self, instrument: &str, mid: Decimal, now_ms: u64) {
        let Some(i) = self.inst_index(instrument) else { return };
        if mid <= Decimal::ZERO {
            return;
        }
        self.pinned[i] = true;
        self.mids[i] = floor_tick(mid, self.instruments[i].price_tick);
        self.pull_stale(i);
        self.quote_ladder(i, now_ms);
        self.flush_market(now_ms);
    }

    /// Moves a perpetual's mark (its mid) to `mark` and holds it there, leaving the book as
    /// it is: what triggers, margin and liquidation then see. The synthetic participants, if
    /// any, re-quote around it at the next step. Unknown instruments are ignored.
    pub fn set_mark(&mut self, instrument: &str, mark: Decimal, now_ms: u64) {
        let Some(i) = self.inst_index(instrument) else { return };
        if mark > Decimal::ZERO {
            self.pinned[i] = true;
            self.mids[i] = floor_tick(mark, self.instruments[i].price_tick);
            self.flush_market(now_ms);
        }
    }

    /// One step: every instrument's mid walks, stale quotes are pulled, the ladder is
    /// refilled, and sometimes a participant takes liquidity.
    pub(super) fn market_step(&mut self, now_ms: u64) {
        for i in 0..self.instruments.len() {
            let spacing = self.instruments[i].spacing;
            let mid = match self.rng.between(0, 9) {
                _ if self.pinned[i] => self.mids[i],
                0..=2 => self.mids[i] - spacing,
                7..=9 => self.mids[i] + spacing,
                _ => self.mids[i],
            };
            self.mids[i] = mid.max(spacing * Decimal::from(RUNGS * 4));
            if self.instruments[i].is_perp() && !self.pinned[i] {
                // A perpetual trades close to its index: its mid walks within a few rungs.
                let (index, band) = (self.index_price(i), spacing * Decimal::from(PERP_BAND_RUNGS));
                self.mids[i] =
                    floor_tick(self.mids[i].clamp(index - band, index + band), self.instruments[i].price_tick);
            }
            self.pull_stale(i);
            self.quote_ladder(i, now_ms);
            if self.rng.percent(TAKER_PERCENT) {
                let buy = self.rng.percent(50);
                let (lo, hi) = self.instruments[i].lot_range;
                let qty = Decimal::from(self.rng.between(lo, hi / 2)) * self.instruments[i].qty_tick;
                self.participant_order(i, side(buy), None, qty, now_ms);
            }
        }
    }

    /// The ladder's rung prices: bids below mid, asks above, best first.
    fn rungs(&self, i: usize, side: Side) -> Vec<Decimal> {
        let (inst, mid) = (&self.instruments[i], self.mids[i]);
        (1..=RUNGS)
            .map(|k| {
                let off = inst.spacing * Decimal::from(k);
                match side {
                    Side::Buy => floor_tick(mid - off, inst.price_tick),
                    Side::Sell => ceil_tick(mid + off, inst.price_tick),
                }
            })
            .collect()
    }

    /// Withdraws participant quotes that are no longer on a rung of the ladder.
    fn pull_stale(&mut self, i: usize) {
        for side in [Side::Buy, Side::Sell] {
            let rungs = self.rungs(i, side);
            for (price, e) in self.books[i].entries_of(side, Owner::Participant) {
                if !rungs.contains(&price) {
                    self.books[i].remove(side, price, e.id);
                    self.dirty.insert(i);
                }
            }
        }
    }

    /// Places a participant quote on every empty rung of the ladder.
    pub(super) fn quote_ladder(&mut self, i: usize, now_ms: u64) {
        for side in [Side::Buy, Side::Sell] {
            for price in self.rungs(i, side) {
                if self.books[i].has_participant_at(side, price) {
                    continue;
                }
                let (lo, hi) = self.instruments[i].lot_range;
                let qty = Decimal::from(self.rng.between(lo, hi)) * self.instruments[i].qty_tick;
                self.participant_order(i, side, Some(price), qty, now_ms);
            }
        }
    }
}

fn side(buy: bool) -> Side {
    if buy {
        Side::Buy
    } else {
        Side::Sell
    }
}
