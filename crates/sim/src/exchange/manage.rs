//! Managing open orders: cancel (one, all, a list), amend, create-order-list, and
//! cancel-on-disconnect.
//!
//! Placement and execution live in `create`; this module must not match orders itself.

use super::codes::{self, reject, reject_with};
use super::create::{check_price, check_qty, parse_client_oid};
use super::instruments::on_tick;
use super::orders::{OrdType, Status};
use super::params::{decimal, integer, present, text};
use super::reserve::Ask;
use super::Exchange;
use crate::venue::{ConnId, Reject};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// Most legs a list request may carry.
const MAX_LEGS: usize = 10;

impl Exchange {
    /// Finds a user order by `id_key` (wins if present) or `oid_key`. Neither given is 40004.
    /// An id we never issued is 212 INVALID_ORDERID: the reference leaves 212/316/40401 open
    /// for unknown orders, and 212 keeps "never existed" apart from "no longer open" (316).
    fn locate(&self, p: &Value, id_key: &str, oid_key: &str) -> Result<u64, Reject> {
        let unknown = || reject(codes::INVALID_ORDERID);
        if present(p, id_key) {
            let id = integer(p, id_key).map_err(|_| unknown())?.ok_or_else(unknown)?;
            return self.orders.contains_key(&id).then_some(id).ok_or_else(unknown);
        }
        let oid = text(p, oid_key).ok_or_else(|| reject(codes::INVALID_ARGUMENT))?;
        self.by_client_oid.get(&oid).copied().ok_or_else(unknown)
    }

    /// The `{client_oid, order_id}` acknowledgement of an order.
    pub(super) fn ack(&self, id: u64) -> Value {
        let oid = self.orders.get(&id).map(|o| o.client_oid.clone()).unwrap_or_default();
        json!({ "client_oid": oid, "order_id": id.to_string() })
    }

    /// `private/cancel-order`: the acknowledgement now, the CANCELED update as an event.
    pub(super) fn cancel_order(&mut self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let id = self.locate(p, "order_id", "client_oid")?;
        if !self.orders.get(&id).is_some_and(|o| o.is_open()) {
            return Err(reject(codes::NO_ACTIVE_ORDER));
        }
        self.close(id, Status::Canceled, None, now_ms);
        Ok(self.ack(id))
    }

    /// `private/cancel-all-orders`: optional instrument, `type` LIMIT or ALL; no result.
    pub(super) fn cancel_all_orders(&mut self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let only = self.inst_filter(p)?;
        match text(p, "type").as_deref() {
            None | Some("LIMIT") | Some("ALL") => {}
            Some(_) => return Err(reject(codes::INVALID_ARGUMENT)),
        }
        let ids: Vec<u64> = self
            .open
            .iter()
            .copied()
            .filter(|id| only.is_none_or(|i| self.orders.get(id).is_some_and(|o| o.inst == i)))
            .collect();
        for id in ids {
            self.close(id, Status::Canceled, None, now_ms);
        }
        Ok(Value::Null)
    }

    /// `private/amend-order`: new price and quantity (both required), optional new
    /// client_oid; the order keeps its id. Loses queue priority unless the only change is a
    /// smaller quantity.
    pub(super) fn amend_order(&mut self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let id = self.locate(p, "order_id", "orig_client_oid")?;
        let missing = || reject(codes::INVALID_ARGUMENT);
        let new_price = decimal(p, "new_price")?.ok_or_else(missing)?;
        let new_qty = decimal(p, "new_quantity")?.ok_or_else(missing)?;
        let new_oid = parse_client_oid(p, "client_oid")?;
        let new_ref = decimal(p, "new_ref_price").map_err(|_| reject(codes::INVALID_REF_PRICE))?;
        self.check_amend(id, new_price, new_qty, new_oid.as_deref())?;
        let Some(o) = self.orders.get(&id) else {
            return Err(reject(codes::INVALID_ORDERID));
        };
        // A trigger that becomes a market order has no limit price to change.
        let new_price = if o.kind == OrdType::Market { None } else { Some(new_price) };
        if o.status == Status::Pending {
            return self.amend_pending(id, new_price, new_qty, new_ref, new_oid, now_ms);
        }
        let (inst, side, rest) = (o.inst, o.side, new_qty - o.cum_qty);
        let (old_price, old_qty, old_reserved) = (o.price, o.quantity, o.reserved);
        let ask = Ask { price: new_price, qty: Some(rest), ..o.ask() };
        self.unhold(inst, side, old_reserved);
        self.set_reserved(id, Decimal::ZERO);
        let need = self.hold_needed(&ask);
        if !self.try_hold(inst, side, need) {
            self.try_hold(inst, side, old_reserved);
            self.set_reserved(id, old_reserved);
            return Err(reject_with(codes::INSUFFICIENT_BALANCE, self.ack(id)));
        }
        let ns = self.stamp(now_ms);
        let Some(o) = self.orders.get_mut(&id) else {
            return Err(reject(codes::INVALID_ORDERID));
        };
        o.price = new_price;
        o.quantity = new_qty;
        o.reserved = need;
        o.update_ns = ns;
        self.rename(id, new_oid);
        let book = &mut self.books[inst];
        self.dirty.insert(inst);
        match (old_price, new_price) {
            (Some(old), Some(new)) if old == new && new_qty < old_qty => {
                book.set_qty(side, new, id, rest);
                self.emit_order(id);
                self.emit_balance();
            }
            _ => {
                if let Some(old) = old_price {
                    book.remove(side, old, id);
                }
                self.execute(id, now_ms);
            }
        }
        Ok(self.ack(id))
    }

    /// Gives an amended order its new client_oid, if the amend sent one.
    fn rename(&mut self, id: u64, new_oid: Option<String>) {
        let (Some(oid), Some(o)) = (new_oid, self.orders.get_mut(&id)) else { return };
        o.client_oid = oid.clone();
        self.by_client_oid.insert(oid, id);
    }

    fn set_reserved(&mut self, id: u64, amount: Decimal) {
        if let Some(o) = self.orders.get_mut(&id) {
            o.reserved = amount;
        }
    }

    /// Amends an order still waiting for its trigger: price, quantity and trigger price
    /// (checked against the direction rule again); nothing is held, nothing moves in a book.
    fn amend_pending(
        &mut self,
        id: u64,
        new_price: Option<Decimal>,
        new_qty: Decimal,
        new_ref: Option<Decimal>,
        new_oid: Option<String>,
        now_ms: u64,
    ) -> Result<Value, Reject> {
        let Some(o) = self.orders.get(&id) else {
            return Err(reject(codes::INVALID_ORDERID));
        };
        let (inst, side) = (o.inst, o.side);
        let mut trigger = o.trigger;
        if let (Some(t), Some(r)) = (trigger.as_mut(), new_ref) {
            if !on_tick(r, self.instruments[inst].price_tick) || r <= Decimal::ZERO {
                return Err(reject(codes::INVALID_REF_PRICE));
            }
            t.price = r;
            self.check_trigger_side(inst, side, t)?;
        }
        let ns = self.stamp(now_ms);
        if let Some(o) = self.orders.get_mut(&id) {
            o.price = new_price;
            o.quantity = new_qty;
            o.trigger = trigger;
            o.update_ns = ns;
        }
        self.rename(id, new_oid);
        self.emit_order(id);
        Ok(self.ack(id))
    }

    /// The refusals of an amend that leave the order untouched (balance aside).
    fn check_amend(&self, id: u64, new_price: Decimal, new_qty: Decimal, new_oid: Option<&str>) -> Result<(), Reject> {
        let Some(o) = self.orders.get(&id) else {
            return Err(reject(codes::INVALID_ORDERID));
        };
        if !o.is_open() {
            return Err(reject(codes::INVALID_ORDSTATUS));
        }
        let rules = self.instruments[o.inst];
        // A STOP_LOSS / TAKE_PROFIT has no limit price; whatever is resent for it is ignored.
        if o.kind == OrdType::Limit {
            check_price(new_price, rules.price_tick)?;
        }
        check_qty(new_qty, rules.qty_tick, rules.min_qty)?;
        // Nothing would be left to rest; the reference names no code for this, and 213
        // INVALID_ORDERQTY is the closest meaning ("this quantity is not acceptable").
        if new_qty <= o.cum_qty {
            return Err(reject(codes::INVALID_ORDERQTY));
        }
        if new_oid.is_some_and(|oid| self.by_client_oid.get(oid).is_some_and(|owner| *owner != id)) {
            return Err(reject(codes::DUPLICATE_CLORDID));
        }
        // An amend is a cancel + new: a POST_ONLY order re-priced into the spread would take,
        // so the amend is refused and the order left as it was.
        let side = o.side;
        let crosses = self.books[o.inst].best(side.opposite()).is_some_and(|b| side.crosses(Some(new_price), b));
        if o.post_only() && crosses {
            return Err(reject(codes::POST_ONLY_REJ));
        }
        Ok(())
    }

    fn list_legs<'a>(&self, p: &'a Value) -> Result<&'a Vec<Value>, Reject> {
        let bad = || reject(codes::INVALID_ARGUMENT);
        if text(p, "contingency_type").as_deref() != Some("LIST") {
            return Err(bad());
        }
        match p.get("order_list") {
            Some(Value::Array(legs)) if (1..=MAX_LEGS).contains(&legs.len()) => Ok(legs),
            _ => Err(bad()),
        }
    }

    /// `private/create-order-list` (LIST): every leg placed on its own; the result is an
    /// array of per-leg outcomes and the call itself succeeds.
    pub(super) fn create_order_list(&mut self, p: &Value, conn: Option<ConnId>, now_ms: u64) -> Result<Value, Reject> {
        let legs = self.list_legs(p)?.clone();
        let mut out = Vec::with_capacity(legs.len());
        for (index, leg) in legs.iter().enumerate() {
            let row = match self.create_order(leg, conn, now_ms) {
                Ok(ack) => json!({
                    "code": codes::OK, "index": index,
                    "client_oid": ack["client_oid"], "order_id": ack["order_id"],
                }),
                Err(r) => {
                    let given = r.result.as_ref().map(|v| v["order_id"].clone());
                    let order_id = match given {
                        Some(id @ Value::String(_)) => id,
                        _ => Value::String(self.new_order_id().to_string()),
                    };
                    json!({
                        "code": r.code, "index": index, "message": r.message,
                        "client_oid": text(leg, "client_oid").unwrap_or_default(), "order_id": order_id,
                    })
                }
            };
            out.push(row);
        }
        Ok(Value::Array(out))
    }

    /// `private/cancel-order-list` (LIST): per-leg `{code, index[, message]}`.
    pub(super) fn cancel_order_list(&mut self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let legs = self.list_legs(p)?.clone();
        let mut out = Vec::with_capacity(legs.len());
        for (index, leg) in legs.iter().enumerate() {
            let row = match self.cancel_order(leg, now_ms) {
                Ok(_) => json!({ "code": codes::OK, "index": index }),
                Err(r) => json!({ "code": r.code, "index": index, "message": r.message }),
            };
            out.push(row);
        }
        Ok(Value::Array(out))
    }

    /// `private/set-cancel-on-disconnect`: scope CONNECTION only. It is a property of a
    /// WebSocket session, so over REST (no connection) it is 40001 BAD_REQUEST.
    pub(super) fn set_cancel_on_disconnect(&mut self, p: &Value, conn: Option<ConnId>) -> Result<Value, Reject> {
        let conn = conn.ok_or_else(|| reject(codes::BAD_REQUEST))?;
        if text(p, "scope").as_deref() != Some("CONNECTION") {
            return Err(reject(codes::INVALID_ARGUMENT));
        }
        self.cod.insert(conn);
        Ok(json!({ "scope": "CONNECTION" }))
    }

    /// `private/get-cancel-on-disconnect`: `{scope: "CONNECTION"}` when set on this
    /// connection, `{}` when not (the reference documents no "unset" value).
    pub(super) fn get_cancel_on_disconnect(&self, conn: Option<ConnId>) -> Result<Value, Reject> {
        let conn = conn.ok_or_else(|| reject(codes::BAD_REQUEST))?;
        match self.cod.contains(&conn) {
            true => Ok(json!({ "scope": "CONNECTION" })),
            false => Ok(json!({})),
        }
    }

    /// A connection closed: if it set cancel-on-disconnect, cancel the open orders created
    /// over it.
    pub(super) fn cancel_for_connection(&mut self, conn: ConnId, now_ms: u64) {
        if !self.cod.remove(&conn) {
            return;
        }
        let ids: Vec<u64> =
            self.open.iter().copied().filter(|id| self.orders.get(id).is_some_and(|o| o.conn == Some(conn))).collect();
        for id in ids {
            self.close(id, Status::Canceled, None, now_ms);
        }
    }
}
