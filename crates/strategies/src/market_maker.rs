//! A market maker: one bid and one ask around the book's mid, shifted against its inventory
//! (long: both quotes lower, so it sells more readily) by at most the half-spread, so that a
//! bid never crosses the mid; quotes are post-only unless `post_only = false`. It never lets
//! position plus working buys exceed `max_position` (nor sells below −`max_position`). Quotes
//! move only when the mid moved `requote_bps` or the inventory changed; stale quotes are
//! cancelled and replaced. It quotes only while the engine is live, on the venue's ticks, and
//! after a restart carries on from its earlier fills and quotes. It must NOT do I/O or read
//! private engine state: everything it knows comes from its callbacks.

use cdc_engine::protocol::Channel;
use std::collections::HashSet;

use cdc_engine::protocol::enums::{ExecInst, OrderStatus, Side};
use cdc_engine::protocol::models::{Instrument, Order, Trade};
use cdc_engine::protocol::requests::{CreateOrder, OrderRef};
use cdc_engine::state::book::OrderBook;
use cdc_engine::strategy::{ConfigError, Context, OwnOrders, Refusal, Resumed, Strategy};
use rust_decimal::Decimal;

use super::params::{Params, Ticks};

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
    /// Tag of its client ids (default: the strategy\'s name).
    pub id: String,
    /// Instrument quoted.
    pub instrument: String,
    /// Distance between bid and ask, in basis points of mid.
    pub spread_bps: Decimal,
    /// Size of each quote, base units.
    pub order_qty: Decimal,
    /// Largest absolute position, base units.
    pub max_position: Decimal,
    /// How far quotes shift per unit of inventory, basis points of mid (at most the
    /// half-spread in all).
    pub skew_bps_per_unit: Decimal,
    /// How far the mid must move before quotes move, basis points.
    pub requote_bps: Decimal,
    /// Price and quantity ticks (the venue's once configured).
    pub ticks: Ticks,
    /// Whether quotes are post-only (never take liquidity).
    pub post_only: bool,
}

impl MmParams {
    /// Parameter names.
    pub const KEYS: &'static [&'static str] = &[
        "id",
        "instrument",
        "spread_bps",
        "order_qty",
        "max_position",
        "skew_bps_per_unit",
        "requote_bps",
        "tick",
        "qty_tick",
        "post_only",
    ];

    /// Reads and validates settings; defaults suit BTC_USD.
    pub fn from_table(t: &toml::Table) -> Result<Self, ConfigError> {
        let p = Params::new("market_maker", t, Self::KEYS)?;
        let m = MmParams {
            id: p.id()?,
            instrument: p.text("instrument", "BTC_USD")?,
            spread_bps: p.decimal("spread_bps", Decimal::from(10))?,
            order_qty: p.decimal("order_qty", Decimal::new(1, 3))?,
            max_position: p.decimal("max_position", Decimal::new(1, 2))?,
            skew_bps_per_unit: p.decimal("skew_bps_per_unit", Decimal::from(500))?,
            requote_bps: p.decimal("requote_bps", Decimal::TWO)?,
            ticks: Ticks::read(&p, Decimal::new(1, 2), Decimal::new(1, 4))?,
            post_only: p.flag("post_only", true)?,
        };
        p.check(m.spread_bps > Decimal::ZERO, "spread_bps", "be > 0", m.spread_bps)?;
        p.check(m.order_qty > Decimal::ZERO, "order_qty", "be > 0", m.order_qty)?;
        m.check_ticks()?;
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

    /// The settings that must lie on the ticks (checked again once the venue's are known).
    fn check_ticks(&self) -> Result<(), ConfigError> {
        self.ticks.check_qty("order_qty", self.order_qty)
    }
}

/// What a quote was placed against: stale when either moved.
#[derive(Debug, Clone, PartialEq)]
struct Basis {
    mid: Decimal,
    inventory: Decimal,
}

/// One bid and one ask around the mid, shifted against its inventory (see the module docs).
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
    /// against the inventory so that the side reducing it is the more attractive one, but by
    /// no more than the half-spread, so a bid never crosses the mid (nor an ask).
    pub fn quote_prices(&self, mid: Decimal) -> (Decimal, Decimal) {
        let ticks = &self.p.ticks;
        let (bid, ask) = self.factors(self.inventory());
        (ticks.price_for(&Side::Buy, mid * bid), ticks.price_for(&Side::Sell, mid * ask))
    }

    /// Bid and ask as fractions of the mid at inventory `inv`: 1 − skew ∓ half, with the skew
    /// bounded by the half-spread.
    fn factors(&self, inv: Decimal) -> (Decimal, Decimal) {
        let half = self.p.spread_bps / BPS / Decimal::TWO;
        let skew = (inv * self.p.skew_bps_per_unit / BPS).clamp(-half, half);
        (Decimal::ONE - skew - half, Decimal::ONE - skew + half)
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
            let Some(qty) = self.p.ticks.qty_for(self.p.order_qty.min(room)) else { continue };
            if quoted || price <= Decimal::ZERO {
                continue;
            }
            let mut order = CreateOrder::limit(&self.p.instrument, side, price, qty, "");
            if self.p.post_only {
                order.exec_inst = vec![ExecInst::PostOnly];
            }
            self.orders.submit(ctx, order, Basis { mid, inventory: inv });
        }
    }

    /// Takes over the quotes an earlier run left open. Each is given the basis it was placed
    /// against: the inventory from the fills before it, and the mid its price implies at that
    /// inventory; so it is replaced exactly when the original would have replaced it. With two
    /// quotes on a side (a crash between a replacement and the cancel of what it replaced), the
    /// newest stays and the others are cancelled; other instruments' orders are cancelled.
    fn adopt_quotes(&mut self, ctx: &mut Context<'_>, r: &Resumed) {
        let mine = |o: &&Order| o.instrument_name.as_str() == self.p.instrument && o.limit_price.is_some();
        let mut quotes: Vec<&Order> = r.open_orders.iter().filter(mine).collect();
        for o in r.open_orders.iter().filter(|o| !mine(o)) {
            tracing::warn!(order = %o.order_id, instrument = %o.instrument_name, "not a quote of this market maker; cancelling it");
            ctx.cancel(o.client_oid.clone().map_or(OrderRef::OrderId(o.order_id.clone()), OrderRef::ClientOid));
        }
        quotes.sort_by_key(|o| o.create_time.unwrap_or(0));
        let mut sides = HashSet::new();
        for o in quotes.into_iter().rev() {
            let inventory = o.create_time.map_or(self.inventory(), |t| net_until(&r.fills, &self.p.instrument, t));
            let (bid, ask) = self.factors(inventory);
            let f = if o.side == Side::Buy { bid } else { ask };
            let price = o.limit_price.unwrap_or_default();
            let mid = if f > Decimal::ZERO { price / f } else { price };
            let Some(oid) = self.orders.adopt(o, Basis { mid, inventory }) else { continue };
            if !sides.insert(o.side.clone()) {
                self.orders.cancel(ctx, &oid);
            }
        }
    }
}

/// Net position of `instrument` from the fills made at or before `t_ms`.
fn net_until(fills: &[Trade], instrument: &str, t_ms: u64) -> Decimal {
    fills
        .iter()
        .filter(|f| f.instrument_name.as_str() == instrument && f.create_time.is_some_and(|c| c <= t_ms))
        .map(|f| if f.side == Side::Buy { f.traded_quantity } else { -f.traded_quantity })
        .sum()
}

impl Strategy for MarketMaker {
    fn name(&self) -> &str {
        "market_maker"
    }

    fn id(&self) -> String {
        self.p.id.clone()
    }

    fn configure(&mut self, instruments: &[Instrument]) -> Result<(), ConfigError> {
        self.p.ticks.adopt(&self.p.instrument, instruments)?;
        self.p.check_ticks()
    }

    fn on_resume(&mut self, ctx: &mut Context<'_>, resumed: &Resumed) {
        self.orders.resume_fills(&resumed.fills, &self.p.instrument);
        self.adopt_quotes(ctx, resumed);
        tracing::info!(inventory = %self.inventory(), "market maker resumed from earlier runs");
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
        if let Some(done) = self.orders.on_order(order) {
            if order.status == OrderStatus::Rejected {
                // A post-only quote that would have taken: quoting again at once would only be
                // rejected again, so wait as after a refusal.
                tracing::warn!(oid = %done.oid, reason = ?order.reason, "quote rejected");
                self.paused_until_ms = ctx.now_ms() + REFUSAL_PAUSE_MS;
            }
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

    fn market_channels(&self) -> Vec<Channel> {
        vec![Channel::book(self.p.instrument.as_str(), 10)]
    }
}

#[cfg(test)]
#[path = "market_maker_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "market_maker_resume_tests.rs"]
mod resume_tests;
