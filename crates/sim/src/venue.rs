//! The seam between the simulator's network server and its exchange core.
//!
//! The server (REST, WebSocket, auth, limits, faults) talks to the core only through [`Venue`],
//! so each side can be tested alone. Nothing here does I/O or knows about sockets.

use serde_json::Value;

/// Identifies one user WebSocket connection (for cancel-on-disconnect).
pub type ConnId = u64;

/// A refusal: the reason code, its message (the reference's NAME, e.g.
/// `INSUFFICIENT_AVAILABLE_BALANCE`), and for some codes a result object (§2.4).
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    /// The reason code of §11.
    pub code: i64,
    /// The message sent back, usually the code's name.
    pub message: String,
    /// A result sent along with the error, e.g. `{client_oid, order_id}`.
    pub result: Option<Value>,
}

impl Reject {
    /// A refusal with no result.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Reject { code, message: message.into(), result: None }
    }
}

/// Something that happened in the core, for the server to push. The JSON values are the exact
/// wire objects of the reference.
#[derive(Debug, Clone, PartialEq)]
pub enum SimEvent {
    /// A full order object (§7.1) after a change.
    UserOrder {
        /// The order's instrument.
        instrument: String,
        /// The order object.
        order: Value,
    },
    /// One fill of the user's (§7.2).
    UserTrade {
        /// The fill's instrument.
        instrument: String,
        /// The trade object.
        trade: Value,
    },
    /// The full balance summary row (§7.3) after a change.
    UserBalance {
        /// The balance summary.
        balance: Value,
    },
    /// A public trade (§5.3 fields `d,t,p,q,s,i,m`).
    PublicTrade {
        /// The trade's instrument.
        instrument: String,
        /// The public trade object.
        trade: Value,
    },
    /// The book of an instrument changed; the server diffs the levels itself.
    BookChanged {
        /// The instrument whose book changed.
        instrument: String,
    },
    /// A ticker row (§5.2 fields).
    Ticker {
        /// The ticker's instrument.
        instrument: String,
        /// The ticker object.
        ticker: Value,
    },
    /// A push on another user channel (`user.positions`, `user.advance.order`, ...), sent to
    /// subscribers of the family and, with an instrument, of `family.instrument`.
    User {
        /// The channel family, e.g. `user.positions`.
        family: &'static str,
        /// The instrument, for channels that may carry one.
        instrument: Option<String>,
        /// The whole `data` array.
        data: Vec<Value>,
    },
    /// A push on another market channel (`mark.X`, `funding.X`, ...).
    Market {
        /// The full subscription name, e.g. `mark.BTCUSD-PERP`.
        channel: String,
        /// The family sent as `channel`, e.g. `mark`.
        family: &'static str,
        /// The instrument (or index) named.
        instrument: String,
        /// The whole `data` array.
        data: Vec<Value>,
    },
}

/// One price level as the wire shows it: `[price, quantity, number_of_orders]`.
pub type Level = [String; 3];

/// What the simulator's server needs from an exchange core.
pub trait Venue: Send + 'static {
    /// Runs one private method (`private/create-order`, ...). `conn` is the user WebSocket it
    /// came over (`None` for REST). `Ok(Value::Null)` means the method has no result.
    fn private(&mut self, method: &str, params: &Value, conn: Option<ConnId>, now_ms: u64) -> Result<Value, Reject>;
    /// Runs one public method with params from the query string (values arrive as strings).
    fn public(&mut self, method: &str, params: &Value, now_ms: u64) -> Result<Value, Reject>;
    /// A user connection closed: cancel the orders it created if it set cancel-on-disconnect.
    fn connection_closed(&mut self, conn: ConnId, now_ms: u64);
    /// One step of the synthetic market.
    fn step_market(&mut self, now_ms: u64);
    /// Top `depth` levels: (bids best first, asks best first).
    fn book_levels(&self, instrument: &str, depth: usize) -> Option<(Vec<Level>, Vec<Level>)>;
    /// The user's open orders as wire objects, for `user.order` snapshots.
    fn open_orders_json(&self, instrument: Option<&str>) -> Vec<Value>;
    /// The balance summary row, as in `private/user-balance`'s `data[0]`.
    fn balance_json(&self, now_ms: u64) -> Value;
    /// The last `n` public trades of an instrument, newest first.
    fn recent_public_trades(&self, instrument: &str, n: usize) -> Vec<Value>;
    /// The ticker row of an instrument.
    fn ticker_json(&self, instrument: &str, now_ms: u64) -> Option<Value>;
    /// Whether the instrument is listed.
    fn is_instrument(&self, instrument: &str) -> bool;
    /// The data of a channel beyond books, tickers, trades and orders (the perpetuals'
    /// channels, candlesticks, the newer user channels): the first response's `data`, or
    /// `None` when the exchange would refuse the subscription. `interval` is a candlestick's.
    fn channel_data(
        &self,
        family: &str,
        instrument: Option<&str>,
        interval: Option<&str>,
        now_ms: u64,
    ) -> Option<Vec<Value>>;
    /// Everything that happened since the last call, in order.
    fn take_events(&mut self) -> Vec<SimEvent>;
}
