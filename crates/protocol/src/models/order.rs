//! The order object (§7.1), as pushed on `user.order` and returned by the order queries.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::enums::{ExecInst, OrderStatus, OrderType, Side, TimeInForce};
use crate::ids::{ClientOrderId, InstrumentName, OrderId};
use crate::num;

// The stored order and its wire form share one field list: the wire form adds the legacy names
// (`type`, `price`, `reject_reason`, `fee_currency`), which decoding folds into the current
// fields, so a held order does not carry four always-empty slots (issue 7: 100,000 live orders
// within 100 MB). Both names may appear in one object, so serde aliases (which refuse a
// duplicate) would not do.
macro_rules! order_and_wire {
    ($(#[$doc:meta])* pub struct Order { $($(#[$meta:meta])* pub $field:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Deserialize)]
        #[serde(from = "OrderWire")]
        pub struct Order {
            $($(#[$meta])* pub $field: $ty,)*
        }

        /// `Order` as sent, legacy names included.
        #[derive(Deserialize)]
        struct OrderWire {
            $($(#[$meta])* $field: $ty,)*
            #[serde(default, rename = "type", deserialize_with = "OrderType::opt")]
            legacy_type: Option<OrderType>,
            #[serde(default, rename = "price", deserialize_with = "num::opt_decimal")]
            legacy_price: Option<Decimal>,
            #[serde(default, deserialize_with = "num::opt_text")]
            reject_reason: Option<String>,
            #[serde(default)]
            fee_currency: Option<String>,
        }

        impl From<OrderWire> for Order {
            fn from(w: OrderWire) -> Self {
                let mut o = Order { $($field: w.$field,)* };
                // The current name wins when both are present.
                o.order_type = o.order_type.or(w.legacy_type);
                o.limit_price = o.limit_price.or(w.legacy_price);
                o.reason = o.reason.or(w.reject_reason);
                o.fee_instrument_name = o.fee_instrument_name.or(w.fee_currency);
                o
            }
        }
    };
}

order_and_wire! {
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
    pub struct Order {
        /// The account's UUID.
        #[serde(default)]
        pub account_id: Option<String>,
        /// The exchange's id.
        pub order_id: OrderId,
        /// The client's id (the request nonce when none was given).
        #[serde(default)]
        pub client_oid: Option<ClientOrderId>,
        /// Order type; older captures call it `type`, which decoding moves here.
        #[serde(default, deserialize_with = "OrderType::opt")]
        pub order_type: Option<OrderType>,
        /// How long the order may work (`GOOD_TILL_CANCEL`, `IMMEDIATE_OR_CANCEL`, `FILL_OR_KILL`).
        #[serde(default, deserialize_with = "TimeInForce::opt")]
        pub time_in_force: Option<TimeInForce>,
        /// Buy or sell.
        pub side: Side,
        /// Execution instructions.
        #[serde(default, deserialize_with = "crate::enums::exec_inst_list")]
        pub exec_inst: Vec<ExecInst>,
        /// Ordered quantity.
        #[serde(deserialize_with = "num::decimal")]
        pub quantity: Decimal,
        /// Limit price; older captures call it `price`, which decoding moves here.
        #[serde(default, deserialize_with = "num::opt_decimal")]
        pub limit_price: Option<Decimal>,
        /// Ordered value.
        #[serde(default, deserialize_with = "num::opt_decimal")]
        pub order_value: Option<Decimal>,
        /// Fee rate charged when the order adds liquidity.
        #[serde(default, deserialize_with = "num::opt_decimal")]
        pub maker_fee_rate: Option<Decimal>,
        /// Fee rate charged when the order takes liquidity.
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
        /// Fees charged on the order's fills so far.
        #[serde(default, deserialize_with = "num::opt_decimal")]
        pub cumulative_fee: Option<Decimal>,
        /// Where the order is in its lifecycle (never moves backwards in the engine's state).
        pub status: OrderStatus,
        /// Reason code of a rejection or cancel, e.g. `"43012"` (also sent as `reject_reason`).
        #[serde(default, deserialize_with = "num::opt_text")]
        pub reason: Option<String>,
        /// Who last updated the order.
        #[serde(default, deserialize_with = "num::opt_text")]
        pub update_user_id: Option<String>,
        /// `YYYY-MM-DD`.
        #[serde(default)]
        pub order_date: Option<String>,
        /// Instrument.
        pub instrument_name: InstrumentName,
        /// Fee currency; older captures call it `fee_currency`, which decoding moves here.
        #[serde(default)]
        pub fee_instrument_name: Option<String>,
        /// Creation time, ms.
        #[serde(default, deserialize_with = "num::opt_u64")]
        pub create_time: Option<u64>,
        /// Creation time, ns (text on the wire; `None` if it is not an integer).
        #[serde(default, deserialize_with = "num::opt_u64_or_none")]
        pub create_time_ns: Option<u64>,
        /// Last update time, ms.
        #[serde(default, deserialize_with = "num::opt_u64")]
        pub update_time: Option<u64>,
        /// Transaction time, ms (WS, since 2025).
        #[serde(default, deserialize_with = "num::opt_u64")]
        pub transaction_time: Option<u64>,
    }
}

impl Order {
    /// The order type, whichever wire name carried it.
    pub fn kind(&self) -> Option<&OrderType> {
        self.order_type.as_ref()
    }

    /// The limit price, whichever wire name carried it.
    pub fn price(&self) -> Option<Decimal> {
        self.limit_price
    }

    /// The reason code, whichever wire name carried it.
    pub fn reason_code(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// The fee currency, whichever wire name carried it.
    pub fn fee_currency(&self) -> Option<&str> {
        self.fee_instrument_name.as_deref()
    }

    /// Quantity still to fill.
    pub fn remaining(&self) -> Decimal {
        (self.quantity - self.cumulative_quantity).max(Decimal::ZERO)
    }

    /// Whether it carries REDUCE_ONLY (it can only shrink a position).
    pub fn is_reduce_only(&self) -> bool {
        self.exec_inst.contains(&crate::enums::ExecInst::ReduceOnly)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(extra: &str) -> Order {
        let text = format!(
            r#"{{"order_id":"1","side":"BUY","quantity":"1","status":"ACTIVE","instrument_name":"BTC_USD"{extra}}}"#
        );
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn legacy_names_fill_the_current_fields() {
        let o = order(r#","type":"MARKET","price":"5","reject_reason":"43012","fee_currency":"CRO""#);
        assert_eq!(
            (o.order_type, o.limit_price, o.reason.as_deref(), o.fee_instrument_name.as_deref()),
            (Some(OrderType::Market), Some(Decimal::from(5)), Some("43012"), Some("CRO"))
        );
    }

    #[test]
    fn with_both_names_present_the_current_one_wins() {
        let o = order(
            r#","type":"MARKET","order_type":"LIMIT","price":"5","limit_price":"6","reject_reason":"1","reason":"2","fee_currency":"CRO","fee_instrument_name":"USD""#,
        );
        assert_eq!(
            (o.order_type, o.limit_price, o.reason.as_deref(), o.fee_instrument_name.as_deref()),
            (Some(OrderType::Limit), Some(Decimal::from(6)), Some("2"), Some("USD"))
        );
    }

    #[test]
    fn an_odd_create_time_ns_is_dropped_not_fatal() {
        assert_eq!(order(r#","create_time_ns":"1686870220684239675""#).create_time_ns, Some(1686870220684239675));
        assert_eq!(order(r#","create_time_ns":1686870220684239675"#).create_time_ns, Some(1686870220684239675));
        for odd in [r#""soon""#, "1.5", "-3", "[1]", r#"{"a":1}"#, "null", "true"] {
            assert_eq!(order(&format!(r#","create_time_ns":{odd}"#)).create_time_ns, None, "{odd}");
        }
    }
}
