//! A grid: `levels` prices evenly spaced from `lower` to `upper`; buys rest on the levels below
//! the mid and sells on those above, leaving the level nearest the mid empty. When a level's
//! order fills completely, the opposite order goes one level away (a filled buy becomes a sell
//! one level up, a filled sell a buy one level down), so the empty level follows the price.
//! Orders are placed only while the engine is live; replacements due meanwhile wait in a queue.
//! After a restart it takes over the orders still resting on its levels and fills the empty
//! levels around the mid as when it started, never placing a second order on a level.
//! It must NOT do I/O or read private engine state.

use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::ids::ClientOrderId;
use cdc_engine::protocol::models::{Instrument, Order, Trade};
use cdc_engine::protocol::requests::{CreateOrder, OrderRef};
use cdc_engine::protocol::Channel;
use cdc_engine::state::book::OrderBook;
use cdc_engine::strategy::{ConfigError, Context, Done, OwnOrders, Refusal, Resumed, Strategy};
use rust_decimal::Decimal;

use super::params::{floor_tick, Params, Ticks};

/// A placement whose outcome stays unknown this long is assumed absent (its level frees).
const UNKNOWN_EXPIRY_MS: u64 = 10_000;

/// Grid settings.
#[derive(Debug, Clone, PartialEq)]
pub struct GridParams {
    /// Tag of its client ids (default: the strategy\'s name).
    pub id: String,
    /// Instrument traded.
    pub instrument: String,
    /// Lowest level's price.
    pub lower: Decimal,
    /// Highest level's price.
    pub upper: Decimal,
    /// Number of levels, ends included.
    pub levels: u32,
    /// Quantity of each order, base units.
    pub order_qty: Decimal,
    /// Price and quantity ticks (the venue's once configured).
    pub ticks: Ticks,
}

impl GridParams {
    /// Parameter names.
    pub const KEYS: &'static [&'static str] =
        &["id", "instrument", "lower", "upper", "levels", "order_qty", "tick", "qty_tick"];

    /// Reads and validates settings; `lower` and `upper` are required.
    pub fn from_table(t: &toml::Table) -> Result<Self, ConfigError> {
        let p = Params::new("grid", t, Self::KEYS)?;
        let g = GridParams {
            id: p.id()?,
            instrument: p.text("instrument", "BTC_USD")?,
            lower: p.required_decimal("lower")?,
            upper: p.required_decimal("upper")?,
            levels: p.count("levels", 10)?,
            order_qty: p.decimal("order_qty", Decimal::new(1, 3))?,
            ticks: Ticks::read(&p, Decimal::new(1, 2), Decimal::new(1, 4))?,
        };
        p.check(g.order_qty > Decimal::ZERO, "order_qty", "be > 0", g.order_qty)?;
        p.check(g.lower > Decimal::ZERO, "lower", "be > 0", g.lower)?;
        p.check(g.upper > g.lower, "upper", &format!("be above lower {}", g.lower), g.upper)?;
        p.check((2..=200).contains(&g.levels), "levels", "be between 2 and 200", g.levels)?;
        g.check_ticks()?;
        Ok(g)
    }

    /// The settings that must lie on the ticks (checked again once the venue's are known).
    fn check_ticks(&self) -> Result<(), ConfigError> {
        self.ticks.check_qty("order_qty", self.order_qty)?;
        self.ticks.check_price("lower", self.lower)?;
        self.ticks.check_price("upper", self.upper)?;
        let step = (self.upper - self.lower) / Decimal::from(self.levels.max(2) - 1);
        if self.ticks.price_known() && step < self.ticks.price {
            return Err(ConfigError::parameter(
                "levels",
                format!(
                    "{} must leave at least one tick ({}) between levels: use at most {} levels",
                    self.levels,
                    self.ticks.price.normalize(),
                    ((self.upper - self.lower) / self.ticks.price).floor() + Decimal::ONE
                ),
            ));
        }
        Ok(())
    }

    /// The level prices, lowest first, on ticks.
    pub fn prices(&self) -> Vec<Decimal> {
        let n = self.levels.max(2);
        let step = (self.upper - self.lower) / Decimal::from(n - 1);
        let tick = self.ticks.price;
        (0..n)
            .map(|i| if i == n - 1 { self.upper } else { floor_tick(self.lower + step * Decimal::from(i), tick) })
            .collect()
    }
}

/// The grid strategy.
pub struct Grid {
    p: GridParams,
    prices: Vec<Decimal>,
    slots: Vec<Option<ClientOrderId>>,
    /// Tagged with the level; `None` for an order an earlier run left off the levels.
    orders: OwnOrders<Option<usize>>,
    queue: Vec<(usize, Side)>,
    live: bool,
    mid: Option<Decimal>,
    started: bool,
}

impl Grid {
    /// A grid with these settings.
    pub fn new(p: GridParams) -> Self {
        let prices = p.prices();
        let slots = vec![None; prices.len()];
        Grid {
            p,
            prices,
            slots,
            orders: OwnOrders::default(),
            queue: Vec::new(),
            live: false,
            mid: None,
            started: false,
        }
    }

    /// The level prices, lowest first.
    pub fn prices(&self) -> &[Decimal] {
        &self.prices
    }

    /// Which levels hold an order of this grid.
    pub fn occupied(&self) -> Vec<bool> {
        self.slots.iter().map(Option::is_some).collect()
    }

    /// Net position from this grid's fills, earlier runs' included.
    pub fn position(&self) -> Decimal {
        self.orders.net()
    }

    /// Places the ladder once, then whatever replacements are due.
    fn act(&mut self, ctx: &mut Context<'_>) {
        if !self.live {
            return;
        }
        for d in self.orders.expire_unknown(ctx.now_ms(), UNKNOWN_EXPIRY_MS) {
            self.free(&d);
        }
        if !self.started {
            let Some(mid) = self.mid else { return };
            self.started = true;
            self.lay(mid);
        }
        for (level, side) in std::mem::take(&mut self.queue) {
            if self.slots[level].is_some() {
                // One order per level: a replacement onto a taken level would double it.
                tracing::warn!(level, "grid level already holds an order; replacement skipped");
                continue;
            }
            let price = self.p.ticks.price_for(&side, self.prices[level]);
            let Some(qty) = self.p.ticks.qty_for(self.p.order_qty) else {
                tracing::warn!(qty = %self.p.order_qty, "order_qty rounds to nothing on the quantity tick");
                continue;
            };
            let order = CreateOrder::limit(&self.p.instrument, side, price, qty, "");
            self.slots[level] = Some(self.orders.submit(ctx, order, Some(level)));
        }
    }

    /// Queues the ladder: the empty level nearest the mid stays empty, buys go on the empty
    /// levels below it and sells on those above. On a first start every level is empty; after
    /// a restart the levels still holding an order keep it, and since the gap is the empty level
    /// nearest the mid, every buy queued is below the mid and every sell above.
    fn lay(&mut self, mid: Decimal) {
        let empty: Vec<usize> = (0..self.prices.len()).filter(|&i| self.slots[i].is_none()).collect();
        let Some(&gap) = empty.iter().min_by_key(|&&i| (self.prices[i] - mid).abs()) else { return };
        for i in empty.into_iter().filter(|&i| i != gap) {
            self.queue.push((i, if i < gap { Side::Buy } else { Side::Sell }));
        }
    }

    fn free(&mut self, d: &Done<Option<usize>>) {
        let Some(level) = d.order.tag else { return };
        if let Some(slot) = self.slots.get_mut(level).filter(|s| s.as_ref() == Some(&d.oid)) {
            *slot = None;
        }
    }

    /// Takes over the orders an earlier run left open: each on its level; one off the levels
    /// (the settings changed) or on a level already held is cancelled, and another instrument's
    /// order too. Each is still tracked until it ends, so that its fills count.
    fn adopt(&mut self, ctx: &mut Context<'_>, r: &Resumed) {
        for o in &r.open_orders {
            if o.instrument_name.as_str() != self.p.instrument {
                tracing::warn!(order = %o.order_id, instrument = %o.instrument_name, "not this grid's instrument; cancelling it");
                ctx.cancel(o.client_oid.clone().map_or(OrderRef::OrderId(o.order_id.clone()), OrderRef::ClientOid));
                continue;
            }
            let level = self.prices.iter().position(|p| Some(*p) == o.limit_price);
            let free = level.filter(|&l| self.slots[l].is_none());
            let Some(oid) = self.orders.adopt(o, free) else { continue };
            match free {
                Some(l) => self.slots[l] = Some(oid),
                None => {
                    tracing::warn!(order = %o.order_id, price = ?o.limit_price, "not on a free grid level; cancelling it");
                    self.orders.cancel(ctx, &oid);
                }
            }
        }
    }

    /// An order left the book-keeping: free its level; if it filled, queue the opposite order.
    fn on_done(&mut self, ctx: &mut Context<'_>, d: Option<Done<Option<usize>>>) {
        let Some(d) = d else { return };
        self.free(&d);
        if let (true, Some(level)) = (d.fully_filled(), d.order.tag) {
            let next = if d.order.side == Side::Buy {
                Some((level + 1, Side::Sell))
            } else {
                level.checked_sub(1).map(|l| (l, Side::Buy))
            };
            if let Some(next) = next.filter(|(l, _)| *l < self.prices.len()) {
                self.queue.push(next);
            }
        }
        self.act(ctx);
    }
}

impl Strategy for Grid {
    fn name(&self) -> &str {
        "grid"
    }

    fn id(&self) -> String {
        self.p.id.clone()
    }

    fn configure(&mut self, instruments: &[Instrument]) -> Result<(), ConfigError> {
        self.p.ticks.adopt(&self.p.instrument, instruments)?;
        self.p.check_ticks()?;
        // The levels are computed on the ticks: recompute them on the venue's.
        self.prices = self.p.prices();
        self.slots = vec![None; self.prices.len()];
        Ok(())
    }

    fn on_resume(&mut self, ctx: &mut Context<'_>, resumed: &Resumed) {
        self.orders.resume_fills(&resumed.fills, &self.p.instrument);
        self.adopt(ctx, resumed);
        tracing::info!(position = %self.position(), levels = ?self.occupied(), "grid resumed from earlier runs");
    }

    fn on_book(&mut self, ctx: &mut Context<'_>, instrument: &str, book: &OrderBook) {
        if instrument == self.p.instrument {
            self.mid = book.mid().or(self.mid);
            self.act(ctx);
        }
    }

    fn on_order(&mut self, ctx: &mut Context<'_>, order: &Order) {
        let d = self.orders.on_order(order);
        self.on_done(ctx, d);
    }

    fn on_fill(&mut self, ctx: &mut Context<'_>, fill: &Trade) {
        if let Some((_, d)) = self.orders.on_fill(fill) {
            self.on_done(ctx, d);
        }
    }

    fn on_refused(&mut self, ctx: &mut Context<'_>, refusal: &Refusal) {
        if let Some(d) = self.orders.on_refused(refusal, ctx.now_ms()) {
            self.free(&d);
        }
    }

    fn on_live(&mut self, ctx: &mut Context<'_>, live: bool) {
        self.live = live;
        self.act(ctx);
    }

    fn market_channels(&self) -> Vec<Channel> {
        vec![Channel::book(self.p.instrument.as_str(), 10)]
    }
}

#[cfg(test)]
#[path = "grid_tests.rs"]
mod tests;
