//! `private/batch-order-request` (§6.7): cancels, then creates, on one instrument; not atomic,
//! each item answered with its own code.
//!
//! It must not place or cancel in any way other than create-order and cancel-order do.

use super::codes::{self, reject};
use super::params::text;
use super::Exchange;
use crate::venue::{ConnId, Reject};
use serde_json::{json, Value};

/// Creates per batch: the reference's prose says 10 (its schema says 1000; the smaller holds).
const MAX_CREATES: usize = 10;
/// Cancels per batch (ASSUMED: the same bound as creates).
const MAX_CANCELS: usize = 10;

impl Exchange {
    /// Runs a batch: the instrument is given once (40004 when unknown or missing), at most 10
    /// creates and 10 cancels (40004 beyond), and at least one item.
    pub(super) fn batch_order_request(
        &mut self,
        p: &Value,
        conn: Option<ConnId>,
        now_ms: u64,
    ) -> Result<Value, Reject> {
        let inst = self.inst_param(p)?;
        let symbol = self.instruments[inst].symbol;
        let list = |key: &str| match p.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(_) => Err(reject(codes::INVALID_ARGUMENT)),
        };
        let (cancels, creates) = (list("cancels")?, list("creates")?);
        if creates.len() > MAX_CREATES || cancels.len() > MAX_CANCELS || creates.len() + cancels.len() == 0 {
            return Err(reject(codes::INVALID_ARGUMENT));
        }
        let mut cancel_out = Vec::with_capacity(cancels.len());
        for c in &cancels {
            // A cancel in the batch may only touch the batch's instrument.
            let on_instrument = self.order_of(c).is_none_or(|i| i == inst);
            let outcome =
                if on_instrument { self.cancel_order(c, now_ms) } else { Err(reject(codes::INVALID_ORDERID)) };
            let mut row = match outcome {
                Ok(_) => json!({ "code": codes::OK }),
                Err(r) => json!({ "code": r.code, "message": r.message }),
            };
            for key in ["order_id", "client_oid"] {
                if let Some(v) = text(c, key) {
                    row[key] = json!(v);
                }
            }
            cancel_out.push(row);
        }
        let mut create_out = Vec::with_capacity(creates.len());
        for c in &creates {
            let mut leg = c.clone();
            leg["instrument_name"] = json!(symbol);
            let row = match self.create_order(&leg, conn, now_ms) {
                Ok(ack) => json!({ "code": codes::OK, "order_id": ack["order_id"], "client_oid": ack["client_oid"] }),
                Err(r) => json!({
                    "code": r.code,
                    "message": r.message,
                    "client_oid": text(c, "client_oid").unwrap_or_default(),
                }),
            };
            create_out.push(row);
        }
        Ok(json!({ "cancels": cancel_out, "creates": create_out }))
    }

    /// The instrument of the order a cancel item names, if it names one that exists.
    fn order_of(&self, item: &Value) -> Option<usize> {
        let by_id = text(item, "order_id").and_then(|s| s.parse::<u64>().ok()).and_then(|id| self.orders.get(&id));
        let by_oid =
            || text(item, "client_oid").and_then(|c| self.by_client_oid.get(&c)).and_then(|id| self.orders.get(id));
        by_id.or_else(by_oid).map(|o| o.inst)
    }
}
