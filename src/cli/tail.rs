//! `cdc-engine tail`: streams the account's orders, fills, balances and positions as they happen,
//! as human lines, JSON lines (`--json`) or a terminal dashboard (`--tui`). The engine does the
//! work (reconcile after reconnects, de-duplicate fills); this only prints its events.

use std::time::Duration;

use cdc_engine::engine::{start, EngineConfig, EngineEvent, EngineHandle};
use cdc_engine::output::{event_json, event_line};
use clap::Args;
use tokio::sync::broadcast::error::RecvError;

use super::common::{creds, out, settings, AccountArgs};

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
}

/// Runs the command.
pub async fn run(args: TailArgs) -> anyhow::Result<()> {
    let s = settings(&args.account)?;
    let mut cfg = EngineConfig::new(s.endpoints.clone(), creds(&s)?);
    cfg.journal = s.journal;
    let engine = start(cfg, Vec::new()).await?;
    if args.tui {
        let result = super::tui::run(&engine, args.duration.map(Duration::from_secs)).await;
        engine.shutdown(true).await?;
        return result;
    }
    print_events(&engine, args.json, args.duration).await;
    engine.shutdown(true).await?;
    Ok(())
}

/// Prints the engine's events (human lines or JSON lines) until Ctrl-C, `duration` seconds, or
/// stdout closing. A reader that falls behind is told how much it skipped; the state is intact.
pub async fn print_events(engine: &EngineHandle, json: bool, duration: Option<u64>) {
    let mut rx = engine.subscribe();
    let stop = tokio::time::sleep(Duration::from_secs(duration.unwrap_or(u64::MAX / 4)));
    tokio::pin!(stop);
    loop {
        tokio::select! {
            ev = rx.recv() => match ev {
                Ok(ev) => if !print(&ev, json) { break },
                Err(RecvError::Lagged(n)) => {
                    eprintln!("warning: output fell behind and skipped {n} events; the state itself is intact");
                }
                Err(RecvError::Closed) => break,
            },
            _ = tokio::signal::ctrl_c() => break,
            _ = &mut stop => break,
        }
    }
}

fn print(ev: &EngineEvent, json: bool) -> bool {
    if json {
        match event_json(ev) {
            Some(v) => out(&v.to_string()),
            None => true,
        }
    } else {
        out(&event_line(ev))
    }
}
