//! `cdc-engine gateway --publish nats://…`: holds this machine's one market-data connection and
//! publishes books, trades and tickers to NATS, for `run`, `tail` and `record` started with
//! `--market-from` (docs/gateway.md). This module reads the command line and the settings; the
//! gateway itself is `cdc_cli::bus::market`.
//!
//! It needs no credentials and must never read or send them: market data is public.

use std::sync::Arc;
use std::time::Duration;

use cdc_cli::bus::market::{run_gateway, GatewayConfig};
use clap::Args;

use super::common::{settings, AccountArgs};
use super::market_args::{parse_depth, parse_family, parse_instrument};
use super::stop_signal::StopSignal;

/// Subscriptions one market connection may hold (§4.5: 40107 beyond).
const MAX_CHANNELS: usize = 400;

/// Arguments of `cdc-engine gateway`.
#[derive(Args, Debug)]
pub struct GatewayArgs {
    /// The NATS server to publish to, nats://HOST:PORT.
    #[arg(long, value_name = "nats://HOST:PORT")]
    publish: String,
    /// Instruments, comma-separated, named as public/get-instruments lists them (e.g.
    /// BTC_USD,BTCUSD-PERP).
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true, value_parser = parse_instrument)]
    instruments: Vec<String>,
    /// Channels per instrument, comma-separated: book, trade, ticker, mark, index, funding,
    /// estimatedfunding, settlement.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "book,trade,ticker", value_parser = parse_family)]
    channels: Vec<&'static str>,
    /// Book depths to carry, comma-separated: 10, 50 or both (engines ask for 10).
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "10", value_parser = parse_depth)]
    depth: Vec<u32>,
    /// The exchange's market WebSocket (default: from the settings, e.g. CDC_MARKET_WS_URL).
    #[arg(long, value_name = "URL")]
    market_ws_url: Option<String>,
    /// Give up (exit non-zero) when the market feed has been down, or never up, this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    feed_timeout: u64,
    /// Serve the gateway's Prometheus metrics at http://ADDR/metrics, with /healthz and /readyz
    /// (ready: the feed subscribed and NATS connected).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<std::net::SocketAddr>,
    /// Only the endpoints are used: no credentials are needed.
    #[command(flatten)]
    account: AccountArgs,
}

/// Runs the command until Ctrl-C or SIGTERM; an error when the gateway cannot do its job.
pub async fn run(args: GatewayArgs) -> anyhow::Result<()> {
    let mut signal = StopSignal::new();
    let market_ws_url = match args.market_ws_url {
        Some(url) => url,
        None => settings(&args.account)?.endpoints.market_ws_url,
    };
    let channels = channel_names(&args.instruments, &args.channels, &args.depth)?;
    eprintln!("gateway: {} channels from {market_ws_url} to {}", channels.len(), args.publish);
    let metrics = Arc::new(cdc_cli::bus::market::metrics::GatewayMetrics::default());
    let server = match args.metrics {
        Some(addr) => {
            let s = cdc_cli::ops::serve_probe(addr, metrics.clone())
                .await
                .map_err(|e| anyhow::anyhow!("--metrics {addr}: cannot listen: {e}"))?;
            eprintln!("metrics: http://{}/metrics (health /healthz, readiness /readyz)", s.addr());
            Some(s)
        }
        None => None,
    };
    let cfg = GatewayConfig {
        nats_url: args.publish,
        market_ws_url,
        channels,
        connect_pause: Duration::from_secs(1),
        feed_timeout: Duration::from_secs(args.feed_timeout.max(1)),
        report: Arc::new(|line: &str| eprintln!("{line}")),
        metrics,
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        signal.recv().await;
        eprintln!("stopping: signal received");
        let _ = stop_tx.send(true);
    });
    let result = run_gateway(cfg, stop_rx).await;
    if let Some(s) = server {
        s.shutdown().await;
    }
    result?;
    eprintln!("stopped");
    Ok(())
}

/// Every channel, instrument by instrument, books once per depth, without repeats.
fn channel_names(instruments: &[String], families: &[&str], depths: &[u32]) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for i in instruments {
        for f in families {
            let names: Vec<String> = if *f == "book" {
                depths.iter().map(|d| format!("book.{i}.{d}")).collect()
            } else {
                vec![format!("{f}.{i}")]
            };
            for name in names {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    if out.len() > MAX_CHANNELS {
        anyhow::bail!(
            "{} channels is more than the {MAX_CHANNELS} one market connection may hold: run several gateways, \
             each with a share of --instruments",
            out.len()
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdc_cli::bus::market::subjects::FAMILIES;

    #[test]
    fn channels_per_instrument_with_each_depth_on_books() {
        let names =
            channel_names(&["BTC_USD".into(), "ETH_USD".into()], &["book", "trade"], &[10, 50]).unwrap_or_default();
        assert_eq!(
            names,
            [
                "book.BTC_USD.10",
                "book.BTC_USD.50",
                "trade.BTC_USD",
                "book.ETH_USD.10",
                "book.ETH_USD.50",
                "trade.ETH_USD"
            ]
        );
        let many: Vec<String> = (0..60).map(|i| format!("I{i}")).collect();
        assert!(channel_names(&many, &FAMILIES, &[10]).is_err(), "480 channels exceed one connection");
        assert!(
            parse_instrument("BTC USD").is_err() && parse_depth("150").is_err() && parse_family("candles").is_err()
        );
    }
}
