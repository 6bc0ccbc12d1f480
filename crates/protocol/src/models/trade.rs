//! The fill object (§7.2), as pushed on `user.trade` and returned by `private/get-trades`.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::enums::{Side, TakerSide};
use crate::ids::{ClientOrderId, InstrumentName, OrderId, TradeId};
use crate::num;

/// One fill of the account. `fees` is negative when charged.
///
/// ```json
/// {"account_id":"…","event_date":"2021-02-17","journal_type":"TRADING","traded_quantity":"0.0500",
///  "traded_price":"51278.5","fees":"-1.025570","order_id":"19708564","trade_id":"38554669",
///  "trade_match_id":"76423","client_oid":"6ac2421d-…","taker_side":"MAKER","side":"BUY",
///  "instrument_name":"BTCUSD-PERP","fee_instrument_name":"USD","create_time":1613570791060,
///  "create_time_ns":"1613570791060123456"}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Trade {
    /// Unique per fill; the de-duplication key.
    pub trade_id: TradeId,
    /// The order filled.
    pub order_id: OrderId,
    /// The order's client id.
    #[serde(default)]
    pub client_oid: Option<ClientOrderId>,
    /// Instrument.
    pub instrument_name: InstrumentName,
    /// Buy or sell.
    pub side: Side,
    /// Fill price.
    #[serde(deserialize_with = "num::decimal")]
    pub traded_price: Decimal,
    /// Fill quantity.
    #[serde(deserialize_with = "num::decimal")]
    pub traded_quantity: Decimal,
    /// Fee: negative means charged.
    #[serde(default, deserialize_with = "num::decimal_or_zero")]
    pub fees: Decimal,
    /// Fee credits: negative means consumed.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub fee_credits: Option<Decimal>,
    /// Fee currency.
    #[serde(default)]
    pub fee_instrument_name: Option<String>,
    /// Maker or taker (may be empty).
    #[serde(default, deserialize_with = "TakerSide::opt")]
    pub taker_side: Option<TakerSide>,
    /// Match id shared with the counterparty.
    #[serde(default, deserialize_with = "num::opt_text")]
    pub trade_match_id: Option<String>,
    /// Account UUID.
    #[serde(default)]
    pub account_id: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub event_date: Option<String>,
    /// `TRADING`.
    #[serde(default)]
    pub journal_type: Option<String>,
    /// Time, ms.
    #[serde(default, deserialize_with = "num::opt_u64")]
    pub create_time: Option<u64>,
    /// Time, ns, as text: the paging key of `get-trades`.
    #[serde(default, deserialize_with = "num::opt_text")]
    pub create_time_ns: Option<String>,
    /// Transaction time, ns (REST).
    #[serde(default, deserialize_with = "num::opt_text")]
    pub transact_time_ns: Option<String>,
    /// Transaction time (WS).
    #[serde(default, deserialize_with = "num::opt_u64")]
    pub transaction_time: Option<u64>,
}

impl Trade {
    /// The fee as a positive cost.
    pub fn fee_cost(&self) -> Decimal {
        -self.fees
    }

    /// The fill's time in ns: `create_time_ns`, else `create_time` in ms scaled.
    pub fn time_ns(&self) -> Option<u128> {
        self.create_time_ns
            .as_deref()
            .and_then(|s| s.parse().ok())
            .or_else(|| self.create_time.map(|ms| u128::from(ms) * 1_000_000))
    }
}
