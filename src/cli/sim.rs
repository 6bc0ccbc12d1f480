//! `cdc-engine sim`: runs the local exchange until Ctrl-C. Prints `listening on http://ADDR`
//! first (with the real port when given port 0), then the credentials and the environment
//! variables (URLs and the throwaway credentials) that point the engine, or any other client,
//! at it. It listens on loopback only unless `--allow-remote` says otherwise.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context};
use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::SimConfig;
use clap::Args;
use rust_decimal::Decimal;

/// Arguments of `cdc-engine sim`.
#[derive(Args, Debug)]
pub struct SimArgs {
    /// Where to listen: PORT (meaning 127.0.0.1:PORT), HOST:PORT with a host name such as
    /// localhost, or IP:PORT ([::1]:PORT for IPv6). Port 0 picks a free port. Loopback only,
    /// unless --allow-remote.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787", value_parser = parse_listen)]
    listen: SocketAddr,
    /// Allow a --listen address other machines can reach. Anyone who reaches it can trade on the
    /// simulated account with the printed credentials and flip its fault switches.
    #[arg(long)]
    allow_remote: bool,
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
    /// Milliseconds between funding payments on perpetual positions (the exchange: one hour).
    /// Smaller values run funding faster for tests and demos.
    #[arg(long, default_value_t = 3_600_000, value_parser = clap::value_parser!(u64).range(1..))]
    funding_interval_ms: u64,
}

/// Parsed `--balance` value.
#[derive(Debug, Clone)]
pub struct Balances(Vec<(String, Decimal)>);

fn parse_balances(s: &str) -> Result<Balances, cdc_sim::BalancesError> {
    cdc_sim::parse_balances(s).map(Balances)
}

/// Reads `--listen`: a bare port, an IP address with a port, or a host name with a port (a
/// name resolving to a loopback address gets that address, IPv4 first).
fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    let t = s.trim();
    if let Ok(port) = t.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    if let Ok(addr) = t.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let shape = "write PORT, HOST:PORT or IP:PORT, e.g. 8787, localhost:8787 or 127.0.0.1:8787";
    let Some((host, port)) = t.rsplit_once(':') else {
        return Err(format!("{t:?} has no port; {shape}"));
    };
    let port: u16 = port.parse().map_err(|_| format!("{port:?} is not a port number (0 to 65535); {shape}"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .map_err(|e| format!("cannot resolve the host name {host:?} ({e}); {shape}"))?
        .collect();
    let loopback = |v4: bool| addrs.iter().find(|a| a.ip().is_loopback() && a.is_ipv4() == v4).copied();
    loopback(true)
        .or_else(|| loopback(false))
        .or_else(|| addrs.first().copied())
        .ok_or_else(|| format!("the host name {host:?} resolves to no address; {shape}"))
}

/// Quotes a value for a POSIX shell when it holds anything but plain characters.
fn sh(v: &str) -> String {
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:/@%+=,".contains(c)) {
        return v.to_owned();
    }
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// Runs the simulator until Ctrl-C.
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        bail!(
            "--listen {} is not a loopback address: other machines could reach the simulator, trade on it \
             with the printed credentials and flip its fault switches. Listen on 127.0.0.1 (e.g. --listen \
             8787), or pass --allow-remote if that is what you want",
            args.listen
        );
    }
    let generated = args.api_key.is_none();
    let (key, secret) = match (args.api_key, args.api_secret) {
        (Some(k), Some(s)) => (k, s),
        _ => cdc_sim::throwaway_credentials("sim"),
    };
    if key.trim().is_empty() || secret.trim().is_empty() {
        bail!("--api-key and --api-secret must not be empty");
    }
    let mut core = ExchangeConfig {
        seed: args.seed,
        synthetic_market: !args.quiet_market,
        funding_interval_ms: args.funding_interval_ms,
        ..ExchangeConfig::default()
    };
    if let Some(Balances(b)) = args.balance {
        core.balances = b;
    }
    let mut cfg = SimConfig::new(key.clone(), secret.clone());
    cfg.listen = args.listen;
    cfg.heartbeat_interval = Duration::from_secs(args.heartbeat_secs.max(1));
    let sim = cdc_sim::start(cfg, Exchange::new(core)).await.with_context(|| {
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
    write!(
        out,
        "export CDC_REST_URL={} CDC_USER_WS_URL={} CDC_MARKET_WS_URL={} CDC_API_KEY={}",
        sim.rest_url(),
        sim.user_ws_url(),
        sim.market_ws_url(),
        sh(&key)
    )?;
    if generated {
        // The simulator's throwaway secret, printed above too; a secret given by --api-secret is
        // the user's and is not echoed.
        writeln!(out, " CDC_API_SECRET={}", sh(&secret))?;
    } else {
        writeln!(out, "\n# and export CDC_API_SECRET with the secret you gave to --api-secret")?;
    }
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
