//! Settling matches: each fill becomes a public trade, and for the user's side a fill record,
//! a balance movement with its fee, and order progress; then the events go out in the
//! documented order (UserTrade, UserOrder, UserBalance, then PublicTrade).
//!
//! It must not walk the book (matching does) nor decide what happens to a taker's remainder.

use super::account::BALANCE_DECIMALS;
use super::book::{Owner, Side};
use super::matching::Fill;
use super::orders::{OrdType, Status, UserFill};
use super::tape::PublicTrade;
use super::Exchange;
use crate::venue::SimEvent;
use rust_decimal::{Decimal, RoundingStrategy};

/// What settling one taker's fills produced, for [`Exchange::finish`].
#[derive(Debug, Default)]
pub(super) struct Settled {
    /// The instrument traded.
    pub inst: usize,
    /// The user's orders that changed, in first-touched order.
    pub orders: Vec<u64>,
    /// The public trades, oldest first.
    pub public: Vec<PublicTrade>,
}

impl Exchange {
    /// Settles the fills of one taker on `inst` (`taker_order` is the user's order, if theirs).
    pub(super) fn apply_fills(
        &mut self,
        inst: usize,
        taker_side: Side,
        taker_order: Option<u64>,
        fills: &[Fill],
        now_ms: u64,
    ) -> Settled {
        let mut settled = Settled { inst, ..Settled::default() };
        for f in fills {
            let ns = self.stamp(now_ms);
            let trade_id = self.new_trade_id();
            let match_id = self.new_match_id();
            let pt = PublicTrade { id: trade_id, match_id, ns, price: f.price, qty: f.qty, taker_side };
            self.tapes[inst].record(pt);
            settled.public.push(pt);
            if f.maker_owner == Owner::User {
                self.user_fill(f.maker_id, f, true, trade_id, match_id, ns);
                settled.orders.push(f.maker_id);
            }
            if let Some(taker) = taker_order {
                // A self-trade gives the user two fills; each needs its own trade_id because
                // clients de-duplicate fills by it.
                let id = match f.maker_owner {
                    Owner::User => self.new_trade_id(),
                    Owner::Participant => trade_id,
                };
                self.user_fill(taker, f, false, id, match_id, ns);
            }
        }
        if let Some(taker) = taker_order {
            settled.orders.push(taker);
        }
        if !fills.is_empty() {
            self.dirty.insert(inst);
        }
        settled
    }

    /// Books one fill on a user order: balances or position (fee, reservation released),
    /// cumulative fields, the fill record and its UserTrade event.
    fn user_fill(&mut self, order_id: u64, f: &Fill, maker: bool, trade_id: u64, match_id: u64, ns: u64) {
        let Some(order) = self.orders.get(&order_id) else {
            return;
        };
        let (i, side, kind, limit, reserved, remaining) =
            (order.inst, order.side, order.kind, order.price, order.reserved, order.remaining());
        let inst = self.instruments[i];
        let rate = if maker { self.cfg.maker_fee_rate } else { self.cfg.taker_fee_rate };
        let value = f.price * f.qty;
        let (fee, release, realized) = if inst.is_perp() {
            let (fee, realized) = self.settle_perp_fill(i, side, f.price, f.qty, rate, ns);
            // Margin held per contract still to fill, released as contracts fill.
            let release = if remaining > Decimal::ZERO { reserved * f.qty / remaining } else { reserved };
            (fee, release.min(reserved), realized)
        } else {
            let (fee, release) = self.settle_spot_fill(i, side, kind, limit, reserved, f, rate);
            (fee, release, Decimal::ZERO)
        };
        let Some(order) = self.orders.get_mut(&order_id) else {
            return;
        };
        order.reserved -= release;
        order.cum_qty += f.qty;
        order.cum_value += value;
        order.cum_fee += fee;
        order.update_ns = ns;
        let mut leftover = Decimal::ZERO;
        if maker && order.remaining() <= Decimal::ZERO {
            order.status = Status::Filled;
            leftover = std::mem::take(&mut order.reserved);
            self.open.remove(&order_id);
            self.ended.push(order_id);
        }
        let (client_oid, has_list) = (order.client_oid.clone(), order.list.is_some());
        if leftover > Decimal::ZERO {
            self.unhold(i, side, leftover);
        }
        if has_list {
            self.filled_legs.push(order_id);
        }
        self.record_trade_txn(i, side, f.price, f.qty, fee, realized, order_id, trade_id, ns);
        let fill = UserFill {
            trade_id,
            match_id,
            order_id,
            client_oid,
            inst: i,
            side,
            price: f.price,
            qty: f.qty,
            fee,
            maker,
            ns,
        };
        let trade = self.fill_json(&fill);
        self.fills.push(fill);
        self.events.push(SimEvent::UserTrade { instrument: inst.symbol.to_string(), trade });
    }

    /// Moves a spot fill's currencies: the fee in the received currency, the reservation
    /// released. Returns (fee, reservation released).
    #[allow(clippy::too_many_arguments)]
    fn settle_spot_fill(
        &mut self,
        i: usize,
        side: Side,
        kind: OrdType,
        limit: Option<Decimal>,
        reserved: Decimal,
        f: &Fill,
        rate: Decimal,
    ) -> (Decimal, Decimal) {
        let inst = self.instruments[i];
        let value = f.price * f.qty;
        let round = |d: Decimal| d.round_dp_with_strategy(BALANCE_DECIMALS, RoundingStrategy::MidpointAwayFromZero);
        match side {
            Side::Buy => {
                let fee = round(f.qty * rate);
                // A limit BUY locked its own price per unit; anything else locked traded value.
                let locked = match (kind, limit) {
                    (OrdType::Limit, Some(p)) => p * f.qty,
                    _ => value,
                };
                let release = locked.min(reserved);
                self.account.release(inst.quote, release);
                self.account.credit(inst.quote, -value);
                self.account.credit(inst.base, f.qty - fee);
                (fee, release)
            }
            Side::Sell => {
                let fee = round(value * rate);
                let release = f.qty.min(reserved);
                self.account.release(inst.base, release);
                self.account.credit(inst.base, -f.qty);
                self.account.credit(inst.quote, value - fee);
                (fee, release)
            }
        }
    }

    /// Emits, after the UserTrades already pushed: each changed order once, the balance if
    /// anything of the user's changed, then the public trades.
    pub(super) fn finish(&mut self, settled: Settled, balance_changed: bool) {
        let mut seen = std::collections::HashSet::new();
        for id in &settled.orders {
            if seen.insert(*id) {
                self.emit_order(*id);
            }
        }
        if balance_changed || !settled.orders.is_empty() {
            self.emit_balance();
        }
        self.emit_positions();
        let instrument = self.instruments[settled.inst].symbol.to_string();
        for t in &settled.public {
            let trade = self.public_trade_json(settled.inst, t, false);
            self.events.push(SimEvent::PublicTrade { instrument: instrument.clone(), trade });
        }
    }
}
