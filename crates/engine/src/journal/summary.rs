//! What the `journal` command shows: fills, orders, fees and realised PnL per instrument, read
//! from a journal file through a read-only connection (no lock, no write), fills and orders from
//! one snapshot even while an engine appends.
//!
//! The PnL is [`crate::pnl::InstrumentPnl`] (average cost) applied to the journalled fills in
//! journal order. With a `since` time the figures are those of the fills from then on: every
//! fill is applied, and what the fills before `since` alone give is subtracted, so a sale after
//! `since` realises against the real cost of a purchase made before it. This module selects,
//! counts and subtracts; it must NOT compute PnL itself or write to the journal.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::error::JournalError;
use super::records::{FillRecord, OrderRecord};
use super::{recover, schema};
use crate::pnl::InstrumentPnl;
use crate::protocol::enums::Side;

/// Which part of the journal to sum up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only fills and order updates at or after this time (ns since the epoch). Fills without a
    /// time, and order updates without one, count as before it.
    pub since_ns: Option<u128>,
    /// Only this instrument (any case).
    pub instrument: Option<String>,
}

/// One instrument's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstrumentSummary {
    /// Instrument name.
    pub instrument: String,
    /// Fills, volume, notional, realised PnL and fees of the fills in the window; `position`
    /// and `avg_cost` are those after every journalled fill (the position as journalled now).
    pub pnl: InstrumentPnl,
    /// Orders with a journalled update in the window.
    pub orders: u64,
    /// Of those, the ones whose last journalled status is not terminal (they may have changed
    /// on the exchange since, if the engine is not running).
    pub open_orders: u64,
    /// Of those, how many have each last journalled status.
    pub orders_by_status: BTreeMap<String, u64>,
    /// Time of the first and the last fill in the window that had a time (ns).
    pub fill_times_ns: Option<(u128, u128)>,
}

/// The figures of a journal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// The journal file.
    pub path: PathBuf,
    /// The filter applied.
    pub filter: Filter,
    /// By instrument name, only instruments with fills or order updates in the window.
    pub instruments: Vec<InstrumentSummary>,
}

impl Summary {
    /// Fills in the window, all instruments.
    pub fn fills(&self) -> u64 {
        self.instruments.iter().map(|i| i.pnl.fills).sum()
    }

    /// Orders with an update in the window, all instruments.
    pub fn orders(&self) -> u64 {
        self.instruments.iter().map(|i| i.orders).sum()
    }
}

/// Reads the journal at `path` and sums it up. A missing file is [`JournalError::NotFound`];
/// the journal is opened read-only, so this works while an engine holds its lock.
pub fn summarize(path: &Path, filter: &Filter) -> Result<Summary, JournalError> {
    let (fills, orders) = schema::read(path, |conn| {
        let sql = |e| JournalError::sqlite(path, e);
        // One read transaction: fills and orders as of the same commit.
        conn.execute_batch("BEGIN").map_err(sql)?;
        schema::check_readable(conn, path)?;
        let fills = recover::fills_on(conn, path)?;
        let orders = recover::orders_on(conn, path)?;
        conn.execute_batch("COMMIT").map_err(sql)?;
        Ok((fills, orders))
    })?;
    let wanted = |inst: &str| filter.instrument.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(inst));
    let mut by: BTreeMap<String, Acc> = BTreeMap::new();
    for f in fills.iter().filter(|f| wanted(&f.instrument_name)) {
        by.entry(f.instrument_name.clone()).or_default().fill(path, f, filter.since_ns)?;
    }
    let mut last: HashMap<&str, (&OrderRecord, bool)> = HashMap::new();
    for o in orders.iter().filter(|o| wanted(&o.instrument_name)) {
        let in_window = filter.since_ns.is_none_or(|s| u128::from(o.update_time_ms) * 1_000_000 >= s);
        let seen = last.get(o.order_id.as_str()).is_some_and(|(_, w)| *w);
        last.insert(&o.order_id, (o, seen || in_window));
    }
    for (o, in_window) in last.into_values() {
        if in_window {
            by.entry(o.instrument_name.clone()).or_default().order(o);
        }
    }
    let instruments = by
        .into_iter()
        .filter(|(_, a)| a.window_fills > 0 || a.orders > 0)
        .map(|(instrument, a)| a.finish(instrument))
        .collect();
    Ok(Summary { path: path.to_path_buf(), filter: filter.clone(), instruments })
}

/// One instrument while reading.
#[derive(Default)]
struct Acc {
    all: InstrumentPnl,
    before: InstrumentPnl,
    window_fills: u64,
    times: Option<(u128, u128)>,
    orders: u64,
    open: u64,
    by_status: BTreeMap<String, u64>,
}

impl Acc {
    fn fill(&mut self, path: &Path, f: &FillRecord, since: Option<u128>) -> Result<(), JournalError> {
        let side = match Side::from_wire(&f.side) {
            Side::Unknown(_) => {
                return Err(JournalError::BadRow {
                    path: path.to_path_buf(),
                    detail: format!("fills.side = {:?} for trade {}", f.side, f.trade_id),
                })
            }
            side => side,
        };
        // The same currency label as `Pnl::apply_trade` when the fill named none.
        let ccy = f.fee_currency.as_deref().unwrap_or("?");
        self.all.apply(&side, f.price, f.quantity, f.fee, ccy);
        if since.is_some_and(|s| f.time_ns < s) {
            self.before.apply(&side, f.price, f.quantity, f.fee, ccy);
            return Ok(());
        }
        self.window_fills += 1;
        if f.time_ns > 0 {
            let (lo, hi) = self.times.unwrap_or((f.time_ns, f.time_ns));
            self.times = Some((lo.min(f.time_ns), hi.max(f.time_ns)));
        }
        Ok(())
    }

    fn order(&mut self, o: &OrderRecord) {
        self.orders += 1;
        if !o.is_terminal() {
            self.open += 1;
        }
        *self.by_status.entry(o.status.clone()).or_default() += 1;
    }

    fn finish(self, instrument: String) -> InstrumentSummary {
        let (all, before) = (self.all, self.before);
        let mut fees = all.fees.clone();
        for (ccy, paid) in &before.fees {
            *fees.entry(ccy.clone()).or_default() -= paid;
        }
        fees.retain(|_, v| !v.is_zero());
        let pnl = InstrumentPnl {
            fills: all.fills - before.fills,
            position: all.position,
            avg_cost: all.avg_cost,
            realised: all.realised - before.realised,
            volume: all.volume - before.volume,
            notional: all.notional - before.notional,
            fees,
            // The journal holds fills only; funding is not journalled.
            funding: rust_decimal::Decimal::ZERO,
        };
        debug_assert_eq!(pnl.fills, self.window_fills);
        InstrumentSummary {
            instrument,
            pnl,
            orders: self.orders,
            open_orders: self.open,
            orders_by_status: self.by_status,
            fill_times_ns: self.times,
        }
    }
}
