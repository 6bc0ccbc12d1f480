//! Giving each strategy back what earlier runs on the same journal left of it: its fills (from
//! the journal, and from the exchange for the time the engine was down) and its orders still
//! open. Orders are recognised by the strategy's tag in their client id (see [`super::oid`]).
//! It must NOT write the journal or the state; the engine task calls it once, before the first
//! strategy callback.

use std::collections::HashSet;
use std::path::Path;

use crate::journal::{read_fills, FillRecord, JournalError};
use crate::protocol::enums::Side;
use crate::protocol::ids::{ClientOrderId, InstrumentName, OrderId, TradeId};
use crate::protocol::models::{Order, Trade};
use crate::strategy::Resumed;

use super::oid::tag_of;

/// The journal's fills of orders that carry one of `tags`, oldest first, as trades.
pub(crate) fn journal_fills(path: &Path, tags: &[String]) -> Result<Vec<Trade>, JournalError> {
    if tags.is_empty() {
        return Ok(Vec::new());
    }
    let known = |oid: &str| tag_of(oid).is_some_and(|t| tags.iter().any(|k| k == t));
    Ok(read_fills(path)?
        .into_iter()
        .filter(|f| f.client_oid.as_deref().is_some_and(known))
        .map(|f| to_trade(&f))
        .collect())
}

fn to_trade(f: &FillRecord) -> Trade {
    Trade {
        trade_id: TradeId::from(f.trade_id.as_str()),
        order_id: OrderId::from(f.order_id.as_str()),
        client_oid: f.client_oid.as_deref().map(ClientOrderId::from),
        instrument_name: InstrumentName::from(f.instrument_name.as_str()),
        side: Side::from_wire(&f.side),
        traded_price: f.price,
        traded_quantity: f.quantity,
        // The journal keeps the cost (positive when charged); the wire sign is the opposite.
        fees: -f.fee,
        fee_credits: None,
        fee_instrument_name: f.fee_currency.clone(),
        taker_side: None,
        trade_match_id: None,
        account_id: None,
        event_date: None,
        journal_type: None,
        create_time: u64::try_from(f.time_ns / 1_000_000).ok(),
        create_time_ns: (f.time_ns > 0).then(|| f.time_ns.to_string()),
        transact_time_ns: None,
        transaction_time: None,
    }
}

/// What strategy `tag` gets back: fills from `earlier` (journal) then `recent` (exchange,
/// applied during the first reconciliation), each `trade_id` once; orders from `open`.
pub(crate) fn resumed_for(tag: &str, earlier: &[Trade], recent: &[Trade], open: &[Order]) -> Resumed {
    let mine = |oid: Option<&ClientOrderId>| oid.and_then(|c| tag_of(c.as_str())) == Some(tag);
    let mut seen = HashSet::new();
    let fills = earlier
        .iter()
        .chain(recent)
        .filter(|t| mine(t.client_oid.as_ref()) && seen.insert(t.trade_id.clone()))
        .cloned()
        .collect();
    let open_orders = open.iter().filter(|o| mine(o.client_oid.as_ref())).cloned().collect();
    Resumed { open_orders, fills }
}
