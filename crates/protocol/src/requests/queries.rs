//! Account queries (§6.8–§6.12), public market queries (§8) and the WebSocket control requests
//! (`public/auth`, subscribe, unsubscribe; §4).

use serde_json::{Map, Value};

use super::orders::OrderRef;
use super::{ApiRequest, Params, RateClass};
use crate::enums::BookSubscriptionType;
use crate::ids::InstrumentName;

macro_rules! instrument_filter {
    ($(#[$meta:meta])* $name:ident, $method:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            /// Instrument filter; `None` for all.
            pub instrument_name: Option<InstrumentName>,
        }

        impl ApiRequest for $name {
            const METHOD: &'static str = $method;
            fn params(&self) -> Map<String, Value> {
                Params::default().opt_text("instrument_name", self.instrument_name.as_ref()).done()
            }
        }
    };
}

macro_rules! no_params {
    ($(#[$meta:meta])* $name:ident, $method:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name;

        impl ApiRequest for $name {
            const METHOD: &'static str = $method;
            fn params(&self) -> Map<String, Value> {
                Map::new()
            }
        }
    };
}

macro_rules! time_window {
    ($(#[$meta:meta])* $name:ident, $method:literal, $rate:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            /// Instrument filter.
            pub instrument_name: Option<InstrumentName>,
            /// Inclusive start, ms or ns (ns pages exactly).
            pub start_time: Option<u64>,
            /// Exclusive end, ms or ns.
            pub end_time: Option<u64>,
            /// At most 100.
            pub limit: Option<u64>,
        }

        impl ApiRequest for $name {
            const METHOD: &'static str = $method;
            const RATE: RateClass = RateClass::$rate;
            fn params(&self) -> Map<String, Value> {
                // Times go as strings (§2.1); `limit` as the bare integer the docs show.
                Params::default()
                    .opt_text("instrument_name", self.instrument_name.as_ref())
                    .opt_text("start_time", self.start_time)
                    .opt_text("end_time", self.end_time)
                    .opt_int("limit", self.limit)
                    .done()
            }
        }
    };
}

instrument_filter!(
    /// `private/get-open-orders`.
    GetOpenOrders,
    "private/get-open-orders"
);
instrument_filter!(
    /// `private/get-positions`.
    GetPositions,
    "private/get-positions"
);
instrument_filter!(
    /// `public/get-tickers`.
    GetTickers,
    "public/get-tickers"
);
time_window!(
    /// `private/get-order-history`: terminal orders, 1 request/s.
    GetOrderHistory,
    "private/get-order-history",
    History
);
time_window!(
    /// `private/get-trades`: the account's fills, newest first, 1 request/s.
    GetTrades,
    "private/get-trades",
    History
);
/// `private/get-transactions`: ledger entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetTransactions {
    /// Instrument filter.
    pub instrument_name: Option<InstrumentName>,
    /// Only this journal type, e.g. `FUNDING`.
    pub journal_type: Option<String>,
    /// Inclusive start, ms or ns.
    pub start_time: Option<u64>,
    /// Exclusive end, ms or ns.
    pub end_time: Option<u64>,
    /// At most 100.
    pub limit: Option<u64>,
}

impl ApiRequest for GetTransactions {
    const METHOD: &'static str = "private/get-transactions";
    fn params(&self) -> Map<String, Value> {
        Params::default()
            .opt_text("instrument_name", self.instrument_name.as_ref())
            .opt_text("journal_type", self.journal_type.as_ref())
            .opt_text("start_time", self.start_time)
            .opt_text("end_time", self.end_time)
            .opt_int("limit", self.limit)
            .done()
    }
}

no_params!(
    /// `private/user-balance`.
    UserBalance,
    "private/user-balance"
);
no_params!(
    /// `private/get-accounts`.
    GetAccounts,
    "private/get-accounts"
);
no_params!(
    /// `private/get-cancel-on-disconnect` (WS only).
    GetCancelOnDisconnect,
    "private/get-cancel-on-disconnect"
);
no_params!(
    /// `public/get-instruments`.
    GetInstruments,
    "public/get-instruments"
);
no_params!(
    /// `public/auth`: signed over `method + id + api_key + nonce` (no params).
    PublicAuth,
    "public/auth"
);

/// `private/get-order-detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetOrderDetail(pub OrderRef);

impl ApiRequest for GetOrderDetail {
    const METHOD: &'static str = "private/get-order-detail";
    const RATE: RateClass = RateClass::OrderDetail;
    fn params(&self) -> Map<String, Value> {
        match &self.0 {
            OrderRef::OrderId(id) => Params::default().text("order_id", id).done(),
            OrderRef::ClientOid(c) => Params::default().text("client_oid", c).done(),
        }
    }
}

/// `private/set-cancel-on-disconnect` with scope CONNECTION (WS only, §6.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetCancelOnDisconnect;

impl ApiRequest for SetCancelOnDisconnect {
    const METHOD: &'static str = "private/set-cancel-on-disconnect";
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        Params::default().text("scope", "CONNECTION").done()
    }
}

/// `public/get-book`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetBook {
    /// Instrument.
    pub instrument_name: InstrumentName,
    /// Depth, up to 50.
    pub depth: u64,
}

impl ApiRequest for GetBook {
    const METHOD: &'static str = "public/get-book";
    fn params(&self) -> Map<String, Value> {
        Params::default().text("instrument_name", &self.instrument_name).text("depth", self.depth).done()
    }
}

/// `public/get-trades`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetPublicTrades {
    /// Instrument.
    pub instrument_name: InstrumentName,
    /// Default 25, max 150.
    pub count: Option<u64>,
    /// Start, ms or ns.
    pub start_ts: Option<u64>,
    /// End, ms or ns.
    pub end_ts: Option<u64>,
}

impl ApiRequest for GetPublicTrades {
    const METHOD: &'static str = "public/get-trades";
    fn params(&self) -> Map<String, Value> {
        Params::default()
            .text("instrument_name", &self.instrument_name)
            .opt_text("count", self.count)
            .opt_text("start_ts", self.start_ts)
            .opt_text("end_ts", self.end_ts)
            .done()
    }
}

/// `public/get-candlestick`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetCandlestick {
    /// Instrument.
    pub instrument_name: InstrumentName,
    /// Timeframe, e.g. `1m` (§5.4).
    pub timeframe: String,
    /// At most 300.
    pub count: Option<u64>,
}

impl ApiRequest for GetCandlestick {
    const METHOD: &'static str = "public/get-candlestick";
    fn params(&self) -> Map<String, Value> {
        Params::default()
            .text("instrument_name", &self.instrument_name)
            .text("timeframe", &self.timeframe)
            .opt_text("count", self.count)
            .done()
    }
}

/// `subscribe`; the book options apply to `book.*` channels.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subscribe {
    /// Channel names.
    pub channels: Vec<String>,
    /// SNAPSHOT or SNAPSHOT_AND_UPDATE.
    pub book_subscription_type: Option<BookSubscriptionType>,
    /// 10, 100 or 500 ms.
    pub book_update_frequency: Option<u64>,
}

impl ApiRequest for Subscribe {
    const METHOD: &'static str = "subscribe";
    fn params(&self) -> Map<String, Value> {
        Params::default()
            .list("channels", self.channels.iter().map(|c| Value::from(c.as_str())).collect())
            .opt_text("book_subscription_type", self.book_subscription_type.as_ref())
            .opt_int("book_update_frequency", self.book_update_frequency)
            .done()
    }
}

/// `unsubscribe`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unsubscribe {
    /// Channel names.
    pub channels: Vec<String>,
}

impl ApiRequest for Unsubscribe {
    const METHOD: &'static str = "unsubscribe";
    fn params(&self) -> Map<String, Value> {
        Params::default().list("channels", self.channels.iter().map(|c| Value::from(c.as_str())).collect()).done()
    }
}
