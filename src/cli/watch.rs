//! Following a running engine for `tail` and `run`: prints every event (lines or JSON) from a
//! lossless subscription, so no fill or order update is ever skipped however slow stdout is,
//! and decides when to stop: Ctrl-C or SIGTERM, the duration, stdout closing, every strategy halted, or
//! market data that never came. It prints and decides; it must NOT act on the account.

use std::time::Duration;

use cdc_cli::output::{event_json, event_line};
use cdc_engine::engine::{EngineEvent, EngineHandle};

use super::common::out;

/// What to watch for.
pub struct Watch {
    /// JSON lines instead of human lines.
    pub json: bool,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Give up when no market data arrived within this long (strategies that need it).
    pub feed_timeout: Option<Duration>,
    /// How many strategies run (all of them halted ends the watch).
    pub strategies: usize,
}

/// Why the watch ended.
#[derive(Debug, PartialEq)]
pub enum Ended {
    /// Ctrl-C, the duration, or the reader of stdout went away.
    Stopped,
    /// No market data within the feed timeout; the last thing the feed said.
    NoMarketData(String),
    /// Every strategy was halted: names and reasons.
    AllHalted(Vec<(String, String)>),
    /// The engine stopped by itself.
    EngineGone,
}

/// Prints the engine's events until one of the ends in [`Ended`].
pub async fn watch(engine: &EngineHandle, w: Watch) -> Ended {
    let mut rx = engine.subscribe_all();
    let far = Duration::from_secs(u64::MAX / 4);
    let stop = tokio::time::sleep(w.duration.unwrap_or(far));
    let feed_deadline = tokio::time::sleep(w.feed_timeout.unwrap_or(far));
    tokio::pin!(stop, feed_deadline);
    let mut fed = w.feed_timeout.is_none();
    let mut last_feed = "no answer from the market data feed yet".to_owned();
    let mut halted = Vec::new();
    let mut stop_signal = super::stop_signal::StopSignal::new();
    loop {
        tokio::select! {
            ev = rx.recv() => {
                let Some(ev) = ev else { return Ended::EngineGone };
                if !print(&ev, w.json) {
                    return Ended::Stopped;
                }
                match ev {
                    EngineEvent::Feed { live: true, detail } if detail.starts_with("first market data") => fed = true,
                    EngineEvent::Feed { detail, .. } => last_feed = detail,
                    EngineEvent::Halted { strategy, reason } => {
                        halted.push((strategy, reason));
                        if w.strategies > 0 && halted.len() >= w.strategies {
                            return Ended::AllHalted(halted);
                        }
                    }
                    _ => {}
                }
            }
            _ = &mut feed_deadline, if !fed => return Ended::NoMarketData(last_feed.clone()),
            _ = stop_signal.recv() => return Ended::Stopped,
            _ = &mut stop => return Ended::Stopped,
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
