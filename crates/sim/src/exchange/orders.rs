//! The user's order and fill records and their exact wire rendering (§7.1 order, §7.2 trade).
//!
//! Records only: it must not touch books or balances (the exchange applies changes).

use super::account::BALANCE_DECIMALS;
use super::book::Side;
use super::clock::date;
use super::instruments::{fixed, Instrument};
use crate::venue::ConnId;
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// `LIMIT` or `MARKET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrdType {
    /// Rests at a price.
    Limit,
    /// Takes whatever the book offers, never rests.
    Market,
}

/// Time in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tif {
    /// GOOD_TILL_CANCEL.
    Gtc,
    /// IMMEDIATE_OR_CANCEL.
    Ioc,
    /// FILL_OR_KILL.
    Fok,
}

/// Order status (§7.1); `PENDING` is never used by the sim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Accepted, not yet processed.
    New,
    /// Resting (possibly partly filled).
    Active,
    /// Completely filled.
    Filled,
    /// Cancelled (by the user, IOC/FOK/MARKET remainder, or disconnect).
    Canceled,
    /// Refused after acceptance (e.g. POST_ONLY that would take).
    Rejected,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::New => "NEW",
            Status::Active => "ACTIVE",
            Status::Filled => "FILLED",
            Status::Canceled => "CANCELED",
            Status::Rejected => "REJECTED",
        }
    }
}

/// Shown on every order and fill: who owns it and what it pays.
#[derive(Debug, Clone)]
pub(crate) struct RenderCtx<'a> {
    /// The account's UUID.
    pub account_id: &'a str,
    /// Maker fee rate.
    pub maker_rate: Decimal,
    /// Taker fee rate.
    pub taker_rate: Decimal,
}

/// One user order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub id: u64,
    pub client_oid: String,
    pub inst: usize,
    pub side: Side,
    pub kind: OrdType,
    pub tif: Tif,
    pub exec_inst: Vec<String>,
    /// Ordered quantity (for a MARKET BUY by notional: what it filled, once done).
    pub quantity: Decimal,
    pub price: Option<Decimal>,
    pub notional: Option<Decimal>,
    pub cum_qty: Decimal,
    pub cum_value: Decimal,
    pub cum_fee: Decimal,
    pub status: Status,
    pub reason: Option<i64>,
    /// What this order still locks, in quote (BUY) or base (SELL).
    pub reserved: Decimal,
    pub create_ns: u64,
    pub update_ns: u64,
    /// The user WebSocket it came over, for cancel-on-disconnect.
    pub conn: Option<ConnId>,
}

impl Order {
    /// Whether `POST_ONLY` was asked for.
    pub fn post_only(&self) -> bool {
        self.exec_inst.iter().any(|e| e == "POST_ONLY")
    }

    /// Still open (NEW or ACTIVE).
    pub fn is_open(&self) -> bool {
        matches!(self.status, Status::New | Status::Active)
    }

    /// Quantity not yet filled.
    pub fn remaining(&self) -> Decimal {
        self.quantity - self.cum_qty
    }

    /// The currency fees are charged in: what the order receives.
    pub fn fee_ccy(&self, inst: &Instrument) -> &'static str {
        match self.side {
            Side::Buy => inst.base,
            Side::Sell => inst.quote,
        }
    }

    /// The currency the order locks while open: quote for BUY, base for SELL.
    pub fn reserve_ccy(&self, inst: &Instrument) -> &'static str {
        match self.side {
            Side::Buy => inst.quote,
            Side::Sell => inst.base,
        }
    }

    /// The full order object (§7.1).
    pub fn json(&self, inst: &Instrument, ctx: &RenderCtx) -> Value {
        let avg = if self.cum_qty.is_zero() { "0".to_string() } else { inst.price(self.cum_value / self.cum_qty) };
        let order_value = match (self.price, self.notional) {
            (Some(p), _) => inst.value(p * self.quantity),
            (None, Some(n)) => inst.value(n),
            (None, None) => inst.value(self.cum_value),
        };
        let create_ms = self.create_ns / 1_000_000;
        let update_ms = self.update_ns / 1_000_000;
        let mut o = json!({
            "account_id": ctx.account_id,
            "order_id": self.id.to_string(),
            "client_oid": self.client_oid,
            "order_type": match self.kind { OrdType::Limit => "LIMIT", OrdType::Market => "MARKET" },
            "time_in_force": match self.tif {
                Tif::Gtc => "GOOD_TILL_CANCEL",
                Tif::Ioc => "IMMEDIATE_OR_CANCEL",
                Tif::Fok => "FILL_OR_KILL",
            },
            "side": self.side.as_str(),
            "exec_inst": self.exec_inst,
            "quantity": inst.qty(self.quantity),
            "limit_price": self.price.map_or_else(|| "0".to_string(), |p| inst.price(p)),
            "order_value": order_value,
            "maker_fee_rate": fixed(ctx.maker_rate, 6),
            "taker_fee_rate": fixed(ctx.taker_rate, 6),
            "avg_price": avg,
            "cumulative_quantity": inst.qty(self.cum_qty),
            "cumulative_value": inst.value(self.cum_value),
            "cumulative_fee": fixed(self.cum_fee, BALANCE_DECIMALS),
            "fee_instrument_name": self.fee_ccy(inst),
            "status": self.status.as_str(),
            "update_user_id": ctx.account_id,
            "order_date": date(create_ms),
            "instrument_name": inst.symbol,
            "create_time": create_ms,
            "create_time_ns": self.create_ns.to_string(),
            "update_time": update_ms,
            "transaction_time": update_ms,
            "transaction_time_ns": self.update_ns.to_string(),
        });
        if let (Some(code), Some(map)) = (self.reason, o.as_object_mut()) {
            map.insert("reason".into(), Value::String(code.to_string()));
        }
        if let (Some(n), Some(map)) = (self.notional, o.as_object_mut()) {
            map.insert("notional".into(), Value::String(inst.value(n)));
        }
        o
    }
}

/// One fill of a user order.
#[derive(Debug, Clone)]
pub(crate) struct UserFill {
    pub trade_id: u64,
    pub match_id: u64,
    pub order_id: u64,
    pub client_oid: String,
    pub inst: usize,
    pub side: Side,
    pub price: Decimal,
    pub qty: Decimal,
    /// Fee charged (positive amount; shown negated).
    pub fee: Decimal,
    pub maker: bool,
    /// Unique and increasing across fills, so paging by `end_time` never skips one.
    pub ns: u64,
}

impl UserFill {
    /// The trade object (§7.2).
    pub fn json(&self, inst: &Instrument, account_id: &str) -> Value {
        let ms = self.ns / 1_000_000;
        let fees = if self.fee.is_zero() {
            fixed(Decimal::ZERO, BALANCE_DECIMALS)
        } else {
            fixed(-self.fee, BALANCE_DECIMALS)
        };
        json!({
            "account_id": account_id,
            "event_date": date(ms),
            "journal_type": "TRADING",
            "side": self.side.as_str(),
            "instrument_name": inst.symbol,
            "traded_price": inst.price(self.price),
            "traded_quantity": inst.qty(self.qty),
            "fees": fees,
            "fee_instrument_name": match self.side { Side::Buy => inst.base, Side::Sell => inst.quote },
            "order_id": self.order_id.to_string(),
            "trade_id": self.trade_id.to_string(),
            "trade_match_id": self.match_id.to_string(),
            "client_oid": self.client_oid,
            "taker_side": if self.maker { "MAKER" } else { "TAKER" },
            "create_time": ms,
            "create_time_ns": self.ns.to_string(),
            "transact_time_ns": self.ns.to_string(),
        })
    }
}
