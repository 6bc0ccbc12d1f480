//! The typed events the engine broadcasts to readers (tail, dashboard, metrics). A reader that
//! falls behind is told it lagged (tokio's broadcast) and never slows the engine.

use crate::protocol::models::{Order, Position, Trade};
use crate::state::Balance;
use crate::strategy::Refusal;

/// Something that changed in the account or the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// An order's new state.
    Order(Box<Order>),
    /// A new fill (each `trade_id` exactly once).
    Fill(Box<Trade>),
    /// A currency's balance changed.
    Balance {
        /// The currency whose balance changed, e.g. `USD`.
        currency: String,
        /// Its new balance.
        balance: Balance,
    },
    /// A position changed.
    Position(Box<Position>),
    /// The connection or the live flag changed.
    Connection {
        /// Whether the state is reconciled and following the stream.
        live: bool,
        /// What happened.
        detail: String,
    },
    /// The market data feed's state: connected and subscribed, first data, or down with the
    /// cause (the engine keeps reconnecting).
    Feed {
        /// Whether the feed is up.
        live: bool,
        /// What happened.
        detail: String,
    },
    /// An intent was refused by the risk checks or the exchange.
    Refused(Box<Refusal>),
    /// A strategy was given back what earlier runs on the journal left of it, before it
    /// started: its open orders, its fills, and the net position of those fills.
    Resumed {
        /// The strategy's name.
        strategy: String,
        /// Its orders still open on the exchange.
        open_orders: usize,
        /// Its fills from earlier runs (journal and exchange).
        fills: usize,
        /// Net base quantity of those fills, by instrument.
        position: Vec<(String, rust_decimal::Decimal)>,
    },
    /// The kill switch went on (every strategy halted, every new order blocked, this engine's
    /// orders cancelled) or off (an operator resumed).
    KillSwitch {
        /// Whether it is on now.
        on: bool,
        /// Why: the operator's words or the trigger's figures.
        reason: String,
    },
    /// A strategy was stopped by the engine (its orders keep being refused, or it asked to
    /// stop); the engine sends it nothing more and cancels its open orders.
    Halted {
        /// The strategy's name.
        strategy: String,
        /// Why, in words a person can act on.
        reason: String,
    },
}
