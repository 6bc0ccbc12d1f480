//! `cdc-engine record`: records the market WebSocket's frames (books, trades, tickers and the
//! other public channels) exactly as received, each with its receive time, into rotating gzip
//! JSON-lines files for backtests; the format is public (docs/recording.md). This module reads
//! the command line and wires the parts: `socket` (the connection loop), `writer` (the files),
//! `format` (the lines), `subs` (the subscribe answers) and `rest` (the instrument list).
//!
//! It must NOT interpret market data (no book building, no de-duplication, no reordering): the
//! files hold what the exchange sent, so that a replay meets the same surprises the engine did.
//! It needs no credentials and must never read or send them: market data is public.

mod format;
mod metrics;
mod rest;
mod socket;
mod subs;
mod writer;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use cdc_cli::bus::market::Relay;
use clap::Args;

use super::common::{settings, AccountArgs};
use super::market_args::{parse_depth, parse_family, parse_instrument};
use super::stop_signal::StopSignal;

/// Subscriptions one market connection may hold (§4.5: 40107 beyond).
const MAX_CHANNELS: usize = 400;

/// Arguments of `cdc-engine record`.
#[derive(Args, Debug)]
pub struct RecordArgs {
    /// Instruments, comma-separated, named as public/get-instruments lists them (e.g.
    /// BTC_USD,BTCUSD-PERP).
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true, value_parser = parse_instrument)]
    instruments: Vec<String>,
    /// Channels per instrument, comma-separated: book, trade, ticker, mark, index, funding,
    /// estimatedfunding, settlement.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "book,trade,ticker", value_parser = parse_family)]
    channels: Vec<&'static str>,
    /// Order book depth of the `book` channel: 10 or 50.
    #[arg(long, default_value_t = 50, value_parser = parse_depth)]
    depth: u32,
    /// Folder for the files (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Stop after this long: 90s, 10m, 1h, or a plain number of seconds (default: until Ctrl-C).
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Start a new file once the current one holds more than this many MiB (uncompressed;
    /// fractions allowed, e.g. 0.5).
    #[arg(long, value_name = "MIB", default_value = "256", value_parser = parse_positive)]
    rotate_mb: f64,
    /// Start a new file once the current one is this many minutes old (fractions allowed).
    #[arg(long, value_name = "MINUTES", default_value = "60", value_parser = parse_positive)]
    rotate_minutes: f64,
    /// Take the frames from a `cdc-engine gateway` through NATS instead of opening a market
    /// WebSocket of this process's own (the gateway must carry the channels asked for).
    #[arg(long, value_name = "nats://HOST:PORT")]
    market_from: Option<String>,
    /// Serve the recorder's Prometheus metrics at http://ADDR/metrics, with /healthz and
    /// /readyz (ready: subscribed).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<std::net::SocketAddr>,
    /// Only the endpoints are used: no credentials are needed.
    #[command(flatten)]
    account: AccountArgs,
}

/// Runs the command: records until Ctrl-C, SIGTERM or `--duration`, then closes the current
/// file cleanly and prints a summary line.
pub async fn run(args: RecordArgs) -> anyhow::Result<()> {
    // Listening starts first, so that a Ctrl-C during start-up already stops cleanly.
    let signal = StopSignal::new();
    let endpoints = settings(&args.account)?.endpoints;
    // A relay speaks the exchange's market protocol, so the loop below is the same either way.
    let relay = match &args.market_from {
        Some(url) => Some(Relay::start(url).await.context("starting the market relay from NATS")?),
        None => None,
    };
    let target = socket::Target {
        url: relay.as_ref().map_or(endpoints.market_ws_url, Relay::ws_url),
        rest_url: endpoints.rest_url,
        channels: channel_names(&args.instruments, &args.channels, args.depth)?,
        books: args.channels.contains(&"book"),
        metrics: std::sync::Arc::default(),
    };
    let server = match args.metrics {
        Some(addr) => {
            let s = cdc_cli::ops::serve_probe(addr, target.metrics.clone())
                .await
                .with_context(|| format!("--metrics {addr}: cannot listen"))?;
            eprintln!("metrics: http://{}/metrics (health /healthz, readiness /readyz)", s.addr());
            Some(s)
        }
        None => None,
    };
    let limits = writer::Limits {
        // `as` saturates; a bound below one byte still means "one line per file".
        bytes: ((args.rotate_mb * 1024.0 * 1024.0) as u64).max(1),
        age: Duration::try_from_secs_f64(args.rotate_minutes * 60.0).unwrap_or(Duration::MAX),
    };
    let (sink, files) = writer::start(&args.out, limits)?;
    eprintln!("recording {} channels into {}", target.channels.len(), args.out.display());
    let stop = stop_when(signal, args.duration);
    let recorded = socket::record(&target, sink, stop).await;
    if let Some(r) = relay {
        r.shutdown().await;
    }
    if let Some(s) = server {
        s.shutdown().await;
    }
    // The writer's own failure (a full disk) is the real cause when both failed.
    let summary = files.finish().await?;
    eprintln!(
        "stopped: {} file{}, {} frames, {} gap{} in {}",
        summary.files,
        plural(summary.files),
        summary.frames,
        summary.gaps,
        plural(summary.gaps),
        args.out.display()
    );
    recorded
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A flag that turns true on Ctrl-C, SIGTERM or when `duration` has passed.
fn stop_when(mut signal: StopSignal, duration: Option<Duration>) -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let elapsed = async {
            match duration {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = signal.recv() => eprintln!("stopping: signal received; closing the current file"),
            _ = elapsed => eprintln!("stopping: --duration reached; closing the current file"),
        }
        let _ = tx.send(true);
    });
    rx
}

/// Every channel to subscribe, instrument by instrument, without repeats.
fn channel_names(instruments: &[String], families: &[&str], depth: u32) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for i in instruments {
        for f in families {
            let name = if *f == "book" { format!("book.{i}.{depth}") } else { format!("{f}.{i}") };
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    if out.len() > MAX_CHANNELS {
        bail!(
            "{} channels ({} instruments × {} channels) is more than the {MAX_CHANNELS} one market connection \
             may hold: run several recorders, each with a share of --instruments",
            out.len(),
            instruments.len(),
            families.len()
        );
    }
    Ok(out)
}

fn parse_positive(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number above 0 (fractions allowed, e.g. 0.5)")),
    }
}

/// Reads `90s`, `10m`, `1h` or plain seconds (`90`, `2.5`).
fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (number, unit) = match t.char_indices().last() {
        Some((i, 's')) => (&t[..i], 1.0),
        Some((i, 'm')) => (&t[..i], 60.0),
        Some((i, 'h')) => (&t[..i], 3600.0),
        _ => (t, 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => {
            Duration::try_from_secs_f64(v * unit).map_err(|_| format!("{t:?} is too long a duration"))
        }
        _ => Err(format!("{t:?} is not a duration above 0: write e.g. 90s, 10m, 1h, or a number of seconds")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdc_cli::bus::market::subjects::FAMILIES;

    #[test]
    fn durations_in_seconds_minutes_hours_or_plain() {
        let secs = |s: &str| parse_duration(s).map(|d| d.as_secs_f64());
        assert_eq!(secs("90s"), Ok(90.0));
        assert_eq!(secs("10m"), Ok(600.0));
        assert_eq!(secs("1h"), Ok(3600.0));
        assert_eq!(secs("45"), Ok(45.0));
        assert_eq!(secs(" 2.5 "), Ok(2.5));
        for bad in ["", "0", "-3s", "1d", "h", "abc"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn channels_per_instrument_with_the_depth_on_books_only() {
        let names = channel_names(&["BTC_USD".into(), "BTCUSD-PERP".into()], &["book", "trade", "mark"], 10);
        assert_eq!(
            names.unwrap_or_default(),
            [
                "book.BTC_USD.10",
                "trade.BTC_USD",
                "mark.BTC_USD",
                "book.BTCUSD-PERP.10",
                "trade.BTCUSD-PERP",
                "mark.BTCUSD-PERP"
            ]
        );
        let many: Vec<String> = (0..60).map(|i| format!("I{i}")).collect();
        assert!(channel_names(&many, &FAMILIES, 50).is_err(), "480 channels exceed one connection");
    }

    #[test]
    fn an_unknown_channel_lists_the_accepted_ones() {
        assert_eq!(parse_family("Ticker"), Ok("ticker"));
        let err = parse_family("candles").unwrap_err();
        assert!(err.contains("\"candles\"") && err.contains("estimatedfunding, settlement"), "{err}");
        assert!(parse_depth("150").is_err() && parse_depth("10").is_ok());
        assert!(parse_positive("0.01").is_ok() && parse_positive("0").is_err() && parse_positive("x").is_err());
    }
}
