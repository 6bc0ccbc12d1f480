//! The strategy of the `dip_buyer` example, a user's own strategy written only against the
//! `cdc_engine` library: one post-only bid rests `dip_bps` under the market's mid and follows
//! the mid up, never down, so a fall runs into it; each bought quantity is then offered back
//! `take_profit_bps` above the price paid. The position plus the working bid never exceeds
//! `max_position`. It must NOT do I/O or block: the engine runs it on its own task, and it only
//! records intents through the `Context` it is given.

use cdc_engine::state::book::OrderBook;
use cdc_engine::strategy::{ConfigError, Context, OwnOrders, Refusal, Resumed, Strategy};
use cdc_protocol::enums::{ExecInst, OrderStatus, Side};
use cdc_protocol::models::{Instrument, Order, Trade};
use cdc_protocol::requests::{CreateOrder, OrderRef};
use cdc_protocol::Channel;
use rust_decimal::Decimal;

/// After a refusal or a rejected bid, no new bid for this long: the same order would only be
/// refused again at once.
const PAUSE_MS: u64 = 1_000;
/// A bid whose placement outcome stays unknown this long is taken as absent.
const UNKNOWN_MS: u64 = 10_000;
/// A cancel not confirmed after this long is sent again.
const CANCEL_RETRY_MS: u64 = 2_000;

/// `x` basis points as a fraction.
fn bps(x: Decimal) -> Decimal {
    x / Decimal::from(10_000)
}

/// What the dip buyer trades and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The instrument, e.g. `BTC_USD`.
    pub instrument: String,
    /// Size of each bid, base units; must lie on the venue's quantity tick.
    pub qty: Decimal,
    /// How far under the mid the bid rests, basis points; > 0.
    pub dip_bps: Decimal,
    /// How far above the price paid a bought quantity is offered back, basis points; >= 0.
    pub take_profit_bps: Decimal,
    /// Largest position, base units, counting the working bid; at least `qty`.
    pub max_position: Decimal,
}

impl Settings {
    /// Refuses settings it cannot trade with, naming the one to change.
    pub fn check(&self) -> Result<(), ConfigError> {
        let rule = |ok: bool, key: &str, what: String| if ok { Ok(()) } else { Err(ConfigError::parameter(key, what)) };
        rule(self.qty > Decimal::ZERO, "qty", format!("must be > 0, got {}", self.qty))?;
        rule(self.dip_bps > Decimal::ZERO, "dip_bps", format!("must be > 0, got {}", self.dip_bps))?;
        rule(self.dip_bps < Decimal::from(10_000), "dip_bps", format!("must be under 10000, got {}", self.dip_bps))?;
        rule(
            self.take_profit_bps >= Decimal::ZERO,
            "take_profit_bps",
            format!("must be >= 0, got {}", self.take_profit_bps),
        )?;
        rule(
            self.max_position >= self.qty,
            "max_position",
            format!("must be at least qty ({}), got {}", self.qty, self.max_position),
        )
    }
}

/// What an order of the dip buyer is for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Leg {
    /// The bid, with the mid it was priced from.
    Entry {
        /// The mid when it was placed.
        mid: Decimal,
    },
    /// A bought quantity offered back.
    Exit,
}

/// The strategy: its settings, the venue's ticks, its orders and what it saw of the market.
pub struct DipBuyer {
    s: Settings,
    /// Price and quantity ticks, the venue's (set in `configure`).
    ticks: Option<(Decimal, Decimal)>,
    orders: OwnOrders<Leg>,
    mid: Option<Decimal>,
    /// Whether the engine's view is live (from `on_live`): no bid against a stale view.
    live: bool,
    paused_until_ms: u64,
}

impl DipBuyer {
    /// A dip buyer with checked settings.
    pub fn new(s: Settings) -> Result<Self, ConfigError> {
        s.check()?;
        Ok(DipBuyer { s, ticks: None, orders: OwnOrders::default(), mid: None, live: false, paused_until_ms: 0 })
    }

    /// The book's mid with its own orders taken out: pricing the bid from a mid that includes
    /// that bid would walk it down after every fall.
    fn market_mid(&self, book: &OrderBook) -> Option<Decimal> {
        let own = |side: &Side, price: Decimal| -> Decimal {
            let mine = self.orders.iter().filter(|(_, t)| t.side == *side && !t.terminal && t.price == Some(price));
            mine.map(|(_, t)| t.qty - t.filled).sum()
        };
        let bid = book.bids().into_iter().find(|l| l.quantity > own(&Side::Buy, l.price))?.price;
        let ask = book.asks().into_iter().find(|l| l.quantity > own(&Side::Sell, l.price))?.price;
        Some((bid + ask) / Decimal::TWO)
    }

    /// Cancels a bid the mid has risen away from and places the bid that is missing.
    fn refresh(&mut self, ctx: &mut Context<'_>) {
        let (Some(mid), Some((price_tick, qty_tick))) = (self.mid, self.ticks) else { return };
        let now = ctx.now_ms();
        self.orders.expire_unknown(now, UNKNOWN_MS);
        // Up only: a bid is moved when the mid rose by half the dip since it was priced.
        let risen = |placed: Decimal| (mid - placed) * Decimal::TWO >= bps(self.s.dip_bps) * placed;
        let retry = |sent: Option<u64>| sent.is_some_and(|t| now.saturating_sub(t) >= CANCEL_RETRY_MS);
        let stale: Vec<_> = self
            .orders
            .iter()
            .filter(|(_, t)| !t.terminal)
            .filter(|(_, t)| match t.tag {
                Leg::Entry { mid: placed } => (t.is_working() && risen(placed)) || retry(t.cancel_sent_ms),
                Leg::Exit => false,
            })
            .map(|(c, _)| c.clone())
            .collect();
        for oid in &stale {
            self.orders.cancel(ctx, oid);
        }
        let bidding = self.orders.iter().any(|(_, t)| !t.terminal && matches!(t.tag, Leg::Entry { .. }));
        if bidding || !self.live || now < self.paused_until_ms {
            return;
        }
        let room = self.s.max_position - self.orders.net() - self.orders.pending(&Side::Buy);
        let qty = floor(self.s.qty.min(room), qty_tick);
        let price = floor(mid * (Decimal::ONE - bps(self.s.dip_bps)), price_tick);
        if qty <= Decimal::ZERO || price <= Decimal::ZERO {
            return;
        }
        let mut bid = CreateOrder::limit(&self.s.instrument, Side::Buy, price, qty, "");
        bid.exec_inst = vec![ExecInst::PostOnly];
        self.orders.submit(ctx, bid, Leg::Entry { mid });
    }

    /// Offers `qty` bought at `paid` back, `take_profit_bps` higher (rounded up to the tick).
    fn exit(&mut self, ctx: &mut Context<'_>, qty: Decimal, paid: Decimal) {
        let Some((price_tick, qty_tick)) = self.ticks else { return };
        let qty = floor(qty, qty_tick);
        if qty > Decimal::ZERO {
            let price = ceil(paid * (Decimal::ONE + bps(self.s.take_profit_bps)), price_tick);
            let ask = CreateOrder::limit(&self.s.instrument, Side::Sell, price, qty, "");
            self.orders.submit(ctx, ask, Leg::Exit);
        }
    }
}

/// `x` rounded down to a multiple of `tick`.
fn floor(x: Decimal, tick: Decimal) -> Decimal {
    (x / tick).floor() * tick
}

/// `x` rounded up to a multiple of `tick`.
fn ceil(x: Decimal, tick: Decimal) -> Decimal {
    (x / tick).ceil() * tick
}

impl Strategy for DipBuyer {
    fn name(&self) -> &str {
        "dip_buyer"
    }

    fn market_channels(&self) -> Vec<Channel> {
        vec![Channel::book(self.s.instrument.as_str(), 10)]
    }

    /// Takes the venue's ticks: every price and size is rounded to them, and a `qty` off the
    /// quantity tick refuses the run (the exchange would refuse every order) naming the
    /// nearest valid sizes.
    fn configure(&mut self, venue: &[Instrument]) -> Result<(), ConfigError> {
        let name = &self.s.instrument;
        let def = venue.iter().find(|i| i.symbol.as_str() == name.as_str()).ok_or_else(|| ConfigError::Instrument {
            instrument: name.clone(),
            problem: "the venue does not list it; choose a listed instrument".into(),
        })?;
        let (price_tick, qty_tick) = (def.price_tick_size, def.qty_tick_size);
        if price_tick <= Decimal::ZERO || qty_tick <= Decimal::ZERO {
            let problem = "the venue gives it no usable ticks; choose another instrument".into();
            return Err(ConfigError::Instrument { instrument: name.clone(), problem });
        }
        if !(self.s.qty % qty_tick).is_zero() {
            let (lo, hi) = (floor(self.s.qty, qty_tick), ceil(self.s.qty, qty_tick));
            let fix = if lo > Decimal::ZERO {
                format!("use {} or {}", lo.normalize(), hi.normalize())
            } else {
                format!("use {}", hi.normalize())
            };
            let problem = format!(
                "{} is not a multiple of {name}'s quantity tick {}: {fix}",
                self.s.qty.normalize(),
                qty_tick.normalize()
            );
            return Err(ConfigError::parameter("qty", problem));
        }
        self.ticks = Some((price_tick, qty_tick));
        Ok(())
    }

    /// Counts earlier runs' fills into the position and keeps their resting exits; an old bid
    /// was priced from an old mid, so it is cancelled (a new one follows the market).
    fn on_resume(&mut self, ctx: &mut Context<'_>, r: &Resumed) {
        self.orders.resume_fills(&r.fills, &self.s.instrument);
        for o in &r.open_orders {
            let cancel = || o.client_oid.clone().map_or(OrderRef::OrderId(o.order_id.clone()), OrderRef::ClientOid);
            if o.instrument_name.as_str() != self.s.instrument {
                ctx.cancel(cancel());
            } else if o.side == Side::Sell {
                self.orders.adopt(o, Leg::Exit);
            } else if let Some(oid) = self.orders.adopt(o, Leg::Entry { mid: Decimal::ZERO }) {
                self.orders.cancel(ctx, &oid);
            }
        }
    }

    fn on_book(&mut self, ctx: &mut Context<'_>, instrument: &str, book: &OrderBook) {
        if instrument == self.s.instrument {
            self.mid = self.market_mid(book).or(self.mid);
            self.refresh(ctx);
        }
    }

    fn on_order(&mut self, ctx: &mut Context<'_>, order: &Order) {
        if self.orders.on_order(order).is_some() {
            if order.status == OrderStatus::Rejected && order.side == Side::Buy {
                // A post-only bid that would have taken: the market is moving through it.
                self.paused_until_ms = ctx.now_ms() + PAUSE_MS;
            }
            self.refresh(ctx);
        }
    }

    fn on_fill(&mut self, ctx: &mut Context<'_>, fill: &Trade) {
        let Some((signed, _done)) = self.orders.on_fill(fill) else { return };
        if signed > Decimal::ZERO {
            self.exit(ctx, signed, fill.traded_price);
        }
        self.refresh(ctx);
    }

    /// A refused bid is retried after a pause; a refused exit is not retried (what it held
    /// stays in the position, and so counts against `max_position`).
    fn on_refused(&mut self, ctx: &mut Context<'_>, refusal: &Refusal) {
        self.orders.on_refused(refusal, ctx.now_ms());
        self.paused_until_ms = ctx.now_ms() + PAUSE_MS;
    }

    /// A bid against a stale view is a gift to others: it is pulled until the view is live.
    fn on_live(&mut self, ctx: &mut Context<'_>, live: bool) {
        self.live = live;
        if live {
            self.refresh(ctx);
            return;
        }
        let bids: Vec<_> = self
            .orders
            .iter()
            .filter(|(_, t)| t.is_working() && matches!(t.tag, Leg::Entry { .. }))
            .map(|(c, _)| c.clone())
            .collect();
        for oid in &bids {
            self.orders.cancel(ctx, oid);
        }
    }
}
