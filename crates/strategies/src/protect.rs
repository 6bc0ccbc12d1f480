//! Position protection: whenever the account holds a position in `instrument` (a perpetual),
//! it keeps one OCO pair on it, a take-profit `take_profit` (a fraction, e.g. 0.02 for 2 %)
//! beyond the average entry and a stop-loss `stop_loss` short of it. Both legs are reduce-only
//! market triggers on the mark for the whole position, so whichever fires closes it and the
//! exchange cancels the other. When the position changes size or side, the old pair is
//! cancelled and a new one placed; when it is flat, nothing rests.
//!
//! It places no order that opens exposure, and a refused pair (e.g. the mark is already past
//! the stop) waits for the next position change. It must NOT do I/O or read private engine
//! state.

use cdc_engine::protocol::enums::{OrderType, Side};
use cdc_engine::protocol::ids::ClientOrderId;
use cdc_engine::protocol::models::{Instrument, Order, Position};
use cdc_engine::protocol::requests::{CreateOrder, OrderRef};
use cdc_engine::strategy::{ConfigError, Context, Resumed, Strategy};
use rust_decimal::Decimal;

use super::params::{Params, Ticks};

/// Protection settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectParams {
    /// Tag of its client ids (default: the strategy's name).
    pub id: String,
    /// The perpetual whose position it protects.
    pub instrument: String,
    /// How far beyond the entry the take-profit triggers, as a fraction of the entry.
    pub take_profit: Decimal,
    /// How far short of the entry the stop-loss triggers, as a fraction of the entry.
    pub stop_loss: Decimal,
    /// Price and quantity ticks (the venue's once configured).
    pub ticks: Ticks,
}

impl ProtectParams {
    /// Parameter names.
    pub const KEYS: &'static [&'static str] = &["id", "instrument", "take_profit", "stop_loss", "tick", "qty_tick"];

    /// Reads and validates settings; both fractions must lie in (0, 1).
    pub fn from_table(t: &toml::Table) -> Result<Self, ConfigError> {
        let p = Params::new("protect", t, Self::KEYS)?;
        let w = ProtectParams {
            id: p.id()?,
            instrument: p.text("instrument", "BTCUSD-PERP")?,
            take_profit: p.decimal("take_profit", Decimal::new(2, 2))?,
            stop_loss: p.decimal("stop_loss", Decimal::new(1, 2))?,
            ticks: Ticks::read(&p, Decimal::new(1, 1), Decimal::new(1, 4))?,
        };
        for (key, v) in [("take_profit", w.take_profit), ("stop_loss", w.stop_loss)] {
            p.check(v > Decimal::ZERO && v < Decimal::ONE, key, "be a fraction between 0 and 1, e.g. \"0.02\"", v)?;
        }
        Ok(w)
    }
}

/// The pair resting on the position, and the quantity it protects.
#[derive(Debug, Clone)]
struct Pair {
    legs: [ClientOrderId; 2],
    quantity: Decimal,
}

/// The protection strategy.
pub struct Protect {
    p: ProtectParams,
    pair: Option<Pair>,
}

impl Protect {
    /// Protection with these settings.
    pub fn new(p: ProtectParams) -> Self {
        Protect { p, pair: None }
    }

    /// The signed position the resting pair protects, if one rests.
    pub fn protected(&self) -> Option<Decimal> {
        self.pair.as_ref().map(|p| p.quantity)
    }

    /// Makes the resting pair match `quantity` at `entry`: cancel a pair for another
    /// quantity, place one when the position is open and unprotected.
    fn follow(&mut self, ctx: &mut Context<'_>, quantity: Decimal, entry: Option<Decimal>) {
        if self.pair.as_ref().is_some_and(|p| p.quantity == quantity) {
            return;
        }
        if let Some(old) = self.pair.take() {
            for leg in old.legs {
                ctx.cancel(OrderRef::ClientOid(leg));
            }
        }
        let (Some(entry), false) = (entry.filter(|e| *e > Decimal::ZERO), quantity.is_zero()) else { return };
        let Some(qty) = self.p.ticks.qty_for(quantity.abs()) else { return };
        let long = quantity > Decimal::ZERO;
        let side = if long { Side::Sell } else { Side::Buy };
        let (up, down) = (Decimal::ONE + self.p.take_profit, Decimal::ONE - self.p.stop_loss);
        // Long: profit above, stop below; short: the mirror image (§6.13's direction rule).
        let (tp, sl) = if long {
            (entry * up, entry * down)
        } else {
            (entry * (Decimal::TWO - up), entry * (Decimal::TWO - down))
        };
        let at = |px: Decimal| self.p.ticks.price_for(&side, px);
        let leg = |kind, px| {
            CreateOrder::trigger(&self.p.instrument, side.clone(), kind, qty, at(px), None, "").reduce_only()
        };
        let legs = ctx.submit_oco(leg(OrderType::TakeProfit, tp), leg(OrderType::StopLoss, sl));
        self.pair = Some(Pair { legs, quantity });
    }
}

/// The average entry a position's cost implies (contract size 1), if it has one.
fn entry_of(p: &Position) -> Option<Decimal> {
    p.cost.filter(|_| !p.quantity.is_zero()).map(|c| c / p.quantity)
}

impl Strategy for Protect {
    fn name(&self) -> &str {
        "protect"
    }

    fn id(&self) -> String {
        self.p.id.clone()
    }

    fn configure(&mut self, instruments: &[Instrument]) -> Result<(), ConfigError> {
        self.p.ticks.adopt(&self.p.instrument, instruments).map(|_| ())
    }

    fn on_resume(&mut self, ctx: &mut Context<'_>, resumed: &Resumed) {
        // A pair from an earlier run protects a position that may have changed since: it is
        // cancelled, and the position found at start gets a fresh one.
        for o in &resumed.open_orders {
            ctx.cancel(o.client_oid.clone().map_or(OrderRef::OrderId(o.order_id.clone()), OrderRef::ClientOid));
        }
    }

    fn on_start(&mut self, ctx: &mut Context<'_>) {
        if let Some(p) = ctx.state().positions.get(&self.p.instrument) {
            self.follow(ctx, p.quantity, entry_of(&p));
        }
    }

    fn on_position(&mut self, ctx: &mut Context<'_>, position: &Position) {
        if position.instrument_name.as_str() == self.p.instrument {
            self.follow(ctx, position.quantity, entry_of(position));
        }
    }

    fn on_order(&mut self, _ctx: &mut Context<'_>, order: &Order) {
        // A leg that ended (fired, filled, cancelled with its partner, refused) leaves the
        // position unprotected until the next position update places a new pair.
        let ours = self.pair.as_ref().is_some_and(|p| order.client_oid.as_ref().is_some_and(|c| p.legs.contains(c)));
        if ours && order.status.is_terminal() {
            self.pair = None;
        }
    }
}

#[cfg(test)]
#[path = "protect_tests.rs"]
mod tests;
