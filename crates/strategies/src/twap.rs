//! A TWAP executor: buys or sells `total_qty` in `slices` equal parts, one per timer tick over
//! `duration_secs`, as market orders or at `limit_price`. Each tick tops what was filled or may
//! still fill up to the schedule's cumulative target, so a refused or partly filled slice is
//! made up later and the total is never exceeded. Done when filled; if still short one whole
//! schedule after the end, it cancels what rests and gives up. Idle ever after. After a
//! restart it counts what earlier runs executed and carries on with the slices still due (a
//! total already executed is not executed again).
//!
//! With `target_position` instead of `side` and `total_qty` (a perpetual), it trades the
//! account from the position it finds at start to that target: side and total come from the
//! difference, and earlier runs' fills are already in that position. It must NOT do I/O or
//! read private engine state.

use cdc_engine::protocol::Channel;
use std::time::Duration;

use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::models::{Instrument, Order, Trade};
use cdc_engine::protocol::requests::{CreateOrder, OrderRef};
use cdc_engine::strategy::{ConfigError, Context, OwnOrders, Refusal, Resumed, Strategy};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::params::{floor_tick, Params, Ticks};

/// The engine's timer resolution: shorter intervals cannot be honoured.
const MIN_INTERVAL_MS: u64 = 50;

/// TWAP settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TwapParams {
    /// Tag of its client ids (default: the strategy\'s name).
    pub id: String,
    /// Instrument traded.
    pub instrument: String,
    /// Buy or sell.
    pub side: Side,
    /// Quantity to execute in all, base units.
    pub total_qty: Decimal,
    /// Schedule length.
    pub duration: Duration,
    /// Number of slices.
    pub slices: u32,
    /// Limit price of every slice; `None` sends market orders.
    pub limit_price: Option<Decimal>,
    /// Price and quantity ticks (the venue's once configured).
    pub ticks: Ticks,
    /// Trade to this signed position instead of a fixed side and total (decided at start).
    pub target_position: Option<Decimal>,
}

impl TwapParams {
    /// Parameter names.
    pub const KEYS: &'static [&'static str] = &[
        "id",
        "instrument",
        "side",
        "total_qty",
        "target_position",
        "duration_secs",
        "slices",
        "limit_price",
        "qty_tick",
        "tick",
    ];

    /// Reads and validates settings; `side` and `total_qty` are required.
    pub fn from_table(t: &toml::Table) -> Result<Self, ConfigError> {
        let p = Params::new("twap", t, Self::KEYS)?;
        let target_position = p.opt_decimal("target_position")?;
        if target_position.is_some() {
            for key in ["side", "total_qty"] {
                if t.contains_key(key) {
                    return Err(ConfigError::parameter(
                        key,
                        "goes with total_qty, not with target_position (pick one)",
                    ));
                }
            }
        } else if !t.contains_key("side") {
            return Err(ConfigError::parameter("side", "is required: \"BUY\" or \"SELL\" (or give target_position)"));
        }
        let secs = p.decimal("duration_secs", Decimal::from(60))?;
        p.check(
            secs > Decimal::ZERO && secs <= Decimal::from(604_800),
            "duration_secs",
            "be > 0 and at most a week",
            secs,
        )?;
        let ms = (secs * Decimal::from(1000)).trunc().to_u64().unwrap_or(0);
        let w = TwapParams {
            id: p.id()?,
            instrument: p.text("instrument", "BTC_USD")?,
            side: p.side("side", Side::Buy)?,
            // With a target, the total is the distance to it, known at start.
            total_qty: match target_position {
                Some(_) => Decimal::ZERO,
                None => p.required_decimal("total_qty")?,
            },
            duration: Duration::from_millis(ms),
            slices: p.count("slices", 10)?,
            limit_price: p.opt_decimal("limit_price")?,
            ticks: Ticks::read(&p, Decimal::new(1, 2), Decimal::new(1, 4))?,
            target_position,
        };
        if target_position.is_none() {
            p.check(w.total_qty > Decimal::ZERO, "total_qty", "be > 0", w.total_qty)?;
        }
        p.check(w.slices >= 1, "slices", "be at least 1", w.slices)?;
        let interval = ms / u64::from(w.slices.max(1));
        p.check(
            interval >= MIN_INTERVAL_MS,
            "slices",
            "leave at least 50 ms per slice (fewer slices or longer duration_secs)",
            w.slices,
        )?;
        if let Some(l) = w.limit_price {
            p.check(l > Decimal::ZERO, "limit_price", "be > 0", l)?;
        }
        w.check_ticks()?;
        Ok(w)
    }

    /// The settings that must lie on the ticks (checked again once the venue's are known).
    fn check_ticks(&self) -> Result<(), ConfigError> {
        match self.target_position {
            Some(t) if !t.is_zero() => self.ticks.check_qty("target_position", t.abs())?,
            Some(_) => {}
            None => self.ticks.check_qty("total_qty", self.total_qty)?,
        }
        match self.limit_price {
            Some(l) => self.ticks.check_price("limit_price", l),
            None => Ok(()),
        }
    }
}

/// The TWAP executor.
pub struct Twap {
    p: TwapParams,
    orders: OwnOrders<()>,
    ticks: u32,
    done: bool,
    /// With a target position: whether the side and total are known yet (at start).
    planned: bool,
}

impl Twap {
    /// A TWAP with these settings.
    pub fn new(p: TwapParams) -> Self {
        let planned = p.target_position.is_none();
        Twap { p, orders: OwnOrders::default(), ticks: 0, done: false, planned }
    }

    /// Executed so far, base units.
    pub fn filled(&self) -> Decimal {
        self.orders.net().abs()
    }

    /// Whether it finished (complete or given up).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Cumulative quantity due after `tick` ticks.
    fn target(&self, tick: u32) -> Decimal {
        if tick >= self.p.slices {
            return self.p.total_qty;
        }
        floor_tick(self.p.total_qty * Decimal::from(tick) / Decimal::from(self.p.slices), self.p.ticks.qty)
    }

    /// After a restart: the ticks already served are those whose cumulative target is covered
    /// by what executed or still rests, so the next tick sends the next slice, as the original
    /// run would have (not a burst to catch up on the time the engine was down).
    fn resume_schedule(&mut self) {
        let committed = self.filled() + self.orders.pending(&self.p.side);
        let est = (committed * Decimal::from(self.p.slices) / self.p.total_qty).floor();
        let mut t = est.to_u32().unwrap_or(self.p.slices).min(self.p.slices);
        while t < self.p.slices && self.target(t + 1) <= committed {
            t += 1;
        }
        self.ticks = t;
    }

    /// With a target position: the side and total from where the account stands now.
    fn plan(&mut self, position: Decimal) {
        let Some(target) = self.p.target_position else { return };
        let distance = target - position;
        self.p.side = if distance < Decimal::ZERO { Side::Sell } else { Side::Buy };
        self.p.total_qty = floor_tick(distance.abs(), self.p.ticks.qty);
        self.planned = true;
        if self.p.total_qty.is_zero() {
            tracing::info!(%position, %target, "twap: already at its target position");
            self.done = true;
        } else {
            tracing::info!(%position, %target, side = %self.p.side, total = %self.p.total_qty, "twap: trading to its target position");
        }
    }

    fn check_complete(&mut self) {
        if self.filled() >= self.p.total_qty {
            self.done = true;
        }
    }
}

impl Strategy for Twap {
    fn name(&self) -> &str {
        "twap"
    }

    fn id(&self) -> String {
        self.p.id.clone()
    }

    fn configure(&mut self, instruments: &[Instrument]) -> Result<(), ConfigError> {
        self.p.ticks.adopt(&self.p.instrument, instruments)?;
        self.p.check_ticks()
    }

    fn on_resume(&mut self, ctx: &mut Context<'_>, resumed: &Resumed) {
        if self.p.target_position.is_some() {
            // The position at start already holds what earlier runs did; their resting slices
            // are cancelled so that the plan starts from a known place.
            for o in &resumed.open_orders {
                ctx.cancel(o.client_oid.clone().map_or(OrderRef::OrderId(o.order_id.clone()), OrderRef::ClientOid));
            }
            return;
        }
        self.orders.resume_fills(&resumed.fills, &self.p.instrument);
        for o in &resumed.open_orders {
            if o.instrument_name.as_str() == self.p.instrument && o.side == self.p.side {
                self.orders.adopt(o, ());
            } else {
                // Settings changed since: a resting order of the other side or instrument is
                // not this TWAP's to manage, and left alone it could trade against it.
                tracing::warn!(order = %o.order_id, "not a slice of this TWAP; cancelling it");
                ctx.cancel(o.client_oid.clone().map_or(OrderRef::OrderId(o.order_id.clone()), OrderRef::ClientOid));
            }
        }
        self.resume_schedule();
        self.check_complete();
        if self.done {
            // Whether a crash or a completed run came before cannot be told apart; executing
            // the total twice would be the worse mistake.
            tracing::warn!(
                filled = %self.filled(),
                total = %self.p.total_qty,
                id = %self.p.id,
                "twap: earlier runs on this journal already executed its total; nothing to do \
                 (give it another `id` for a new execution)"
            );
        } else {
            tracing::info!(filled = %self.filled(), total = %self.p.total_qty, "twap resumed from earlier runs");
        }
    }

    fn on_start(&mut self, ctx: &mut Context<'_>) {
        if !self.planned {
            let position = ctx.state().positions.get(&self.p.instrument).map_or(Decimal::ZERO, |p| p.quantity);
            self.plan(position);
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_>) {
        if !self.planned {
            return;
        }
        self.check_complete();
        if self.done {
            return;
        }
        self.ticks += 1;
        // One whole schedule of grace after the end for refusals and late fills, then stop.
        if self.ticks > self.p.slices.saturating_mul(2) {
            let working: Vec<_> = self.orders.iter().filter(|(_, t)| t.is_working()).map(|(c, _)| c.clone()).collect();
            for oid in &working {
                self.orders.cancel(ctx, oid);
            }
            tracing::warn!(filled = %self.filled(), total = %self.p.total_qty, "twap gave up short of its total");
            self.done = true;
            return;
        }
        let committed = self.filled() + self.orders.pending(&self.p.side);
        let Some(qty) = self.p.ticks.qty_for(self.target(self.ticks) - committed) else { return };
        let order = match self.p.limit_price {
            Some(price) => {
                let price = self.p.ticks.price_for(&self.p.side, price);
                CreateOrder::limit(&self.p.instrument, self.p.side.clone(), price, qty, "")
            }
            None => CreateOrder::market(&self.p.instrument, self.p.side.clone(), qty, ""),
        };
        self.orders.submit(ctx, order, ());
    }

    fn on_order(&mut self, _ctx: &mut Context<'_>, order: &Order) {
        self.orders.on_order(order);
    }

    fn on_fill(&mut self, _ctx: &mut Context<'_>, fill: &Trade) {
        if self.orders.on_fill(fill).is_some() {
            self.check_complete();
        }
    }

    fn on_refused(&mut self, ctx: &mut Context<'_>, refusal: &Refusal) {
        // An unknown outcome keeps counting as pending: better short than over the total.
        self.orders.on_refused(refusal, ctx.now_ms());
    }

    fn timer_interval(&self) -> Option<Duration> {
        Some(self.p.duration / self.p.slices.max(1))
    }

    /// The book lets the engine price market slices for its notional limit (and `--paper`
    /// follow the instrument).
    fn market_channels(&self) -> Vec<Channel> {
        vec![Channel::book(self.p.instrument.as_str(), 10)]
    }
}

#[cfg(test)]
#[path = "twap_tests.rs"]
mod tests;
