//! Parsing one order object (create-order, the advanced methods, list legs, batch items)
//! into a [`Request`], with the exchange's codes in the documented order.
//!
//! Validation only: it must not hold balances or place anything.

use super::book::Side;
use super::codes::{self, reject};
use super::instruments::on_tick;
use super::orders::{ListLeg, OrdType, RefType, Tif, Trigger, TriggerKind};
use super::params::{decimal, text};
use super::reserve::Ask;
use super::Exchange;
use crate::venue::Reject;
use rust_decimal::Decimal;
use serde_json::Value;

/// `exec_inst` values the reference documents for requests.
const EXEC_INSTS: [&str; 5] = ["POST_ONLY", "SMART_POST_ONLY", "REDUCE_ONLY", "ISOLATED_MARGIN", "MARGIN_ORDER"];
/// The longest client_oid accepted.
pub(super) const MAX_CLIENT_OID: usize = 36;

/// A validated create-order request.
#[derive(Debug, Clone)]
pub(super) struct Request {
    pub inst: usize,
    pub side: Side,
    pub kind: OrdType,
    pub tif: Tif,
    pub exec_inst: Vec<String>,
    pub price: Option<Decimal>,
    pub qty: Option<Decimal>,
    pub notional: Option<Decimal>,
    pub client_oid: Option<String>,
    pub trigger: Option<Trigger>,
    /// Set by the list methods: the list the order belongs to.
    pub list: Option<ListLeg>,
    /// Set by the list methods: the working order an OTO leg waits for.
    pub waiting_on: Option<u64>,
}

impl Request {
    pub(super) fn ask(&self) -> Ask {
        Ask {
            inst: self.inst,
            side: self.side,
            kind: self.kind,
            price: self.price,
            qty: self.qty,
            notional: self.notional,
            reduce_only: self.exec_inst.iter().any(|e| e == "REDUCE_ONLY"),
        }
    }
}

/// The order types create-order accepts: plain ones, and the trigger types, which the
/// advanced method is for but which ccxt 4.5.90 still sends here (ASSUMED: the exchange
/// accepts them on both methods).
const KINDS: [(&str, (OrdType, Option<TriggerKind>)); 6] = [
    ("LIMIT", (OrdType::Limit, None)),
    ("MARKET", (OrdType::Market, None)),
    ("STOP_LOSS", (OrdType::Market, Some(TriggerKind::StopLoss))),
    ("STOP_LIMIT", (OrdType::Limit, Some(TriggerKind::StopLimit))),
    ("TAKE_PROFIT", (OrdType::Market, Some(TriggerKind::TakeProfit))),
    ("TAKE_PROFIT_LIMIT", (OrdType::Limit, Some(TriggerKind::TakeProfitLimit))),
];

fn parse_enum<T: Copy>(p: &Value, key: &str, values: &[(&str, T)], bad: i64) -> Result<Option<T>, Reject> {
    let Some(raw) = text(p, key) else {
        return Ok(None);
    };
    values.iter().find(|(name, _)| *name == raw).map(|(_, v)| Some(*v)).ok_or_else(|| reject(bad))
}

fn parse_exec_inst(p: &Value) -> Result<Vec<String>, Reject> {
    let list: Vec<String> = match p.get("exec_inst") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| reject(codes::INVALID_EXECINST)))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(reject(codes::INVALID_EXECINST)),
    };
    let both_post = list.iter().any(|e| e == "POST_ONLY") && list.iter().any(|e| e == "SMART_POST_ONLY");
    if both_post || list.iter().any(|e| !EXEC_INSTS.contains(&e.as_str())) {
        return Err(reject(codes::INVALID_EXECINST));
    }
    Ok(list)
}

/// A client_oid param: absent is None, longer than 36 characters is 40004.
pub(super) fn parse_client_oid(p: &Value, key: &str) -> Result<Option<String>, Reject> {
    match text(p, key) {
        Some(c) if c.chars().count() > MAX_CLIENT_OID => Err(reject(codes::INVALID_ARGUMENT)),
        Some(c) if c.is_empty() => Ok(None),
        other => Ok(other),
    }
}

/// Checks a quantity against the instrument: on tick (213), then not below the minimum
/// (415, which also catches zero and negative quantities).
pub(super) fn check_qty(qty: Decimal, tick: Decimal, min: Decimal) -> Result<(), Reject> {
    if !on_tick(qty, tick) {
        return Err(reject(codes::INVALID_ORDERQTY));
    }
    if qty < min {
        return Err(reject(codes::BELOW_MIN_ORDER_SIZE));
    }
    Ok(())
}

/// Checks a limit price: positive and on tick (308).
pub(super) fn check_price(price: Decimal, tick: Decimal) -> Result<(), Reject> {
    match price > Decimal::ZERO && on_tick(price, tick) {
        true => Ok(()),
        false => Err(reject(codes::INVALID_PRICE)),
    }
}

/// A trigger's `ref_price` (required, positive, on tick: 229 otherwise) and `ref_price_type`
/// (MARK_PRICE by default; 230 for anything else unknown).
fn parse_trigger(p: &Value, kind: TriggerKind, tick: Decimal) -> Result<Trigger, Reject> {
    let bad = || reject(codes::INVALID_REF_PRICE);
    let price = decimal(p, "ref_price").map_err(|_| bad())?.ok_or_else(bad)?;
    if price <= Decimal::ZERO || !on_tick(price, tick) {
        return Err(bad());
    }
    let types = [("MARK_PRICE", RefType::Mark), ("INDEX_PRICE", RefType::Index), ("LAST_PRICE", RefType::Last)];
    let ref_type = parse_enum(p, "ref_price_type", &types, codes::INVALID_REF_PRICE_TYPE)?.unwrap_or(RefType::Mark);
    Ok(Trigger { kind, price, ref_type })
}

impl Exchange {
    /// Parses one order object of create-order, the advanced methods or a batch.
    pub(super) fn parse_request(&self, p: &Value) -> Result<Request, Reject> {
        let inst = self.inst_param(p)?;
        let missing = || reject(codes::INVALID_ARGUMENT);
        let side = parse_enum(p, "side", &[("BUY", Side::Buy), ("SELL", Side::Sell)], codes::INVALID_SIDE)?
            .ok_or_else(missing)?;
        let (kind, trigger_kind) = parse_enum(p, "type", &KINDS, codes::INVALID_ORDTYPE)?.ok_or_else(missing)?;
        let tifs = [("GOOD_TILL_CANCEL", Tif::Gtc), ("IMMEDIATE_OR_CANCEL", Tif::Ioc), ("FILL_OR_KILL", Tif::Fok)];
        let tif = parse_enum(p, "time_in_force", &tifs, codes::INVALID_TIF)?.unwrap_or(Tif::Gtc);
        let exec_inst = parse_exec_inst(p)?;
        let rules = self.instruments[inst];
        // Reduce-only means something only where there are positions.
        if exec_inst.iter().any(|e| e == "REDUCE_ONLY") && !rules.is_perp() {
            return Err(reject(codes::INVALID_EXECINST));
        }
        // POST_ONLY needs a resting order: any other TIF (or a MARKET order) is refused now.
        if exec_inst.iter().any(|e| e == "POST_ONLY") && (tif != Tif::Gtc || kind == OrdType::Market) {
            return Err(reject(codes::POST_ONLY_REJ));
        }
        let trigger = trigger_kind.map(|k| parse_trigger(p, k, rules.price_tick)).transpose()?;
        let price = match kind {
            OrdType::Limit => Some(decimal(p, "price")?.ok_or_else(missing)?),
            OrdType::Market => None,
        };
        if let Some(price) = price {
            check_price(price, rules.price_tick)?;
        }
        let qty = decimal(p, "quantity")?;
        // Notional is only meaningful for a MARKET BUY; elsewhere it is ignored.
        let notional = match (kind, side, qty) {
            (OrdType::Market, Side::Buy, None) => Some(decimal(p, "notional")?.ok_or_else(missing)?),
            _ => None,
        };
        match (qty, notional) {
            (Some(q), _) => check_qty(q, rules.qty_tick, rules.min_qty)?,
            (None, Some(n)) if n <= Decimal::ZERO => return Err(missing()),
            (None, Some(_)) => {}
            (None, None) => return Err(missing()),
        }
        if trigger.is_some() && qty.is_none() {
            return Err(missing());
        }
        let client_oid = parse_client_oid(p, "client_oid")?;
        Ok(Request {
            inst,
            side,
            kind,
            tif,
            exec_inst,
            price,
            qty,
            notional,
            client_oid,
            trigger,
            list: None,
            waiting_on: None,
        })
    }
}
