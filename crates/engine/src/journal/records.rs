//! The journal's own record types: plain structs, decoupled from the wire models so the file
//! format does not change when a wire type grows a field. Nothing here touches the database.

use rust_decimal::Decimal;

use crate::protocol::models::{Order, Trade};

/// A fill as journalled.
#[derive(Debug, Clone, PartialEq)]
pub struct FillRecord {
    /// Unique per fill; the journal keeps one row per `trade_id`.
    pub trade_id: String,
    /// The order filled.
    pub order_id: String,
    /// The order's client id.
    pub client_oid: Option<String>,
    /// Instrument.
    pub instrument_name: String,
    /// `"BUY"` or `"SELL"`.
    pub side: String,
    /// Fill price.
    pub price: Decimal,
    /// Fill quantity.
    pub quantity: Decimal,
    /// Fee as a positive cost (the wire's `fees` negated).
    pub fee: Decimal,
    /// The currency the fee was charged in (the base for a buy, the quote for a sell, usually).
    pub fee_currency: Option<String>,
    /// Fill time in ns (`create_time_ns`, else `create_time` ms scaled); `0` when the trade had
    /// no time. Stored as a SQLite INTEGER (i64), which holds ns times until the year 2262.
    pub time_ns: u128,
}

impl FillRecord {
    /// The journal's view of a wire fill.
    pub fn from_trade(t: &Trade) -> Self {
        FillRecord {
            trade_id: t.trade_id.to_string(),
            order_id: t.order_id.to_string(),
            client_oid: t.client_oid.as_ref().map(|c| c.to_string()),
            instrument_name: t.instrument_name.to_string(),
            side: t.side.as_str().to_owned(),
            price: t.traded_price,
            quantity: t.traded_quantity,
            fee: t.fee_cost(),
            fee_currency: t.fee_instrument_name.clone(),
            time_ns: t.time_ns().unwrap_or(0),
        }
    }
}

/// An order transition as journalled: the order's state after a change.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRecord {
    /// The exchange's id.
    pub order_id: String,
    /// The client's id.
    pub client_oid: Option<String>,
    /// Instrument.
    pub instrument_name: String,
    /// `"BUY"` or `"SELL"`.
    pub side: String,
    /// Wire status text, e.g. `"ACTIVE"`.
    pub status: String,
    /// Ordered quantity.
    pub quantity: Decimal,
    /// Limit price (absent for market orders).
    pub limit_price: Option<Decimal>,
    /// Cumulative filled quantity.
    pub cumulative_quantity: Decimal,
    /// Last update time in ms (`update_time`, else `transaction_time`, else `create_time`, else 0).
    pub update_time_ms: u64,
}

impl OrderRecord {
    /// The journal's view of a wire order.
    pub fn from_order(o: &Order) -> Self {
        OrderRecord {
            order_id: o.order_id.to_string(),
            client_oid: o.client_oid.as_ref().map(|c| c.to_string()),
            instrument_name: o.instrument_name.to_string(),
            side: o.side.as_str().to_owned(),
            status: o.status.as_str().to_owned(),
            quantity: o.quantity,
            limit_price: o.price(),
            cumulative_quantity: o.cumulative_quantity,
            update_time_ms: o.update_time.or(o.transaction_time).or(o.create_time).unwrap_or(0),
        }
    }

    /// Whether no further transition can follow (late fills are journalled as fills anyway).
    pub fn is_terminal(&self) -> bool {
        crate::protocol::enums::OrderStatus::from_wire(&self.status).is_terminal()
    }
}

/// What a restart recovers from the journal.
#[derive(Debug, Default)]
pub struct Recovered {
    /// How many fills the journal holds.
    pub fill_count: u64,
    /// The trade ids of the newest fills by time (at most [`RECENT_TRADE_IDS`]), oldest first,
    /// so the engine can de-duplicate fills that reconciliation fetches again.
    pub recent_trade_ids: Vec<String>,
    /// The newest fill time among fills that had one: reconcile `get-trades` from here.
    pub last_trade_time_ns: Option<u128>,
    /// The latest transition of each order whose latest status is not terminal, in journal order.
    pub latest_orders: Vec<OrderRecord>,
}

/// How many recent trade ids [`Recovered`] carries.
pub const RECENT_TRADE_IDS: usize = 100_000;
