//! Reconciliation after every (re)connect (§12.5): the authoritative open orders, the detail of
//! every locally open order missing from them, the fills since the last one seen (paged, within
//! get-trades' 1 request/s limit, which the REST client enforces), balances and positions.
//! It only fetches; the engine task applies what it returns.

use crate::protocol::envelope::DataList;
use crate::protocol::models::{BalanceSummary, Order, Position, Trade};
use crate::protocol::requests::{GetOpenOrders, GetOrderDetail, GetPositions, GetTrades, OrderRef, UserBalance};
use crate::rest::{RestClient, RestError};

/// What the exchange says the account is.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Open orders.
    pub open_orders: Vec<Order>,
    /// Orders we thought open that are not: their final state.
    pub closed: Vec<Order>,
    /// Fills since the last seen one, oldest first.
    pub trades: Vec<Trade>,
    /// The balance summary.
    pub balance: Option<BalanceSummary>,
    /// Positions.
    pub positions: Vec<Position>,
}

/// Most fills `get-trades` returns per page.
const PAGE: usize = 100;

/// Fetches a snapshot. `local_open` are the order ids we believe open; fills are fetched from
/// `since_ns` (inclusive: the last seen fill comes back and is de-duplicated).
pub async fn fetch(rest: &RestClient, local_open: &[String], since_ns: u128) -> Result<Snapshot, RestError> {
    let open: DataList<Order> = rest.call(&GetOpenOrders::default()).await?;
    let mut snap = Snapshot { open_orders: open.data, ..Snapshot::default() };
    for id in local_open {
        if snap.open_orders.iter().any(|o| o.order_id.as_str() == id) {
            continue;
        }
        match rest.call::<_, Order>(&GetOrderDetail(OrderRef::OrderId(id.as_str().into()))).await {
            Ok(o) => snap.closed.push(o),
            Err(RestError::Exchange(e)) if e.code == 40401 => {
                tracing::warn!(order_id = %id, "order unknown to the exchange")
            }
            Err(e) => return Err(e),
        }
    }
    snap.trades = trades_since(rest, since_ns).await?;
    let positions: DataList<Position> = rest.call(&GetPositions::default()).await?;
    snap.positions = positions.data;
    // Balances last: the closer to going live, the fewer pushes it has to be reconciled with.
    let balance: DataList<BalanceSummary> = rest.call(&UserBalance).await?;
    snap.balance = balance.data.into_iter().next();
    Ok(snap)
}

/// Pages `get-trades` backwards (newest first, `end_time` exclusive) down to `since_ns`.
async fn trades_since(rest: &RestClient, since_ns: u128) -> Result<Vec<Trade>, RestError> {
    let start = u64::try_from(since_ns).unwrap_or(u64::MAX);
    let mut all = Vec::new();
    let mut end: Option<u64> = None;
    loop {
        let req = GetTrades { instrument_name: None, start_time: Some(start), end_time: end, limit: Some(PAGE as u64) };
        let page: DataList<Trade> = rest.call(&req).await?;
        let n = page.data.len();
        let oldest = page.data.iter().filter_map(Trade::time_ns).min();
        all.extend(page.data);
        // `end_time` is exclusive: end just after the oldest fill, so that fills sharing its
        // timestamp beyond this page come on the next one (repeats are de-duplicated).
        let next = oldest.and_then(|t| u64::try_from(t + 1).ok());
        if n < PAGE || next.is_none() || next == end {
            break;
        }
        end = next;
    }
    all.sort_by_key(|t| t.time_ns());
    Ok(all)
}
