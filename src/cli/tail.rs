//! `cdc-engine tail`: streams the account's orders, fills, balances and positions as they happen,
//! as human lines, JSON lines (`--json`) or a terminal dashboard (`--tui`). The engine does the
//! work (reconcile after reconnects, de-duplicate fills); this only prints its events.
//! `--from nats://…` prints instead what engines published to NATS (many accounts, through a
//! durable consumer with `--durable`), with no credentials and no exchange.

use std::time::Duration;

use cdc_engine::engine::{start, EngineConfig, EngineError, EngineHandle};
use cdc_engine::journal::JournalError;
use clap::Args;

use super::common::{creds, out, settings, AccountArgs};
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
    /// Read what engines published to NATS JetStream (`--publish`) at nats://HOST:PORT instead
    /// of following an account: no credentials, no exchange.
    #[arg(
        long,
        value_name = "nats://HOST:PORT",
        conflicts_with_all = ["tui", "publish", "market_from", "metrics", "control"]
    )]
    from: Option<String>,
    /// With --from: a durable consumer of this name, which reads from the start of the stream
    /// and, run after run, resumes where it stopped (default: new events only).
    #[arg(long, value_name = "NAME", requires = "from")]
    durable: Option<String>,
    /// With --from: only these accounts (comma-separated names, as published).
    #[arg(long = "account", value_name = "A,B", value_delimiter = ',', requires = "from")]
    accounts: Vec<String>,
    /// With --from: stop once everything published so far has been read.
    #[arg(long, requires = "from")]
    drain: bool,
    /// With --from: how many seconds to wait for the NATS server and the stream before giving up.
    #[arg(long, value_name = "SECS", default_value_t = 10, requires = "from")]
    wait: u64,
    /// With --durable: the folder of the reader's own mark of what it has shown (so that a
    /// NATS server that lost its consumer state cannot make it show an event twice); default
    /// $XDG_STATE_HOME/cdc-engine, else ~/.local/state/cdc-engine.
    #[arg(long, value_name = "DIR", requires = "durable")]
    state_dir: Option<std::path::PathBuf>,
    #[command(flatten)]
    account: AccountArgs,
    #[command(flatten)]
    ops: super::ops::OpsArgs,
}

/// Runs the command.
pub async fn run(args: TailArgs) -> anyhow::Result<()> {
    if let Some(url) = &args.from {
        return from_nats(url, &args).await;
    }
    let s = settings(&args.account)?;
    let mut cfg = EngineConfig::new(s.endpoints.clone(), creds(&s)?);
    cfg.journal = s.journal;
    let prepared = args.ops.prepare(&mut cfg.endpoints.market_ws_url).await?;
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

/// `tail --from nats://…`: prints the published events (the JSON as published with `--json`),
/// acking each once printed, until Ctrl-C, `--duration`, `--drain` or stdout closing.
async fn from_nats(url: &str, args: &TailArgs) -> anyhow::Result<()> {
    let cfg = cdc_cli::bus::consume::ConsumeConfig {
        url: url.to_owned(),
        durable: args.durable.clone(),
        accounts: args.accounts.clone(),
        wait: Duration::from_secs(args.wait),
        drain: args.drain,
        mark_dir: args.state_dir.clone().or_else(cdc_cli::bus::consume::mark::default_dir),
    };
    let duration = args.duration.map_or(Duration::MAX, Duration::from_secs);
    let mut signal = super::stop_signal::StopSignal::new();
    let stop = async move {
        tokio::select! {
            _ = tokio::time::sleep(duration) => {}
            _ = signal.recv() => {}
        }
    };
    let json = args.json;
    let print = |d: &cdc_cli::bus::consume::Delivery| {
        if json {
            out(&d.raw)
        } else {
            out(&cdc_cli::bus::consume::line::line(&d.body))
        }
    };
    cdc_cli::bus::consume::read(&cfg, stop, |s| eprintln!("{s}"), print).await
}
