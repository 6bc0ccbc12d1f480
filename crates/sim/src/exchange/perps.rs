//! Perpetual positions at the account level: settling a fill into a position and the USD
//! cash, the position object (§7.4), `private/get-positions`, `private/close-position` and
//! `private/change-account-leverage`, and the `user.positions` / `user.position_balance`
//! pushes.
//!
//! It must not match orders or walk books; margin rules live in `margin.rs`.

use super::account::BALANCE_DECIMALS;
use super::book::Side;
use super::codes::{self, reject};
use super::instruments::fixed;
use super::margin::{Totals, MAINTENANCE_SHARE};
use super::params::{decimal, text};
use super::Exchange;
use crate::venue::{Reject, SimEvent};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

/// The highest account leverage `change-account-leverage` accepts (the largest instrument
/// maximum the simulator lists).
const MAX_ACCOUNT_LEVERAGE: u64 = 100;

/// Rounds a USD amount the way balances are kept, so cash is always exact at 8 decimals.
pub(super) fn usd_round(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(BALANCE_DECIMALS, RoundingStrategy::MidpointAwayFromZero)
}

impl Exchange {
    /// Settles a fill of `qty` at `price` on a perpetual order: the position moves, realised
    /// PnL and the fee (on traded value, in USD) go to the USD cash. Returns (fee, realised).
    pub(super) fn settle_perp_fill(
        &mut self,
        i: usize,
        side: Side,
        price: Decimal,
        qty: Decimal,
        rate: Decimal,
        ns: u64,
    ) -> (Decimal, Decimal) {
        let inst = self.instruments[i];
        let cs = inst.contract_size();
        let fee = usd_round(price * qty * cs * rate);
        let delta = match side {
            Side::Buy => qty,
            Side::Sell => -qty,
        };
        let p = &mut self.positions[i];
        let realized = usd_round(p.apply_fill(delta, price, cs));
        p.fees += fee;
        p.update_ns = ns;
        self.account.credit(inst.quote, realized - fee);
        self.positions_dirty.insert(i);
        (fee, realized)
    }

    /// The position object of §7.4 with the WebSocket extras.
    pub(super) fn position_json(&self, i: usize, t: &Totals) -> Value {
        let inst = &self.instruments[i];
        let p = &self.positions[i];
        let (mark, cs) = (self.mark(i), inst.contract_size());
        let usd = |d: Decimal| fixed(d, BALANCE_DECIMALS);
        let im = self.im_for(i, p.quantity, mark);
        let upnl = p.unrealized(mark, cs);
        let lev = self.leverage_for(i);
        json!({
            "account_id": self.cfg.account_id,
            "instrument_name": inst.symbol,
            "type": "PERPETUAL_SWAP",
            "quantity": inst.qty(p.quantity),
            "cost": usd(p.cost),
            "open_position_pnl": usd(upnl),
            "open_pos_cost": usd(p.cost),
            "session_pnl": usd(p.session_realized_pnl),
            "session_unrealized_pnl": usd(upnl),
            "pos_initial_margin": usd(im),
            "pos_maintenance_margin": usd(im * MAINTENANCE_SHARE),
            "market_value": usd(p.quantity * mark * cs),
            "mark_price": inst.price(mark),
            "entry_price": inst.price(p.entry_price(cs)),
            "target_leverage": lev.normalize().to_string(),
            "leverage": lev.normalize().to_string(),
            "liquidation_price": inst.price(self.liquidation_price(i, t)),
            "effective_leverage": if t.margin_balance() > Decimal::ZERO {
                fixed(p.quantity.abs() * mark * cs / t.margin_balance(), 4)
            } else {
                "0".to_string()
            },
            "isolation_type": "CROSS",
            "update_timestamp_ms": p.update_ns / 1_000_000,
        })
    }

    /// Positions that are open, or `only` (open or not), as wire objects.
    pub(super) fn positions_json(&self, only: Option<usize>) -> Vec<Value> {
        let t = self.totals();
        (0..self.instruments.len())
            .filter(|i| self.instruments[*i].is_perp() && only.is_none_or(|o| o == *i))
            .filter(|i| !self.positions[*i].quantity.is_zero())
            .map(|i| self.position_json(i, &t))
            .collect()
    }

    /// `private/get-positions`: open positions only; a position absent here is flat
    /// (ASSUMED: the exchange omits closed positions).
    pub(super) fn get_positions(&self, p: &Value) -> Result<Value, Reject> {
        let only = self.inst_filter(p)?;
        Ok(json!({ "data": self.positions_json(only) }))
    }

    /// Pushes `user.positions` (every changed position, flat ones included, so a subscriber
    /// sees a position close) and `user.position_balance`, then forgets what changed.
    pub(super) fn emit_positions(&mut self) {
        if self.positions_dirty.is_empty() {
            return;
        }
        let t = self.totals();
        let changed: Vec<usize> = std::mem::take(&mut self.positions_dirty).into_iter().collect();
        let data: Vec<Value> = changed.iter().map(|i| self.position_json(*i, &t)).collect();
        let combined = self.position_balance_json(data.clone());
        self.events.push(SimEvent::User { family: "user.positions", instrument: None, data });
        self.events.push(SimEvent::User { family: "user.position_balance", instrument: None, data: vec![combined] });
    }

    /// The `user.position_balance` item (§7.5): the holdings and `positions`.
    pub(super) fn position_balance_json(&self, positions: Vec<Value>) -> Value {
        let ms = self.last_ns / 1_000_000;
        let balances: Vec<Value> = self
            .account
            .holdings()
            .map(|(ccy, h)| {
                json!({"instrument_name": ccy, "quantity": fixed(h.quantity, BALANCE_DECIMALS), "update_timestamp_ms": ms})
            })
            .collect();
        json!({"balances": balances, "positions": positions, "isolated_positions": []})
    }

    /// `private/close-position`: a reduce-only order for the whole position, at market or at
    /// `price` (LIMIT). A flat instrument is 201 NO_POSITION.
    pub(super) fn close_position(&mut self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let i = self.inst_param(p)?;
        if !self.instruments[i].is_perp() || self.positions[i].quantity.is_zero() {
            return Err(reject(codes::NO_POSITION));
        }
        let price = match text(p, "type").as_deref() {
            Some("MARKET") | None => None,
            Some("LIMIT") => Some(decimal(p, "price")?.ok_or_else(|| reject(codes::INVALID_ARGUMENT))?),
            Some(_) => return Err(reject(codes::INVALID_ORDTYPE)),
        };
        if let Some(px) = price {
            super::create::check_price(px, self.instruments[i].price_tick)?;
        }
        let id = self.close_at_market(i, vec!["REDUCE_ONLY".to_string()], price, now_ms)?;
        Ok(self.ack(id))
    }

    /// `private/change-account-leverage`: a whole number from 1 to 100 (226 otherwise); a
    /// change that would leave the account short of margin is 306.
    pub(super) fn change_account_leverage(&mut self, p: &Value) -> Result<Value, Reject> {
        if let Some(acct) = text(p, "account_id") {
            if acct != self.cfg.account_id {
                return Err(reject(codes::INVALID_ARGUMENT));
            }
        }
        let lev = decimal(p, "leverage")?.ok_or_else(|| reject(codes::INVALID_ARGUMENT))?;
        if lev < Decimal::ONE || lev > Decimal::from(MAX_ACCOUNT_LEVERAGE) || !lev.fract().is_zero() {
            return Err(reject(codes::INVALID_LEVERAGE));
        }
        let before = self.leverage;
        self.leverage = lev.normalize();
        if self.totals().available() < Decimal::ZERO {
            self.leverage = before;
            return Err(reject(codes::INSUFFICIENT_BALANCE));
        }
        for i in 0..self.instruments.len() {
            if self.instruments[i].is_perp() && !self.positions[i].quantity.is_zero() {
                self.positions_dirty.insert(i);
            }
        }
        self.emit_positions();
        self.emit_balance();
        Ok(Value::Null)
    }
}
