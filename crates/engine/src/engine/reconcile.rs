//! Reconciliation after every (re)connect (§12.5): the authoritative open orders, the detail of
//! every locally open order missing from them, the fills since the last one seen (paged, within
//! get-trades' 1 request/s limit, which the REST client enforces), balances and positions.
//! It only fetches; the engine task applies what it returns.

use std::collections::HashSet;

use crate::protocol::envelope::DataList;
use crate::protocol::models::{BalanceSummary, Order, Position, Trade, Transaction};
use crate::protocol::requests::{
    GetOpenOrders, GetOrderDetail, GetPositions, GetTrades, GetTransactions, OrderRef, UserBalance,
};
use crate::rest::{RestClient, RestError};

/// What the exchange says the account is.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Every order the exchange holds open for the account.
    pub open_orders: Vec<Order>,
    /// Orders we thought open that are not: their final state.
    pub closed: Vec<Order>,
    /// Fills since the last seen one, oldest first.
    pub trades: Vec<Trade>,
    /// The balance summary.
    pub balance: Option<BalanceSummary>,
    /// The account's positions as the exchange reports them (empty for a spot-only account).
    pub positions: Vec<Position>,
    /// When the positions were asked for (a held position changed later is not dropped).
    pub positions_requested_ms: u64,
    /// Funding payments since the last known fill (the engine counts each journal_id once).
    pub funding: Vec<Transaction>,
    /// Where `get-trades` could not return every fill (more than a page of one instrument's
    /// fills at one nanosecond): fills there may be missing. Each names the instrument and time.
    pub fill_gaps: Vec<String>,
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
            Err(RestError::Exchange(e)) if e.code == crate::protocol::code_names::NOT_FOUND => {
                tracing::warn!(order_id = %id, "order unknown to the exchange")
            }
            Err(e) => return Err(e),
        }
    }
    // Any instrument with fills at an instant may have to be asked for alone (see below);
    // those of the orders we know are candidates beyond the ones a page shows.
    let mut instruments: Vec<String> =
        snap.open_orders.iter().chain(&snap.closed).map(|o| o.instrument_name.to_string()).collect();
    instruments.sort();
    instruments.dedup();
    (snap.trades, snap.fill_gaps) = trades_since(rest, since_ns, &instruments).await?;
    snap.funding = funding_since(rest, since_ns).await?;
    snap.positions_requested_ms = crate::clock::system_now_ms();
    let positions: DataList<Position> = rest.call(&GetPositions::default()).await?;
    snap.positions = positions.data;
    // Balances last: the closer to going live, the fewer pushes it has to be reconciled with.
    let balance: DataList<BalanceSummary> = rest.call(&UserBalance).await?;
    snap.balance = balance.data.into_iter().next();
    Ok(snap)
}

/// Pages `get-trades` backwards (newest first; `start_time` inclusive, `end_time` exclusive)
/// down to `since_ns`, each fill once (by `trade_id`).
///
/// A page spanning several instants continues below its oldest instant plus one, so that fills
/// sharing that instant beyond the page come again (and are de-duplicated). A full page of one
/// instant cannot be paged past by time: that instant is then asked for one instrument at a
/// time (the page's instruments and `instruments`, those of orders we know), and paging goes
/// on strictly below it. More than a page of one instrument's fills at one nanosecond is beyond
/// what the method can return: that is logged as an error and reported in the result.
async fn trades_since(
    rest: &RestClient,
    since_ns: u128,
    instruments: &[String],
) -> Result<(Vec<Trade>, Vec<String>), RestError> {
    let start = u64::try_from(since_ns).unwrap_or(u64::MAX);
    let mut fills = Fills::default();
    let mut gaps = Vec::new();
    let mut end: Option<u64> = None;
    loop {
        let page = get_trades(rest, None, start, end).await?;
        let n = page.len();
        let oldest = page.iter().filter_map(Trade::time_ns).min();
        let newest = page.iter().filter_map(Trade::time_ns).max();
        let mut here: Vec<String> = page.iter().map(|t| t.instrument_name.to_string()).collect();
        fills.add(page);
        if n < PAGE {
            break;
        }
        let (Some(oldest), Some(newest)) = (oldest.and_then(to_u64), newest.and_then(to_u64)) else {
            tracing::error!("get-trades returned a full page without fill times; older fills cannot be paged");
            gaps.push("a full page of fills without times".to_owned());
            break;
        };
        if oldest < newest {
            // Strictly below the previous end (newest < end), so paging always moves on.
            end = Some(oldest.saturating_add(1));
            continue;
        }
        here.extend(instruments.iter().cloned());
        here.sort();
        here.dedup();
        for instrument in here {
            let narrow = get_trades(rest, Some(&instrument), oldest, Some(oldest.saturating_add(1))).await?;
            if narrow.len() >= PAGE {
                tracing::error!(
                    %instrument,
                    time_ns = oldest,
                    "more than {PAGE} fills of one instrument at one nanosecond: get-trades cannot return them all; some may be missing"
                );
                gaps.push(format!("{instrument} at {oldest} ns"));
            }
            fills.add(narrow);
        }
        if oldest <= start {
            break;
        }
        end = Some(oldest);
    }
    Ok((fills.into_sorted(), gaps))
}

fn to_u64(t: u128) -> Option<u64> {
    u64::try_from(t).ok()
}

async fn get_trades(
    rest: &RestClient,
    instrument: Option<&str>,
    start: u64,
    end: Option<u64>,
) -> Result<Vec<Trade>, RestError> {
    let req = GetTrades {
        instrument_name: instrument.map(Into::into),
        start_time: Some(start),
        end_time: end,
        limit: Some(PAGE as u64),
    };
    let page: DataList<Trade> = rest.call(&req).await?;
    Ok(page.data)
}

/// Fills collected across pages, each `trade_id` once.
#[derive(Default)]
struct Fills {
    seen: HashSet<String>,
    all: Vec<Trade>,
}

impl Fills {
    fn add(&mut self, page: Vec<Trade>) {
        for t in page {
            if self.seen.insert(t.trade_id.to_string()) {
                self.all.push(t);
            }
        }
    }

    /// Oldest first; ties in time by trade id (numeric ids compare by length, then text).
    fn into_sorted(mut self) -> Vec<Trade> {
        self.all.sort_by(|a, b| {
            let key = |t: &Trade| (t.time_ns(), t.trade_id.as_str().len(), t.trade_id.to_string());
            key(a).cmp(&key(b))
        });
        self.all
    }
}

/// Funding entries since `since_ns` (a day back when nothing is known yet): a payment made
/// while the engine was away happened after the last fill it knew, so this window holds it.
/// One page of 100: funding comes hourly per position, far fewer than that between two
/// reconciliations.
async fn funding_since(rest: &RestClient, since_ns: u128) -> Result<Vec<Transaction>, RestError> {
    let req = GetTransactions {
        journal_type: Some("FUNDING".to_owned()),
        start_time: (since_ns > 0).then(|| u64::try_from(since_ns).unwrap_or(u64::MAX)),
        limit: Some(100),
        ..GetTransactions::default()
    };
    let page: DataList<Transaction> = rest.call(&req).await?;
    Ok(page.data)
}
