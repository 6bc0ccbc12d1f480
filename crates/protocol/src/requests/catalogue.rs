//! What each method is, beyond its params: its §10 rate-limit class and whether it changes
//! state. Each typed request declares both as associated constants of [`ApiRequest`];
//! [`CATALOGUE`] collects them so that callers holding only a method name (the REST client, its
//! limiter) read the same facts instead of keeping their own lists of names.
//!
//! Facts only: the numbers of each limit and what to do about a write belong to `rest`.

use super::{
    AmendOrder, ApiRequest, BatchOrderRequest, CancelAllOrders, CancelOco, CancelOrder, CancelOrderList, ClosePosition,
    CreateList, CreateOrder, CreateOrderList, GetAccounts, GetBook, GetCancelOnDisconnect, GetCandlestick,
    GetInstruments, GetOpenOrders, GetOrderDetail, GetOrderHistory, GetPositions, GetPublicTrades, GetTickers,
    GetTrades, GetTransactions, PublicAuth, SetCancelOnDisconnect, Subscribe, Unsubscribe, UserBalance,
    ADVANCED_CREATE_ORDER, CREATE_OTO, CREATE_OTOCO,
};

/// The §10 rate-limit class a method falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateClass {
    /// Order entry: create, cancel, cancel-all.
    OrderEntry,
    /// `private/get-order-detail`.
    OrderDetail,
    /// The account's history: `private/get-trades`, `private/get-order-history`.
    History,
    /// Every `public/` method.
    Public,
    /// "All other private methods" (also the conservative reading for ones §10 leaves out).
    OtherPrivate,
}

impl RateClass {
    /// The class §10 gives a method it does not list by name: `public/…` or any other.
    pub const fn by_prefix(method: &str) -> RateClass {
        let (m, p) = (method.as_bytes(), b"public/");
        if m.len() < p.len() {
            return RateClass::OtherPrivate;
        }
        let mut i = 0;
        while i < p.len() {
            if m[i] != p[i] {
                return RateClass::OtherPrivate;
            }
            i += 1;
        }
        RateClass::Public
    }
}

/// One method's facts, as its request type declares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodInfo {
    /// The method name.
    pub method: &'static str,
    /// Its rate-limit class.
    pub rate: RateClass,
    /// Whether it changes state (an order, a setting): never to be retried blindly.
    pub writes: bool,
}

impl MethodInfo {
    /// The facts of request type `R`.
    pub const fn of<R: ApiRequest>() -> MethodInfo {
        MethodInfo { method: R::METHOD, rate: R::RATE, writes: R::WRITES }
    }
}

/// Every typed request's facts.
pub const CATALOGUE: &[MethodInfo] = &[
    MethodInfo::of::<CreateOrder>(),
    // A trigger CreateOrder goes here instead (`ApiRequest::method`): a write, never retried.
    MethodInfo { method: ADVANCED_CREATE_ORDER, rate: RateClass::OrderEntry, writes: true },
    MethodInfo::of::<CreateList>(),
    // The other kinds of CreateList go to these (`ApiRequest::method`).
    MethodInfo { method: CREATE_OTO, rate: RateClass::OrderEntry, writes: true },
    MethodInfo { method: CREATE_OTOCO, rate: RateClass::OrderEntry, writes: true },
    MethodInfo::of::<BatchOrderRequest>(),
    MethodInfo::of::<CancelOco>(),
    MethodInfo::of::<ClosePosition>(),
    MethodInfo::of::<GetTransactions>(),
    MethodInfo::of::<CancelOrder>(),
    MethodInfo::of::<CancelAllOrders>(),
    MethodInfo::of::<AmendOrder>(),
    MethodInfo::of::<CreateOrderList>(),
    MethodInfo::of::<CancelOrderList>(),
    MethodInfo::of::<GetOpenOrders>(),
    MethodInfo::of::<GetPositions>(),
    MethodInfo::of::<GetTickers>(),
    MethodInfo::of::<GetOrderHistory>(),
    MethodInfo::of::<GetTrades>(),
    MethodInfo::of::<UserBalance>(),
    MethodInfo::of::<GetAccounts>(),
    MethodInfo::of::<GetCancelOnDisconnect>(),
    MethodInfo::of::<GetInstruments>(),
    MethodInfo::of::<PublicAuth>(),
    MethodInfo::of::<GetOrderDetail>(),
    MethodInfo::of::<SetCancelOnDisconnect>(),
    MethodInfo::of::<GetBook>(),
    MethodInfo::of::<GetPublicTrades>(),
    MethodInfo::of::<GetCandlestick>(),
    MethodInfo::of::<Subscribe>(),
    MethodInfo::of::<Unsubscribe>(),
];

/// The facts of a method by name, if it has a typed request.
pub fn method_info(method: &str) -> Option<MethodInfo> {
    CATALOGUE.iter().find(|m| m.method == method).copied()
}

/// The rate-limit class of a method by name; one without a typed request by its prefix.
pub fn rate_class(method: &str) -> RateClass {
    method_info(method).map_or(RateClass::by_prefix(method), |m| m.rate)
}

/// Whether a method by name changes state; one without a typed request counts as a read.
pub fn writes(method: &str) -> bool {
    method_info(method).is_some_and(|m| m.writes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_once_and_found_by_name() {
        for (i, m) in CATALOGUE.iter().enumerate() {
            assert!(CATALOGUE[i + 1..].iter().all(|n| n.method != m.method), "{} listed twice", m.method);
            assert_eq!(method_info(m.method), Some(*m));
            assert_eq!((rate_class(m.method), writes(m.method)), (m.rate, m.writes));
        }
    }

    #[test]
    fn classes_by_prefix_and_by_declaration() {
        assert_eq!(RateClass::by_prefix("public/get-book"), RateClass::Public);
        assert_eq!(RateClass::by_prefix("public"), RateClass::OtherPrivate);
        assert_eq!(RateClass::by_prefix("private/get-accounts"), RateClass::OtherPrivate);
        assert_eq!(CreateOrder::RATE, RateClass::OrderEntry);
        assert_eq!(GetTrades::RATE, RateClass::History);
        assert_eq!(GetPublicTrades::RATE, RateClass::Public);
        assert_eq!(AmendOrder::RATE, RateClass::OtherPrivate);
        assert_eq!(method_info("private/get-deposit-history"), None);
        assert_eq!(rate_class("private/get-deposit-history"), RateClass::OtherPrivate);
        assert!(!writes("private/get-deposit-history"));
        assert_eq!(rate_class("public/get-valuations"), RateClass::Public);
    }

    #[test]
    fn the_writes_are_the_order_and_setting_changes() {
        let mut writes: Vec<_> = CATALOGUE.iter().filter(|m| m.writes).map(|m| m.method).collect();
        writes.sort_unstable();
        assert_eq!(
            writes,
            [
                "private/advanced/cancel-oco",
                "private/advanced/create-oco",
                "private/advanced/create-order",
                "private/advanced/create-oto",
                "private/advanced/create-otoco",
                "private/amend-order",
                "private/batch-order-request",
                "private/cancel-all-orders",
                "private/cancel-order",
                "private/cancel-order-list",
                "private/close-position",
                "private/create-order",
                "private/create-order-list",
                "private/set-cancel-on-disconnect",
            ]
        );
    }
}
