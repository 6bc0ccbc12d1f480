//! What one published event looks like on the wire: its subject
//! (`cdc.<account>.<kind>.<instrument|currency|socket>`), its de-duplication id (the
//! `Nats-Msg-Id` header JetStream drops repeats by) and its JSON body: the object `tail --json`
//! prints for the event, plus `"v"` (the schema version) and `"account"`.
//!
//! Pure functions: this module must NOT do I/O, and must never put a credential into a subject,
//! an id or a body (the account is a name the operator chose, or a hash of the API key).

use bytes::Bytes;
use cdc_engine::engine::EngineEvent;
use cdc_engine::journal::{FillRecord, OrderRecord};
use serde_json::{json, Value};

/// The version of the published JSON schema (the `"v"` field). Raised when a field changes
/// meaning or goes away; adding a field keeps it.
pub const SCHEMA_VERSION: u64 = 1;

/// One message ready to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// `cdc.<account>.<kind>.<token>`.
    pub subject: String,
    /// The `Nats-Msg-Id`: the same event always gets the same id, whoever publishes it when.
    pub msg_id: String,
    /// The JSON body.
    pub payload: Bytes,
}

/// A subject token made safe: `.`, `*`, `>`, whitespace and control characters (which NATS
/// reads as separators or wildcards) become `_`; an empty token becomes `_`.
pub fn token(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| if c == '.' || c == '*' || c == '>' || c.is_whitespace() || c.is_control() { '_' } else { c })
        .collect();
    if t.is_empty() {
        "_".to_owned()
    } else {
        t
    }
}

/// The subject of an event of `kind` (`fill`, `order`, `balance`, `position`, `connection`).
pub fn subject(account: &str, kind: &str, what: &str) -> String {
    format!("cdc.{}.{}.{}", token(account), kind, token(what))
}

/// A fill's id: the exchange's trade id is unique within an account, not across accounts.
pub fn fill_id(account: &str, trade_id: &str) -> String {
    format!("{}.fill.{trade_id}", token(account))
}

/// An order transition's id: the order, its update time, status and filled quantity, so two
/// states of one order never share an id while the same state journalled twice (a restart's
/// reconciliation) does.
pub fn order_id(account: &str, o: &OrderRecord) -> String {
    format!(
        "{}.order.{}.{}.{}.{}",
        token(account),
        o.order_id,
        o.update_time_ms,
        o.status,
        o.cumulative_quantity.normalize()
    )
}

/// The published body: `body` (a `tail --json` object) with `"v"` and `"account"` added.
pub fn envelope(account: &str, mut body: Value) -> Bytes {
    if let Value::Object(map) = &mut body {
        map.insert("v".into(), SCHEMA_VERSION.into());
        map.insert("account".into(), account.into());
    }
    Bytes::from(body.to_string())
}

fn ms_from_ns(ns: u128) -> Value {
    // 0 marks a fill the exchange sent without a time (see `FillRecord::time_ns`).
    if ns == 0 {
        Value::Null
    } else {
        u64::try_from(ns / 1_000_000).map_or(Value::Null, Value::from)
    }
}

/// A journalled fill as `tail --json` prints a fill; `taker_side`, which the journal does not
/// keep, is null.
pub fn fill_record_json(f: &FillRecord) -> Value {
    json!({
        "type": "fill",
        "trade_id": f.trade_id,
        "order_id": f.order_id,
        "client_oid": f.client_oid,
        "instrument_name": f.instrument_name,
        "side": f.side,
        "price": f.price.to_string(),
        "quantity": f.quantity.to_string(),
        "fee": f.fee.to_string(),
        "fee_currency": f.fee_currency,
        "taker_side": Value::Null,
        "time": ms_from_ns(f.time_ns),
    })
}

/// A journalled order transition as `tail --json` prints an order; what the journal does not
/// keep (`order_type`, `avg_price`, `reason`) is null.
pub fn order_record_json(o: &OrderRecord) -> Value {
    json!({
        "type": "order",
        "order_id": o.order_id,
        "client_oid": o.client_oid,
        "instrument_name": o.instrument_name,
        "side": o.side,
        "order_type": Value::Null,
        "status": o.status,
        "price": o.limit_price.map(|p| p.to_string()),
        "quantity": o.quantity.to_string(),
        "cumulative_quantity": o.cumulative_quantity.to_string(),
        "avg_price": Value::Null,
        "reason": Value::Null,
        "time": if o.update_time_ms == 0 { Value::Null } else { o.update_time_ms.into() },
    })
}

/// A journalled fill, ready to publish.
pub fn from_fill_record(account: &str, f: &FillRecord) -> Outgoing {
    Outgoing {
        subject: subject(account, "fill", &f.instrument_name),
        msg_id: fill_id(account, &f.trade_id),
        payload: envelope(account, fill_record_json(f)),
    }
}

/// A journalled order transition, ready to publish.
pub fn from_order_record(account: &str, o: &OrderRecord) -> Outgoing {
    Outgoing {
        subject: subject(account, "order", &o.instrument_name),
        msg_id: order_id(account, o),
        payload: envelope(account, order_record_json(o)),
    }
}

/// An engine event, ready to publish, for the kinds that are published; `run` and `n` make the
/// id of an event that has no identity of its own (balances, positions, connection changes):
/// unique per run of the publisher and counter, so none is ever dropped as a repeat.
pub fn from_event(account: &str, ev: &EngineEvent, run: &str, n: u64) -> Option<Outgoing> {
    let (kind, what, msg_id) = match ev {
        EngineEvent::Fill(t) => ("fill", t.instrument_name.to_string(), fill_id(account, t.trade_id.as_str())),
        EngineEvent::Order(o) => {
            ("order", o.instrument_name.to_string(), order_id(account, &OrderRecord::from_order(o)))
        }
        EngineEvent::Balance { currency, .. } => ("balance", currency.clone(), String::new()),
        EngineEvent::Position(p) => ("position", p.instrument_name.to_string(), String::new()),
        EngineEvent::Connection { .. } => ("connection", "user".to_owned(), String::new()),
        _ => return None,
    };
    let msg_id = if msg_id.is_empty() { format!("{}.{kind}.{run}.{n}", token(account)) } else { msg_id };
    let body = crate::output::event_json(ev)?;
    Some(Outgoing { subject: subject(account, kind, &what), msg_id, payload: envelope(account, body) })
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
