//! The options every long-running engine command shares for running unattended: metrics and
//! health (`--metrics`), the control endpoint (`--control`), the operator's signal (SIGUSR1),
//! events to NATS JetStream (`--publish`) and market data from a gateway (`--market-from`).
//! It starts and stops those side services around an engine; it must NOT trade or decide.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use cdc_cli::bus::market::Relay;
use cdc_cli::bus::publish::{default_account, PublishConfig, Publisher};
use cdc_cli::ops::OpsServer;
use cdc_engine::engine::EngineHandle;
use clap::Args;

/// How long a stopping command waits for the publisher to drain its queue.
const PUBLISH_DRAIN: Duration = Duration::from_secs(10);

/// Options for running unattended and past one machine.
#[derive(Args, Debug, Clone, Default)]
pub struct OpsArgs {
    /// Serve Prometheus metrics at http://ADDR/metrics, with /healthz and /readyz
    /// (e.g. 127.0.0.1:9184; port 0 picks a free one, printed on stderr).
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<SocketAddr>,
    /// Serve the control endpoint (halt, resume, cancel) on ADDR, e.g. 127.0.0.1:9185. Every
    /// request needs `Authorization: Bearer $CDC_CONTROL_TOKEN`. Loopback only, unless
    /// --control-remote.
    #[arg(long, value_name = "ADDR")]
    pub control: Option<SocketAddr>,
    /// Let --control listen on an address other than loopback (put TLS in front of it).
    #[arg(long)]
    pub control_remote: bool,
    /// Publish every order transition, fill, balance, position and connection event to NATS
    /// JetStream at nats://HOST:PORT, on cdc.<account>.<kind>.<instrument>.
    #[arg(long, value_name = "nats://HOST:PORT")]
    pub publish: Option<String>,
    /// The account's name in published subjects (default: derived from the API key).
    #[arg(long, env = "CDC_ACCOUNT_NAME", value_name = "NAME")]
    pub account_name: Option<String>,
    /// Take market data from a `cdc-engine gateway` through NATS instead of opening a market
    /// WebSocket of this process's own.
    #[arg(long, value_name = "nats://HOST:PORT")]
    pub market_from: Option<String>,
}

/// What runs beside the engine; stop it with [`Attached::finish`].
#[derive(Default)]
pub struct Attached {
    relay: Option<Relay>,
    servers: Vec<OpsServer>,
    publisher: Option<Publisher>,
    signal: Option<tokio::task::JoinHandle<()>>,
}

impl OpsArgs {
    /// Before the engine starts: points `market_ws_url` (the engine's, or a paper venue's
    /// feed) at a NATS relay when `--market-from` is set, and checks the control token is there
    /// when `--control` is.
    pub async fn prepare(&self, market_ws_url: &mut String) -> anyhow::Result<Attached> {
        if let Some(addr) = self.control {
            check_control_addr(addr, self.control_remote)?;
            control_token()?;
        }
        let mut attached = Attached::default();
        if let Some(url) = &self.market_from {
            let relay = Relay::start(url).await.context("starting the market relay from NATS")?;
            *market_ws_url = relay.ws_url();
            attached.relay = Some(relay);
        }
        Ok(attached)
    }

    /// Once the engine runs: the metrics and control servers, the publisher and the signal.
    pub async fn attach(
        &self,
        mut attached: Attached,
        engine: &EngineHandle,
        journal: Option<PathBuf>,
        api_key: &str,
    ) -> anyhow::Result<Attached> {
        if let Some(addr) = self.metrics {
            let s = cdc_cli::ops::serve_metrics(addr, engine.clone())
                .await
                .with_context(|| format!("--metrics {addr}: cannot listen"))?;
            eprintln!("metrics: http://{}/metrics (health /healthz, readiness /readyz)", s.addr());
            attached.servers.push(s);
        }
        if let Some(addr) = self.control {
            let s = cdc_cli::ops::serve_control(addr, control_token()?, engine.clone())
                .await
                .with_context(|| format!("--control {addr}: cannot listen"))?;
            eprintln!("control: http://{}/control (halt, resume, cancel, status)", s.addr());
            attached.servers.push(s);
        }
        if let Some(url) = &self.publish {
            let account = self.account_name.clone().unwrap_or_else(|| default_account(api_key));
            let cfg = PublishConfig { url: url.clone(), account, journal };
            attached.publisher = Some(Publisher::start(cfg, engine).await.context("--publish")?);
        }
        attached.signal = Some(cdc_cli::ops::on_kill_signal(engine.clone()));
        Ok(attached)
    }
}

impl Attached {
    /// Stops the side services: the publisher drains first (bounded), so a clean stop leaves
    /// the stream as complete as the journal.
    pub async fn finish(self) {
        if let Some(s) = self.signal {
            s.abort();
        }
        if let Some(p) = self.publisher {
            p.finish(PUBLISH_DRAIN).await;
        }
        for s in self.servers {
            s.shutdown().await;
        }
        if let Some(r) = self.relay {
            r.shutdown().await;
        }
    }
}

/// The token the control endpoint checks, from the environment (never from the command line,
/// where `ps` would show it).
fn control_token() -> anyhow::Result<String> {
    match std::env::var("CDC_CONTROL_TOKEN") {
        Ok(t) if t.len() >= 16 => Ok(t),
        Ok(_) => anyhow::bail!(
            "CDC_CONTROL_TOKEN is shorter than 16 characters: use a long random one (e.g. `openssl rand -hex 24`)"
        ),
        Err(_) => anyhow::bail!(
            "--control needs CDC_CONTROL_TOKEN in the environment: the token every control request must carry"
        ),
    }
}

fn check_control_addr(addr: SocketAddr, remote: bool) -> anyhow::Result<()> {
    if !addr.ip().is_loopback() && !remote {
        anyhow::bail!(
            "--control {addr} is not a loopback address: anyone who reaches it with the token can halt trading; use 127.0.0.1, or add --control-remote behind TLS"
        );
    }
    Ok(())
}
