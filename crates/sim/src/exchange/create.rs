//! `private/create-order`: validation in the documented order of codes, balance reservation,
//! acceptance (NEW), then execution against the book (FILLED, ACTIVE, CANCELED or REJECTED).
//!
//! Execution here is shared with amend (a re-priced order runs through it again); it must not
//! render results other than the `{client_oid, order_id}` acknowledgement.

use super::book::{Entry, Owner, Side};
use super::codes::{self, reject, reject_with};
use super::instruments::on_tick;
use super::matching::{take, Want};
use super::orders::{OrdType, Order, Status, Tif};
use super::params::{decimal, text};
use super::Exchange;
use crate::venue::{ConnId, Reject};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// `exec_inst` values the reference documents for requests.
const EXEC_INSTS: [&str; 5] = ["POST_ONLY", "SMART_POST_ONLY", "REDUCE_ONLY", "ISOLATED_MARGIN", "MARGIN_ORDER"];
/// The longest client_oid accepted.
pub(super) const MAX_CLIENT_OID: usize = 36;

/// A validated create-order request.
struct Request {
    inst: usize,
    side: Side,
    kind: OrdType,
    tif: Tif,
    exec_inst: Vec<String>,
    price: Option<Decimal>,
    qty: Option<Decimal>,
    notional: Option<Decimal>,
    client_oid: Option<String>,
}

fn parse_enum<T: Copy>(p: &Value, key: &str, values: &[(&str, T)], bad: i64) -> Result<Option<T>, Reject> {
    let Some(raw) = text(p, key) else {
        return Ok(None);
    };
    values.iter().find(|(name, _)| *name == raw).map(|(_, v)| Some(*v)).ok_or_else(|| reject(bad))
}

fn parse_exec_inst(p: &Value) -> Result<Vec<String>, Reject> {
    let list: Vec<String> = match p.get("exec_inst") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| reject(codes::INVALID_EXECINST)))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(reject(codes::INVALID_EXECINST)),
    };
    let both_post = list.iter().any(|e| e == "POST_ONLY") && list.iter().any(|e| e == "SMART_POST_ONLY");
    if both_post || list.iter().any(|e| !EXEC_INSTS.contains(&e.as_str())) {
        return Err(reject(codes::INVALID_EXECINST));
    }
    Ok(list)
}

/// A client_oid param: absent is None, longer than 36 characters is 40004.
pub(super) fn parse_client_oid(p: &Value, key: &str) -> Result<Option<String>, Reject> {
    match text(p, key) {
        Some(c) if c.chars().count() > MAX_CLIENT_OID => Err(reject(codes::INVALID_ARGUMENT)),
        Some(c) if c.is_empty() => Ok(None),
        other => Ok(other),
    }
}

/// Checks a quantity against the instrument: on tick (213), then not below the minimum
/// (415, which also catches zero and negative quantities).
pub(super) fn check_qty(qty: Decimal, tick: Decimal, min: Decimal) -> Result<(), Reject> {
    if !on_tick(qty, tick) {
        return Err(reject(codes::INVALID_ORDERQTY));
    }
    if qty < min {
        return Err(reject(codes::BELOW_MIN_ORDER_SIZE));
    }
    Ok(())
}

/// Checks a limit price: positive and on tick (308).
pub(super) fn check_price(price: Decimal, tick: Decimal) -> Result<(), Reject> {
    match price > Decimal::ZERO && on_tick(price, tick) {
        true => Ok(()),
        false => Err(reject(codes::INVALID_PRICE)),
    }
}

impl Exchange {
    fn parse_request(&self, p: &Value) -> Result<Request, Reject> {
        let inst = self.inst_param(p)?;
        let missing = || reject(codes::INVALID_ARGUMENT);
        let side = parse_enum(p, "side", &[("BUY", Side::Buy), ("SELL", Side::Sell)], codes::INVALID_SIDE)?
            .ok_or_else(missing)?;
        let kinds = [("LIMIT", OrdType::Limit), ("MARKET", OrdType::Market)];
        let kind = parse_enum(p, "type", &kinds, codes::INVALID_ORDTYPE)?.ok_or_else(missing)?;
        let tifs = [("GOOD_TILL_CANCEL", Tif::Gtc), ("IMMEDIATE_OR_CANCEL", Tif::Ioc), ("FILL_OR_KILL", Tif::Fok)];
        let tif = parse_enum(p, "time_in_force", &tifs, codes::INVALID_TIF)?.unwrap_or(Tif::Gtc);
        let exec_inst = parse_exec_inst(p)?;
        // POST_ONLY needs a resting order: any other TIF (or a MARKET order) is refused now.
        if exec_inst.iter().any(|e| e == "POST_ONLY") && (tif != Tif::Gtc || kind == OrdType::Market) {
            return Err(reject(codes::POST_ONLY_REJ));
        }
        let rules = self.instruments[inst];
        let price = match kind {
            OrdType::Limit => Some(decimal(p, "price")?.ok_or_else(missing)?),
            OrdType::Market => None,
        };
        if let Some(price) = price {
            check_price(price, rules.price_tick)?;
        }
        let qty = decimal(p, "quantity")?;
        // Notional is only meaningful for a MARKET BUY; elsewhere it is ignored.
        let notional = match (kind, side, qty) {
            (OrdType::Market, Side::Buy, None) => Some(decimal(p, "notional")?.ok_or_else(missing)?),
            _ => None,
        };
        match (qty, notional) {
            (Some(q), _) => check_qty(q, rules.qty_tick, rules.min_qty)?,
            (None, Some(n)) if n <= Decimal::ZERO => return Err(missing()),
            (None, Some(_)) => {}
            (None, None) => return Err(missing()),
        }
        let client_oid = parse_client_oid(p, "client_oid")?;
        Ok(Request { inst, side, kind, tif, exec_inst, price, qty, notional, client_oid })
    }

    /// A client_oid standing in for the request nonce the server never sees: the time in ms,
    /// bumped until unused.
    fn generate_client_oid(&self, now_ms: u64) -> String {
        let mut n = now_ms;
        while self.by_client_oid.contains_key(&n.to_string()) {
            n += 1;
        }
        n.to_string()
    }

    /// What accepting the request locks: (currency, amount).
    fn reservation(&self, r: &Request) -> (&'static str, Decimal) {
        let inst = &self.instruments[r.inst];
        match (r.side, r.price, r.qty, r.notional) {
            (Side::Sell, _, q, _) => (inst.base, q.unwrap_or_default()),
            (Side::Buy, Some(p), Some(q), _) => (inst.quote, p * q),
            (Side::Buy, None, Some(q), _) => (inst.quote, self.books[r.inst].cost_to_buy(q)),
            (Side::Buy, _, _, n) => (inst.quote, n.unwrap_or_default()),
        }
    }

    /// `private/create-order`.
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
        let client_oid = match req.client_oid.clone() {
            Some(c) if self.by_client_oid.contains_key(&c) => return Err(reject(codes::DUPLICATE_CLORDID)),
            Some(c) => c,
            None => self.generate_client_oid(now_ms),
        };
        let (ccy, amount) = self.reservation(&req);
        if !self.account.reserve(ccy, amount) {
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
            status: Status::New,
            reason: None,
            reserved: amount,
            create_ns: ns,
            update_ns: ns,
            conn,
        };
        self.orders.insert(id, order);
        self.open.insert(id);
        self.by_client_oid.insert(client_oid.clone(), id);
        *self.accepted.entry(client_oid.clone()).or_default() += 1;
        self.emit_order(id);
        self.execute(id, now_ms);
        Ok(json!({ "client_oid": client_oid, "order_id": id.to_string() }))
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
        let inst = self.instruments[o.inst];
        if let (Status::Active, Some(price)) = (o.status, o.price) {
            self.books[o.inst].remove(o.side, price, id);
            self.dirty.insert(o.inst);
        }
        self.account.release(o.reserve_ccy(&inst), o.reserved);
        o.reserved = Decimal::ZERO;
        o.status = status;
        o.reason = reason;
        o.update_ns = ns;
        self.open.remove(&id);
    }

    /// Ends an open order and tells the user (UserOrder, then UserBalance).
    pub(super) fn close(&mut self, id: u64, status: Status, reason: Option<i64>, now_ms: u64) {
        let ns = self.stamp(now_ms);
        self.terminate(id, status, reason, ns);
        self.emit_order(id);
        self.emit_balance();
    }
}
