//! The `Strategy` trait and the context a strategy sees, and [`OwnOrders`], the book-keeping a
//! strategy keeps of its own orders. Callbacks are synchronous and run on the engine task: a
//! strategy reads state and records intents (submit, cancel, amend); the engine checks them
//! against the risk limits and routes them. Nothing here does I/O or sends anything itself:
//! intents are only recorded, and the engine alone acts on them.

mod config_error;
mod own_orders;

use std::collections::HashMap;
use std::time::Duration;

use rust_decimal::Decimal;

use crate::engine::oid::tag_of;
use crate::engine::venue::Listed;
use crate::protocol::ids::ClientOrderId;
use crate::protocol::models::{Instrument, Order, Position, PublicTrade, Ticker, Trade};
use crate::protocol::requests::{AmendOrder, CreateOrder, ListKind, OrderRef};
use crate::protocol::Channel;
use crate::state::book::{Books, OrderBook};
use crate::state::{Balance, State};

pub use config_error::ConfigError;
pub use own_orders::{Done, OwnOrders, Tracked};

/// What a strategy asks the engine to do.
// Submit is the common intent and lies on the tick-to-order path: kept inline rather than
// boxed, so that placing an order costs no allocation of its own.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Place an order (its `client_oid` is always set by the context).
    Submit(CreateOrder),
    /// Cancel an order.
    Cancel(OrderRef),
    /// Amend an order.
    Amend(AmendOrder),
    /// Cancel every order of an instrument (or all).
    CancelAll(Option<String>),
    /// Close an instrument's whole position with a reduce-only order: at market, or at the
    /// limit price given.
    ClosePosition {
        /// The instrument.
        instrument: String,
        /// A limit price; `None` for market.
        price: Option<Decimal>,
    },
    /// Place a contingent list: an OCO pair, an OTO or an OTOCO (its `client_oid`s always set
    /// by the context).
    List {
        /// Which list.
        kind: ListKind,
        /// Its legs, in the order [`ListKind`] describes.
        legs: Vec<CreateOrder>,
    },
    /// Cancels then creates on one instrument in one request (creates' `client_oid`s always
    /// set by the context).
    Batch {
        /// The instrument of every item.
        instrument: String,
        /// Orders to cancel first.
        cancels: Vec<OrderRef>,
        /// Orders to create.
        creates: Vec<CreateOrder>,
    },
}

/// Why the engine did not send an intent.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The intent refused.
    pub intent: Intent,
    /// Why, in words a person can act on.
    pub reason: String,
    /// Who refused it, as a type to decide on (the reason is for people).
    pub cause: RefusalCause,
}

impl Refusal {
    /// The exchange's reason code, when the exchange refused it.
    pub fn code(&self) -> Option<i64> {
        match self.cause {
            RefusalCause::Exchange(code) => Some(code),
            _ => None,
        }
    }
}

/// Who refused an intent, and what that says about the order.
#[derive(Debug, Clone, PartialEq)]
pub enum RefusalCause {
    /// The engine's own checks: nothing was sent.
    Risk(crate::engine::RiskRefusal),
    /// The exchange refused it, with this reason code: it does not exist.
    Exchange(i64),
    /// It was sent and no answer settled it: it may exist; reconciliation will tell.
    Unknown,
    /// It was sent, could not be delivered, and the exchange does not have it.
    NotPlaced,
}

/// What a strategy gets back when a run starts on a journal that earlier runs wrote: its own
/// orders that are still open (as the exchange reports them) and every fill of its own orders
/// (journal and exchange together, each `trade_id` once), oldest first. A strategy that keeps
/// an inventory rebuilds it from `fills` before its first decision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resumed {
    /// Its orders still open on the exchange.
    pub open_orders: Vec<Order>,
    /// Every fill of its orders from earlier runs, oldest first.
    pub fills: Vec<Trade>,
}

/// The view and the levers a strategy gets in each callback.
pub struct Context<'a> {
    state: &'a State,
    intents: &'a mut Vec<Intent>,
    oids: &'a mut dyn FnMut() -> ClientOrderId,
    now_ms: u64,
    view: Option<View<'a>>,
}

/// What the engine shows a strategy beyond the account's state: the local books, the venue's
/// instruments, and which orders are the strategy's own (by its tag).
#[derive(Clone, Copy)]
pub struct View<'a> {
    /// The local order books.
    pub books: &'a Books,
    /// The venue's instruments.
    pub listed: &'a Listed,
    /// The strategy's tag in client ids.
    pub tag: &'a str,
    /// The strategy's own position by instrument (see [`Context::position`]).
    pub positions: &'a HashMap<String, Decimal>,
}

impl<'a> Context<'a> {
    /// A context over `state`, collecting intents; `oids` makes unique client ids.
    pub fn new(
        state: &'a State,
        intents: &'a mut Vec<Intent>,
        oids: &'a mut dyn FnMut() -> ClientOrderId,
        now_ms: u64,
    ) -> Self {
        Context { state, intents, oids, now_ms, view: None }
    }

    /// The same context with the engine's [`View`]: books, instruments and the strategy's tag.
    pub fn with_view(mut self, view: View<'a>) -> Self {
        self.view = Some(view);
        self
    }

    /// The local book of `instrument`, once it is valid (snapshot taken, no gap since); `None`
    /// without one, or outside the engine.
    pub fn book(&self, instrument: &str) -> Option<&OrderBook> {
        self.view?.books.get(instrument).filter(|b| b.is_valid())
    }

    /// The venue's definition of `instrument` (ticks, ...), if the strategy trades it.
    pub fn instrument(&self, name: &str) -> Option<&Instrument> {
        self.view?.listed.get(name)
    }

    /// This strategy's orders still open, placed in this run or adopted from earlier ones;
    /// empty outside the engine.
    pub fn own_open_orders(&self) -> Vec<Order> {
        let Some(v) = self.view else { return Vec::new() };
        let mine = |o: &Order| o.client_oid.as_ref().and_then(|c| tag_of(c.as_str())) == Some(v.tag);
        self.state.orders.open().into_iter().filter(mine).collect()
    }

    /// This strategy's own position in `instrument`: the net quantity of its own fills, earlier
    /// runs on the same journal included (buys add, sells subtract), whatever else the account
    /// holds or trades. Zero outside the engine. The account's positions as the exchange reports
    /// them are in [`Context::state`].
    pub fn position(&self, instrument: &str) -> Decimal {
        self.view.and_then(|v| v.positions.get(instrument).copied()).unwrap_or_default()
    }

    /// The account's state (orders, fills, balances, positions).
    pub fn state(&self) -> &State {
        self.state
    }

    /// Whether the state is reconciled and live; acting on a stale view is the caller's risk.
    pub fn is_live(&self) -> bool {
        self.state.is_live()
    }

    /// The engine's clock, UTC ms.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Places an order; returns the client id it will carry. Any `client_oid` already set is
    /// replaced by a unique one, so that retries can never place it twice.
    pub fn submit(&mut self, mut order: CreateOrder) -> ClientOrderId {
        let oid = (self.oids)();
        order.client_oid = Some(oid.clone());
        self.intents.push(Intent::Submit(order));
        oid
    }

    /// Cancels an order.
    pub fn cancel(&mut self, order: OrderRef) {
        self.intents.push(Intent::Cancel(order));
    }

    /// Amends an order's price and quantity.
    pub fn amend(&mut self, amend: AmendOrder) {
        self.intents.push(Intent::Amend(amend));
    }

    /// Cancels every order of an instrument, or all of them.
    pub fn cancel_all(&mut self, instrument: Option<&str>) {
        self.intents.push(Intent::CancelAll(instrument.map(str::to_owned)));
    }

    /// Closes an instrument's whole position with a reduce-only order, at market (`None`) or
    /// at a limit price. The exchange places the order; it reaches the strategy as an update
    /// like any other, without this strategy's tag.
    pub fn close_position(&mut self, instrument: &str, price: Option<Decimal>) {
        self.intents.push(Intent::ClosePosition { instrument: instrument.to_owned(), price });
    }

    /// Cancels `cancels` and then places `creates`, all on `instrument`, in one request (at
    /// most 10 creates): a quote refresh in one round trip. Not atomic: each item succeeds or
    /// fails alone, and what happened shows up through `on_order`. Returns the creates' client
    /// ids. Sent once, never retried.
    pub fn submit_batch(
        &mut self,
        instrument: &str,
        cancels: Vec<OrderRef>,
        creates: Vec<CreateOrder>,
    ) -> Vec<ClientOrderId> {
        let mut ids = Vec::with_capacity(creates.len());
        let creates = creates
            .into_iter()
            .map(|mut o| {
                let oid = (self.oids)();
                o.client_oid = Some(oid.clone());
                o.instrument_name = instrument.into();
                ids.push(oid);
                o
            })
            .collect();
        self.intents.push(Intent::Batch { instrument: instrument.to_owned(), cancels, creates });
        ids
    }

    /// Places two orders as an OCO pair (e.g. a take-profit and a stop-loss on an open
    /// position, both [`CreateOrder::reduce_only`]): when one triggers or fills, the exchange
    /// cancels the other. Returns the client ids the legs will carry. Sent once, never retried
    /// (a lost answer shows up in the next reconciliation).
    pub fn submit_oco(&mut self, first: CreateOrder, second: CreateOrder) -> [ClientOrderId; 2] {
        let [a, b, _] = self.submit_list(ListKind::Oco, [Some(first), Some(second), None]);
        [a, b]
    }

    /// Places an OTO: `working` now, `then` (e.g. its stop-loss) only once `working` filled.
    pub fn submit_oto(&mut self, working: CreateOrder, then: CreateOrder) -> [ClientOrderId; 2] {
        let [a, b, _] = self.submit_list(ListKind::Oto, [Some(working), Some(then), None]);
        [a, b]
    }

    /// Places an OTOCO: `working` now, and the OCO pair `take_profit` / `stop_loss` once it
    /// filled.
    pub fn submit_otoco(
        &mut self,
        working: CreateOrder,
        take_profit: CreateOrder,
        stop_loss: CreateOrder,
    ) -> [ClientOrderId; 3] {
        self.submit_list(ListKind::Otoco, [Some(working), Some(take_profit), Some(stop_loss)])
    }

    fn submit_list(&mut self, kind: ListKind, legs: [Option<CreateOrder>; 3]) -> [ClientOrderId; 3] {
        let mut ids: [ClientOrderId; 3] = Default::default();
        let mut out = Vec::with_capacity(3);
        for (slot, mut leg) in ids.iter_mut().zip(legs).filter_map(|(s, l)| l.map(|l| (s, l))) {
            *slot = (self.oids)();
            leg.client_oid = Some(slot.clone());
            out.push(leg);
        }
        self.intents.push(Intent::List { kind, legs: out });
        ids
    }
}

/// An automated strategy. Every callback has a default that does nothing, so a strategy
/// implements only what it needs.
///
/// The engine calls it on its own task, one callback at a time, with a fresh [`Context`]; what
/// a callback records there (an order, a cancel) is sent once the callback returns, if the risk
/// checks allow it. A strategy never does I/O and never blocks.
///
/// # Example
///
/// A strategy that bids for 0.001 BTC at 49 000 USD when the run starts. The engine builds the
/// [`Context`]; a test can build one too, over a [`State`], and look at what was recorded:
///
/// ```
/// use cdc_engine::protocol::enums::Side;
/// use cdc_engine::protocol::ids::ClientOrderId;
/// use cdc_engine::protocol::requests::CreateOrder;
/// use cdc_engine::state::State;
/// use cdc_engine::strategy::{Context, Intent, Strategy};
/// use rust_decimal::Decimal;
///
/// struct OneBid;
///
/// impl Strategy for OneBid {
///     fn name(&self) -> &str {
///         "one_bid"
///     }
///
///     fn on_start(&mut self, ctx: &mut Context<'_>) {
///         let (price, qty) = (Decimal::new(49_000, 0), Decimal::new(1, 3));
///         let oid = ctx.submit(CreateOrder::limit("BTC_USD", Side::Buy, price, qty, ""));
///         assert_eq!(oid.as_str(), "one_bid-1");
///     }
/// }
///
/// // Drive it as the engine would: a context over the account's state that collects intents
/// // and hands out client ids.
/// let state = State::default();
/// let mut intents = Vec::new();
/// let mut next = 0;
/// let mut oids = || {
///     next += 1;
///     ClientOrderId::from(format!("one_bid-{next}"))
/// };
/// let mut strategy = OneBid;
/// strategy.on_start(&mut Context::new(&state, &mut intents, &mut oids, 1_700_000_000_000));
///
/// // One order recorded, carrying the client id the context gave it.
/// let [Intent::Submit(order)] = intents.as_slice() else { panic!("expected one order, got {intents:?}") };
/// assert_eq!(order.side, Side::Buy);
/// assert_eq!((order.price, order.quantity), (Some(Decimal::new(49_000, 0)), Some(Decimal::new(1, 3))));
/// assert_eq!(order.client_oid.as_ref().map(|c| c.as_str()), Some("one_bid-1"));
/// // Its orders carry its id, by default the name.
/// assert_eq!(strategy.id(), "one_bid");
/// ```
///
/// A whole strategy run by the engine as its own program is in `examples/dip_buyer/`; it keeps
/// its orders with [`OwnOrders`] and takes the venue's ticks in [`Strategy::configure`].
#[allow(unused_variables)]
pub trait Strategy: Send {
    /// A short name, used in logs and in client ids.
    fn name(&self) -> &str;
    /// A stable identifier carried in the client id of every order this strategy places, so
    /// that its orders and fills are told apart from others' after a restart. Up to 12
    /// characters of `[a-z0-9_]`, unique among the strategies that share a journal. Default:
    /// the name, shortened and cleaned to fit.
    fn id(&self) -> String {
        crate::engine::oid::clean_tag(self.name())
    }
    /// The instruments this strategy trades; the engine checks each against the venue's list
    /// before anything starts. Default: the instruments of its market channels.
    fn instruments(&self) -> Vec<String> {
        let mut v: Vec<String> =
            self.market_channels().iter().filter_map(|c| c.instrument().map(ToString::to_string)).collect();
        v.sort();
        v.dedup();
        v
    }
    /// The venue's definition of each instrument in [`Strategy::instruments`] (tick sizes and
    /// the like), once, before any other callback. `Err` refuses to start the run with that
    /// reason, which must name the setting to change and the value that would be accepted.
    fn configure(&mut self, instruments: &[Instrument]) -> Result<(), ConfigError> {
        Ok(())
    }
    /// Once, before [`Strategy::on_start`], when earlier runs on the same journal left orders
    /// or fills of this strategy (see [`Resumed`]).
    fn on_resume(&mut self, ctx: &mut Context<'_>, resumed: &Resumed) {}
    /// Once, before any other callback except `configure` and `on_resume`.
    fn on_start(&mut self, ctx: &mut Context<'_>) {}
    /// One of this strategy's orders changed (new, filled more, cancelled, ...). Only orders
    /// whose client id carries this strategy's tag arrive here; others' orders do not.
    fn on_order(&mut self, ctx: &mut Context<'_>, order: &Order) {}
    /// A new fill of one of this strategy's orders (each `trade_id` once).
    fn on_fill(&mut self, ctx: &mut Context<'_>, fill: &Trade) {}
    /// A currency's balance changed.
    fn on_balance(&mut self, ctx: &mut Context<'_>, currency: &str, balance: &Balance) {}
    /// A position changed.
    fn on_position(&mut self, ctx: &mut Context<'_>, position: &Position) {}
    /// An instrument's book changed.
    fn on_book(&mut self, ctx: &mut Context<'_>, instrument: &str, book: &OrderBook) {}
    /// A ticker arrived.
    fn on_ticker(&mut self, ctx: &mut Context<'_>, ticker: &Ticker) {}
    /// A public trade arrived.
    fn on_public_trade(&mut self, ctx: &mut Context<'_>, trade: &PublicTrade) {}
    /// The timer fired (see [`Strategy::timer_interval`]).
    fn on_timer(&mut self, ctx: &mut Context<'_>) {}
    /// The state went live (reconciled) or stopped being live (disconnected).
    fn on_live(&mut self, ctx: &mut Context<'_>, live: bool) {}
    /// The engine or the exchange refused one of this strategy's intents.
    fn on_refused(&mut self, ctx: &mut Context<'_>, refusal: &Refusal) {}
    /// Once, on shutdown, before open orders are cancelled.
    fn on_stop(&mut self, ctx: &mut Context<'_>) {}
    /// How often [`Strategy::on_timer`] runs; `None` for never.
    fn timer_interval(&self) -> Option<Duration> {
        None
    }
    /// The market channels the strategy needs (e.g. `book.BTC_USD.10`).
    fn market_channels(&self) -> Vec<Channel> {
        Vec::new()
    }
}
