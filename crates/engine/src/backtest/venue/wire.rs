//! Renders the backtest venue's news as the exchange's user pushes (`user.order`,
//! `user.trade`, `user.balance`, `user.positions`, `user.transactions`), through the same wire
//! models the engine decodes from a live socket, so that the engine applies a backtest's
//! updates with the code it applies live ones with (the models are the decoder's, filled in). It must NOT decide anything: the matcher
//! and the account hold the facts.

use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::account::{Account, Pair};
use std::sync::OnceLock;

use crate::protocol::enums::{ExecInst, OrderStatus, OrderType, Side, TakerSide, TimeInForce};
use crate::protocol::models::{BalanceSummary, Order, Position, PositionBalance, Trade};
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

fn side(buy: bool) -> Side {
    if buy {
        Side::Buy
    } else {
        Side::Sell
    }
}

fn push(channel: Channel, data: PushData) -> Push {
    Push { request_id: None, channel, instrument_name: None, data }
}

fn decode<T: serde::de::DeserializeOwned>(v: Value) -> Option<T> {
    // The values are built here from known fields: a failure is a bug, logged, not a panic.
    serde_json::from_value(v).map_err(|e| tracing::error!("backtest wire: {e}")).ok()
}

/// Empty wire models, decoded once from the exchange's JSON and then filled in field by
/// field: a JSON round trip per update cost more than the rest of an order's path.
struct Blanks {
    order: Order,
    trade: Trade,
    balance: BalanceSummary,
    row: PositionBalance,
    position: Position,
}

fn blanks() -> Option<&'static Blanks> {
    static BLANKS: OnceLock<Option<Blanks>> = OnceLock::new();
    BLANKS
        .get_or_init(|| {
            Some(Blanks {
                order: decode(json!({"order_id": "0", "side": "BUY", "quantity": "0", "status": "ACTIVE",
                    "instrument_name": "", "cumulative_quantity": "0"}))?,
                trade: decode(json!({"trade_id": "0", "order_id": "0", "instrument_name": "", "side": "BUY",
                    "traded_price": "0", "traded_quantity": "0", "fees": "0"}))?,
                balance: decode(json!({ "position_balances": [] }))?,
                row: decode(json!({"instrument_name": "", "quantity": "0", "reserved_qty": "0"}))?,
                position: decode(json!({"instrument_name": "", "quantity": "0"}))?,
            })
        })
        .as_ref()
}

/// `user.order` with the order as it stands.
pub(crate) fn order_push(o: &OrderFacts) -> Option<Push> {
    let mut w = blanks()?.order.clone();
    w.order_id = o.id.to_string().into();
    w.client_oid = o.client_oid.as_deref().map(Into::into);
    w.instrument_name = o.instrument.as_str().into();
    w.order_type = Some(if o.market { OrderType::Market } else { OrderType::Limit });
    w.time_in_force = Some(TimeInForce::from_wire(o.tif));
    w.exec_inst = o.exec_inst.iter().map(|e| ExecInst::from_wire(e)).collect();
    w.side = side(o.buy);
    w.quantity = o.quantity.normalize();
    w.limit_price = o.price.map(|p| p.normalize());
    w.avg_price = (!o.cum_qty.is_zero()).then(|| (o.cum_value / o.cum_qty).normalize());
    w.cumulative_quantity = o.cum_qty.normalize();
    w.cumulative_value = Some(o.cum_value.normalize());
    w.cumulative_fee = Some(o.cum_fee.normalize());
    w.status = o.status.clone();
    w.reason = o.reason.map(|r| r.to_string());
    w.create_time = Some(o.created_ms);
    w.update_time = Some(o.updated_ms);
    Some(push(Channel::UserOrder(None), PushData::Orders(vec![w])))
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
    let mut t = blanks()?.trade.clone();
    t.trade_id = trade_id.to_string().into();
    t.order_id = o.id.to_string().into();
    t.client_oid = o.client_oid.as_deref().map(Into::into);
    t.instrument_name = o.instrument.as_str().into();
    t.side = side(o.buy);
    t.traded_price = price.normalize();
    t.traded_quantity = qty.normalize();
    t.fees = (-fee).normalize();
    t.fee_instrument_name = Some(fee_ccy.to_owned());
    t.taker_side = Some(if maker { TakerSide::Maker } else { TakerSide::Taker });
    t.create_time = Some(now_ms);
    t.create_time_ns = Some((u128::from(now_ms) * 1_000_000 + u128::from(trade_id % 1_000_000)).to_string());
    Some(push(Channel::UserTrade(None), PushData::Trades(vec![t])))
}

/// `user.balance`: every currency with its reservation.
pub(crate) fn balance_push(a: &Account) -> Option<Push> {
    let b = blanks()?;
    let mut summary = b.balance.clone();
    summary.position_balances = a
        .balances
        .iter()
        .map(|(ccy, (total, reserved))| {
            let mut row = b.row.clone();
            row.instrument_name = ccy.clone();
            (row.quantity, row.reserved_qty) = (total.normalize(), reserved.normalize());
            row
        })
        .collect();
    Some(push(Channel::UserBalance, PushData::Balances(vec![summary])))
}

/// `user.positions` for one perpetual.
pub(crate) fn position_push(a: &Account, instrument: &str, mark: Option<Decimal>) -> Option<Push> {
    let p = a.positions.get(instrument).copied().unwrap_or_default();
    let mut w = blanks()?.position.clone();
    w.instrument_name = instrument.into();
    w.kind = Some("PERPETUAL_SWAP".into());
    w.quantity = p.qty.normalize();
    w.cost = Some(p.cost.normalize());
    w.open_pos_cost = Some(p.cost.normalize());
    w.open_position_pnl = mark.map(|m| (m * p.qty - p.cost).normalize());
    w.mark_price = mark.map(|m| m.normalize());
    w.update_timestamp_ms = Some(p.updated_ms);
    Some(push(Channel::UserPositions, PushData::Positions(vec![w])))
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
