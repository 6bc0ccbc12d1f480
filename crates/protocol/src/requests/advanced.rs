//! Contingent lists of the advanced order family (§6.13): an OCO pair, and its cancel.
//!
//! Requests only; the parameter shape (`order_list`, legs in order; `list_id` to cancel) is
//! UNCONFIRMED in the reference and assumed as the simulator documents it.

use serde_json::{Map, Value};

use super::orders::CreateOrder;
use super::{ApiRequest, Params, RateClass};

/// `private/advanced/create-oco`: two orders on one instrument and side; when one triggers or
/// fills, the exchange cancels the other. The result is `{list_id}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateOco {
    /// The two legs, e.g. a TAKE_PROFIT_LIMIT and a STOP_LOSS, both reduce-only.
    pub legs: [CreateOrder; 2],
}

impl ApiRequest for CreateOco {
    const METHOD: &'static str = "private/advanced/create-oco";
    const RATE: RateClass = RateClass::OrderEntry;
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        let legs = self.legs.iter().map(|l| Value::Object(l.params())).collect();
        Params::default().list("order_list", legs).done()
    }
}

/// `private/advanced/cancel-oco`: cancels every open leg of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelOco {
    /// The `list_id` create-oco answered with.
    pub list_id: String,
}

impl ApiRequest for CancelOco {
    const METHOD: &'static str = "private/advanced/cancel-oco";
    const RATE: RateClass = RateClass::OrderEntry;
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        Params::default().text("list_id", &self.list_id).done()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::{OrderType, Side};
    use rust_decimal::Decimal;

    #[test]
    fn an_oco_sends_both_legs_in_order_with_their_trigger_prices() {
        let tp = CreateOrder::trigger(
            "BTCUSD-PERP",
            Side::Sell,
            OrderType::TakeProfit,
            Decimal::ONE,
            Decimal::from(52_000),
            None,
            "a",
        );
        let sl = CreateOrder::trigger(
            "BTCUSD-PERP",
            Side::Sell,
            OrderType::StopLoss,
            Decimal::ONE,
            Decimal::from(48_000),
            None,
            "b",
        );
        let p = CreateOco { legs: [tp.reduce_only(), sl.reduce_only()] }.params();
        let legs = p["order_list"].as_array().map(Vec::as_slice).unwrap_or_default();
        assert_eq!(legs.len(), 2);
        assert_eq!((legs[0]["type"].as_str(), legs[0]["ref_price"].as_str()), (Some("TAKE_PROFIT"), Some("52000")));
        assert_eq!(
            (legs[1]["client_oid"].as_str(), legs[1]["exec_inst"][0].as_str()),
            (Some("b"), Some("REDUCE_ONLY"))
        );
        assert_eq!(sl_method(), "private/advanced/create-order");
    }

    fn sl_method() -> &'static str {
        CreateOrder::trigger("X", Side::Sell, OrderType::StopLoss, Decimal::ONE, Decimal::ONE, None, "c").method()
    }
}
