//! A strategy's own orders, kept from its callbacks alone (the state's writers are the
//! engine's): what it placed, what filled, what is still working, and its net position from its
//! own fills. It must NOT place or cancel anything itself; strategies decide, this only counts.
//!
//! The user stream has separate order and fill channels, so an order may be reported FILLED
//! before its fills arrive, or the other way round. An order therefore leaves the book-keeping
//! only once it is terminal *and* its fills add up to its final cumulative quantity; until then
//! the executed-but-unseen part still counts as pending, so exposure is never understated.
//!
//! On a restart, [`OwnOrders::resume_fills`] counts the earlier runs' fills into the position and
//! [`OwnOrders::adopt`] takes over the orders still open, so that they are managed like new ones.

use std::collections::{HashMap, HashSet, VecDeque};

use super::{Context, Intent, Refusal, RefusalCause};
use crate::protocol::enums::Side;
use crate::protocol::ids::{ClientOrderId, OrderId, TradeId};
use crate::protocol::models::{Order, Trade};
use crate::protocol::requests::{CreateOrder, OrderRef};
use rust_decimal::Decimal;

/// Finished orders remembered so that a late fill still counts (bounded).
const RECENT: usize = 256;

/// One order of the strategy, with the strategy's own tag (e.g. a grid level).
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked<T> {
    /// Buy or sell, as placed.
    pub side: Side,
    /// Limit price (None: market).
    pub price: Option<Decimal>,
    /// Ordered quantity.
    pub qty: Decimal,
    /// Filled, from this strategy's fills.
    pub filled: Decimal,
    /// The exchange's cumulative quantity, from order updates.
    pub cum: Decimal,
    /// Whether the exchange reported it finished.
    pub terminal: bool,
    /// When a cancel was last sent (engine ms), if any.
    pub cancel_sent_ms: Option<u64>,
    /// When the placement's outcome became unknown (engine ms), if it did.
    pub unknown_since_ms: Option<u64>,
    /// The strategy's tag.
    pub tag: T,
    order_id: Option<OrderId>,
}

impl<T> Tracked<T> {
    /// Quantity that may still trade (or traded unseen): what exposure must count.
    pub fn pending(&self) -> Decimal {
        let left = if self.terminal { self.cum - self.filled } else { self.qty - self.filled };
        left.max(Decimal::ZERO)
    }

    /// Working and not being cancelled: a live quote.
    pub fn is_working(&self) -> bool {
        !self.terminal && self.cancel_sent_ms.is_none()
    }
}

/// An order that left the book-keeping.
#[derive(Debug, Clone, PartialEq)]
pub struct Done<T> {
    /// Its client id.
    pub oid: ClientOrderId,
    /// The order as last tracked.
    pub order: Tracked<T>,
}

impl<T> Done<T> {
    /// Whether it filled completely.
    pub fn fully_filled(&self) -> bool {
        self.order.filled >= self.order.qty
    }
}

/// The strategy's orders by client id, each with a tag `T` of the strategy's choosing (a grid
/// level, the price a quote was based on, `()` for nothing). Feed it the strategy's
/// `on_order`, `on_fill` and `on_refused` callbacks; it places and cancels only when told to,
/// through the [`Context`] it is given.
///
/// # Example
///
/// A bid placed, reported `FILLED` before its fill arrives: until the fill is seen its quantity
/// still counts as pending, then it leaves the book-keeping and the position moves.
///
/// ```
/// use cdc_engine::protocol::enums::Side;
/// use cdc_engine::protocol::ids::ClientOrderId;
/// use cdc_engine::protocol::models::{Order, Trade};
/// use cdc_engine::protocol::requests::CreateOrder;
/// use cdc_engine::state::State;
/// use cdc_engine::strategy::{Context, OwnOrders};
/// use rust_decimal::Decimal;
/// use serde_json::json;
///
/// let qty = Decimal::new(2, 3); // 0.002
/// let mut orders: OwnOrders<&str> = OwnOrders::default();
///
/// // In a callback: place a bid through the context, tagged "entry".
/// let (state, mut intents) = (State::default(), Vec::new());
/// let mut oids = || ClientOrderId::from("dip-1");
/// let mut ctx = Context::new(&state, &mut intents, &mut oids, 1_700_000_000_000);
/// let bid = CreateOrder::limit("BTC_USD", Side::Buy, Decimal::new(49_000, 0), qty, "");
/// let oid = orders.submit(&mut ctx, bid, "entry");
/// assert_eq!(orders.pending(&Side::Buy), qty);
///
/// // `on_order`: the exchange says it filled, but the fill has not arrived yet.
/// let update: Order = serde_json::from_value(json!({
///     "order_id": "77", "client_oid": oid.as_str(), "instrument_name": "BTC_USD", "side": "BUY",
///     "quantity": "0.002", "limit_price": "49000", "status": "FILLED", "cumulative_quantity": "0.002",
///     "update_time": 1
/// }))
/// .unwrap();
/// assert!(orders.on_order(&update).is_none());
/// assert_eq!(orders.pending(&Side::Buy), qty, "executed but unseen: still counted");
///
/// // `on_fill`: now it is done; the signed quantity and the finished order come back.
/// let fill: Trade = serde_json::from_value(json!({
///     "trade_id": "9001", "order_id": "77", "client_oid": oid.as_str(), "instrument_name": "BTC_USD",
///     "side": "BUY", "traded_price": "49000", "traded_quantity": "0.002", "fees": "-0.098",
///     "create_time": 1_700_000_000_500u64
/// }))
/// .unwrap();
/// let (signed, done) = orders.on_fill(&fill).unwrap();
/// let done = done.unwrap();
/// assert_eq!((signed, done.fully_filled(), done.order.tag, done.oid), (qty, true, "entry", oid));
/// assert_eq!((orders.net(), orders.pending(&Side::Buy)), (qty, Decimal::ZERO));
/// assert!(orders.is_empty());
/// ```
#[derive(Debug)]
pub struct OwnOrders<T> {
    live: HashMap<ClientOrderId, Tracked<T>>,
    recent: VecDeque<(ClientOrderId, Option<OrderId>, Side)>,
    net: Decimal,
    /// Fills counted by `resume_fills`: the same fill delivered live again must not count twice.
    resumed: HashSet<TradeId>,
    /// Quantity filled per order according to `resume_fills`, for `adopt`.
    resumed_filled: HashMap<OrderId, Decimal>,
}

impl<T> Default for OwnOrders<T> {
    fn default() -> Self {
        OwnOrders {
            live: HashMap::new(),
            recent: VecDeque::new(),
            net: Decimal::ZERO,
            resumed: HashSet::new(),
            resumed_filled: HashMap::new(),
        }
    }
}

impl<T: Clone> OwnOrders<T> {
    /// Submits `order` through `ctx` and starts tracking it.
    pub fn submit(&mut self, ctx: &mut Context<'_>, order: CreateOrder, tag: T) -> ClientOrderId {
        let (side, price, qty) = (order.side.clone(), order.price, order.quantity.unwrap_or_default());
        let oid = ctx.submit(order);
        let t = Tracked {
            side,
            price,
            qty,
            filled: Decimal::ZERO,
            cum: Decimal::ZERO,
            terminal: false,
            cancel_sent_ms: None,
            unknown_since_ms: None,
            tag,
            order_id: None,
        };
        self.live.insert(oid.clone(), t);
        oid
    }

    /// Counts fills of `instrument` from earlier runs into the net position (each `trade_id`
    /// once, here and in later [`OwnOrders::on_fill`] calls). Call it before [`OwnOrders::adopt`],
    /// which takes each adopted order's filled quantity from these.
    pub fn resume_fills(&mut self, fills: &[Trade], instrument: &str) {
        for f in fills.iter().filter(|f| f.instrument_name.as_str() == instrument) {
            if !self.resumed.insert(f.trade_id.clone()) {
                continue;
            }
            self.net += if f.side == Side::Buy { f.traded_quantity } else { -f.traded_quantity };
            *self.resumed_filled.entry(f.order_id.clone()).or_default() += f.traded_quantity;
        }
    }

    /// Takes over an order that an earlier run placed and that is still open, with `tag`;
    /// returns its client id, or `None` if it has none (it cannot be tracked by it) or is
    /// already tracked. From then on it is managed like an order placed by this run.
    pub fn adopt(&mut self, o: &Order, tag: T) -> Option<ClientOrderId> {
        let oid = o.client_oid.clone()?;
        if o.status.is_terminal() || self.live.contains_key(&oid) {
            return None;
        }
        let filled = self.resumed_filled.get(&o.order_id).copied().unwrap_or_default();
        let t = Tracked {
            side: o.side.clone(),
            price: o.limit_price,
            qty: o.quantity,
            filled,
            cum: o.cumulative_quantity.max(filled),
            terminal: false,
            cancel_sent_ms: None,
            unknown_since_ms: None,
            tag,
            order_id: Some(o.order_id.clone()),
        };
        self.live.insert(oid.clone(), t);
        Some(oid)
    }

    /// Sends a cancel for a working order (by client id, known before the ack).
    pub fn cancel(&mut self, ctx: &mut Context<'_>, oid: &ClientOrderId) {
        if let Some(t) = self.live.get_mut(oid).filter(|t| !t.terminal) {
            t.cancel_sent_ms = Some(ctx.now_ms());
            ctx.cancel(OrderRef::ClientOid(oid.clone()));
        }
    }

    /// An order update; returns the order if it just left the book-keeping.
    pub fn on_order(&mut self, o: &Order) -> Option<Done<T>> {
        let oid = o.client_oid.as_ref()?;
        let t = self.live.get_mut(oid)?;
        t.order_id = Some(o.order_id.clone());
        t.unknown_since_ms = None;
        t.cum = t.cum.max(o.cumulative_quantity);
        t.terminal |= o.status.is_terminal();
        self.finish_if_done(oid.clone())
    }

    /// A fill; returns the signed quantity (+buy, −sell) if it was one of ours, and the order
    /// if it just left the book-keeping.
    pub fn on_fill(&mut self, f: &Trade) -> Option<(Decimal, Option<Done<T>>)> {
        if self.resumed.contains(&f.trade_id) {
            return None;
        }
        let oid = match f.client_oid.as_ref().filter(|c| self.live.contains_key(*c)) {
            Some(c) => Some(c.clone()),
            None => self.live.iter().find(|(_, t)| t.order_id.as_ref() == Some(&f.order_id)).map(|(c, _)| c.clone()),
        };
        let signed = |side: Side| if side == Side::Buy { f.traded_quantity } else { -f.traded_quantity };
        let Some(oid) = oid else {
            // A late fill of an order already finished still moves the position.
            let (_, _, side) = self
                .recent
                .iter()
                .find(|(c, id, _)| f.client_oid.as_ref() == Some(c) || id.as_ref() == Some(&f.order_id))?;
            let q = signed(side.clone());
            self.net += q;
            return Some((q, None));
        };
        let t = self.live.get_mut(&oid)?;
        t.filled += f.traded_quantity;
        t.unknown_since_ms = None;
        let q = signed(t.side.clone());
        self.net += q;
        Some((q, self.finish_if_done(oid)))
    }

    /// A refused intent. A placement whose outcome is unknown may still exist, so it keeps
    /// counting as pending (from `now_ms`) until an update settles it or
    /// [`OwnOrders::expire_unknown`] gives up on it. Returns the order if it was dropped.
    pub fn on_refused(&mut self, r: &Refusal, now_ms: u64) -> Option<Done<T>> {
        let Intent::Submit(order) = &r.intent else { return None };
        let oid = order.client_oid.as_ref()?;
        if r.cause == RefusalCause::Unknown {
            if let Some(t) = self.live.get_mut(oid) {
                t.unknown_since_ms.get_or_insert(now_ms);
            }
            return None;
        }
        let order = self.live.remove(oid)?;
        Some(Done { oid: oid.clone(), order })
    }

    /// Drops placements whose outcome has been unknown for `after_ms`; returns them.
    pub fn expire_unknown(&mut self, now_ms: u64, after_ms: u64) -> Vec<Done<T>> {
        let old: Vec<ClientOrderId> = self
            .live
            .iter()
            .filter(|(_, t)| t.unknown_since_ms.is_some_and(|s| now_ms.saturating_sub(s) >= after_ms))
            .map(|(c, _)| c.clone())
            .collect();
        old.into_iter().filter_map(|oid| self.live.remove(&oid).map(|order| Done { oid, order })).collect()
    }

    fn finish_if_done(&mut self, oid: ClientOrderId) -> Option<Done<T>> {
        let t = self.live.get(&oid)?;
        if !(t.terminal && t.filled >= t.cum) {
            return None;
        }
        let order = self.live.remove(&oid)?;
        self.recent.push_back((oid.clone(), order.order_id.clone(), order.side.clone()));
        while self.recent.len() > RECENT {
            self.recent.pop_front();
        }
        Some(Done { oid, order })
    }

    /// Net position from this strategy's fills (+ long, − short), base units.
    pub fn net(&self) -> Decimal {
        self.net
    }

    /// Quantity on one side that may still trade.
    pub fn pending(&self, side: &Side) -> Decimal {
        self.live.values().filter(|t| t.side == *side).map(Tracked::pending).sum()
    }

    /// The tracked orders.
    pub fn iter(&self) -> impl Iterator<Item = (&ClientOrderId, &Tracked<T>)> {
        self.live.iter()
    }

    /// Whether nothing is tracked.
    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }
}

#[cfg(test)]
#[path = "own_orders_tests.rs"]
mod tests;
