//! Order entry requests: create, cancel, cancel-all, amend and their list forms (§6.1–§6.6).

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::{ApiRequest, Params, RateClass};
use crate::enums::{CancelAllType, ExecInst, OrderType, RefPriceType, Side, TimeInForce};
use crate::ids::{ClientOrderId, InstrumentName, OrderId};

/// Which order a cancel, amend or detail query targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderRef {
    /// By the exchange's id.
    OrderId(OrderId),
    /// By the client's id.
    ClientOid(ClientOrderId),
}

impl OrderRef {
    pub(super) fn put(&self, p: Params, client_key: &str) -> Params {
        match self {
            OrderRef::OrderId(id) => p.text("order_id", id),
            OrderRef::ClientOid(c) => p.text(client_key, c),
        }
    }
}

/// `private/create-order`. Round price and quantity to the instrument's ticks before sending.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateOrder {
    /// Instrument.
    pub instrument_name: InstrumentName,
    /// Buy or sell.
    pub side: Side,
    /// `LIMIT` or `MARKET`.
    pub order_type: OrderType,
    /// Limit price (LIMIT only).
    pub price: Option<Decimal>,
    /// Quantity (or `notional` for a MARKET BUY).
    pub quantity: Option<Decimal>,
    /// Quote amount to spend, MARKET BUY only.
    pub notional: Option<Decimal>,
    /// The client's id: always set one (§12).
    pub client_oid: Option<ClientOrderId>,
    /// Time in force; the exchange defaults to GTC.
    pub time_in_force: Option<TimeInForce>,
    /// Execution instructions, e.g. POST_ONLY.
    pub exec_inst: Vec<ExecInst>,
    /// `SPOT` or `MARGIN`.
    pub spot_margin: Option<String>,
    /// Currency to pay fees in.
    pub fee_instrument_name: Option<String>,
    /// The trigger price of a STOP_LOSS / STOP_LIMIT / TAKE_PROFIT / TAKE_PROFIT_LIMIT.
    pub ref_price: Option<Decimal>,
    /// What the trigger watches; the exchange defaults to the mark price.
    pub ref_price_type: Option<RefPriceType>,
}

impl CreateOrder {
    /// A GTC limit order.
    pub fn limit(instrument: &str, side: Side, price: Decimal, quantity: Decimal, client_oid: &str) -> Self {
        CreateOrder {
            instrument_name: instrument.into(),
            side,
            order_type: OrderType::Limit,
            price: Some(price),
            quantity: Some(quantity),
            notional: None,
            client_oid: Some(client_oid.into()),
            time_in_force: None,
            exec_inst: Vec::new(),
            spot_margin: None,
            fee_instrument_name: None,
            ref_price: None,
            ref_price_type: None,
        }
    }

    /// A market order for a quantity.
    pub fn market(instrument: &str, side: Side, quantity: Decimal, client_oid: &str) -> Self {
        CreateOrder {
            order_type: OrderType::Market,
            price: None,
            ..Self::limit(instrument, side, Decimal::ZERO, quantity, client_oid)
        }
    }

    /// A trigger order (`kind` STOP_LOSS, STOP_LIMIT, TAKE_PROFIT or TAKE_PROFIT_LIMIT) of
    /// `quantity`, firing when the mark reaches `trigger`; `price` is the limit of the `*_LIMIT`
    /// kinds. The exchange refuses a trigger on the wrong side of the mark (§6.13's direction
    /// rule: a SELL stop and a BUY take-profit below it, their mirrors above).
    pub fn trigger(
        instrument: &str,
        side: Side,
        kind: OrderType,
        quantity: Decimal,
        trigger: Decimal,
        price: Option<Decimal>,
        client_oid: &str,
    ) -> Self {
        CreateOrder {
            order_type: kind,
            price,
            ref_price: Some(trigger),
            ..Self::limit(instrument, side, Decimal::ZERO, quantity, client_oid)
        }
    }

    /// The same order, REDUCE_ONLY: it may only shrink a position, never open or grow one.
    pub fn reduce_only(mut self) -> Self {
        if !self.exec_inst.contains(&ExecInst::ReduceOnly) {
            self.exec_inst.push(ExecInst::ReduceOnly);
        }
        self
    }

    /// Whether it carries REDUCE_ONLY.
    pub fn is_reduce_only(&self) -> bool {
        self.exec_inst.contains(&ExecInst::ReduceOnly)
    }

    /// Whether it waits for a trigger price (the advanced order types).
    pub fn is_trigger(&self) -> bool {
        matches!(
            self.order_type,
            OrderType::StopLoss | OrderType::StopLimit | OrderType::TakeProfit | OrderType::TakeProfitLimit
        )
    }

    /// The params of one order, also used for the legs of a list.
    fn leg(&self) -> Map<String, Value> {
        let mut p = Params::default()
            .text("instrument_name", &self.instrument_name)
            .text("side", &self.side)
            .text("type", &self.order_type)
            .opt_dec("price", self.price)
            .opt_dec("quantity", self.quantity)
            .opt_dec("notional", self.notional)
            .opt_text("client_oid", self.client_oid.as_ref())
            .opt_text("time_in_force", self.time_in_force.as_ref())
            .opt_text("spot_margin", self.spot_margin.as_ref())
            .opt_text("fee_instrument_name", self.fee_instrument_name.as_ref())
            .opt_dec("ref_price", self.ref_price)
            .opt_text("ref_price_type", self.ref_price_type.as_ref());
        if !self.exec_inst.is_empty() {
            p = p.list("exec_inst", self.exec_inst.iter().map(|e| Value::from(e.as_str())).collect());
        }
        p.done()
    }
}

/// Where trigger orders go (§6.13: they must use the advanced family).
pub const ADVANCED_CREATE_ORDER: &str = "private/advanced/create-order";

impl ApiRequest for CreateOrder {
    const METHOD: &'static str = "private/create-order";
    const RATE: RateClass = RateClass::OrderEntry;
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        self.leg()
    }
    fn method(&self) -> &'static str {
        if self.is_trigger() {
            ADVANCED_CREATE_ORDER
        } else {
            Self::METHOD
        }
    }
}

/// `private/close-position`: closes the whole position of an instrument with a reduce-only
/// order, at market, or at `price` when given (LIMIT). The result is `{order_id, client_oid}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosePosition {
    /// The instrument whose position closes.
    pub instrument_name: InstrumentName,
    /// A limit price; `None` closes at market.
    pub price: Option<Decimal>,
}

impl ApiRequest for ClosePosition {
    const METHOD: &'static str = "private/close-position";
    const RATE: RateClass = RateClass::OrderEntry;
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        let kind = if self.price.is_some() { "LIMIT" } else { "MARKET" };
        Params::default()
            .text("instrument_name", &self.instrument_name)
            .text("type", kind)
            .opt_dec("price", self.price)
            .done()
    }
}

/// `private/cancel-order`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelOrder(pub OrderRef);

impl ApiRequest for CancelOrder {
    const METHOD: &'static str = "private/cancel-order";
    const RATE: RateClass = RateClass::OrderEntry;
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        self.0.put(Params::default(), "client_oid").done()
    }
}

/// `private/cancel-all-orders`; no instrument means every instrument.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CancelAllOrders {
    /// Instrument, or all.
    pub instrument_name: Option<InstrumentName>,
    /// `LIMIT` or `ALL`.
    pub kind: Option<CancelAllType>,
}

impl ApiRequest for CancelAllOrders {
    const METHOD: &'static str = "private/cancel-all-orders";
    const RATE: RateClass = RateClass::OrderEntry;
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        Params::default()
            .opt_text("instrument_name", self.instrument_name.as_ref())
            .opt_text("type", self.kind.as_ref())
            .done()
    }
}

/// `private/amend-order`: both new values are required, resend the old one if unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmendOrder {
    /// The order (by `order_id` or `orig_client_oid`).
    pub target: OrderRef,
    /// A new client id, optional.
    pub client_oid: Option<ClientOrderId>,
    /// The price the order should have from now on (required even when unchanged).
    pub new_price: Decimal,
    /// The quantity the order should have from now on (required even when unchanged).
    pub new_quantity: Decimal,
}

impl ApiRequest for AmendOrder {
    const METHOD: &'static str = "private/amend-order";
    // §10 does not list amend: it falls under "all other private methods", the conservative
    // reading, which is also what its prefix gives.
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        self.target
            .put(Params::default(), "orig_client_oid")
            .opt_text("client_oid", self.client_oid.as_ref())
            .text("new_price", self.new_price)
            .text("new_quantity", self.new_quantity)
            .done()
    }
}

/// `private/create-order-list` with `contingency_type` LIST (1–10 legs).
#[derive(Debug, Clone, PartialEq)]
pub struct CreateOrderList(pub Vec<CreateOrder>);

impl ApiRequest for CreateOrderList {
    const METHOD: &'static str = "private/create-order-list";
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        let legs = self.0.iter().map(|o| Value::Object(o.leg())).collect();
        Params::default().text("contingency_type", "LIST").list("order_list", legs).done()
    }
}

/// `private/cancel-order-list` with `contingency_type` LIST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelOrderList(pub Vec<(Option<InstrumentName>, OrderRef)>);

impl ApiRequest for CancelOrderList {
    const METHOD: &'static str = "private/cancel-order-list";
    const WRITES: bool = true;
    fn params(&self) -> Map<String, Value> {
        let legs = self
            .0
            .iter()
            .map(|(i, r)| {
                Value::Object(r.put(Params::default().opt_text("instrument_name", i.as_ref()), "client_oid").done())
            })
            .collect();
        Params::default().text("contingency_type", "LIST").list("order_list", legs).done()
    }
}
