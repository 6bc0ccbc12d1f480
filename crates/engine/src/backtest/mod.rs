//! Backtesting a strategy on recorded market data: the same engine state, apply code, risk
//! checks, strategy host and strategy API as a live run, against a venue that fills the
//! strategy's orders from the recorded books and trades ([`venue`]), under a virtual clock in
//! data time, with a latency model for orders. Deterministic: the same data and settings give
//! the same report, byte for byte. Streamed: memory does not grow with the data.
//!
//! It must NOT read the wall clock or do network I/O, and it must not keep rules of its own
//! where the engine has one (order lifecycle, fill de-duplication, books, risk): it calls the
//! engine's.

pub mod data;
mod driver;
mod hooks;
pub mod report;
mod route;
mod valuation;
pub mod venue;

use rust_decimal::Decimal;

pub use driver::run;
pub use report::Report;
pub use venue::account::FeeRates;

use crate::engine::RiskLimits;

/// How a backtest runs.
#[derive(Debug, Clone)]
pub struct BacktestConfig {
    /// One-way latency between the strategy and the venue, µs: an order reaches the venue this
    /// long after the strategy asked, and the venue's answers reach the engine this long after
    /// it gave them.
    pub latency_us: u64,
    /// Market-data latency, µs: the venue sees the market at the recording's receive times,
    /// the strategy this much later (0: both at once, as recorded).
    pub feed_latency_us: u64,
    /// Fee rates.
    pub fees: FeeRates,
    /// Balances to start with, by currency.
    pub balances: Vec<(String, Decimal)>,
    /// The engine's risk limits.
    pub limits: RiskLimits,
    /// Start the strategies at this data time (ms); data before it only builds the books.
    pub from_ms: Option<u64>,
    /// Stop at this data time (ms).
    pub to_ms: Option<u64>,
    /// How often the report samples equity and position, in data time (ms).
    pub sample_ms: u64,
    /// A strategy is halted after this many refusals in a row.
    pub halt_after: u32,
    /// Funding is paid on perpetual positions at each multiple of this interval of data time
    /// (ms); the exchange pays hourly.
    pub funding_interval_ms: u64,
}

impl Default for BacktestConfig {
    fn default() -> Self {
        BacktestConfig {
            latency_us: 0,
            feed_latency_us: 0,
            fees: FeeRates::default(),
            balances: vec![("USD".into(), Decimal::from(100_000))],
            limits: RiskLimits::default(),
            from_ms: None,
            to_ms: None,
            sample_ms: 1_000,
            // The engine's default.
            halt_after: 5,
            funding_interval_ms: 3_600_000,
        }
    }
}

/// Why a backtest could not run.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// The data could not be read.
    #[error(transparent)]
    Data(#[from] data::DataError),
    /// The data holds no market data at all (in the time range asked for).
    #[error("the data holds no market data{0}")]
    Empty(String),
    /// A strategy trades an instrument the data does not list.
    #[error(transparent)]
    Unlisted(#[from] crate::engine::VenueError),
    /// A strategy refused its settings.
    #[error("strategy {strategy}: {error}")]
    Strategy {
        /// The strategy's name.
        strategy: String,
        /// Its reason.
        error: crate::strategy::ConfigError,
    },
    /// Two strategies share an id.
    #[error("two strategies share the id {0:?}: give each its own")]
    DuplicateId(String),
}
