//! Trigger orders (STOP_LOSS, STOP_LIMIT, TAKE_PROFIT, TAKE_PROFIT_LIMIT): the direction rule
//! at placement, the reference prices they watch, and firing them when reached.
//!
//! A fired trigger keeps its order id and becomes a plain MARKET or LIMIT order that holds
//! balance or margin only from then on (ASSUMED: the exchange reserves nothing for an
//! untriggered order). It must not decide what lists do when a leg fires (`lists.rs`).

use super::codes::{self, reject};
use super::orders::{RefType, Status, Trigger};
use super::Exchange;
use crate::venue::Reject;
use rust_decimal::Decimal;

use super::book::Side;

impl Exchange {
    /// The price a trigger of `ref_type` on `i` compares with: the mark, the index, or the
    /// last trade (the mid before any trade).
    pub(super) fn ref_price(&self, i: usize, ref_type: RefType) -> Decimal {
        match ref_type {
            RefType::Mark => self.mark(i),
            RefType::Index => self.index_price(i),
            RefType::Last => self.tapes[i].last().map_or(self.mids[i], |t| t.price),
        }
    }

    /// The direction rule (§6.13): a trigger that would fire at once is on the wrong side of
    /// its reference price, 229 INVALID_REF_PRICE.
    pub(super) fn check_trigger_side(&self, i: usize, side: Side, t: &Trigger) -> Result<(), Reject> {
        let now = self.ref_price(i, t.ref_type);
        let ok = match t.kind.fires_on_rise(side) {
            true => t.price > now,
            false => t.price < now,
        };
        ok.then_some(()).ok_or_else(|| reject(codes::INVALID_REF_PRICE))
    }

    fn reached(&self, id: u64) -> bool {
        let Some(o) = self.orders.get(&id) else { return false };
        let Some(t) = o.trigger.filter(|_| o.status == Status::Pending && o.waiting_on.is_none()) else {
            return false;
        };
        let now = self.ref_price(o.inst, t.ref_type);
        match t.kind.fires_on_rise(o.side) {
            true => now >= t.price,
            false => now <= t.price,
        }
    }

    /// Fires every pending trigger whose price is reached, oldest first. Returns whether any
    /// fired.
    pub(super) fn fire_triggers(&mut self, now_ms: u64) -> bool {
        self.pending.retain(|id| self.orders.get(id).is_some_and(|o| o.status == Status::Pending));
        let due: Vec<u64> = self.pending.iter().copied().filter(|id| self.reached(*id)).collect();
        for id in &due {
            self.release_pending(*id, now_ms);
        }
        !due.is_empty()
    }

    /// Turns a PENDING order into a working one: reduce-only checked (1110), balance or
    /// margin held (REJECTED 306 when short), then executed.
    pub(super) fn release_pending(&mut self, id: u64, now_ms: u64) {
        self.pending.remove(&id);
        let Some(o) = self.orders.get(&id).filter(|o| o.status == Status::Pending) else {
            return;
        };
        let ask = o.ask();
        if ask.reduce_only && self.reducible(ask.inst, ask.side).is_zero() {
            return self.close(id, Status::Canceled, Some(codes::REDUCE_ONLY_REJECTED), now_ms);
        }
        let amount = self.hold_needed(&ask);
        if !self.try_hold(ask.inst, ask.side, amount) {
            return self.close(id, Status::Rejected, Some(codes::INSUFFICIENT_BALANCE), now_ms);
        }
        let ns = self.stamp(now_ms);
        if let Some(o) = self.orders.get_mut(&id) {
            o.status = Status::New;
            o.reserved = amount;
            o.update_ns = ns;
            if o.list.is_some_and(|l| l.oco) {
                self.fired_legs.push(id);
            }
        }
        self.emit_order(id);
        self.execute(id, now_ms);
    }
}
