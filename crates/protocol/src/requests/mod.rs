//! Typed requests for every method the engine uses (§6.1–§6.12, §8, §4.4). Each produces its
//! params object with decimals as strings (§2.1), ready to be signed and sent as is.

mod advanced;
pub mod catalogue;
mod orders;
mod queries;

pub use catalogue::{MethodInfo, RateClass, CATALOGUE};

pub use advanced::{BatchOrderRequest, CancelOco, CreateList, ListKind, CREATE_OTO, CREATE_OTOCO};
pub use orders::{
    AmendOrder, CancelAllOrders, CancelOrder, CancelOrderList, ClosePosition, CreateOrder, CreateOrderList, OrderRef,
    ADVANCED_CREATE_ORDER,
};
pub use queries::{
    GetAccounts, GetBook, GetCancelOnDisconnect, GetCandlestick, GetInstruments, GetOpenOrders, GetOrderDetail,
    GetOrderHistory, GetPositions, GetPublicTrades, GetTickers, GetTrades, GetTransactions, PublicAuth,
    SetCancelOnDisconnect, Subscribe, Unsubscribe, UserBalance,
};

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::envelope::Request;

/// A typed request: its method name and its params object.
pub trait ApiRequest {
    /// The method, e.g. `private/create-order`.
    const METHOD: &'static str;
    /// Its §10 rate-limit class; by default what its prefix gives.
    const RATE: RateClass = RateClass::by_prefix(Self::METHOD);
    /// Whether it changes state (an order, a setting), so that it is never retried blindly.
    const WRITES: bool = false;
    /// The params object, decimals as strings, absent options omitted (never `null`).
    fn params(&self) -> Map<String, Value>;
    /// The method this very request goes to: [`Self::METHOD`], unless a request's content
    /// picks another (a trigger order goes to the advanced family).
    fn method(&self) -> &'static str {
        Self::METHOD
    }
    /// The request envelope, unsigned.
    fn to_request(&self, id: u64, nonce: u64) -> Request {
        Request::new(id, self.method(), self.params(), nonce)
    }
}

/// Whether a method needs a signature on REST.
pub fn is_private(method: &str) -> bool {
    method.starts_with("private/")
}

/// Builds a params map without ever writing `null`.
#[derive(Default)]
pub(crate) struct Params(pub(crate) Map<String, Value>);

impl Params {
    pub(crate) fn text(mut self, key: &str, value: impl ToString) -> Self {
        self.0.insert(key.to_owned(), Value::String(value.to_string()));
        self
    }
    pub(crate) fn opt_text<T: ToString>(self, key: &str, value: Option<T>) -> Self {
        match value {
            Some(v) => self.text(key, v),
            None => self,
        }
    }
    /// Decimals keep their scale: `0.0100` is sent and signed as `0.0100`.
    pub(crate) fn opt_dec(self, key: &str, value: Option<Decimal>) -> Self {
        self.opt_text(key, value)
    }
    pub(crate) fn int(mut self, key: &str, value: u64) -> Self {
        self.0.insert(key.to_owned(), Value::from(value));
        self
    }
    pub(crate) fn opt_int(self, key: &str, value: Option<u64>) -> Self {
        match value {
            Some(v) => self.int(key, v),
            None => self,
        }
    }
    pub(crate) fn list(mut self, key: &str, values: Vec<Value>) -> Self {
        self.0.insert(key.to_owned(), Value::Array(values));
        self
    }
    pub(crate) fn done(self) -> Map<String, Value> {
        self.0
    }
}
