//! Public methods (`public/get-instruments`, `get-book`, `get-tickers`, `get-trades`,
//! `get-candlestick`) and the market objects the server pushes (tickers, public trades).
//!
//! Read-only: nothing here changes books or balances.

use super::book::Side;
use super::codes::{self, reject};
use super::instruments::{fixed, Instrument};
use super::params::{integer, present, text, time_ns};
use super::tape::{Candle, Period, PublicTrade};
use super::Exchange;
use crate::venue::Reject;
use rust_decimal::Decimal;
use serde_json::{json, Value};

const MAX_BOOK_DEPTH: u64 = 50;
const TRADES_DEFAULT: u64 = 25;
const TRADES_MAX: u64 = 150;
const CANDLES_DEFAULT: u64 = 25;
const CANDLES_MAX: u64 = 300;

/// A candle as REST and the candlestick channel show it: `{o, h, l, c, v, t}`.
pub(super) fn candle_json(inst: &Instrument, start_ms: u64, c: &Candle) -> Value {
    json!({
        "o": inst.price(c.open), "h": inst.price(c.high), "l": inst.price(c.low),
        "c": inst.price(c.close), "v": inst.qty(c.volume), "t": start_ms,
    })
}

impl Exchange {
    pub(super) fn dispatch_public(&mut self, method: &str, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        match method {
            "public/get-instruments" => {
                let data: Vec<Value> = self.instruments.iter().map(|i| i.row_json()).collect();
                Ok(json!({ "data": data }))
            }
            "public/get-book" => self.get_book(p, now_ms),
            "public/get-tickers" => self.get_tickers(p, now_ms),
            "public/get-trades" => self.get_public_trades(p),
            "public/get-candlestick" => self.get_candlestick(p, now_ms),
            _ => Err(reject(codes::METHOD_NOT_FOUND)),
        }
    }

    fn get_book(&self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let i = self.inst_param(p)?;
        // The reference marks depth required, but ccxt omits it when no limit is given and its
        // live runs evidently get a book; a third-party client documents 50 as the exchange's
        // default. So absent means 50; present but out of range is still 40004.
        let depth = integer(p, "depth")?.unwrap_or(MAX_BOOK_DEPTH);
        if !(1..=MAX_BOOK_DEPTH).contains(&depth) {
            return Err(reject(codes::INVALID_ARGUMENT));
        }
        let depth = depth as usize;
        let (inst, book) = (&self.instruments[i], &self.books[i]);
        Ok(json!({
            "instrument_name": inst.symbol,
            "depth": depth,
            "data": [{
                "bids": book.levels(Side::Buy, depth, inst),
                "asks": book.levels(Side::Sell, depth, inst),
                "t": now_ms,
            }],
        }))
    }

    fn get_tickers(&self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let data: Vec<Value> = match self.inst_filter(p)? {
            Some(i) => vec![self.ticker(i, now_ms, false)],
            None => (0..self.instruments.len()).map(|i| self.ticker(i, now_ms, false)).collect(),
        };
        Ok(json!({ "data": data }))
    }

    fn get_public_trades(&self, p: &Value) -> Result<Value, Reject> {
        let i = self.inst_param(p)?;
        let count = integer(p, "count")?.unwrap_or(TRADES_DEFAULT).clamp(1, TRADES_MAX) as usize;
        let end = time_ns(p, "end_ts")?.unwrap_or(u64::MAX);
        let start = time_ns(p, "start_ts")?.unwrap_or(0);
        let data: Vec<Value> =
            self.tapes[i].recent(count, start, end).iter().map(|t| self.public_trade_json(i, t, true)).collect();
        Ok(json!({ "data": data }))
    }

    fn get_candlestick(&self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let i = self.inst_param(p)?;
        // ccxt sends `timeframe`; the result names it `interval`, so accept either.
        let name = text(p, "timeframe").or_else(|| text(p, "interval")).unwrap_or_else(|| "1m".to_string());
        let period = Period::parse(&name).ok_or_else(|| reject(codes::INVALID_ARGUMENT))?;
        let count = integer(p, "count")?.unwrap_or(CANDLES_DEFAULT).clamp(1, CANDLES_MAX) as usize;
        let to_ms = |ns: u64| ns / 1_000_000;
        let end = time_ns(p, "end_ts")?.map_or(now_ms.saturating_add(1), to_ms);
        let start = if present(p, "start_ts") { time_ns(p, "start_ts")?.map_or(0, to_ms) } else { 0 };
        let inst = &self.instruments[i];
        let data: Vec<Value> =
            self.tapes[i].candles(period, start, end, count).iter().map(|(t, c)| candle_json(inst, *t, c)).collect();
        Ok(json!({ "interval": name, "instrument_name": inst.symbol, "data": data }))
    }

    /// A public trade: `{d, t, p, q, s, i, m}`, plus `tn` for REST.
    pub(super) fn public_trade_json(&self, i: usize, t: &PublicTrade, with_ns: bool) -> Value {
        let inst = &self.instruments[i];
        let mut v = json!({
            "d": t.id.to_string(),
            "t": t.ns / 1_000_000,
            "p": inst.price(t.price),
            "q": inst.qty(t.qty),
            "s": t.taker_side.as_str(),
            "i": inst.symbol,
            "m": t.match_id.to_string(),
        });
        if let (true, Some(map)) = (with_ns, v.as_object_mut()) {
            map.insert("tn".into(), Value::String(t.ns.to_string()));
        }
        v
    }

    /// A ticker row (§5.2); `with_sizes` adds `bs`/`ks`, which REST rows lack.
    pub(super) fn ticker(&self, i: usize, now_ms: u64, with_sizes: bool) -> Value {
        let inst = &self.instruments[i];
        let book = &self.books[i];
        let day = self.tapes[i].day(now_ms);
        let last = self.tapes[i].last().map(|t| t.price);
        let price = |d: Option<Decimal>| d.map_or(Value::Null, |d| Value::String(inst.price(d)));
        let change = match (day, last) {
            (Some(c), Some(l)) if !c.open.is_zero() => fixed((l - c.open) / c.open, 4),
            _ => "0.0000".to_string(),
        };
        let bid = book.best_with_qty(Side::Buy);
        let ask = book.best_with_qty(Side::Sell);
        let mut v = json!({
            "i": inst.symbol,
            "h": price(day.map(|c| c.high).or(last)),
            "l": price(day.map(|c| c.low).or(last)),
            "a": price(last),
            "c": change,
            "b": price(bid.map(|b| b.0)),
            "k": price(ask.map(|a| a.0)),
            "v": inst.qty(day.map_or(Decimal::ZERO, |c| c.volume)),
            "vv": inst.value(day.map_or(Decimal::ZERO, |c| c.value)),
            "oi": "0",
            "t": now_ms,
        });
        if let (true, Some(map)) = (with_sizes, v.as_object_mut()) {
            let size = |s: Option<(Decimal, Decimal)>| s.map_or(Value::Null, |s| Value::String(inst.qty(s.1)));
            map.insert("bs".into(), size(bid));
            map.insert("ks".into(), size(ask));
        }
        v
    }
}
