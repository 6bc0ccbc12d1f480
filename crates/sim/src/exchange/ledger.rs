//! The account's ledger: one entry per cash movement (a trade, its fee, a funding payment),
//! `private/get-transactions` over it, the `user.transactions` pushes, and the fee schedule
//! (`private/get-fee-rate`, `private/get-instrument-fee-rate`).
//!
//! Field names follow §7.5; the journal types and the sign convention (an amount is positive
//! when the account receives it) are ASSUMED. It must not move balances itself.

use super::account::BALANCE_DECIMALS;
use super::book::Side;
use super::clock::date;
use super::instruments::fixed;
use super::queries::{limit, window};
use super::Exchange;
use crate::venue::{Reject, SimEvent};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// One ledger entry.
#[derive(Debug, Clone)]
pub(crate) struct Txn {
    pub id: u64,
    pub inst: usize,
    /// `TRADING`, `TRADE_FEE` or `FUNDING`.
    pub journal_type: &'static str,
    /// Signed quantity: contracts or base bought (+) or sold (−); for fees and funding the
    /// amount of the currency received (+) or paid (−).
    pub qty: Decimal,
    /// Traded value (TRADING) or zero.
    pub cost: Decimal,
    /// PnL a reducing perpetual trade realised.
    pub realized: Decimal,
    pub order_id: Option<u64>,
    pub trade_id: Option<u64>,
    pub side: Option<Side>,
    pub ns: u64,
}

impl Exchange {
    /// Records a fill's TRADING entry and its TRADE_FEE entry.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn record_trade_txn(
        &mut self,
        inst: usize,
        side: Side,
        price: Decimal,
        qty: Decimal,
        fee: Decimal,
        realized: Decimal,
        order_id: u64,
        trade_id: u64,
        ns: u64,
    ) {
        let signed = if side == Side::Buy { qty } else { -qty };
        let cost = price * qty * self.instruments[inst].contract_size();
        let base = Txn {
            id: 0,
            inst,
            journal_type: "TRADING",
            qty: signed,
            cost,
            realized,
            order_id: Some(order_id),
            trade_id: Some(trade_id),
            side: Some(side),
            ns,
        };
        self.push_txn(base.clone());
        if !fee.is_zero() {
            self.push_txn(Txn {
                journal_type: "TRADE_FEE",
                qty: -fee,
                cost: Decimal::ZERO,
                realized: Decimal::ZERO,
                ..base
            });
        }
    }

    /// Records a funding payment of `amount` USD (negative when paid) on `inst`'s position.
    pub(super) fn record_funding_txn(&mut self, inst: usize, amount: Decimal, ns: u64) {
        let t = Txn {
            id: 0,
            inst,
            journal_type: "FUNDING",
            qty: amount,
            cost: Decimal::ZERO,
            realized: Decimal::ZERO,
            order_id: None,
            trade_id: None,
            side: None,
            ns,
        };
        self.push_txn(t);
    }

    fn push_txn(&mut self, mut t: Txn) {
        self.next_txn += 1;
        t.id = self.next_txn;
        let data = self.txn_json(&t);
        self.txns.push(t);
        self.events.push(SimEvent::User { family: "user.transactions", instrument: None, data: vec![data] });
    }

    fn txn_json(&self, t: &Txn) -> Value {
        let inst = &self.instruments[t.inst];
        let ms = t.ns / 1_000_000;
        let qty = match t.journal_type {
            "TRADING" => inst.qty(t.qty),
            _ => fixed(t.qty, BALANCE_DECIMALS),
        };
        json!({
            "account_id": self.cfg.account_id,
            "event_date": date(ms),
            "journal_type": t.journal_type,
            "journal_id": t.id.to_string(),
            "transaction_qty": qty,
            "transaction_cost": fixed(t.cost, BALANCE_DECIMALS),
            "realized_pnl": fixed(t.realized, BALANCE_DECIMALS),
            "order_id": t.order_id.map(|i| i.to_string()).unwrap_or_default(),
            "trade_id": t.trade_id.map(|i| i.to_string()).unwrap_or_default(),
            "trade_match_id": "0",
            "event_timestamp_ms": ms,
            "event_timestamp_ns": t.ns.to_string(),
            "client_oid": "",
            "taker_side": "",
            "side": t.side.map(Side::as_str).unwrap_or_default(),
            "instrument_name": inst.symbol,
        })
    }

    /// `private/get-transactions`: newest first within the window, optionally one instrument
    /// and one `journal_type`.
    pub(super) fn get_transactions(&self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let only = self.inst_filter(p)?;
        let kind = super::params::text(p, "journal_type");
        let (start, end) = window(p, now_ms, self.last_ns)?;
        let data: Vec<Value> = self
            .txns
            .iter()
            .rev()
            .filter(|t| t.ns >= start && t.ns < end)
            .filter(|t| only.is_none_or(|i| t.inst == i))
            .filter(|t| kind.as_deref().is_none_or(|k| k == t.journal_type))
            .take(limit(p)?)
            .map(|t| self.txn_json(t))
            .collect();
        Ok(json!({ "data": data }))
    }

    /// `private/get-fee-rate`: the account's effective rates in basis points, the same for
    /// spot and derivatives in the simulator.
    pub(super) fn get_fee_rate(&self) -> Value {
        let (maker, taker) = (bps(self.cfg.maker_fee_rate), bps(self.cfg.taker_fee_rate));
        json!({
            "spot_tier": "1",
            "deriv_tier": "1",
            "effective_spot_maker_rate_bps": maker,
            "effective_spot_taker_rate_bps": taker,
            "effective_deriv_maker_rate_bps": maker,
            "effective_deriv_taker_rate_bps": taker,
        })
    }

    /// `private/get-instrument-fee-rate`: one instrument's effective rates in basis points.
    pub(super) fn get_instrument_fee_rate(&self, p: &Value) -> Result<Value, Reject> {
        let i = self.inst_param(p)?;
        Ok(json!({
            "instrument_name": self.instruments[i].symbol,
            "effective_maker_rate_bps": bps(self.cfg.maker_fee_rate),
            "effective_taker_rate_bps": bps(self.cfg.taker_fee_rate),
        }))
    }
}

/// A rate as basis points, e.g. 0.001 → "10".
fn bps(rate: Decimal) -> String {
    (rate * Decimal::from(10_000)).normalize().to_string()
}
