//! Behaviour tests of the exchange core, driven through its public API (`Venue` and the
//! inherent helpers) exactly as the server and the chaos harness use it.

mod advanced;
mod history;
mod manage;
mod market;
mod perps;
mod placement;
mod public;

mod validation;

use super::{Exchange, ExchangeConfig};
use crate::venue::{Reject, SimEvent, Venue};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// A fixed time for tests (2021-02-17).
pub(super) const T0: u64 = 1_613_570_791_000;

pub(super) fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// No synthetic market: USD 100000, BTC 2; fees 0.001 / 0.002.
pub(super) fn quiet() -> Exchange {
    quiet_with(&[("USD", "100000"), ("BTC", "2")])
}

pub(super) fn quiet_with(balances: &[(&str, &str)]) -> Exchange {
    Exchange::new(ExchangeConfig {
        balances: balances.iter().map(|(c, q)| (c.to_string(), d(q))).collect(),
        synthetic_market: false,
        ..ExchangeConfig::default()
    })
}

pub(super) fn create(ex: &mut Exchange, params: Value) -> Result<Value, Reject> {
    ex.private("private/create-order", &params, None, T0)
}

pub(super) fn limit(side: &str, price: &str, qty: &str, oid: &str) -> Value {
    json!({"instrument_name": "BTC_USD", "side": side, "type": "LIMIT", "price": price,
           "quantity": qty, "client_oid": oid})
}

pub(super) fn detail(ex: &mut Exchange, oid: &str) -> Value {
    ex.private("private/get-order-detail", &json!({ "client_oid": oid }), None, T0).unwrap()
}

/// (quantity, reserved_qty) of a currency as the balance row shows them.
pub(super) fn holding(ex: &Exchange, ccy: &str) -> (String, String) {
    let row = ex.balance_json(T0);
    let rows = row["position_balances"].as_array().unwrap();
    let r = rows.iter().find(|r| r["instrument_name"] == ccy).unwrap();
    (r["quantity"].as_str().unwrap().to_string(), r["reserved_qty"].as_str().unwrap().to_string())
}

/// The kinds of the original events (orders, fills, balances, market), in order, as short
/// names; the newer channels' events are left out (see [`pushes`]).
pub(super) fn kinds(events: &[SimEvent]) -> Vec<&'static str> {
    events
        .iter()
        .filter_map(|e| match e {
            SimEvent::UserOrder { .. } => Some("order"),
            SimEvent::UserTrade { .. } => Some("trade"),
            SimEvent::UserBalance { .. } => Some("balance"),
            SimEvent::PublicTrade { .. } => Some("public"),
            SimEvent::BookChanged { .. } => Some("book"),
            SimEvent::Ticker { .. } => Some("ticker"),
            SimEvent::User { .. } | SimEvent::Market { .. } => None,
        })
        .collect()
}

/// The events without the newer channels' pushes, so positions in the list stay those of
/// orders, fills, balances and market events.
pub(super) fn core(events: Vec<SimEvent>) -> Vec<SimEvent> {
    events.into_iter().filter(|e| !matches!(e, SimEvent::User { .. } | SimEvent::Market { .. })).collect()
}

/// The data of every push on user channel `family` among events, in order.
pub(super) fn pushes(events: &[SimEvent], family: &str) -> Vec<Value> {
    events
        .iter()
        .filter_map(|e| match e {
            SimEvent::User { family: f, data, .. } if *f == family => Some(data.clone()),
            SimEvent::Market { family: f, data, .. } if *f == family => Some(data.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The order objects among events.
pub(super) fn order_updates(events: &[SimEvent]) -> Vec<Value> {
    events
        .iter()
        .filter_map(|e| match e {
            SimEvent::UserOrder { order, .. } => Some(order.clone()),
            _ => None,
        })
        .collect()
}
