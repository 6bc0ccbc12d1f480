//! The order object (§7.1), as pushed on `user.order` and returned by the order queries.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::protocol::enums::{ExecInst, OrderStatus, OrderType, Side, TimeInForce};
use crate::protocol::ids::{ClientOrderId, InstrumentName, OrderId};
use crate::protocol::num;

/// An order as the exchange reports it: always the full object with cumulative fields, never a
/// fill delta.
///
/// ```json
/// {"account_id":"52e7c00f-1324-5a6z-bfgt-de445bde21a5","order_id":"5756817522898216000",
///  "client_oid":"1686870220656","order_type":"LIMIT","time_in_force":"GOOD_TILL_CANCEL",
///  "side":"BUY","exec_inst":[],"quantity":"0.00020","limit_price":"25000.00",
///  "order_value":"5.000000","avg_price":"0.00","cumulative_quantity":"0.00000",
///  "cumulative_value":"0.000000","cumulative_fee":"0.000000","status":"ACTIVE",
///  "order_date":"2023-06-15","instrument_name":"BTC_USD","fee_instrument_name":"BTC",
///  "create_time":1686870220684,"create_time_ns":"1686870220684239675","update_time":1686870220684}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Order {
    /// The account's UUID.
    #[serde(default)]
    pub account_id: Option<String>,
    /// The exchange's id.
    pub order_id: OrderId,
    /// The client's id (the request nonce when none was given).
    #[serde(default)]
    pub client_oid: Option<ClientOrderId>,
    /// Order type; older captures call it `type` (see [`Order::kind`]).
    #[serde(default, deserialize_with = "OrderType::opt")]
    pub order_type: Option<OrderType>,
    /// Legacy name of `order_type`.
    #[serde(default, rename = "type", deserialize_with = "OrderType::opt")]
    pub legacy_type: Option<OrderType>,
    /// Time in force.
    #[serde(default, deserialize_with = "TimeInForce::opt")]
    pub time_in_force: Option<TimeInForce>,
    /// Buy or sell.
    pub side: Side,
    /// Execution instructions.
    #[serde(default, deserialize_with = "crate::protocol::enums::exec_inst_list")]
    pub exec_inst: Vec<ExecInst>,
    /// Ordered quantity.
    #[serde(deserialize_with = "num::decimal")]
    pub quantity: Decimal,
    /// Limit price; older captures call it `price` (see [`Order::price`]).
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub limit_price: Option<Decimal>,
    /// Legacy name of `limit_price`.
    #[serde(default, rename = "price", deserialize_with = "num::opt_decimal")]
    pub legacy_price: Option<Decimal>,
    /// Ordered value.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub order_value: Option<Decimal>,
    /// Maker fee rate.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub maker_fee_rate: Option<Decimal>,
    /// Taker fee rate.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub taker_fee_rate: Option<Decimal>,
    /// Average fill price, `0` until filled.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub avg_price: Option<Decimal>,
    /// Cumulative filled quantity.
    #[serde(default, deserialize_with = "num::decimal_or_zero")]
    pub cumulative_quantity: Decimal,
    /// Cumulative filled value.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub cumulative_value: Option<Decimal>,
    /// Cumulative fee.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub cumulative_fee: Option<Decimal>,
    /// Status.
    pub status: OrderStatus,
    /// Reason code of a rejection or cancel, e.g. `"43012"`.
    #[serde(default, deserialize_with = "num::opt_text")]
    pub reason: Option<String>,
    /// Alternative name of `reason`.
    #[serde(default, deserialize_with = "num::opt_text")]
    pub reject_reason: Option<String>,
    /// Who last updated the order.
    #[serde(default, deserialize_with = "num::opt_text")]
    pub update_user_id: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub order_date: Option<String>,
    /// Instrument.
    pub instrument_name: InstrumentName,
    /// Fee currency; older captures call it `fee_currency`.
    #[serde(default)]
    pub fee_instrument_name: Option<String>,
    /// Legacy name of `fee_instrument_name`.
    #[serde(default)]
    pub fee_currency: Option<String>,
    /// Creation time, ms.
    #[serde(default, deserialize_with = "num::opt_u64")]
    pub create_time: Option<u64>,
    /// Creation time, ns, as text.
    #[serde(default, deserialize_with = "num::opt_text")]
    pub create_time_ns: Option<String>,
    /// Last update time, ms.
    #[serde(default, deserialize_with = "num::opt_u64")]
    pub update_time: Option<u64>,
    /// Transaction time, ms (WS, since 2025).
    #[serde(default, deserialize_with = "num::opt_u64")]
    pub transaction_time: Option<u64>,
}

impl Order {
    /// The order type under either of its wire names.
    pub fn kind(&self) -> Option<&OrderType> {
        self.order_type.as_ref().or(self.legacy_type.as_ref())
    }

    /// The limit price under either of its wire names.
    pub fn price(&self) -> Option<Decimal> {
        self.limit_price.or(self.legacy_price)
    }

    /// The reason code under either of its wire names.
    pub fn reason_code(&self) -> Option<&str> {
        self.reason.as_deref().or(self.reject_reason.as_deref())
    }

    /// The fee currency under either of its wire names.
    pub fn fee_currency(&self) -> Option<&str> {
        self.fee_instrument_name.as_deref().or(self.fee_currency.as_deref())
    }

    /// Quantity still to fill.
    pub fn remaining(&self) -> Decimal {
        (self.quantity - self.cumulative_quantity).max(Decimal::ZERO)
    }
}
