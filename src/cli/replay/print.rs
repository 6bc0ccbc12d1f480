//! How a replay looks: each journaled record and each intent a strategy recorded in answer, as
//! a human line or a JSON line with a `type` (`replay`, `order`, `fill`, `intent`,
//! `replay_summary`). An intent is shown as the request the engine would have sent for it
//! (method and params), which nothing here sends. It formats only; it must NOT decide anything.

use cdc_cli::output::{event_line, fill_json, order_json};
use cdc_engine::engine::EngineEvent;
use cdc_engine::protocol::models::Order;
use cdc_engine::protocol::requests::{
    ApiRequest, BatchOrderRequest, CancelAllOrders, CancelOrder, ClosePosition, CreateList,
};
use cdc_engine::protocol::utc;
use cdc_engine::strategy::Intent;
use serde_json::{json, Map, Value};

use super::events::{Event, Timed};
use crate::cli::common::out;

/// What became of a record in the replay.
pub struct Outcome {
    /// Whether the engine's apply rules took it (not an older update or a fill already seen).
    pub applied: bool,
    /// Whether it reached the strategy (applied and carrying its tag).
    pub to_strategy: bool,
}

/// The client id a placement was given.
pub fn submitted_oid(i: &Intent) -> Option<&str> {
    match i {
        Intent::Submit(o) => o.client_oid.as_ref().map(|c| c.as_str()),
        _ => None,
    }
}

/// The request an intent stands for: its method and params.
pub fn request(i: &Intent) -> (&'static str, Map<String, Value>) {
    fn of(r: &impl ApiRequest) -> (&'static str, Map<String, Value>) {
        (r.method(), r.params())
    }
    match i {
        Intent::Submit(o) => of(o),
        Intent::Cancel(r) => of(&CancelOrder(r.clone())),
        Intent::Amend(a) => of(a),
        Intent::CancelAll(i) => of(&CancelAllOrders { instrument_name: i.as_deref().map(Into::into), kind: None }),
        Intent::ClosePosition { instrument, price } => {
            of(&ClosePosition { instrument_name: instrument.as_str().into(), price: *price })
        }
        Intent::List { kind, legs } => of(&CreateList { kind: *kind, legs: legs.clone() }),
        Intent::Batch { instrument, cancels, creates } => of(&BatchOrderRequest {
            instrument_name: instrument.as_str().into(),
            cancels: cancels.clone(),
            creates: creates.clone(),
        }),
    }
}

/// Prints the run's first line.
pub fn header(json: bool, path: &str, events: &[Timed], strategy: Option<(&str, &str)>) {
    let orders = events.iter().filter(|e| matches!(e.event, Event::Order(_))).count();
    let fills = events.len() - orders;
    let state =
        "the engine's own apply rules over the journal's records; never marked live (only a running engine does that)";
    if json {
        out(&json!({"type": "replay", "journal": path, "orders": orders, "fills": fills,
            "strategy": strategy.map(|s| s.0), "tag": strategy.map(|s| s.1), "sends": "nothing (read-only)",
            "state": state})
        .to_string());
        return;
    }
    out(&format!("replay of {path}: {orders} order update(s), {fills} fill(s); read-only, nothing is sent"));
    match strategy {
        Some((name, tag)) => out(&format!("strategy {name}: records of its tag {tag:?} reach it, as in a live run")),
        None => out("no strategy: the records only"),
    };
    out(&format!("state: {state}"));
}

/// Prints one record.
pub fn event(json: bool, seq: usize, e: &Timed, o: &Outcome) {
    if json {
        let mut v = match &e.event {
            Event::Order(x) => order_json(x),
            Event::Fill(x) => fill_json(x),
        };
        v["seq"] = json!(seq);
        v["time"] = json!(e.t_ms);
        v["applied"] = json!(o.applied);
        v["to_strategy"] = json!(o.to_strategy);
        out(&v.to_string());
        return;
    }
    let ev = match &e.event {
        Event::Order(x) => EngineEvent::Order(Box::new(x.clone())),
        Event::Fill(x) => EngineEvent::Fill(Box::new(x.clone())),
    };
    let note = match (o.applied, o.to_strategy) {
        (false, _) => "  (stale: the state already had it; no strategy hears of it)",
        (true, true) => "  -> strategy",
        (true, false) => "",
    };
    out(&format!("#{seq:<4} {}  {}{note}", at(e.t_ms), event_line(&ev)));
}

/// Prints one intent the strategy recorded in `callback` (after record `seq`, if any).
/// `journaled` is the journal's order whose client id the intent was given, if any.
pub fn intent(json: bool, callback: &str, seq: Option<usize>, t_ms: u64, i: &Intent, journaled: Option<&Order>) {
    let (method, params) = request(i);
    let matches = match (i, journaled) {
        (Intent::Submit(s), Some(j)) => Some(
            s.instrument_name == j.instrument_name
                && s.side == j.side
                && s.price == j.limit_price
                && s.quantity == Some(j.quantity),
        ),
        _ => None,
    };
    if json {
        out(&json!({"type": "intent", "callback": callback, "after_seq": seq, "time": t_ms, "method": method,
            "params": params, "journal_order_id": journaled.map(|j| j.order_id.as_str()),
            "matches_journal": matches})
        .to_string());
        return;
    }
    let note = match (journaled, matches) {
        (Some(j), Some(true)) => format!("  (as journal order {})", j.order_id),
        (Some(j), _) => format!("  (differs from journal order {} under this client id)", j.order_id),
        _ => String::new(),
    };
    out(&format!("      INTENT   {}  {callback}: {method} {}{note}", at(t_ms), Value::Object(params)));
}

/// A journal time as UTC, its milliseconds always three digits so that columns line up.
fn at(t_ms: u64) -> String {
    format!("{}.{:03}Z", utc::format_ms(t_ms).trim_end_matches('Z'), t_ms % 1000)
}

/// Prints the last line.
pub fn summary(json: bool, applied: u64, stale: u64, to_strategy: u64, intents: u64) {
    if json {
        out(&json!({"type": "replay_summary", "applied": applied, "stale": stale, "to_strategy": to_strategy,
            "intents": intents, "sent": 0})
        .to_string());
    } else {
        out(&format!(
            "replayed: {applied} applied, {stale} stale, {to_strategy} to the strategy, {intents} intent(s) recorded, none sent"
        ));
    }
}
