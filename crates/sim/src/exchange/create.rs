//! `private/create-order`: the request parsed (`request.rs`), the balance or margin held,
//! acceptance (NEW, or PENDING for a trigger order), then execution against the book (FILLED,
//! ACTIVE, CANCELED or REJECTED).
//!
//! Execution here is shared with amend (a re-priced order runs through it again); it must not
//! render results other than the `{client_oid, order_id}` acknowledgement.

use super::book::{Entry, Owner, Side};
use super::codes::{self, reject, reject_with};
use super::matching::{take, Want};
use super::orders::{OrdType, Order, Status, Tif};
use super::params::text;
pub(super) use super::request::{check_price, check_qty, parse_client_oid, Request};
use super::Exchange;
use crate::venue::{ConnId, Reject};
use rust_decimal::Decimal;
use serde_json::{json, Value};

impl Exchange {
    /// A client_oid standing in for the request nonce the server never sees: the time in ms,
    /// bumped until unused.
    fn generate_client_oid(&self, now_ms: u64) -> String {
        let mut n = now_ms;
        while self.by_client_oid.contains_key(&n.to_string()) {
            n += 1;
        }
        n.to_string()
    }

    /// `private/create-order` (and, with the same params, `private/advanced/create-order`).
    pub(super) fn create_order(&mut self, p: &Value, conn: Option<ConnId>, now_ms: u64) -> Result<Value, Reject> {
        if let Some(c) = text(p, "client_oid") {
            *self.attempts.entry(c).or_default() += 1;
        }
        let req = match self.parse_request(p) {
            Ok(r) => r,
            // The reference shows 415 carrying {client_oid, order_id} (§2.4).
            Err(r) if r.code == codes::BELOW_MIN_ORDER_SIZE => {
                let ack = self.refusal_ack(text(p, "client_oid").unwrap_or_default());
                return Err(reject_with(r.code, ack));
            }
            Err(r) => return Err(r),
        };
        let id = self.place(req, conn, now_ms)?;
        Ok(self.ack(id))
    }

    /// Checks, holds and accepts a parsed order, then executes it (a trigger order waits,
    /// PENDING). Returns its id.
    pub(super) fn place(&mut self, req: Request, conn: Option<ConnId>, now_ms: u64) -> Result<u64, Reject> {
        let client_oid = match req.client_oid.clone() {
            Some(c) if self.by_client_oid.contains_key(&c) => return Err(reject(codes::DUPLICATE_CLORDID)),
            Some(c) => c,
            None => self.generate_client_oid(now_ms),
        };
        if let Some(t) = req.trigger {
            self.check_trigger_side(req.inst, req.side, &t)?;
        }
        // A trigger order waits for its trigger; an OTO leg for its working order.
        let pending = req.trigger.is_some() || req.waiting_on.is_some();
        if !pending && req.ask().reduce_only && self.reducible(req.inst, req.side).is_zero() {
            return Err(reject(codes::REDUCE_ONLY_REJECTED));
        }
        let amount = if pending { Decimal::ZERO } else { self.hold_needed(&req.ask()) };
        if !pending && !self.try_hold(req.inst, req.side, amount) {
            let ack = self.refusal_ack(client_oid);
            return Err(reject_with(codes::INSUFFICIENT_BALANCE, ack));
        }
        let id = self.new_order_id();
        let ns = self.stamp(now_ms);
        let order = Order {
            id,
            client_oid: client_oid.clone(),
            inst: req.inst,
            side: req.side,
            kind: req.kind,
            tif: req.tif,
            exec_inst: req.exec_inst,
            quantity: req.qty.unwrap_or_default(),
            price: req.price,
            notional: req.notional,
            cum_qty: Decimal::ZERO,
            cum_value: Decimal::ZERO,
            cum_fee: Decimal::ZERO,
            status: if pending { Status::Pending } else { Status::New },
            reason: None,
            reserved: amount,
            create_ns: ns,
            update_ns: ns,
            conn,
            trigger: req.trigger,
            list: req.list,
            waiting_on: req.waiting_on,
        };
        self.orders.insert(id, order);
        self.open.insert(id);
        self.by_client_oid.insert(client_oid.clone(), id);
        *self.accepted.entry(client_oid).or_default() += 1;
        self.emit_order(id);
        if pending {
            self.pending.insert(id);
        } else {
            self.execute(id, now_ms);
        }
        Ok(id)
    }

    /// How much of a position an order on `side` could reduce (zero on spot).
    pub(super) fn reducible(&self, inst: usize, side: Side) -> Decimal {
        let q = self.positions[inst].quantity;
        match side {
            Side::Buy => (-q).max(Decimal::ZERO),
            Side::Sell => q.max(Decimal::ZERO),
        }
    }

    /// A market (or, with `price`, limit GTC) order closing `inst`'s whole position, with
    /// `exec_inst` (REDUCE_ONLY, or LIQUIDATION for the liquidator).
    pub(super) fn close_at_market(
        &mut self,
        inst: usize,
        exec_inst: Vec<String>,
        price: Option<Decimal>,
        now_ms: u64,
    ) -> Result<u64, Reject> {
        let q = self.positions[inst].quantity;
        let req = Request {
            inst,
            side: if q > Decimal::ZERO { Side::Sell } else { Side::Buy },
            kind: if price.is_some() { OrdType::Limit } else { OrdType::Market },
            tif: Tif::Gtc,
            exec_inst,
            price,
            qty: Some(q.abs()),
            notional: None,
            client_oid: None,
            trigger: None,
            list: None,
            waiting_on: None,
        };
        self.place(req, None, now_ms)
    }

    /// The `{client_oid, order_id}` sent along with some refusals; the id is burnt.
    fn refusal_ack(&mut self, client_oid: String) -> Value {
        let id = self.new_order_id();
        json!({ "client_oid": client_oid, "order_id": id.to_string() })
    }

    /// Runs an open order against the book and settles what is left: rests a GTC limit
    /// remainder (ACTIVE), otherwise ends it FILLED or CANCELED. Also refuses a POST_ONLY that
    /// would take (REJECTED 43005) and a FOK that cannot fill completely (CANCELED 43003).
    pub(super) fn execute(&mut self, id: u64, now_ms: u64) {
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        if o.reduce_only() {
            // A reduce-only order never trades past flat: it shrinks to the position, and is
            // cancelled (1110) if nothing is left to reduce.
            let room = self.reducible(o.inst, o.side);
            if room.is_zero() {
                return self.close(id, Status::Canceled, Some(codes::REDUCE_ONLY_REJECTED), now_ms);
            }
            if let Some(o) = self.orders.get_mut(&id).filter(|o| o.remaining() > room) {
                o.quantity = o.cum_qty + room;
            }
        }
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        let (inst, side, limit, tif) = (o.inst, o.side, o.price, o.tif);
        let want = match o.notional {
            Some(n) => Want::Notional(n - o.cum_value),
            None => Want::Qty(o.remaining()),
        };
        let book = &mut self.books[inst];
        let maker_side = side.opposite();
        if o.post_only() && book.best(maker_side).is_some_and(|p| side.crosses(limit, p)) {
            return self.close(id, Status::Rejected, Some(codes::POST_ONLY_REJ), now_ms);
        }
        if let (Tif::Fok, Want::Qty(q)) = (tif, want) {
            if book.available(maker_side, limit) < q {
                return self.close(id, Status::Canceled, Some(codes::FILL_OR_KILL), now_ms);
            }
        }
        let fills = take(book, side, limit, want, self.instruments[inst].qty_tick);
        let settled = self.apply_fills(inst, side, Some(id), &fills, now_ms);
        self.settle_remainder(id, now_ms);
        self.finish(settled, true);
    }

    /// After matching: a GTC limit remainder rests (ACTIVE) at the back of its level; a
    /// complete fill is FILLED; any other remainder is CANCELED (43004).
    fn settle_remainder(&mut self, id: u64, now_ms: u64) {
        let ns = self.stamp(now_ms);
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        let remaining = o.remaining();
        if o.notional.is_some() {
            // A notional BUY has no quantity of its own: it reports what it bought. It is done
            // when the notional cannot buy another tick; it was cut short if the asks ran out.
            o.quantity = o.cum_qty;
            let starved = self.books[o.inst].best(Side::Sell).is_none() || o.cum_qty.is_zero();
            let (status, reason) = match starved {
                true => (Status::Canceled, Some(codes::IMMEDIATE_OR_CANCEL)),
                false => (Status::Filled, None),
            };
            self.terminate(id, status, reason, ns);
        } else if remaining <= Decimal::ZERO {
            self.terminate(id, Status::Filled, None, ns);
        } else if let (OrdType::Limit, Tif::Gtc, Some(price)) = (o.kind, o.tif, o.price) {
            o.status = Status::Active;
            o.update_ns = ns;
            let entry = Entry { id, qty: remaining, owner: Owner::User };
            self.books[o.inst].insert(o.side, price, entry);
            self.dirty.insert(o.inst);
        } else {
            self.terminate(id, Status::Canceled, Some(codes::IMMEDIATE_OR_CANCEL), ns);
        }
    }

    /// Ends an open order: out of the book, reservation released, status and reason set.
    /// Emits nothing (callers decide the event order).
    pub(super) fn terminate(&mut self, id: u64, status: Status, reason: Option<i64>, ns: u64) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        if let (Status::Active, Some(price)) = (o.status, o.price) {
            self.books[o.inst].remove(o.side, price, id);
            self.dirty.insert(o.inst);
        }
        let (inst, side, held) = (o.inst, o.side, o.reserved);
        o.reserved = Decimal::ZERO;
        o.status = status;
        o.reason = reason;
        o.update_ns = ns;
        self.open.remove(&id);
        self.unhold(inst, side, held);
        // Lists react to a leg's end after the current call (see `lists.rs`).
        self.ended.push(id);
    }

    /// Ends an open order and tells the user (UserOrder, then UserBalance).
    pub(super) fn close(&mut self, id: u64, status: Status, reason: Option<i64>, now_ms: u64) {
        let ns = self.stamp(now_ms);
        self.terminate(id, status, reason, ns);
        self.emit_order(id);
        self.emit_balance();
    }
}
