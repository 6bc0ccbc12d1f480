//! The backtest benchmark: events per second through data read, book update, the venue's queue
//! model and one strategy ([`super::pulse::Pulse`], an order placed or cancelled every 1,000
//! events), on the generated L2 set of [`super::l2gen`] in the compact form; the plain form and
//! the conversion are timed apart. Peak memory is read for a tenth of the data and for all of
//! it, to show it does not grow with the data. It measures; it must NOT hold rules of its own.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use cdc_engine::backtest::{data, run, BacktestConfig};

use super::l2gen;
use super::pulse::Pulse;

/// The figures of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BacktestFigures {
    /// Events after the snapshot (book deltas and trades).
    pub events: u64,
    /// Compact form: events per second (median of the passes).
    pub events_per_s: f64,
    /// Its inverse, ns.
    pub ns_per_event: f64,
    /// The slowest and fastest pass, events per second.
    pub events_per_s_range: [f64; 2],
    /// Plain form (JSON lines): events per second, one pass.
    pub plain_events_per_s: f64,
    /// Converting the plain form to the compact form, events per second.
    pub convert_events_per_s: f64,
    /// File sizes: plain, compact (bytes).
    pub bytes: [u64; 2],
    /// Orders placed and cancels sent by the strategy, fills it got (last pass).
    pub actions: u64,
    /// Fills in the last pass.
    pub fills: u64,
    /// Peak RSS (VmHWM) while replaying a tenth of the data and all of it, MB.
    pub rss_peak_mb: [f64; 2],
}

/// A failed run.
#[derive(Debug, thiserror::Error)]
pub enum BacktestBenchError {
    /// Writing or reading the data set.
    #[error("backtest bench data: {0}")]
    Io(#[from] std::io::Error),
    /// The backtest itself.
    #[error("backtest bench: {0}")]
    Backtest(#[from] cdc_engine::backtest::BacktestError),
    /// The conversion.
    #[error("backtest bench: {0}")]
    Data(#[from] data::DataError),
}

fn generate(path: &Path, events: usize) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    l2gen::write(&mut out, events, 42)?;
    std::io::Write::flush(&mut out)
}

/// One replay; returns (seconds, events, fills, strategy actions).
fn replay(path: &Path) -> Result<(f64, u64, u64, u64), BacktestBenchError> {
    let actions = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let strategy = Counted { inner: Pulse::new(l2gen::INSTRUMENT, 1_000), out: actions.clone() };
    let cfg = BacktestConfig { balances: vec![("USD".into(), 1_000_000.into())], ..Default::default() };
    let start = Instant::now();
    let mut source = data::open(path)?;
    let r = run(&cfg, vec![Box::new(strategy)], &mut *source, Vec::new())?;
    let secs = start.elapsed().as_secs_f64();
    let events = r.data.book_updates + r.data.trades - 1;
    Ok((secs, events, r.fills, actions.load(std::sync::atomic::Ordering::Relaxed)))
}

/// Replays `path` `passes` times; returns the median events per second and the events.
pub fn replay_only(path: &Path, passes: usize) -> Result<(f64, u64), BacktestBenchError> {
    let mut rates = Vec::new();
    let mut events = 0;
    for _ in 0..passes.max(1) {
        let (secs, n, _, _) = replay(path)?;
        events = n;
        rates.push(n as f64 / secs);
    }
    rates.sort_by(f64::total_cmp);
    Ok((rates[rates.len() / 2], events))
}

/// Resets the peak RSS the kernel keeps (Linux), so that the next peak is the next run's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb =
        status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok());
    kb.unwrap_or(0.0) / 1024.0
}

/// Generates `events` events in `dir`, converts them, and replays them `passes` times.
pub fn measure(dir: &Path, events: usize, passes: usize) -> Result<BacktestFigures, BacktestBenchError> {
    let (plain, compact, small, small_c) =
        (dir.join("l2.jsonl"), dir.join("l2.cdcb"), dir.join("s.jsonl"), dir.join("s.cdcb"));
    generate(&plain, events)?;
    generate(&small, events / 10)?;
    let t = Instant::now();
    data::convert(&[&plain], &compact)?;
    let convert_s = t.elapsed().as_secs_f64();
    data::convert(&[&small], &small_c)?;
    reset_peak();
    replay(&small_c)?;
    let rss_small = peak_mb();
    reset_peak();
    let mut rates = Vec::new();
    let mut last = (0.0, 0, 0, 0);
    for _ in 0..passes.max(1) {
        last = replay(&compact)?;
        rates.push(last.1 as f64 / last.0);
    }
    let rss_full = peak_mb();
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    let (plain_s, plain_events, _, _) = replay(&plain)?;
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    Ok(BacktestFigures {
        events: last.1,
        events_per_s: median,
        ns_per_event: 1e9 / median,
        events_per_s_range: [rates[0], rates[rates.len() - 1]],
        plain_events_per_s: plain_events as f64 / plain_s,
        convert_events_per_s: last.1 as f64 / convert_s,
        bytes: [size(&plain), size(&compact)],
        actions: last.3,
        fills: last.2,
        rss_peak_mb: [rss_small, rss_full],
    })
}

/// Pulse, with its action count readable after the run has consumed it.
struct Counted {
    inner: Pulse,
    out: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl cdc_engine::strategy::Strategy for Counted {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn market_channels(&self) -> Vec<cdc_engine::protocol::Channel> {
        self.inner.market_channels()
    }
    fn on_book(
        &mut self,
        ctx: &mut cdc_engine::strategy::Context<'_>,
        i: &str,
        b: &cdc_engine::state::book::OrderBook,
    ) {
        self.inner.on_book(ctx, i, b)
    }
    fn on_public_trade(
        &mut self,
        ctx: &mut cdc_engine::strategy::Context<'_>,
        t: &cdc_engine::protocol::models::PublicTrade,
    ) {
        self.inner.on_public_trade(ctx, t)
    }
    fn on_order(&mut self, ctx: &mut cdc_engine::strategy::Context<'_>, o: &cdc_engine::protocol::models::Order) {
        self.inner.on_order(ctx, o)
    }
    fn on_stop(&mut self, _ctx: &mut cdc_engine::strategy::Context<'_>) {
        self.out.store(self.inner.actions, std::sync::atomic::Ordering::Relaxed);
    }
}
