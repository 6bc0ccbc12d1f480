//! `cdc-engine tail`: streams the account's orders, fills, balances and positions as they happen,
//! as human lines, JSON lines (`--json`) or a terminal dashboard (`--tui`). The engine does the
//! work (reconcile after reconnects, de-duplicate fills); this only prints its events.

use std::time::Duration;

use cdc_engine::engine::{start, EngineConfig, EngineError, EngineHandle};
use cdc_engine::journal::JournalError;
use clap::Args;

use super::common::{creds, settings, AccountArgs};
use super::watch::Watch;

/// Arguments of `cdc-engine tail`.
#[derive(Args, Debug)]
pub struct TailArgs {
    /// One JSON object per line, with a `type` field and decimals as strings.
    #[arg(long, conflicts_with = "tui")]
    json: bool,
    /// A terminal dashboard: balances, open orders and the stream of fills.
    #[arg(long)]
    tui: bool,
    /// Stop after this many seconds (default: until Ctrl-C).
    #[arg(long)]
    duration: Option<u64>,
    #[command(flatten)]
    account: AccountArgs,
    #[command(flatten)]
    ops: super::ops::OpsArgs,
}

/// Runs the command.
pub async fn run(args: TailArgs) -> anyhow::Result<()> {
    let s = settings(&args.account)?;
    let mut cfg = EngineConfig::new(s.endpoints.clone(), creds(&s)?);
    cfg.journal = s.journal;
    let prepared = args.ops.prepare(&mut cfg).await?;
    let api_key = cfg.creds.api_key().to_owned();
    let engine = match start(cfg.clone(), Vec::new()).await {
        // Watching a running engine is what tail is for: its journal is that engine's to
        // write, so tail follows the account without one.
        Err(EngineError::Journal(JournalError::Locked { path, holder, .. })) => {
            eprintln!(
                "note: the journal {} is in use by {holder}; tail follows the account without it",
                path.display()
            );
            cfg.journal = None;
            start(cfg.clone(), Vec::new()).await?
        }
        other => other?,
    };
    let attached = args.ops.attach(prepared, &engine, cfg.journal.clone(), &api_key).await?;
    let result = if args.tui {
        super::tui::run(&engine, args.duration.map(Duration::from_secs)).await
    } else {
        print_events(&engine, args.json, args.duration).await;
        Ok(())
    };
    engine.shutdown(true).await?;
    attached.finish().await;
    result
}

/// Prints the engine's events (human lines or JSON lines) until Ctrl-C, `duration` seconds, or
/// stdout closing. Every fill and order update is printed, however far behind stdout is.
pub async fn print_events(engine: &EngineHandle, json: bool, duration: Option<u64>) {
    let w = Watch { json, duration: duration.map(Duration::from_secs), feed_timeout: None, strategies: 0 };
    super::watch::watch(engine, w).await;
}
