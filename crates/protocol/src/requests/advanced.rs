//! Contingent lists of the advanced order family (§6.13): an OCO pair and its cancel; and the
//! batch of cancels and creates on one instrument (§6.7).
//!
//! Requests only; the parameter shape (`order_list`, legs in order; `list_id` to cancel) is
//! UNCONFIRMED in the reference and assumed as the simulator documents it.

use serde_json::{Map, Value};

use super::orders::{CreateOrder, OrderRef};
use super::{ApiRequest, Params, RateClass};

/// The kind of a contingent list, which picks its method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Two orders on one instrument and side; when one triggers or fills, the exchange cancels
    /// the other.
    Oco,
    /// A working order, then one placed only once it has filled.
    Oto,
    /// A working order, then an OCO pair placed only once it has filled.
    Otoco,
}

impl ListKind {
    /// How many legs the kind takes.
    pub fn legs(self) -> usize {
        match self {
            ListKind::Oco | ListKind::Oto => 2,
            ListKind::Otoco => 3,
        }
    }
}

/// `private/advanced/create-oco`, `create-oto` or `create-otoco`, by `kind`; the legs go in
/// order (see [`ListKind`]). The result is `{list_id}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateList {
    /// Which list.
    pub kind: ListKind,
    /// Its legs, `kind.legs()` of them.
    pub legs: Vec<CreateOrder>,
}

/// Where an OTO goes.
pub const CREATE_OTO: &str = "private/advanced/create-oto";
/// Where an OTOCO goes.
pub const CREATE_OTOCO: &str = "private/advanced/create-otoco";

impl ApiRequest for CreateList {
    const METHOD: &'static str = "private/advanced/create-oco";
    const RATE: RateClass = RateClass::OrderEntry;
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        let legs = self.legs.iter().map(|l| Value::Object(l.params())).collect();
        Params::default().list("order_list", legs).done()
    }
    fn method(&self) -> &'static str {
        match self.kind {
            ListKind::Oco => Self::METHOD,
            ListKind::Oto => CREATE_OTO,
            ListKind::Otoco => CREATE_OTOCO,
        }
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

/// `private/batch-order-request` (§6.7, documented for the WebSocket only): cancels, then
/// creates, on one instrument; not atomic, each item answered with its own code. At most 10
/// creates.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOrderRequest {
    /// The one instrument of every item.
    pub instrument_name: crate::ids::InstrumentName,
    /// Orders to cancel, processed first.
    pub cancels: Vec<OrderRef>,
    /// Orders to create (their `instrument_name` is the batch's).
    pub creates: Vec<CreateOrder>,
}

impl ApiRequest for BatchOrderRequest {
    const METHOD: &'static str = "private/batch-order-request";
    const RATE: RateClass = RateClass::OrderEntry;
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        let cancels =
            self.cancels.iter().map(|c| Value::Object(c.put(Params::default(), "client_oid").done())).collect();
        let creates = self
            .creates
            .iter()
            .map(|o| {
                let mut leg = o.params();
                leg.remove("instrument_name");
                Value::Object(leg)
            })
            .collect();
        Params::default()
            .text("instrument_name", &self.instrument_name)
            .list("cancels", cancels)
            .list("creates", creates)
            .done()
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
        let oco = CreateList { kind: ListKind::Oco, legs: vec![tp.reduce_only(), sl.reduce_only()] };
        let p = oco.params();
        let legs = p["order_list"].as_array().map(Vec::as_slice).unwrap_or_default();
        assert_eq!(legs.len(), 2);
        assert_eq!((legs[0]["type"].as_str(), legs[0]["ref_price"].as_str()), (Some("TAKE_PROFIT"), Some("52000")));
        assert_eq!(
            (legs[1]["client_oid"].as_str(), legs[1]["exec_inst"][0].as_str()),
            (Some("b"), Some("REDUCE_ONLY"))
        );
        assert_eq!(sl_method(), "private/advanced/create-order");
        assert_eq!(oco.method(), "private/advanced/create-oco");
        assert_eq!(CreateList { kind: ListKind::Otoco, legs: Vec::new() }.method(), CREATE_OTOCO);
    }

    #[test]
    fn a_batch_names_its_instrument_once() {
        let create = CreateOrder::limit("BTCUSD-PERP", Side::Buy, Decimal::from(49_000), Decimal::ONE, "n1");
        let cancel = OrderRef::ClientOid("old-1".into());
        let p =
            BatchOrderRequest { instrument_name: "BTCUSD-PERP".into(), cancels: vec![cancel], creates: vec![create] }
                .params();
        assert_eq!(p["instrument_name"], "BTCUSD-PERP");
        assert_eq!(p["cancels"][0]["client_oid"], "old-1");
        assert_eq!(
            (p["creates"][0]["client_oid"].as_str(), p["creates"][0].get("instrument_name")),
            (Some("n1"), None)
        );
    }

    fn sl_method() -> &'static str {
        CreateOrder::trigger("X", Side::Sell, OrderType::StopLoss, Decimal::ONE, Decimal::ONE, None, "c").method()
    }
}
