//! Test helpers for the strategies' unit tests: a context over an empty state, and recorded
//! events (books, order updates, fills, instrument definitions, what a restart hands over)
//! built the way the exchange and the engine send them. Test-only: it must NOT be compiled
//! outside `cfg(test)` nor hold strategy logic.

use std::str::FromStr;

use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::ids::ClientOrderId;
use cdc_engine::protocol::models::{BookLevel, BookSnapshot, Instrument, Order, Trade};
use cdc_engine::protocol::requests::{CreateOrder, OrderRef};
use cdc_engine::state::book::OrderBook;
use cdc_engine::state::State;
use cdc_engine::strategy::{Context, Intent, Refusal, RefusalCause, Resumed};
use rust_decimal::Decimal;

/// Runs callbacks with a fresh context each time and hands back what they asked for.
pub struct Harness {
    /// The state the contexts read (empty: strategies must track their own orders).
    pub state: State,
    /// The clock the contexts show.
    pub now_ms: u64,
    /// Start of the client ids it hands out (a restarted run uses another one).
    pub oid_prefix: &'static str,
    next: u64,
}

impl Harness {
    /// A harness at a fixed time.
    pub fn new() -> Self {
        Harness { state: State::default(), now_ms: 1_700_000_000_000, oid_prefix: "t", next: 0 }
    }

    /// A harness for a run restarted after this one's: its client ids differ.
    pub fn restarted() -> Self {
        Harness { oid_prefix: "r", ..Harness::new() }
    }

    /// Runs `f` with a context; returns the intents it recorded.
    pub fn run(&mut self, f: impl FnOnce(&mut Context<'_>)) -> Vec<Intent> {
        let mut intents = Vec::new();
        let (n, prefix) = (&mut self.next, self.oid_prefix);
        let mut oids = || {
            *n += 1;
            ClientOrderId::from(format!("{prefix}-{n}"))
        };
        let mut ctx = Context::new(&self.state, &mut intents, &mut oids, self.now_ms);
        f(&mut ctx);
        intents
    }
}

/// An exact decimal.
pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A book with one bid and one ask level.
pub fn book(bid: &str, ask: &str) -> OrderBook {
    let lvl = |p: &str| BookLevel { price: d(p), quantity: d("1"), orders: 1 };
    let mut b = OrderBook::with_depth(Some(10));
    b.apply_snapshot(&BookSnapshot {
        asks: vec![lvl(ask)],
        bids: vec![lvl(bid)],
        time_ms: Some(1),
        last_update_ms: None,
        update_id: Some(1),
    });
    b
}

/// The orders submitted, in order.
pub fn submits(intents: &[Intent]) -> Vec<CreateOrder> {
    intents.iter().filter_map(|i| if let Intent::Submit(o) = i { Some(o.clone()) } else { None }).collect()
}

/// The client ids cancelled.
pub fn cancels(intents: &[Intent]) -> Vec<String> {
    intents
        .iter()
        .filter_map(|i| match i {
            Intent::Cancel(OrderRef::ClientOid(c)) => Some(c.to_string()),
            _ => None,
        })
        .collect()
}

/// The one submitted order on `side`.
pub fn on_side(intents: &[Intent], side: Side) -> Option<CreateOrder> {
    let mut it = submits(intents).into_iter().filter(|o| o.side == side);
    let first = it.next();
    assert!(it.next().is_none(), "more than one {side:?} order in {intents:?}");
    first
}

/// An order update as pushed on `user.order`.
pub fn update(o: &CreateOrder, order_id: &str, status: &str, cum: &str) -> Order {
    serde_json::from_value(serde_json::json!({
        "order_id": order_id, "client_oid": o.client_oid.as_ref().map(|c| c.to_string()),
        "side": o.side.as_str(), "quantity": o.quantity.unwrap_or_default().to_string(),
        "limit_price": o.price.map(|p| p.to_string()), "status": status,
        "instrument_name": o.instrument_name.as_str(), "cumulative_quantity": cum, "update_time": 1
    }))
    .unwrap()
}

/// A fill of `o` as pushed on `user.trade`.
pub fn fill(o: &CreateOrder, order_id: &str, trade_id: &str, qty: &str) -> Trade {
    serde_json::from_value(serde_json::json!({
        "trade_id": trade_id, "order_id": order_id, "client_oid": o.client_oid.as_ref().map(|c| c.to_string()),
        "instrument_name": o.instrument_name.as_str(), "side": o.side.as_str(),
        "traded_price": o.price.unwrap_or(d("50000")).to_string(), "traded_quantity": qty,
        "fees": "-0.01", "create_time": 1_700_000_000_000u64
    }))
    .unwrap()
}

/// `o` refused: by the exchange with `code`, or (`None`) sent with its outcome unknown.
pub fn refusal(o: &CreateOrder, reason: &str, code: Option<i64>) -> Refusal {
    let cause = code.map_or(RefusalCause::Unknown, RefusalCause::Exchange);
    Refusal { intent: Intent::Submit(o.clone()), reason: reason.into(), cause }
}

/// `base` with the keys of `extra` set over it (both TOML).
pub fn table(base: &str, extra: &str) -> toml::Table {
    let mut t: toml::Table = base.parse().unwrap();
    t.extend(extra.parse::<toml::Table>().unwrap());
    t
}

/// The venue's definition of `symbol` with these ticks.
pub fn instrument(symbol: &str, price_tick: &str, qty_tick: &str) -> Instrument {
    serde_json::from_value(serde_json::json!({
        "symbol": symbol, "inst_type": "CCY_PAIR", "price_tick_size": price_tick, "qty_tick_size": qty_tick
    }))
    .unwrap()
}

/// What the engine hands a restarted strategy.
pub fn resumed(open_orders: Vec<Order>, fills: Vec<Trade>) -> Resumed {
    Resumed { open_orders, fills }
}

/// `o` as still open on the exchange (ACTIVE, `cum` filled), created at `create_ms`.
pub fn open_at(o: &CreateOrder, order_id: &str, cum: &str, create_ms: u64) -> Order {
    let mut u = update(o, order_id, "ACTIVE", cum);
    u.create_time = Some(create_ms);
    u
}

/// `f` made at `ms`.
pub fn at(mut f: Trade, ms: u64) -> Trade {
    f.create_time = Some(ms);
    f
}

/// What an order asks for, without its client id: two runs' decisions compare equal when
/// they place the same orders.
pub fn shape(intents: &[Intent]) -> Vec<(Side, Option<Decimal>, Option<Decimal>)> {
    let mut v: Vec<_> = submits(intents).into_iter().map(|o| (o.side, o.price, o.quantity)).collect();
    v.sort_by_key(|(s, p, _)| (s.as_str().to_owned(), *p));
    v
}
