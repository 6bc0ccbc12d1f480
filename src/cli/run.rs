//! `cdc-engine run <strategy>`: runs a built-in strategy with its parameters, risk limits and
//! journal from the settings, printing what happens; `--paper` sends its orders to an in-process
//! simulator that follows the live market instead of to the exchange. Ctrl-C stops it cleanly:
//! the strategy stops, its open orders are cancelled (unless `--keep-orders`), the journal is
//! flushed, and a summary of the run is printed. The run exits non-zero when it cannot start as
//! configured, when the market data it needs never comes (`--feed-timeout`), or when every
//! strategy was halted.

use std::time::Duration;

use anyhow::Context;
use cdc_engine::engine::{start, EngineConfig, EngineHandle, RunSummary};
use clap::Args;

use super::common::{creds, out, settings, AccountArgs};
use super::watch::{Ended, Watch};

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
    /// Give up (exit non-zero) when the strategy's market data has not arrived after this many
    /// seconds; the feed's connection state is shown meanwhile.
    #[arg(long, default_value_t = 30)]
    feed_timeout: u64,
    #[command(flatten)]
    account: AccountArgs,
    #[command(flatten)]
    ops: super::ops::OpsArgs,
    #[command(flatten)]
    pub(super) runtime: super::runtime::RuntimeArgs,
}

/// Runs the command.
pub async fn run(args: RunArgs, rt: super::runtime::Runtime) -> anyhow::Result<()> {
    let s = settings(&args.account)?;
    let params = match s.strategies.get(&args.strategy) {
        Some(toml::Value::Table(t)) => t.clone(),
        Some(_) => anyhow::bail!("[strategies.{}] in the config file must be a table", args.strategy),
        None => toml::Table::new(),
    };
    let strategy = cdc_strategies::build(&args.strategy, &params)?;
    let needs_feed = !strategy.market_channels().is_empty();
    // The market feed: the exchange's, or a gateway's through NATS (also for a paper venue).
    let mut market_url = s.endpoints.market_ws_url.clone();
    let prepared = args.ops.prepare(&mut market_url).await?;
    let paper = if args.paper {
        let instruments = strategy
            .market_channels()
            .iter()
            .filter_map(|c| c.instrument().map(ToString::to_string))
            .collect::<Vec<_>>();
        let p =
            cdc_cli::paper::start(&market_url, &instruments, Vec::new()).await.context("starting the paper venue")?;
        note(
            args.json,
            &format!(
                "paper trading: market data from {}, orders to a local simulator at {}",
                args.ops.market_from.as_deref().unwrap_or(&market_url),
                p.sim.addr()
            ),
        );
        Some(p)
    } else {
        None
    };
    let mut cfg = match &paper {
        Some(p) => EngineConfig::new(p.endpoints.clone(), p.creds.clone()),
        None => EngineConfig::new(s.endpoints.clone(), creds(&s)?),
    };
    if paper.is_none() {
        cfg.endpoints.market_ws_url = market_url.clone();
    }
    cfg.risk = s.risk.clone();
    // A paper run never writes into the live journal.
    cfg.journal = if paper.is_some() { None } else { s.journal.clone() };
    note(
        args.json,
        &format!(
            "connecting: exchange {} (user {}), market data {}",
            cfg.endpoints.rest_url,
            cfg.endpoints.user_ws_url,
            args.ops.market_from.as_deref().map_or(cfg.endpoints.market_ws_url.clone(), |n| format!("{n} (gateway)"))
        ),
    );
    let journal = cfg.journal.clone();
    let api_key = cfg.creds.api_key().to_owned();
    let engine = start(cfg, vec![strategy]).await?;
    let attached = args.ops.attach(prepared, &engine, journal, &api_key).await?;
    // The journal writer and the sessions exist now: the engine's thread takes its core.
    note(args.json, &rt.place());
    let watch = Watch {
        json: args.json,
        duration: args.duration.map(Duration::from_secs),
        feed_timeout: needs_feed.then(|| Duration::from_secs(args.feed_timeout)),
        strategies: 1,
    };
    let ended = super::watch::watch(&engine, watch).await;
    let summary = stop(&engine, args.keep_orders, args.json).await;
    attached.finish().await;
    if let Some(p) = paper {
        p.shutdown().await;
    }
    let summary = summary?;
    match ended {
        Ended::Stopped => Ok(()),
        Ended::EngineGone => anyhow::bail!("the engine stopped unexpectedly (see the log above)"),
        Ended::NoMarketData(last) => anyhow::bail!(
            "no market data after {} s (last from the feed: {last}); check CDC_MARKET_WS_URL and the network{}",
            args.feed_timeout,
            if args.paper { "; --paper needs the live market feed" } else { "" }
        ),
        Ended::AllHalted(_) => anyhow::bail!(
            "every strategy was halted: {}",
            summary.halted.iter().map(|(s, r)| format!("{s}: {r}")).collect::<Vec<_>>().join("; ")
        ),
    }
}

/// Stops the engine and prints the summary.
async fn stop(engine: &EngineHandle, keep_orders: bool, json: bool) -> anyhow::Result<RunSummary> {
    eprintln!(
        "stopping: {}",
        if keep_orders { "leaving open orders in place" } else { "cancelling this run's open orders" }
    );
    let summary = engine.shutdown(keep_orders).await?;
    if json {
        out(&summary.to_json().to_string());
    } else {
        print!("{summary}");
    }
    Ok(summary)
}

/// A line about the run itself: plain, or a `{"type":"status"}` object in JSON mode.
fn note(json: bool, text: &str) {
    if json {
        out(&serde_json::json!({"type": "status", "detail": text}).to_string());
    } else {
        out(text);
    }
}
