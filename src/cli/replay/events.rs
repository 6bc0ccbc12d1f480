//! The journal's records as the wire models the engine applies: every order transition as an
//! `Order` and every fill as a `Trade` (through their JSON form, the only constructor the
//! protocol models have), in journal order. The journal keeps orders and fills in two tables,
//! each in the order it was written; the two are merged by time, an order update first at equal
//! times. It must NOT write to the journal or take its lock (it reads as `journal` does).

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use anyhow::Context;
use cdc_engine::engine::oid::tag_of;
use cdc_engine::journal::{read_fills, read_orders, summarize, FillRecord, Filter, OrderRecord};
use cdc_engine::protocol::ids::ClientOrderId;
use cdc_engine::protocol::models::{Order, Trade};
use serde_json::{json, Map, Value};

/// One journaled record.
#[derive(Debug, Clone)]
pub enum Event {
    /// An order transition: the order's state after it.
    Order(Order),
    /// A fill.
    Fill(Trade),
}

/// A record and its time in ms (the previous record's when the journal has none for it).
#[derive(Debug, Clone)]
pub struct Timed {
    /// Time, ms since the epoch.
    pub t_ms: u64,
    /// The record.
    pub event: Event,
}

impl Event {
    /// The client id it carries.
    pub fn client_oid(&self) -> Option<&str> {
        match self {
            Event::Order(o) => o.client_oid.as_ref().map(|c| c.as_str()),
            Event::Fill(t) => t.client_oid.as_ref().map(|c| c.as_str()),
        }
    }
}

/// The client ids of tag `tag` in the order they first appear, each with its first journaled
/// state: what the replayed strategy's orders are given, in turn.
pub fn orders_of_tag(events: &[Timed], tag: &str) -> (VecDeque<ClientOrderId>, HashMap<String, Order>) {
    let mut handout = VecDeque::new();
    let mut first = HashMap::new();
    for e in events {
        let Event::Order(o) = &e.event else { continue };
        let Some(c) = o.client_oid.as_ref().filter(|c| tag_of(c.as_str()) == Some(tag)) else { continue };
        if !first.contains_key(c.as_str()) {
            handout.push_back(c.clone());
            first.insert(c.to_string(), o.clone());
        }
    }
    (handout, first)
}

/// Reads every record of the journal at `path`, read-only, in journal order.
pub fn read(path: &Path) -> anyhow::Result<Vec<Timed>> {
    // The summary checks that the file is a journal (its tables), which the plain readers do not.
    summarize(path, &Filter::default())?;
    let orders = read_orders(path)?;
    let fills = read_fills(path)?;
    let orders: Vec<(u128, Event)> = keyed(&orders, |o| u128::from(o.update_time_ms) * 1_000_000, order_of)?;
    let fills: Vec<(u128, Event)> = keyed(&fills, |f| f.time_ns, trade_of)?;
    let mut out = Vec::with_capacity(orders.len() + fills.len());
    let (mut o, mut f) = (orders.into_iter().peekable(), fills.into_iter().peekable());
    loop {
        let take_order = match (o.peek(), f.peek()) {
            (Some(a), Some(b)) => a.0 <= b.0,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_order { o.next() } else { f.next() };
        if let Some((ns, event)) = next {
            out.push(Timed { t_ms: u64::try_from(ns / 1_000_000).unwrap_or(u64::MAX), event });
        }
    }
    Ok(out)
}

/// Each record with its time in ns; a record without one (0) takes the one before it in its
/// table, so that it stays where the table put it.
fn keyed<R>(
    rows: &[R],
    time_ns: impl Fn(&R) -> u128,
    convert: impl Fn(&R) -> anyhow::Result<Event>,
) -> anyhow::Result<Vec<(u128, Event)>> {
    let mut last = 0u128;
    rows.iter()
        .map(|r| {
            let t = time_ns(r);
            last = if t == 0 { last } else { t };
            Ok((last, convert(r)?))
        })
        .collect()
}

fn put(m: &mut Map<String, Value>, key: &str, v: Option<String>) {
    if let Some(v) = v {
        m.insert(key.to_owned(), Value::String(v));
    }
}

/// An order record as the `Order` the exchange would have pushed; what the journal does not
/// keep (type, average price, fees) stays absent.
fn order_of(r: &OrderRecord) -> anyhow::Result<Event> {
    let mut m = Map::new();
    put(&mut m, "order_id", Some(r.order_id.clone()));
    put(&mut m, "client_oid", r.client_oid.clone());
    put(&mut m, "instrument_name", Some(r.instrument_name.clone()));
    put(&mut m, "side", Some(r.side.clone()));
    put(&mut m, "status", Some(r.status.clone()));
    put(&mut m, "quantity", Some(r.quantity.to_string()));
    put(&mut m, "limit_price", r.limit_price.map(|p| p.to_string()));
    put(&mut m, "cumulative_quantity", Some(r.cumulative_quantity.to_string()));
    if r.update_time_ms > 0 {
        m.insert("update_time".into(), json!(r.update_time_ms));
    }
    let order = serde_json::from_value(Value::Object(m))
        .with_context(|| format!("the journal's order {} does not read as an order", r.order_id))?;
    Ok(Event::Order(order))
}

/// A fill record as the `Trade` the exchange would have pushed (`fees` negative when charged).
fn trade_of(r: &FillRecord) -> anyhow::Result<Event> {
    let mut m = Map::new();
    put(&mut m, "trade_id", Some(r.trade_id.clone()));
    put(&mut m, "order_id", Some(r.order_id.clone()));
    put(&mut m, "client_oid", r.client_oid.clone());
    put(&mut m, "instrument_name", Some(r.instrument_name.clone()));
    put(&mut m, "side", Some(r.side.clone()));
    put(&mut m, "traded_price", Some(r.price.to_string()));
    put(&mut m, "traded_quantity", Some(r.quantity.to_string()));
    put(&mut m, "fees", Some((-r.fee).to_string()));
    put(&mut m, "fee_instrument_name", r.fee_currency.clone());
    if r.time_ns > 0 {
        m.insert("create_time".into(), json!(u64::try_from(r.time_ns / 1_000_000).unwrap_or(u64::MAX)));
        put(&mut m, "create_time_ns", Some(r.time_ns.to_string()));
    }
    let trade = serde_json::from_value(Value::Object(m))
        .with_context(|| format!("the journal's fill {} does not read as a fill", r.trade_id))?;
    Ok(Event::Fill(trade))
}
