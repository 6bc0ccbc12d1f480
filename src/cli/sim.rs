//! `cdc-engine sim`: runs the local exchange until Ctrl-C. Prints `listening on http://ADDR`
//! first (with the real port when given port 0), then the credentials and the environment
//! variables that point the engine, or any other client, at it.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context};
use cdc_engine::sim::exchange::{Exchange, ExchangeConfig};
use cdc_engine::sim::SimConfig;
use clap::Args;
use rust_decimal::Decimal;

/// Arguments of `cdc-engine sim`.
#[derive(Args, Debug)]
pub struct SimArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// The account's API key (default: a throwaway key, printed).
    #[arg(long, requires = "api_secret")]
    api_key: Option<String>,
    /// The account's API secret (default: a throwaway secret, printed).
    #[arg(long, requires = "api_key")]
    api_secret: Option<String>,
    /// Starting balances, e.g. USD=100000,BTC=2.
    #[arg(long, value_parser = parse_balances)]
    balance: Option<Balances>,
    /// Seed of the synthetic market.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Seconds between heartbeats.
    #[arg(long, default_value_t = 30)]
    heartbeat_secs: u64,
    /// No synthetic participants: the book only moves with your orders.
    #[arg(long)]
    quiet_market: bool,
}

/// Parsed `--balance` value.
#[derive(Debug, Clone)]
pub struct Balances(Vec<(String, Decimal)>);

fn parse_balances(s: &str) -> Result<Balances, String> {
    cdc_engine::sim::parse_balances(s).map(Balances)
}

/// Runs the simulator until Ctrl-C.
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let generated = args.api_key.is_none();
    let (key, secret) = match (args.api_key, args.api_secret) {
        (Some(k), Some(s)) => (k, s),
        _ => cdc_engine::sim::throwaway_credentials("sim"),
    };
    if key.trim().is_empty() || secret.trim().is_empty() {
        bail!("--api-key and --api-secret must not be empty");
    }
    let mut core =
        ExchangeConfig { seed: args.seed, synthetic_market: !args.quiet_market, ..ExchangeConfig::default() };
    if let Some(Balances(b)) = args.balance {
        core.balances = b;
    }
    let mut cfg = SimConfig::new(key.clone(), secret.clone());
    cfg.listen = args.listen;
    cfg.heartbeat_interval = Duration::from_secs(args.heartbeat_secs.max(1));
    let sim = cdc_engine::sim::start(cfg, Exchange::new(core)).await.with_context(|| {
        format!("could not listen on {}: is another process using it? try --listen 127.0.0.1:0", args.listen)
    })?;
    let addr = sim.addr();
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{addr}")?;
    if generated {
        writeln!(out, "api key:    {key}")?;
        writeln!(out, "api secret: {secret}   (throwaway, valid only for this simulator)")?;
    } else {
        writeln!(out, "api key:    {key}   (secret as given)")?;
    }
    writeln!(
        out,
        "export CDC_REST_URL={} CDC_USER_WS_URL={} CDC_MARKET_WS_URL={}",
        sim.rest_url(),
        sim.user_ws_url(),
        sim.market_ws_url()
    )?;
    writeln!(
        out,
        "fault switches: POST {}/drop, /acks, /duplicate, /reorder, /malformed, /errors, /heartbeats, /restart",
        sim.control_url()
    )?;
    out.flush()?;
    drop(out);
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}
