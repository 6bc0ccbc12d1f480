//! Contingent lists (`private/advanced/create-oco`, `-oto`, `-otoco`, their cancels and
//! `get-order-list-detail`) and what happens after every call: triggers fire, an OCO leg that
//! triggers, fills or ends cancels its partner, an OTO working order that fills releases its
//! pending legs (and one that ends unfilled cancels them), reduce-only orders that could only
//! grow a position are cancelled, and the margin is checked for liquidation.
//!
//! Params are ASSUMED to be `order_list` with the legs in order (OCO: the pair; OTO: working
//! then pending; OTOCO: working then the pair); results are `{list_id}`. It must not match.

use super::codes::{self, reject};
use super::orders::{Contingency, ListLeg, Status};
use super::params::{integer, present};
use super::Exchange;
use crate::venue::{ConnId, Reject};
use serde_json::{json, Value};

/// Rounds of follow-up work per call before giving up (each round can only end orders, so a
/// handful always suffices; the cap keeps a bug from spinning forever).
const MAX_ROUNDS: usize = 32;

impl Exchange {
    /// `create-oco` (2 legs), `create-oto` (2) or `create-otoco` (3): every leg parsed first
    /// (any refusal refuses the whole list and places nothing), then placed in order.
    pub(super) fn create_list(
        &mut self,
        kind: Contingency,
        p: &Value,
        conn: Option<ConnId>,
        now_ms: u64,
    ) -> Result<Value, Reject> {
        let bad = || reject(codes::INVALID_ARGUMENT);
        let legs = p.get("order_list").and_then(Value::as_array).ok_or_else(bad)?;
        let want = if kind == Contingency::Otoco { 3 } else { 2 };
        if legs.len() != want {
            return Err(bad());
        }
        let mut reqs = legs.iter().map(|l| self.parse_request(l)).collect::<Result<Vec<_>, _>>()?;
        let pair = match kind {
            Contingency::Oco => &reqs[..],
            Contingency::Oto => &reqs[1..1],
            Contingency::Otoco => &reqs[1..],
        };
        // Both legs of a pair close the same thing: same instrument and side.
        if pair.windows(2).any(|w| w[0].inst != w[1].inst || w[0].side != w[1].side)
            || reqs.iter().any(|r| r.inst != reqs[0].inst)
        {
            return Err(bad());
        }
        let list_id = self.new_order_id();
        let mut placed: Vec<u64> = Vec::new();
        for (n, req) in reqs.iter_mut().enumerate() {
            let oco = kind == Contingency::Oco || (kind == Contingency::Otoco && n > 0);
            req.list = Some(ListLeg { id: list_id, kind, oco });
            req.waiting_on = if kind != Contingency::Oco && n > 0 { placed.first().copied() } else { None };
            match self.place(req.clone(), conn, now_ms) {
                Ok(id) => placed.push(id),
                Err(e) => {
                    self.lists.insert(list_id, placed.clone());
                    let open: Vec<u64> =
                        placed.into_iter().filter(|id| self.orders.get(id).is_some_and(|o| o.is_open())).collect();
                    for id in open {
                        self.close(id, Status::Canceled, None, now_ms);
                    }
                    return Err(e);
                }
            }
        }
        self.lists.insert(list_id, placed);
        Ok(json!({ "list_id": list_id.to_string() }))
    }

    fn list_param(&self, p: &Value) -> Result<u64, Reject> {
        let bad = || reject(codes::INVALID_ARGUMENT);
        if !present(p, "list_id") {
            return Err(bad());
        }
        let id = integer(p, "list_id").map_err(|_| bad())?.ok_or_else(bad)?;
        match self.lists.contains_key(&id) {
            true => Ok(id),
            false => Err(reject(codes::INVALID_ORDERID)),
        }
    }

    /// The list's orders, in placement order.
    fn list_orders(&self, list_id: u64) -> Vec<u64> {
        self.lists.get(&list_id).cloned().unwrap_or_default()
    }

    /// `cancel-oco` / `cancel-oto` / `cancel-otoco`: every open leg of the list cancelled;
    /// a list with nothing open is 316 NO_ACTIVE_ORDER.
    pub(super) fn cancel_list(&mut self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let list_id = self.list_param(p)?;
        let open: Vec<u64> = self.list_orders(list_id).into_iter().filter(|id| self.orders[id].is_open()).collect();
        if open.is_empty() {
            return Err(reject(codes::NO_ACTIVE_ORDER));
        }
        for id in open {
            self.close(id, Status::Canceled, None, now_ms);
        }
        Ok(Value::Null)
    }

    /// `get-order-list-detail`: the list's orders, in placement order.
    pub(super) fn get_order_list_detail(&self, p: &Value) -> Result<Value, Reject> {
        let list_id = self.list_param(p)?;
        let data: Vec<Value> = self.list_orders(list_id).iter().map(|id| self.order_json(&self.orders[id])).collect();
        Ok(json!({ "list_id": list_id.to_string(), "data": data }))
    }

    /// Follow-up work after every call (see the module doc), until nothing more happens.
    pub(super) fn run_contingencies(&mut self, now_ms: u64) {
        for _ in 0..MAX_ROUNDS {
            let mut busy = self.fire_triggers(now_ms);
            let touched: Vec<u64> =
                std::mem::take(&mut self.fired_legs).into_iter().chain(std::mem::take(&mut self.filled_legs)).collect();
            let ended = std::mem::take(&mut self.ended);
            for id in touched.iter().chain(ended.iter()) {
                busy |= self.cancel_partners(*id, now_ms);
            }
            for id in &ended {
                busy |= self.settle_children(*id, now_ms);
            }
            busy |= self.trim_reduce_only(now_ms);
            busy |= self.check_liquidation(now_ms);
            if !busy && self.ended.is_empty() && self.fired_legs.is_empty() && self.filled_legs.is_empty() {
                return;
            }
        }
        tracing::warn!("contingent orders still changing after {MAX_ROUNDS} rounds");
    }

    /// An OCO leg moved: its open partners are cancelled.
    fn cancel_partners(&mut self, id: u64, now_ms: u64) -> bool {
        let Some(leg) = self.orders.get(&id).and_then(|o| o.list).filter(|l| l.oco) else {
            return false;
        };
        let partners: Vec<u64> = self
            .list_orders(leg.id)
            .into_iter()
            .filter(|p| *p != id && self.orders[p].is_open() && self.orders[p].list.is_some_and(|l| l.oco))
            .collect();
        for p in &partners {
            self.close(*p, Status::Canceled, None, now_ms);
        }
        !partners.is_empty()
    }

    /// An OTO working order ended: filled, its legs start waiting for their triggers (a
    /// plain leg is placed at once); otherwise they are cancelled.
    fn settle_children(&mut self, id: u64, now_ms: u64) -> bool {
        let Some(leg) = self.orders.get(&id).and_then(|o| o.list) else { return false };
        // Only the first leg of an OTO or OTOCO has legs waiting on it.
        if leg.kind == Contingency::Oco || self.lists.get(&leg.id).and_then(|l| l.first()) != Some(&id) {
            return false;
        }
        let filled = self.orders.get(&id).is_some_and(|o| o.status == Status::Filled);
        let children: Vec<u64> = self
            .pending
            .iter()
            .copied()
            .filter(|c| self.orders.get(c).is_some_and(|o| o.is_open() && o.waiting_on == Some(id)))
            .collect();
        for c in &children {
            if !filled {
                self.close(*c, Status::Canceled, None, now_ms);
                continue;
            }
            let has_trigger = self.orders.get_mut(c).map(|o| {
                o.waiting_on = None;
                o.trigger.is_some()
            });
            if has_trigger == Some(false) {
                self.release_pending(*c, now_ms);
            }
        }
        !children.is_empty()
    }

    /// Cancels (1110) working reduce-only orders that could now only grow a position.
    fn trim_reduce_only(&mut self, now_ms: u64) -> bool {
        if !std::mem::take(&mut self.perp_moved) {
            return false;
        }
        let stale: Vec<u64> = self
            .open
            .iter()
            .copied()
            .filter(|id| {
                let o = &self.orders[id];
                o.reduce_only() && o.status != Status::Pending && self.reducible(o.inst, o.side).is_zero()
            })
            .collect();
        for id in &stale {
            self.close(*id, Status::Canceled, Some(codes::REDUCE_ONLY_REJECTED), now_ms);
        }
        !stale.is_empty()
    }
}
