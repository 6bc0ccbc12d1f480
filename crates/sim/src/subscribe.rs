//! `subscribe` / `unsubscribe` on either WebSocket (§4.4, §5): validation, the first response
//! per channel with its initial data, and the per-connection subscription set.
//!
//! It must NOT send pushes after the first response; fan-out does that.

use std::time::Duration;

use serde_json::{json, Value};

use super::books::{BookMode, BookSub};
use super::channels::{parse_channel, ChanKind, Channel};
use super::envelope::{code_name, err, err_code, ok, EXCEED_MAX_SUBSCRIPTIONS, INVALID_REQUEST, UNAUTHORIZED};
use super::hub::{lock, Conn, Kind, Sub};
use super::shared::Shared;
use super::venue::Venue;
use cdc_protocol::clock::system_now_ms;

/// §4.5: subscriptions per connection. Documented for Market Data; the User API's cap is
/// UNCONFIRMED, so the same number applies there.
pub const MAX_SUBSCRIPTIONS: usize = 400;

#[derive(Debug, Clone, Copy)]
struct BookOptions {
    mode: BookMode,
    interval: Duration,
}

/// Reads `book_subscription_type` and `book_update_frequency` (§5.1); `None` if invalid.
fn book_options(params: Option<&Value>) -> Option<BookOptions> {
    let mode = match params.and_then(|p| p.get("book_subscription_type")) {
        None => BookMode::Snapshot,
        Some(Value::String(s)) if s == "SNAPSHOT" => BookMode::Snapshot,
        Some(Value::String(s)) if s == "SNAPSHOT_AND_UPDATE" => BookMode::Delta,
        Some(_) => return None,
    };
    let freq = match params.and_then(|p| p.get("book_update_frequency")) {
        None => None,
        Some(Value::Number(n)) => Some(n.as_u64()?),
        Some(Value::String(s)) => Some(s.parse::<u64>().ok()?),
        Some(_) => return None,
    };
    let ms = match (mode, freq) {
        // 100 ms snapshots were withdrawn; such requests get 500 ms, as on the exchange.
        (BookMode::Snapshot, None | Some(100) | Some(500)) => 500,
        (BookMode::Delta, None | Some(10)) => 10,
        (BookMode::Delta, Some(100)) => 100,
        _ => return None,
    };
    Some(BookOptions { mode, interval: Duration::from_millis(ms) })
}

/// Handles `subscribe`: one response per channel, each with the request id.
pub fn subscribe(shared: &Shared, conn: &Conn, id: &Value, params: Option<&Value>) -> Vec<Value> {
    let channels = params.and_then(|p| p.get("channels")).and_then(Value::as_array);
    let (Some(channels), Some(opts)) = (channels, book_options(params)) else {
        return vec![err_code(id, "subscribe", INVALID_REQUEST)];
    };
    channels.iter().map(|c| subscribe_one(shared, conn, id, c, opts)).collect()
}

fn subscribe_one(shared: &Shared, conn: &Conn, id: &Value, channel: &Value, opts: BookOptions) -> Value {
    // A refusal names the channel it refused, so a client subscribing to many knows which.
    let named = channel.as_str().map_or_else(|| channel.to_string(), str::to_string);
    let refuse = |code| {
        let mut e = err(id, "subscribe", code, &format!("{}: {named}", code_name(code)), None);
        e["channel"] = json!(named);
        e
    };
    let Some(ch) = channel.as_str().and_then(parse_channel) else {
        return refuse(INVALID_REQUEST);
    };
    // Depth 150 is only served as snapshots (§5.1).
    if ch.kind == (ChanKind::Book { depth: 150 }) && opts.mode == BookMode::Delta {
        return refuse(INVALID_REQUEST);
    }
    // Market data belongs on the Market server and user data on the User server (§4.1).
    if ch.is_user() != (conn.kind == Kind::User) {
        return refuse(INVALID_REQUEST);
    }
    if ch.is_user() && !conn.is_authed() {
        return refuse(UNAUTHORIZED);
    }
    shared.run(|venue| {
        let extra = matches!(ch.kind, ChanKind::MarketOther | ChanKind::UserOther);
        if !extra && ch.instrument.as_deref().is_some_and(|i| !venue.is_instrument(i)) {
            return refuse(INVALID_REQUEST);
        }

        let mut subs = lock(&conn.subs);
        if !subs.contains_key(&ch.name) && subs.len() >= MAX_SUBSCRIPTIONS {
            return refuse(EXCEED_MAX_SUBSCRIPTIONS);
        }
        // The newer channels exist when the venue has data for them.
        let Some((result, book)) = first_data(shared, venue, &ch, opts) else {
            return refuse(INVALID_REQUEST);
        };
        subs.insert(ch.name.clone(), Sub { book });
        ok(id, "subscribe", result)
    })
}

/// The first response's `result` and, for books, the subscriber's book state; `None` when
/// the venue does not know the channel.
fn first_data(shared: &Shared, venue: &dyn Venue, ch: &Channel, opts: BookOptions) -> Option<(Value, Option<BookSub>)> {
    let now = system_now_ms();
    let instr = ch.instrument.as_deref();
    let data: Vec<Value> = match ch.kind {
        ChanKind::Book { depth } => {
            let instr = instr.unwrap_or_default();
            let (bids, asks) = venue.book_levels(instr, depth).unwrap_or_default();
            let mut book = BookSub::new(instr, depth, opts.mode, opts.interval);
            let result = book.snapshot(&ch.name, bids, asks, shared.next_u(), now);
            return Some((result, Some(book)));
        }
        ChanKind::UserOrder => venue.open_orders_json(instr),
        ChanKind::UserBalance => vec![venue.balance_json(now)],
        ChanKind::Ticker => venue.ticker_json(instr.unwrap_or_default(), now).into_iter().collect(),
        ChanKind::Trade => venue.recent_public_trades(instr.unwrap_or_default(), 50),
        ChanKind::UserTrade => Vec::new(),
        ChanKind::UserOther | ChanKind::MarketOther => {
            venue.channel_data(ch.family, instr, ch.interval.as_deref(), now)?
        }
    };
    let mut result = json!({"subscription": ch.name, "channel": ch.family, "data": data});
    if let Some(interval) = &ch.interval {
        result["interval"] = json!(interval);
    }
    if let Some(i) = instr {
        result["instrument_name"] = json!(i);
    }
    Some((result, None))
}

/// Handles `unsubscribe`: one response for the request.
pub fn unsubscribe(conn: &Conn, id: &Value, params: Option<&Value>) -> Value {
    let Some(channels) = params.and_then(|p| p.get("channels")).and_then(Value::as_array) else {
        return err_code(id, "unsubscribe", INVALID_REQUEST);
    };
    let mut subs = lock(&conn.subs);
    for name in channels.iter().filter_map(Value::as_str) {
        subs.remove(name);
    }
    ok(id, "unsubscribe", Value::Null)
}
