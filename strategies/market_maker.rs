//! A market maker: one bid and one ask around the book's mid, shifted against its inventory
//! (long: both quotes lower, so it sells more readily), never letting position plus working
//! buys exceed `max_position` (nor sells below −`max_position`). Quotes move only when the mid
//! moved `requote_bps` or the inventory changed; stale quotes are cancelled and replaced. It
//! quotes only while the engine is live. It must NOT do I/O or read private engine state:
//! everything it knows comes from its callbacks.

use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::models::{Order, Trade};
use cdc_engine::protocol::requests::CreateOrder;
use cdc_engine::state::book::OrderBook;
use cdc_engine::strategy::{Context, Refusal, Strategy};
use rust_decimal::Decimal;

use super::own_orders::OwnOrders;
use super::params::{ceil_tick, floor_tick, Params};

/// A cancel not confirmed after this long is sent again (it may have raced the placement).
const CANCEL_RETRY_MS: u64 = 2_000;
/// After a refusal, no new quote for this long (a refusal usually repeats at once).
const REFUSAL_PAUSE_MS: u64 = 1_000;
/// A placement whose outcome stays unknown this long is assumed absent.
const UNKNOWN_EXPIRY_MS: u64 = 10_000;
const BPS: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// Market maker settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MmParams {
    /// Instrument quoted.
    pub instrument: String,
    /// Distance between bid and ask, in basis points of mid.
    pub spread_bps: Decimal,
    /// Size of each quote, base units.
    pub order_qty: Decimal,
    /// Largest absolute position, base units.
    pub max_position: Decimal,
    /// How far quotes shift per unit of inventory, basis points of mid.
    pub skew_bps_per_unit: Decimal,
    /// How far the mid must move before quotes move, basis points.
    pub requote_bps: Decimal,
    /// Price tick.
    pub tick: Decimal,
    /// Quantity tick.
    pub qty_tick: Decimal,
}

impl MmParams {
    /// Parameter names.
    pub const KEYS: &'static [&'static str] = &[
        "instrument",
        "spread_bps",
        "order_qty",
        "max_position",
        "skew_bps_per_unit",
        "requote_bps",
        "tick",
        "qty_tick",
    ];

    /// Reads and validates settings; defaults suit BTC_USD.
    pub fn from_table(t: &toml::Table) -> Result<Self, String> {
        let p = Params::new("market_maker", t, Self::KEYS)?;
        let m = MmParams {
            instrument: p.text("instrument", "BTC_USD")?,
            spread_bps: p.decimal("spread_bps", Decimal::from(10))?,
            order_qty: p.decimal("order_qty", Decimal::new(1, 3))?,
            max_position: p.decimal("max_position", Decimal::new(1, 2))?,
            skew_bps_per_unit: p.decimal("skew_bps_per_unit", Decimal::from(500))?,
            requote_bps: p.decimal("requote_bps", Decimal::TWO)?,
            tick: p.decimal("tick", Decimal::new(1, 2))?,
            qty_tick: p.decimal("qty_tick", Decimal::new(1, 4))?,
        };
        p.check(m.spread_bps > Decimal::ZERO, "spread_bps", "be > 0", m.spread_bps)?;
        p.check_ticks_and_qty(m.tick, m.qty_tick, "order_qty", m.order_qty)?;
        p.check(
            m.max_position >= m.order_qty,
            "max_position",
            &format!("be >= order_qty {}", m.order_qty),
            m.max_position,
        )?;
        p.check(m.skew_bps_per_unit >= Decimal::ZERO, "skew_bps_per_unit", "be >= 0", m.skew_bps_per_unit)?;
        p.check(m.requote_bps >= Decimal::ZERO, "requote_bps", "be >= 0", m.requote_bps)?;
        Ok(m)
    }
}

/// What a quote was placed against: stale when either moved.
#[derive(Debug, Clone, PartialEq)]
struct Basis {
    mid: Decimal,
    inventory: Decimal,
}

/// The market maker.
pub struct MarketMaker {
    p: MmParams,
    orders: OwnOrders<Basis>,
    live: bool,
    mid: Option<Decimal>,
    paused_until_ms: u64,
}

impl MarketMaker {
    /// A market maker with these settings.
    pub fn new(p: MmParams) -> Self {
        MarketMaker { p, orders: OwnOrders::default(), live: false, mid: None, paused_until_ms: 0 }
    }

    /// Position from its own fills.
    pub fn inventory(&self) -> Decimal {
        self.orders.net()
    }

    /// Bid and ask for a mid at the current inventory, on ticks; the reservation price moves
    /// against the inventory so that the side reducing it is the more attractive one.
    pub fn quote_prices(&self, mid: Decimal) -> (Decimal, Decimal) {
        let half = mid * self.p.spread_bps / BPS / Decimal::TWO;
        let skew = self.inventory() * self.p.skew_bps_per_unit * mid / BPS;
        let centre = mid - skew;
        (floor_tick(centre - half, self.p.tick), ceil_tick(centre + half, self.p.tick))
    }

    /// The book's mid with this strategy's own quotes taken out: quoting around a mid that
    /// includes its own skewed quotes would walk the quotes away a little more each time.
    pub fn fair_mid(&self, book: &OrderBook) -> Option<Decimal> {
        let own = |side: &Side, price: Decimal| -> Decimal {
            let mine = self.orders.iter().filter(|(_, t)| t.side == *side && !t.terminal && t.price == Some(price));
            mine.map(|(_, t)| t.qty - t.filled).sum()
        };
        let bid = book.bids().into_iter().find(|l| l.quantity > own(&Side::Buy, l.price))?.price;
        let ask = book.asks().into_iter().find(|l| l.quantity > own(&Side::Sell, l.price))?.price;
        Some((bid + ask) / Decimal::TWO)
    }

    fn stale(&self, b: &Basis, mid: Decimal) -> bool {
        (mid - b.mid).abs() * BPS >= self.p.requote_bps * b.mid || b.inventory != self.inventory()
    }

    /// Cancels stale quotes and places missing ones, within the position cap.
    fn refresh(&mut self, ctx: &mut Context<'_>) {
        let Some(mid) = self.mid.filter(|_| self.live) else { return };
        let now = ctx.now_ms();
        for d in self.orders.expire_unknown(now, UNKNOWN_EXPIRY_MS) {
            tracing::warn!(oid = %d.oid, "quote's placement never confirmed; assuming it absent");
        }
        let resend = |sent: Option<u64>| sent.is_some_and(|t| now.saturating_sub(t) >= CANCEL_RETRY_MS);
        let to_cancel: Vec<_> = self
            .orders
            .iter()
            .filter(|(_, t)| !t.terminal && ((t.is_working() && self.stale(&t.tag, mid)) || resend(t.cancel_sent_ms)))
            .map(|(c, _)| c.clone())
            .collect();
        for oid in &to_cancel {
            self.orders.cancel(ctx, oid);
        }
        if now < self.paused_until_ms {
            return;
        }
        let (bid, ask) = self.quote_prices(mid);
        let inv = self.inventory();
        for (side, price, room) in [
            (Side::Buy, bid, self.p.max_position - inv - self.orders.pending(&Side::Buy)),
            (Side::Sell, ask, self.p.max_position + inv - self.orders.pending(&Side::Sell)),
        ] {
            let quoted = self.orders.iter().any(|(_, t)| t.side == side && t.is_working());
            let qty = floor_tick(self.p.order_qty.min(room), self.p.qty_tick);
            if quoted || qty <= Decimal::ZERO || price <= Decimal::ZERO {
                continue;
            }
            let order = CreateOrder::limit(&self.p.instrument, side, price, qty, "");
            self.orders.submit(ctx, order, Basis { mid, inventory: inv });
        }
    }
}

impl Strategy for MarketMaker {
    fn name(&self) -> &str {
        "market_maker"
    }

    fn on_book(&mut self, ctx: &mut Context<'_>, instrument: &str, book: &OrderBook) {
        if instrument == self.p.instrument {
            if let Some(mid) = self.fair_mid(book) {
                self.mid = Some(mid);
                self.refresh(ctx);
            }
        }
    }

    fn on_order(&mut self, ctx: &mut Context<'_>, order: &Order) {
        if self.orders.on_order(order).is_some() {
            self.refresh(ctx);
        }
    }

    fn on_fill(&mut self, ctx: &mut Context<'_>, fill: &Trade) {
        if self.orders.on_fill(fill).is_some() {
            self.refresh(ctx);
        }
    }

    fn on_refused(&mut self, ctx: &mut Context<'_>, refusal: &Refusal) {
        self.orders.on_refused(refusal, ctx.now_ms());
        self.paused_until_ms = ctx.now_ms() + REFUSAL_PAUSE_MS;
    }

    fn on_live(&mut self, ctx: &mut Context<'_>, live: bool) {
        self.live = live;
        if live {
            self.refresh(ctx);
            return;
        }
        // Quotes against a stale view are a gift to others: pull them (REST if need be).
        let working: Vec<_> = self.orders.iter().filter(|(_, t)| t.is_working()).map(|(c, _)| c.clone()).collect();
        for oid in &working {
            self.orders.cancel(ctx, oid);
        }
    }

    fn market_channels(&self) -> Vec<String> {
        vec![format!("book.{}.10", self.p.instrument)]
    }
}

#[cfg(test)]
#[path = "market_maker_tests.rs"]
mod tests;
