//! The user's order and fill records and their exact wire rendering (§7.1 order, §7.2 trade).
//!
//! Records only: it must not touch books or balances (the exchange applies changes).

use super::account::BALANCE_DECIMALS;
use super::book::Side;
use super::clock::date;
use super::instruments::{fixed, Instrument};
use super::reserve::Ask;
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

/// Which trigger an advanced order waits for (§6.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TriggerKind {
    /// Market order once the reference price reaches the trigger against the position.
    StopLoss,
    /// Limit order, same trigger as STOP_LOSS.
    StopLimit,
    /// Market order once the reference price reaches the trigger in the position's favour.
    TakeProfit,
    /// Limit order, same trigger as TAKE_PROFIT.
    TakeProfitLimit,
}

impl TriggerKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerKind::StopLoss => "STOP_LOSS",
            TriggerKind::StopLimit => "STOP_LIMIT",
            TriggerKind::TakeProfit => "TAKE_PROFIT",
            TriggerKind::TakeProfitLimit => "TAKE_PROFIT_LIMIT",
        }
    }

    /// Whether it fires when the reference price rises to the trigger (else when it falls):
    /// the direction rule of §6.13.
    pub fn fires_on_rise(self, side: Side) -> bool {
        let stop = matches!(self, TriggerKind::StopLoss | TriggerKind::StopLimit);
        stop == (side == Side::Buy)
    }
}

/// The price a trigger watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefType {
    /// MARK_PRICE (the default).
    Mark,
    /// INDEX_PRICE.
    Index,
    /// LAST_PRICE.
    Last,
}

impl RefType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RefType::Mark => "MARK_PRICE",
            RefType::Index => "INDEX_PRICE",
            RefType::Last => "LAST_PRICE",
        }
    }
}

/// A trigger order's condition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Trigger {
    pub kind: TriggerKind,
    /// The trigger price (`ref_price`).
    pub price: Decimal,
    pub ref_type: RefType,
}

/// An order's place in a contingent list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ListLeg {
    /// The list's id.
    pub id: u64,
    pub kind: Contingency,
    /// One of an OCO pair: when it triggers, fills or ends, the other is cancelled.
    pub oco: bool,
}

/// Which kind of contingent list an order belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contingency {
    Oco,
    Oto,
    Otoco,
}

impl Contingency {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Contingency::Oco => "OCO",
            Contingency::Oto => "OTO",
            Contingency::Otoco => "OTOCO",
        }
    }
}

/// Order status (§7.1). `PENDING` is a trigger order waiting for its trigger (ASSUMED: the
/// reference lists the status without saying when it is used).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// A trigger order not yet triggered (not in the book, nothing reserved).
    Pending,
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
            Status::Pending => "PENDING",
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

/// The currency a fill's fee is charged in: what the order receives on spot (the base for a
/// BUY, the quote for a SELL), USD on a perpetual.
pub(crate) fn fee_ccy(inst: &Instrument, side: Side) -> &'static str {
    match side {
        Side::Buy if !inst.is_perp() => inst.base,
        _ => inst.quote,
    }
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
    /// The trigger of an advanced order.
    pub trigger: Option<Trigger>,
    /// The contingent list it belongs to.
    pub list: Option<ListLeg>,
    /// An OTO/OTOCO leg that may not trigger until this order has filled.
    pub waiting_on: Option<u64>,
}

impl Order {
    /// Whether `POST_ONLY` was asked for.
    pub fn post_only(&self) -> bool {
        self.exec_inst.iter().any(|e| e == "POST_ONLY")
    }

    /// Whether `REDUCE_ONLY` was asked for.
    pub fn reduce_only(&self) -> bool {
        self.exec_inst.iter().any(|e| e == "REDUCE_ONLY")
    }

    /// Still open (PENDING, NEW or ACTIVE).
    pub fn is_open(&self) -> bool {
        matches!(self.status, Status::Pending | Status::New | Status::Active)
    }

    /// Quantity not yet filled.
    pub fn remaining(&self) -> Decimal {
        self.quantity - self.cum_qty
    }

    /// The currency fees are charged in (see [`fee_ccy`]).
    pub fn fee_ccy(&self, inst: &Instrument) -> &'static str {
        fee_ccy(inst, self.side)
    }

    /// What it asks of the account for its unfilled part, to hold balance or margin.
    pub fn ask(&self) -> Ask {
        Ask {
            inst: self.inst,
            side: self.side,
            kind: self.kind,
            price: self.price,
            qty: Some(self.remaining()),
            notional: None,
            reduce_only: self.reduce_only(),
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
            "order_type": match (self.trigger, self.kind) {
                (Some(t), _) => t.kind.as_str(),
                (None, OrdType::Limit) => "LIMIT",
                (None, OrdType::Market) => "MARKET",
            },
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
        if let (Some(t), Some(map)) = (self.trigger, o.as_object_mut()) {
            map.insert("ref_price".into(), Value::String(inst.price(t.price)));
            map.insert("ref_price_type".into(), Value::String(t.ref_type.as_str().into()));
            map.insert("trigger_price".into(), Value::String(inst.price(t.price)));
        }
        if let (Some(leg), Some(map)) = (self.list, o.as_object_mut()) {
            map.insert("list_id".into(), Value::String(leg.id.to_string()));
            map.insert("contingency_type".into(), Value::String(leg.kind.as_str().into()));
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
            "fee_instrument_name": fee_ccy(inst, self.side),
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
