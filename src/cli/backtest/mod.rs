//! `cdc-engine backtest`: runs a built-in strategy, built from its `[strategies.NAME]` settings
//! with the profile's risk limits as `run` does, over recorded market data through the engine's
//! backtest library, and prints its report (a table, or one JSON object); `--chart` draws its
//! equity and position. `cdc-engine convert` turns recordings into the compact form.
//!
//! Synchronous and offline: it must NOT touch the network, need credentials or read the wall
//! clock into its output, so that the same inputs print the same bytes. The library does the
//! backtest; this module only reads the command line and shows the result.

mod args;
mod checks;
mod table;

use std::path::PathBuf;

use anyhow::{bail, Context};
use cdc_engine::backtest::data;
use cdc_engine::backtest::{BacktestConfig, FeeRates, Report};
use clap::Args;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::common::{out, AccountArgs};

pub use args::{build_strategy, lenient_settings};

/// Arguments of `cdc-engine backtest`.
#[derive(Args, Debug)]
pub struct BacktestArgs {
    /// The strategy: market_maker, grid, twap or protect, with its [strategies.NAME] settings.
    strategy: String,
    /// Recorded market data: files (plain JSON lines, gzip or not, or compact .cdcb), or folders
    /// of them as `record --out` leaves them; merged by time.
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    data: Vec<PathBuf>,
    /// Start the strategy at this time (RFC 3339 UTC such as 2026-11-30T12:00:00Z, or ms since
    /// the epoch); earlier data only builds the books.
    #[arg(long, value_name = "TIME", value_parser = args::parse_time_ms)]
    from: Option<u64>,
    /// Stop at this time (RFC 3339 UTC or ms since the epoch).
    #[arg(long, value_name = "TIME", value_parser = args::parse_time_ms)]
    to: Option<u64>,
    /// One-way latency between the strategy and the venue, ms (decimals allowed, e.g. 0.5).
    #[arg(long, value_name = "MS", default_value = "0", value_parser = args::parse_latency_us)]
    latency: u64,
    /// Market-data latency, ms: the venue sees the market at the recorded receive times, the
    /// strategy this much later (decimals allowed; default 0).
    #[arg(long, value_name = "MS", default_value = "0", value_parser = args::parse_latency_us)]
    feed_latency: u64,
    /// The report as exactly one JSON object on stdout, decimals as strings.
    #[arg(long)]
    json: bool,
    /// Also draw equity and position over time into this PNG (1200×700).
    #[arg(long, value_name = "FILE.png")]
    chart: Option<PathBuf>,
    /// How often equity and position are sampled, ms of data time.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    sample_ms: u64,
    /// A starting balance, CCY=AMOUNT; repeat for several (default USD=100000; any given
    /// replaces the default).
    #[arg(long, value_name = "CCY=AMOUNT", value_parser = args::parse_balance)]
    balance: Vec<(String, Decimal)>,
    /// Fee rate for resting orders, a fraction of the traded value (default 0.001 = 0.1 %).
    #[arg(long, value_name = "RATE", value_parser = args::parse_rate)]
    maker_fee: Option<Decimal>,
    /// Fee rate for orders that take liquidity (default 0.002).
    #[arg(long, value_name = "RATE", value_parser = args::parse_rate)]
    taker_fee: Option<Decimal>,
    /// Settings: the strategy's parameters and the profile's risk limits; no credentials needed.
    #[command(flatten)]
    account: AccountArgs,
}

/// Arguments of `cdc-engine convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Recordings to convert (plain JSON lines, gzip or not), or folders of them; merged by time.
    #[arg(long, value_name = "FILE_OR_DIR", num_args = 1.., required = true)]
    data: Vec<PathBuf>,
    /// The compact file to write (conventionally *.cdcb).
    #[arg(long, value_name = "FILE.cdcb")]
    out: PathBuf,
}

/// Runs `backtest`.
pub fn run(a: BacktestArgs) -> anyhow::Result<()> {
    let settings = args::lenient_settings(&a.account)?;
    let strategy = args::build_strategy(&a.strategy, &settings)?;
    let files = args::data_files(&a.data, true)?;
    if let (Some(from), Some(to)) = (a.from, a.to) {
        if from > to {
            bail!("--from is after --to: swap them");
        }
    }
    let fallback = args::sim_instruments();
    checks::data_has(&files, &strategy.instruments(), &fallback)?;
    let defaults = BacktestConfig::default();
    let fees = FeeRates {
        maker: a.maker_fee.unwrap_or(defaults.fees.maker),
        taker: a.taker_fee.unwrap_or(defaults.fees.taker),
    };
    let cfg = BacktestConfig {
        latency_us: a.latency,
        feed_latency_us: a.feed_latency,
        fees,
        balances: if a.balance.is_empty() { defaults.balances.clone() } else { a.balance.clone() },
        limits: settings.risk.clone(),
        from_ms: a.from,
        to_ms: a.to,
        sample_ms: a.sample_ms.max(1),
        ..defaults
    };
    let mut source = data::open_all(&files).map_err(|e| anyhow::anyhow!("cannot read the data: {e}"))?;
    let strategies = vec![strategy];
    let report = cdc_engine::backtest::run(&cfg, strategies, &mut source, fallback).map_err(checks::explain)?;
    // The library samples once as the strategies start: no sample, no start.
    if report.series.is_empty() {
        bail!("{}", checks::never_started(a.from, &report));
    }
    if a.json {
        out(&serde_json::to_string(&report)?);
    } else {
        table::lines(&report).iter().all(|l| out(l));
    }
    if let Some(path) = &a.chart {
        write_chart(path, &a.strategy, &report)?;
        eprintln!("chart written to {}", path.display());
    }
    let o = &report.orders;
    let refused = o.rejected + o.refused_by_risk + o.not_modelled;
    if o.placed == 0 && refused > 0 {
        bail!(
            "every order was refused ({} rejected by the venue, {} refused by the risk limits, {} not modelled): \
             check the strategy's settings against the data's prices and the profile's [risk] limits",
            o.rejected,
            o.refused_by_risk,
            o.not_modelled
        );
    }
    Ok(())
}

/// Draws equity and position from the report's samples into `path`.
fn write_chart(path: &std::path::Path, strategy: &str, r: &Report) -> anyhow::Result<()> {
    // A picture, not money: f64 is enough to place a point.
    let f = |d: Decimal| d.to_f64().unwrap_or(f64::NAN);
    let equity: Vec<(u64, f64)> = r.series.iter().map(|s| (s.t_ms, f(s.equity))).collect();
    let position: Vec<(u64, f64)> = r.series.iter().map(|s| (s.t_ms, f(s.position))).collect();
    let title =
        format!("{strategy} backtest: net {} {}", (r.end_equity - r.start_equity).round_dp(2).normalize(), r.currency);
    let png = cdc_cli::chart::render_png(
        &title,
        cdc_cli::chart::Series { label: &format!("equity ({})", r.currency), points: &equity },
        cdc_cli::chart::Series { label: "position", points: &position },
        1200,
        700,
    );
    std::fs::write(path, png).with_context(|| {
        format!("--chart {}: cannot write the file; check the folder exists and is writable", path.display())
    })
}

/// Runs `convert`.
pub fn convert(a: ConvertArgs) -> anyhow::Result<()> {
    let files = args::data_files(&a.data, false)?;
    if files.iter().any(|f| f == &a.out) {
        bail!("--out {} is also an input: write the compact file elsewhere", a.out.display());
    }
    if let Some(f) = files.iter().find(|f| args::is_compact(f)) {
        bail!("{} is already in the compact form: convert reads recordings (JSON lines, gzip or not)", f.display());
    }
    let done = data::convert(&files, &a.out).map_err(|e| anyhow::anyhow!("cannot convert: {e}"))?;
    out(&format!(
        "wrote {} records to {} ({} malformed lines skipped, from {} file{})",
        done.records,
        a.out.display(),
        done.skipped,
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    ));
    Ok(())
}
