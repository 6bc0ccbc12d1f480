//! `cdc-engine run <strategy>`: runs a built-in strategy with its parameters, risk limits and
//! journal from the settings, printing what happens; `--paper` sends its orders to an in-process
//! simulator that follows the live market instead of to the exchange. Ctrl-C stops it cleanly:
//! the strategy stops, its open orders are cancelled (unless `--keep-orders`), the journal is
//! flushed.

use anyhow::Context;
use cdc_engine::engine::{start, EngineConfig};
use clap::Args;

use super::common::{creds, out, settings, AccountArgs};

/// Arguments of `cdc-engine run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The strategy: market_maker, grid or twap.
    strategy: String,
    /// Live market data, orders to an in-process simulator (no order reaches the exchange).
    #[arg(long)]
    paper: bool,
    /// Leave the strategy's open orders on the exchange when stopping.
    #[arg(long)]
    keep_orders: bool,
    /// JSON lines instead of human lines.
    #[arg(long)]
    json: bool,
    /// Stop after this many seconds (default: until Ctrl-C).
    #[arg(long)]
    duration: Option<u64>,
    #[command(flatten)]
    account: AccountArgs,
}

/// Runs the command.
pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let s = settings(&args.account)?;
    let params = match s.strategies.get(&args.strategy) {
        Some(toml::Value::Table(t)) => t.clone(),
        Some(_) => anyhow::bail!("[strategies.{}] in the config file must be a table", args.strategy),
        None => toml::Table::new(),
    };
    let strategy = crate::strategies::build(&args.strategy, &params)
        .map_err(|e| anyhow::anyhow!("{e} (built-in strategies: {})", crate::strategies::NAMES.join(", ")))?;
    let paper = if args.paper {
        let instruments = strategy
            .market_channels()
            .iter()
            .filter_map(|c| c.split('.').nth(1).map(str::to_owned))
            .collect::<Vec<_>>();
        let p = cdc_engine::paper::start(&s.endpoints.market_ws_url, &instruments, Vec::new())
            .await
            .context("starting the paper venue")?;
        out(&format!(
            "paper trading: market data from {}, orders to a local simulator at {}",
            s.endpoints.market_ws_url,
            p.sim.addr()
        ));
        Some(p)
    } else {
        None
    };
    let mut cfg = match &paper {
        Some(p) => EngineConfig::new(p.endpoints.clone(), p.creds.clone()),
        None => EngineConfig::new(s.endpoints.clone(), creds(&s)?),
    };
    cfg.risk = s.risk.clone();
    // A paper run never writes into the live journal.
    cfg.journal = if paper.is_some() { None } else { s.journal.clone() };
    let engine = start(cfg, vec![strategy]).await?;
    super::tail::print_events(&engine, args.json, args.duration).await;
    eprintln!(
        "stopping: {}",
        if args.keep_orders { "leaving open orders in place" } else { "cancelling this run's open orders" }
    );
    engine.shutdown(args.keep_orders).await?;
    if let Some(p) = paper {
        p.shutdown().await;
    }
    Ok(())
}
