//! The backtest's report: what the strategy did (orders placed, cancelled, refused; fills,
//! volume, fees), what it earned (realised and unrealised PnL, funding, equity, maximum
//! drawdown) and how equity and position moved over data time. Every figure is a `Decimal`
//! (serialised as a string) or a count, so that two runs on the same data give byte-identical
//! JSON. It must NOT read the clock or the machine: nothing here may differ between runs.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::venue::account::FeeRates;
use super::venue::VenueStats;

/// One point of the time series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// Data time, ms.
    pub t_ms: u64,
    /// Account value in the valuation currency: balances at the books' mids, plus the
    /// perpetuals' unrealised PnL.
    pub equity: Decimal,
    /// Realised PnL before fees, from the engine's own PnL.
    pub realised: Decimal,
    /// Unrealised PnL of the open positions at the mids (spot) or marks (perpetuals).
    pub unrealised: Decimal,
    /// The strategies' net position in the first instrument.
    pub position: Decimal,
}

/// One instrument's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstrumentReport {
    /// The instrument.
    pub instrument: String,
    /// Fills.
    pub fills: u64,
    /// Quantity traded, both sides.
    pub volume: Decimal,
    /// Notional traded, both sides.
    pub notional: Decimal,
    /// Position at the end (from the fills).
    pub position: Decimal,
    /// Average cost of that position.
    pub avg_cost: Decimal,
    /// Realised PnL before fees.
    pub realised: Decimal,
    /// Unrealised PnL at the end.
    pub unrealised: Decimal,
    /// Fees by currency.
    pub fees: BTreeMap<String, Decimal>,
    /// Funding received (negative: paid).
    pub funding: Decimal,
}

/// Orders, by what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct OrderCounts {
    /// Intents the strategies recorded that reached the venue.
    pub sent: u64,
    /// Accepted by the venue.
    pub placed: u64,
    /// Filled completely.
    pub filled: u64,
    /// Cancelled (asked for, IOC and FOK remainders, reduce-only with nothing to reduce).
    pub cancelled: u64,
    /// Refused or rejected by the venue (balance, post-only, ...).
    pub rejected: u64,
    /// Refused by the engine's risk checks (never sent).
    pub refused_by_risk: u64,
    /// Refused because the backtest does not model them (trigger orders, lists).
    pub not_modelled: u64,
}

/// What the data held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct DataCounts {
    /// Records read.
    pub records: u64,
    /// Book snapshots and deltas.
    pub book_updates: u64,
    /// Public trades.
    pub trades: u64,
    /// Gaps in the recording.
    pub gaps: u64,
    /// Malformed lines or records skipped.
    pub skipped: u64,
    /// First and last data time replayed, ms.
    pub first_ms: u64,
    /// See `first_ms`.
    pub last_ms: u64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The strategies run, by name.
    pub strategies: Vec<String>,
    /// The valuation currency.
    pub currency: String,
    /// One-way order latency, µs.
    pub latency_us: u64,
    /// Market-data latency, µs.
    pub feed_latency_us: u64,
    /// Fee rates used.
    pub fees: FeeRates,
    /// What the data held.
    pub data: DataCounts,
    /// Orders.
    pub orders: OrderCounts,
    /// Fills.
    pub fills: u64,
    /// Fees paid by currency.
    pub fees_paid: BTreeMap<String, Decimal>,
    /// Equity at the start and the end.
    pub start_equity: Decimal,
    /// See `start_equity`.
    pub end_equity: Decimal,
    /// Realised PnL before fees, all instruments.
    pub realised: Decimal,
    /// Unrealised PnL at the end.
    pub unrealised: Decimal,
    /// Funding, all instruments.
    pub funding: Decimal,
    /// The largest fall of equity from a previous peak.
    pub max_drawdown: Decimal,
    /// Balances at the end (totals), by currency.
    pub balances: BTreeMap<String, Decimal>,
    /// Orders still open at the end.
    pub open_orders: usize,
    /// Per instrument.
    pub instruments: Vec<InstrumentReport>,
    /// Equity, PnL and position over data time.
    pub series: Vec<Sample>,
    /// Strategies halted during the run, with why.
    pub halted: Vec<String>,
}

/// Tracks the peak and the largest fall.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Drawdown {
    peak: Option<Decimal>,
    pub(crate) max: Decimal,
}

impl Drawdown {
    pub(crate) fn see(&mut self, equity: Decimal) {
        let peak = self.peak.map_or(equity, |p| p.max(equity));
        self.peak = Some(peak);
        self.max = self.max.max(peak - equity);
    }
}

/// The venue's counts folded into the report's.
pub(crate) fn order_counts(v: VenueStats, sent: u64, filled: u64, risk: u64, not_modelled: u64) -> OrderCounts {
    OrderCounts {
        sent,
        placed: v.placed,
        filled,
        cancelled: v.cancelled,
        rejected: v.rejected,
        refused_by_risk: risk,
        not_modelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawdown_is_the_largest_fall_from_a_peak() {
        let mut d = Drawdown::default();
        for e in [100, 120, 90, 130, 110, 125] {
            d.see(Decimal::from(e));
        }
        assert_eq!(d.max, Decimal::from(30));
    }
}
