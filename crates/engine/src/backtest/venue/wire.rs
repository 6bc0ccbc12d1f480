//! Renders the backtest venue's news as the exchange's user pushes (`user.order`,
//! `user.trade`, `user.balance`, `user.positions`, `user.transactions`), through the same wire
//! models the engine decodes from a live socket, so that the engine applies a backtest's
//! updates with the code it applies live ones with. It must NOT decide anything: the matcher
//! and the account hold the facts.

use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::account::{Account, Pair};
use crate::protocol::enums::OrderStatus;
use crate::protocol::models::Order;
use crate::protocol::{Channel, Push, PushData};

/// An order's facts, as the matcher keeps them.
#[derive(Debug, Clone)]
pub(crate) struct OrderFacts {
    pub(crate) id: u64,
    pub(crate) client_oid: Option<String>,
    pub(crate) instrument: String,
    /// A buy (else a sell).
    pub(crate) buy: bool,
    pub(crate) market: bool,
    pub(crate) tif: &'static str,
    pub(crate) exec_inst: Vec<&'static str>,
    pub(crate) price: Option<Decimal>,
    pub(crate) quantity: Decimal,
    pub(crate) cum_qty: Decimal,
    pub(crate) cum_value: Decimal,
    pub(crate) cum_fee: Decimal,
    pub(crate) status: OrderStatus,
    pub(crate) reason: Option<i64>,
    pub(crate) created_ms: u64,
    pub(crate) updated_ms: u64,
}

impl OrderFacts {
    /// What is left to fill.
    pub(crate) fn remaining(&self) -> Decimal {
        self.quantity - self.cum_qty
    }
}

fn side(buy: bool) -> &'static str {
    if buy {
        "BUY"
    } else {
        "SELL"
    }
}

fn push(channel: Channel, data: PushData) -> Push {
    Push { request_id: None, channel, instrument_name: None, data }
}

fn decode<T: serde::de::DeserializeOwned>(v: Value) -> Option<T> {
    // The values are built here from known fields: a failure is a bug, logged, not a panic.
    serde_json::from_value(v).map_err(|e| tracing::error!("backtest wire: {e}")).ok()
}

/// `user.order` with the order as it stands.
pub(crate) fn order_push(o: &OrderFacts) -> Option<Push> {
    let avg = (!o.cum_qty.is_zero()).then(|| (o.cum_value / o.cum_qty).normalize().to_string());
    let v = json!({
        "order_id": o.id.to_string(),
        "client_oid": o.client_oid,
        "instrument_name": o.instrument,
        "order_type": if o.market { "MARKET" } else { "LIMIT" },
        "time_in_force": o.tif,
        "exec_inst": o.exec_inst,
        "side": side(o.buy),
        "quantity": o.quantity.normalize().to_string(),
        "limit_price": o.price.map(|p| p.normalize().to_string()),
        "avg_price": avg,
        "cumulative_quantity": o.cum_qty.normalize().to_string(),
        "cumulative_value": o.cum_value.normalize().to_string(),
        "cumulative_fee": o.cum_fee.normalize().to_string(),
        "status": o.status.as_str(),
        "reason": o.reason.map(|r| r.to_string()),
        "create_time": o.created_ms,
        "update_time": o.updated_ms,
    });
    let order: Order = decode(v)?;
    Some(push(Channel::UserOrder(None), PushData::Orders(vec![order])))
}

/// `user.trade` for one fill of `o`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn trade_push(
    o: &OrderFacts,
    trade_id: u64,
    price: Decimal,
    qty: Decimal,
    fee: Decimal,
    fee_ccy: &str,
    maker: bool,
    now_ms: u64,
) -> Option<Push> {
    let v = json!({
        "trade_id": trade_id.to_string(),
        "order_id": o.id.to_string(),
        "client_oid": o.client_oid,
        "instrument_name": o.instrument,
        "side": side(o.buy),
        "traded_price": price.normalize().to_string(),
        "traded_quantity": qty.normalize().to_string(),
        "fees": (-fee).normalize().to_string(),
        "fee_instrument_name": fee_ccy,
        "taker_side": if maker { "MAKER" } else { "TAKER" },
        "create_time": now_ms,
        "create_time_ns": (u128::from(now_ms) * 1_000_000 + u128::from(trade_id % 1_000_000)).to_string(),
    });
    Some(push(Channel::UserTrade(None), PushData::Trades(vec![decode(v)?])))
}

/// `user.balance`: every currency with its reservation.
pub(crate) fn balance_push(a: &Account) -> Option<Push> {
    let rows: Vec<Value> = a
        .balances
        .iter()
        .map(|(ccy, (total, reserved))| {
            json!({"instrument_name": ccy, "quantity": total.normalize().to_string(),
                   "reserved_qty": reserved.normalize().to_string()})
        })
        .collect();
    Some(push(Channel::UserBalance, PushData::Balances(vec![decode(json!({ "position_balances": rows }))?])))
}

/// `user.positions` for one perpetual.
pub(crate) fn position_push(a: &Account, instrument: &str, mark: Option<Decimal>) -> Option<Push> {
    let p = a.positions.get(instrument).copied().unwrap_or_default();
    let upnl = mark.map(|m| (m * p.qty - p.cost).normalize().to_string());
    let v = json!({
        "instrument_name": instrument,
        "type": "PERPETUAL_SWAP",
        "quantity": p.qty.normalize().to_string(),
        "cost": p.cost.normalize().to_string(),
        "open_pos_cost": p.cost.normalize().to_string(),
        "open_position_pnl": upnl,
        "mark_price": mark.map(|m| m.normalize().to_string()),
        "update_timestamp_ms": p.updated_ms,
    });
    Some(push(Channel::UserPositions, PushData::Positions(vec![decode(v)?])))
}

/// `user.transactions` with one funding payment.
pub(crate) fn funding_push(journal_id: u64, instrument: &str, amount: Decimal, now_ms: u64) -> Option<Push> {
    let v = json!({
        "journal_id": journal_id.to_string(),
        "journal_type": "FUNDING",
        "instrument_name": instrument,
        "transaction_qty": amount.normalize().to_string(),
        "event_timestamp_ms": now_ms,
    });
    Some(push(Channel::UserTransactions, PushData::Transactions(vec![decode(v)?])))
}

/// The pair of an instrument from its name, when the venue's list does not say: `BASE_QUOTE`
/// for spot, `BASEQUOTE-PERP` (quote USD) for perpetuals.
pub(crate) fn pair_of_name(name: &str) -> Pair {
    if let Some(stem) = name.strip_suffix("-PERP") {
        let base = stem.strip_suffix("USD").unwrap_or(stem);
        return Pair { base: base.to_owned(), quote: "USD".into(), perp: true };
    }
    let (base, quote) = name.split_once('_').unwrap_or((name, "USD"));
    Pair { base: base.to_owned(), quote: quote.to_owned(), perp: false }
}
