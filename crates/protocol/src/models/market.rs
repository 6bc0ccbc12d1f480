//! Market data objects: book levels, snapshots and deltas (§5.1), tickers (§5.2), public trades
//! (§5.3), candles (§5.4) and instruments (§8).

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::enums::Side;
use crate::ids::InstrumentName;
use crate::num;

/// One book level, `[price, quantity, number_of_orders]` on the wire; a quantity of zero in a
/// delta deletes the level. The order count may be `0` (a known exchange issue) or absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookLevel {
    /// The level's price.
    pub price: Decimal,
    /// New absolute quantity at that price.
    pub quantity: Decimal,
    /// Number of orders.
    pub orders: u64,
}

struct Lenient(Decimal);
impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        num::decimal(d).map(Lenient)
    }
}
struct LenientU64(u64);
impl<'de> Deserialize<'de> for LenientU64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        num::u64(d).map(LenientU64)
    }
}

impl<'de> Deserialize<'de> for BookLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BookLevel;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a level [price, quantity, orders]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<BookLevel, A::Error> {
                let Lenient(price) = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let Lenient(quantity) = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let orders = seq.next_element::<LenientU64>()?.map_or(0, |n| n.0);
                // Tolerate extra elements a future version might add.
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(BookLevel { price, quantity, orders })
            }
        }
        d.deserialize_seq(V)
    }
}

/// Both sides of a book or of a delta.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct BookLevels {
    /// Asks, best (lowest) first in snapshots.
    #[serde(default)]
    pub asks: Vec<BookLevel>,
    /// Bids, best (highest) first in snapshots.
    #[serde(default)]
    pub bids: Vec<BookLevel>,
}

/// A full book (channel `book`, or `public/get-book` without `u`).
///
/// ```json
/// {"asks":[["30082.5","0.1689","1"]],"bids":[["30079.0","0.0505","1"]],
///  "t":1654780033786,"tt":1654780033755,"u":542048017824}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BookSnapshot {
    /// Asks, best (lowest) first.
    #[serde(default)]
    pub asks: Vec<BookLevel>,
    /// Bids, best (highest) first.
    #[serde(default)]
    pub bids: Vec<BookLevel>,
    /// Message time, ms.
    #[serde(rename = "t", default, deserialize_with = "num::opt_u64")]
    pub time_ms: Option<u64>,
    /// Last book update time, ms.
    #[serde(rename = "tt", default, deserialize_with = "num::opt_u64")]
    pub last_update_ms: Option<u64>,
    /// Sequence number; the next delta's `pu` must equal it.
    #[serde(rename = "u", default, deserialize_with = "num::opt_u64")]
    pub update_id: Option<u64>,
}

/// A book delta (channel `book.update`); an empty `update` is the quiet-book heartbeat.
///
/// ```json
/// {"update":{"asks":[["50126.000000","0","0"]],"bids":[["50097.000000","0.252000","1"]]},
///  "t":1647917463003,"tt":1647917463003,"u":7845460002,"pu":7845460001}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BookDelta {
    /// Changed levels, each with its new absolute quantity.
    #[serde(default)]
    pub update: BookLevels,
    /// Message time, ms.
    #[serde(rename = "t", default, deserialize_with = "num::opt_u64")]
    pub time_ms: Option<u64>,
    /// Last book update time, ms.
    #[serde(rename = "tt", default, deserialize_with = "num::opt_u64")]
    pub last_update_ms: Option<u64>,
    /// This delta's sequence number.
    #[serde(rename = "u", default, deserialize_with = "num::opt_u64")]
    pub update_id: Option<u64>,
    /// The previous delta's (or the snapshot's) `u`.
    #[serde(rename = "pu", default, deserialize_with = "num::opt_u64")]
    pub previous_update_id: Option<u64>,
}

/// A ticker row; every field may be absent or null.
///
/// ```json
/// {"i":"BTCUSD-PERP","h":"51790.00","l":"47895.50","a":"51174.500","c":"0.0396","b":"51170.000",
///  "bs":"0.1000","k":"51180.000","ks":"0.2000","v":"879.5024","vv":"26370000.12","oi":"12345.12",
///  "t":1613580710768}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Ticker {
    /// The instrument the row describes (`i` on the wire).
    #[serde(rename = "i", default)]
    pub instrument: Option<InstrumentName>,
    /// 24 h high.
    #[serde(rename = "h", default, deserialize_with = "num::opt_decimal")]
    pub high: Option<Decimal>,
    /// 24 h low.
    #[serde(rename = "l", default, deserialize_with = "num::opt_decimal")]
    pub low: Option<Decimal>,
    /// Last trade price.
    #[serde(rename = "a", default, deserialize_with = "num::opt_decimal")]
    pub last: Option<Decimal>,
    /// 24 h change (a fraction, UNCONFIRMED).
    #[serde(rename = "c", default, deserialize_with = "num::opt_decimal")]
    pub change: Option<Decimal>,
    /// Highest bid price (`b`).
    #[serde(rename = "b", default, deserialize_with = "num::opt_decimal")]
    pub best_bid: Option<Decimal>,
    /// Quantity bid at the best bid (`bs`).
    #[serde(rename = "bs", default, deserialize_with = "num::opt_decimal")]
    pub best_bid_size: Option<Decimal>,
    /// Lowest ask price (`k`).
    #[serde(rename = "k", default, deserialize_with = "num::opt_decimal")]
    pub best_ask: Option<Decimal>,
    /// Quantity offered at the best ask (`ks`).
    #[serde(rename = "ks", default, deserialize_with = "num::opt_decimal")]
    pub best_ask_size: Option<Decimal>,
    /// 24 h volume.
    #[serde(rename = "v", default, deserialize_with = "num::opt_decimal")]
    pub volume: Option<Decimal>,
    /// 24 h value in USD.
    #[serde(rename = "vv", default, deserialize_with = "num::opt_decimal")]
    pub volume_value: Option<Decimal>,
    /// Contracts open, for derivatives (`oi`).
    #[serde(rename = "oi", default, deserialize_with = "num::opt_decimal")]
    pub open_interest: Option<Decimal>,
    /// Time, ms.
    #[serde(rename = "t", default, deserialize_with = "num::opt_u64")]
    pub time_ms: Option<u64>,
}

/// A public trade; `s` is the taker's side.
///
/// ```json
/// {"d":"2030407068","t":1613581138462,"tn":"1613581138462123456","q":"0.0015","p":"51327.500",
///  "s":"SELL","i":"BTCUSD-PERP","m":"76423"}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PublicTrade {
    /// The exchange's id of the trade (`d`), unique per instrument.
    #[serde(rename = "d", deserialize_with = "num::text")]
    pub trade_id: String,
    /// Time, ms.
    #[serde(rename = "t", default, deserialize_with = "num::opt_u64")]
    pub time_ms: Option<u64>,
    /// Time, ns (REST).
    #[serde(rename = "tn", default, deserialize_with = "num::opt_text")]
    pub time_ns: Option<String>,
    /// Price it traded at (`p`).
    #[serde(rename = "p", deserialize_with = "num::decimal")]
    pub price: Decimal,
    /// Quantity traded (`q`), in the base currency or in contracts.
    #[serde(rename = "q", deserialize_with = "num::decimal")]
    pub quantity: Decimal,
    /// Taker side.
    #[serde(rename = "s")]
    pub side: Side,
    /// The instrument traded (`i`).
    #[serde(rename = "i")]
    pub instrument: InstrumentName,
    /// Id of the match the trade belongs to (`m`).
    #[serde(rename = "m", default, deserialize_with = "num::opt_text")]
    pub match_id: Option<String>,
}

/// A candle; `t` is its start, ms.
///
/// ```json
/// {"o":"50000.0","h":"50100.0","l":"49900.0","c":"50050.0","v":"12.5","t":1613580000000}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Candle {
    /// First price of the interval (`o`).
    #[serde(rename = "o", deserialize_with = "num::decimal")]
    pub open: Decimal,
    /// Highest price of the interval (`h`).
    #[serde(rename = "h", deserialize_with = "num::decimal")]
    pub high: Decimal,
    /// Lowest price of the interval (`l`).
    #[serde(rename = "l", deserialize_with = "num::decimal")]
    pub low: Decimal,
    /// Last price of the interval (`c`).
    #[serde(rename = "c", deserialize_with = "num::decimal")]
    pub close: Decimal,
    /// Quantity traded in the interval (`v`).
    #[serde(rename = "v", deserialize_with = "num::decimal")]
    pub volume: Decimal,
    /// Start, ms.
    #[serde(rename = "t", deserialize_with = "num::u64")]
    pub start_ms: u64,
}

/// An instrument row of `public/get-instruments`. Round prices to `price_tick_size` and
/// quantities to `qty_tick_size` before sending (308 / 213 otherwise).
///
/// ```json
/// {"symbol":"BTC_USD","inst_type":"CCY_PAIR","display_name":"BTC/USD","base_ccy":"BTC",
///  "quote_ccy":"USD","quote_decimals":2,"quantity_decimals":5,"price_tick_size":"0.01",
///  "qty_tick_size":"0.00001","max_leverage":"50","tradable":true,"expiry_timestamp_ms":0}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct Instrument {
    /// The instrument name.
    pub symbol: InstrumentName,
    /// `CCY_PAIR`, `PERPETUAL_SWAP`, `FUTURE`, ...
    #[serde(default)]
    pub inst_type: Option<String>,
    /// The name the exchange shows people, e.g. `BTC/USD`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Base currency.
    #[serde(default)]
    pub base_ccy: Option<String>,
    /// Quote currency.
    #[serde(default)]
    pub quote_ccy: Option<String>,
    /// Price decimals.
    #[serde(default, deserialize_with = "num::opt_u64")]
    pub quote_decimals: Option<u64>,
    /// Decimal places a quantity may have.
    #[serde(default, deserialize_with = "num::opt_u64")]
    pub quantity_decimals: Option<u64>,
    /// Price tick.
    #[serde(deserialize_with = "num::decimal")]
    pub price_tick_size: Decimal,
    /// Quantity tick.
    #[serde(deserialize_with = "num::decimal")]
    pub qty_tick_size: Decimal,
    /// Maximum leverage.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub max_leverage: Option<Decimal>,
    /// Whether it trades.
    #[serde(default, deserialize_with = "num::opt_bool")]
    pub tradable: Option<bool>,
    /// Expiry, ms; 0 when none.
    #[serde(default, deserialize_with = "num::opt_u64")]
    pub expiry_timestamp_ms: Option<u64>,
    /// Underlying.
    #[serde(default)]
    pub underlying_symbol: Option<String>,
    /// Base units one contract stands for (derivatives).
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub contract_size: Option<Decimal>,
}
