//! A grid: `levels` prices evenly spaced from `lower` to `upper`; buys rest on the levels below
//! the mid and sells on those above, leaving the level nearest the mid empty. When a level's
//! order fills completely, the opposite order goes one level away (a filled buy becomes a sell
//! one level up, a filled sell a buy one level down), so the empty level follows the price.
//! Orders are placed only while the engine is live; replacements due meanwhile wait in a queue.
//! It must NOT do I/O or read private engine state.

use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::ids::ClientOrderId;
use cdc_engine::protocol::models::{Order, Trade};
use cdc_engine::protocol::requests::CreateOrder;
use cdc_engine::state::book::OrderBook;
use cdc_engine::strategy::{Context, Refusal, Strategy};
use rust_decimal::Decimal;

use super::own_orders::{Done, OwnOrders};
use super::params::{floor_tick, on_tick, Params};

/// A placement whose outcome stays unknown this long is assumed absent (its level frees).
const UNKNOWN_EXPIRY_MS: u64 = 10_000;

/// Grid settings.
#[derive(Debug, Clone, PartialEq)]
pub struct GridParams {
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
    /// Price tick.
    pub tick: Decimal,
    /// Quantity tick.
    pub qty_tick: Decimal,
}

impl GridParams {
    /// Parameter names.
    pub const KEYS: &'static [&'static str] =
        &["instrument", "lower", "upper", "levels", "order_qty", "tick", "qty_tick"];

    /// Reads and validates settings; `lower` and `upper` are required.
    pub fn from_table(t: &toml::Table) -> Result<Self, String> {
        let p = Params::new("grid", t, Self::KEYS)?;
        let g = GridParams {
            instrument: p.text("instrument", "BTC_USD")?,
            lower: p.required_decimal("lower")?,
            upper: p.required_decimal("upper")?,
            levels: p.count("levels", 10)?,
            order_qty: p.decimal("order_qty", Decimal::new(1, 3))?,
            tick: p.decimal("tick", Decimal::new(1, 2))?,
            qty_tick: p.decimal("qty_tick", Decimal::new(1, 4))?,
        };
        p.check_ticks_and_qty(g.tick, g.qty_tick, "order_qty", g.order_qty)?;
        p.check(g.lower > Decimal::ZERO, "lower", "be > 0", g.lower)?;
        p.check(g.upper > g.lower, "upper", &format!("be above lower {}", g.lower), g.upper)?;
        p.check(on_tick(g.lower, g.tick), "lower", &format!("be a multiple of tick {}", g.tick), g.lower)?;
        p.check(on_tick(g.upper, g.tick), "upper", &format!("be a multiple of tick {}", g.tick), g.upper)?;
        p.check((2..=200).contains(&g.levels), "levels", "be between 2 and 200", g.levels)?;
        let step = (g.upper - g.lower) / Decimal::from(g.levels - 1);
        p.check(step >= g.tick, "levels", "leave at least one tick between levels (fewer levels)", g.levels)?;
        Ok(g)
    }

    /// The level prices, lowest first, on ticks.
    pub fn prices(&self) -> Vec<Decimal> {
        let n = self.levels.max(2);
        let step = (self.upper - self.lower) / Decimal::from(n - 1);
        (0..n)
            .map(|i| if i == n - 1 { self.upper } else { floor_tick(self.lower + step * Decimal::from(i), self.tick) })
            .collect()
    }
}

/// The grid strategy.
pub struct Grid {
    p: GridParams,
    prices: Vec<Decimal>,
    slots: Vec<Option<ClientOrderId>>,
    orders: OwnOrders<usize>,
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
            let gap = (0..self.prices.len()).min_by_key(|&i| (self.prices[i] - mid).abs()).unwrap_or(0);
            for i in 0..self.prices.len() {
                if i != gap {
                    self.queue.push((i, if i < gap { Side::Buy } else { Side::Sell }));
                }
            }
        }
        for (level, side) in std::mem::take(&mut self.queue) {
            if self.slots[level].is_some() {
                // One order per level: a replacement onto a taken level would double it.
                tracing::warn!(level, "grid level already holds an order; replacement skipped");
                continue;
            }
            let order = CreateOrder::limit(&self.p.instrument, side, self.prices[level], self.p.order_qty, "");
            self.slots[level] = Some(self.orders.submit(ctx, order, level));
        }
    }

    fn free(&mut self, d: &Done<usize>) {
        if let Some(slot) = self.slots.get_mut(d.order.tag).filter(|s| s.as_ref() == Some(&d.oid)) {
            *slot = None;
        }
    }

    /// An order left the book-keeping: free its level; if it filled, queue the opposite order.
    fn on_done(&mut self, ctx: &mut Context<'_>, d: Option<Done<usize>>) {
        let Some(d) = d else { return };
        self.free(&d);
        if d.fully_filled() {
            let level = d.order.tag;
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

    fn market_channels(&self) -> Vec<String> {
        vec![format!("book.{}.10", self.p.instrument)]
    }
}

#[cfg(test)]
#[path = "grid_tests.rs"]
mod tests;
