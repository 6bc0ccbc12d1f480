//! `cdc-engine replay`: re-runs an account's journaled orders and fills, in journal order,
//! through the engine's apply rules (the `State` a live run would have built from them) and a
//! strategy's `on_order`/`on_fill`, printing each record and every intent the strategy recorded
//! in answer, to debug a live incident. Time is the journal's: `on_start` and `on_live(true)`
//! at the first record (as an engine calls them once reconciled), the strategy's timer between
//! records, `on_stop` after the last. A journal holds no market data and no instrument list:
//! `ctx.book()` is `None`, and `configure` is not called (the strategy keeps the ticks of its
//! settings).
//!
//! A strategy ignores orders it did not place, so its n-th order in the replay is given the
//! client id of the n-th order of its tag in the journal, and the journal's updates of that order
//! then reach it as its own; each such intent says whether it matches the journaled order.
//!
//! Read-only: it must NEVER send anything, connect anywhere or write to the journal.

mod events;
mod print;
mod session;

use std::path::PathBuf;

use clap::Args;

use super::backtest::{build_strategy, lenient_settings};
use super::common::AccountArgs;

/// Arguments of `cdc-engine replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The journal file (SQLite), read-only: nothing is written to it and nothing is sent.
    #[arg(long, value_name = "FILE")]
    journal: PathBuf,
    /// A built-in strategy (market_maker, grid, twap, protect) with its [strategies.NAME]
    /// settings, to see what it asks for in answer; without one, the records only. Its n-th order
    /// takes the client id of the n-th order of its tag in the journal, so that the journal's
    /// updates of that order reach it as its own.
    strategy: Option<String>,
    /// JSON lines (`replay`, `order`, `fill`, `intent`, `replay_summary`) instead of human lines.
    #[arg(long)]
    json: bool,
    /// Settings: the strategy's parameters; no credentials needed.
    #[command(flatten)]
    account: AccountArgs,
}

/// Runs the command.
pub fn run(a: ReplayArgs) -> anyhow::Result<()> {
    let events = events::read(&a.journal)?;
    let strategy = match &a.strategy {
        Some(name) => Some(build_strategy(name, &lenient_settings(&a.account)?)?),
        None => None,
    };
    let names = strategy.as_ref().map(|s| (s.name().to_owned(), s.id()));
    print::header(a.json, &a.journal.display().to_string(), &events, names.as_ref().map(|(n, t)| (&n[..], &t[..])));
    let mut r = session::Replay::new(strategy, &events, a.json);
    let (first, last) = (events.first().map_or(0, |e| e.t_ms), events.last().map_or(0, |e| e.t_ms));
    r.start(first);
    for (seq, e) in events.iter().enumerate() {
        r.timers_until(e.t_ms);
        r.event(seq, e);
    }
    r.call("on_stop", None, last, |s, ctx| s.on_stop(ctx));
    print::summary(a.json, r.applied, r.stale, r.to_strategy, r.intents);
    Ok(())
}
