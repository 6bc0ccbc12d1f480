//! `cdc-engine demo`: the whole product offline. Starts the simulator in-process, runs the
//! built-in market maker against it through the real WebSocket and REST path, and shows fills,
//! balances, open orders and PnL as they change, until Ctrl-C (or `--duration`).

use std::str::FromStr;
use std::time::Duration;

use cdc_engine::clock::system_now_ms;
use cdc_engine::config::Endpoints;
use cdc_engine::engine::{start, EngineConfig, EngineEvent, EngineHandle};
use cdc_engine::output::event_line;
use cdc_engine::protocol::Credentials;
use cdc_engine::sim::exchange::{Exchange, ExchangeConfig};
use cdc_engine::sim::venue::Venue;
use cdc_engine::sim::{SimConfig, SimHandle};
use clap::Args;
use rust_decimal::Decimal;
use tokio::sync::broadcast::error::RecvError;

use super::common::out;

/// Arguments of `cdc-engine demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Stop after this many seconds (default: until Ctrl-C).
    #[arg(long)]
    duration: Option<u64>,
    /// Seed of the simulated market.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Print every order update too, not only fills and balances.
    #[arg(long)]
    verbose: bool,
}

const INSTRUMENT: &str = "BTC_USD";

/// Runs the demo.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    // Throwaway credentials: the simulator checks real signatures with them.
    let (key, secret) = cdc_engine::sim::throwaway_credentials("demo");
    let mut sim_cfg = SimConfig::new(key.clone(), secret.clone());
    sim_cfg.market_interval = Duration::from_millis(100);
    let core = Exchange::new(ExchangeConfig { seed: args.seed, ..ExchangeConfig::default() });
    let sim = cdc_engine::sim::start(sim_cfg, core).await?;
    let mut cfg = EngineConfig::new(Endpoints::local(sim.addr()), Credentials::new(key, &secret)?);
    cfg.cancel_on_disconnect = Some(true);
    let mut params = toml::Table::new();
    params.insert("instrument".into(), INSTRUMENT.into());
    // Inside the simulated participants' ladder (50-cent rungs), so that their market orders
    // reach our quotes within seconds.
    params.insert("spread_bps".into(), "0.3".into());
    params.insert("order_qty".into(), "0.01".into());
    params.insert("max_position".into(), "0.2".into());
    let strategy = crate::strategies::build("market_maker", &params).map_err(anyhow::Error::msg)?;
    out(&format!(
        "cdc-engine demo: market making {INSTRUMENT} against a local simulator at {} (offline). Ctrl-C stops.",
        sim.addr()
    ));
    let engine = start(cfg, vec![strategy]).await?;
    let result = watch(&engine, &sim, &args).await;
    engine.shutdown(false).await?;
    sim.shutdown().await;
    result
}

async fn watch(engine: &EngineHandle, sim: &SimHandle<Exchange>, args: &DemoArgs) -> anyhow::Result<()> {
    let mut rx = engine.subscribe();
    let mut summary = tokio::time::interval(Duration::from_secs(2));
    let stop = tokio::time::sleep(Duration::from_secs(args.duration.unwrap_or(u64::MAX / 4)));
    tokio::pin!(stop);
    let started = tokio::time::Instant::now();
    let mut start_value: Option<Decimal> = None;
    let mut fills = 0u64;
    loop {
        tokio::select! {
            ev = rx.recv() => match ev {
                Ok(ev) => {
                    fills += u64::from(matches!(ev, EngineEvent::Fill(_)));
                    let show = args.verbose || matches!(ev, EngineEvent::Fill(_) | EngineEvent::Balance { .. } | EngineEvent::Connection { .. } | EngineEvent::Refused(_));
                    if show && !out(&event_line(&ev)) {
                        return Ok(());
                    }
                }
                Err(RecvError::Lagged(n)) => eprintln!("warning: display fell behind by {n} events"),
                Err(RecvError::Closed) => return Ok(()),
            },
            _ = summary.tick() => {
                let Some(mid) = mid(sim) else { continue };
                if !engine.state().is_live() {
                    continue;
                }
                let value = account_value(engine, mid);
                let base = *start_value.get_or_insert(value);
                let line = format!(
                    "-- t+{:>3}s  fills {fills}  open orders {}  BTC {}  USD {}  mid {mid}  PnL {:+} USD",
                    started.elapsed().as_secs(),
                    engine.state().orders.open_count(),
                    engine.state().balances.get("BTC").map_or(Decimal::ZERO, |b| b.total).normalize(),
                    engine.state().balances.get("USD").map_or(Decimal::ZERO, |b| b.total).round_dp(2),
                    (value - base).round_dp(2),
                );
                if !out(&line) {
                    return Ok(());
                }
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = &mut stop => return Ok(()),
        }
    }
}

fn mid(sim: &SimHandle<Exchange>) -> Option<Decimal> {
    let t = sim.with_venue(|x| x.ticker_json(INSTRUMENT, system_now_ms()))?;
    let d = |k: &str| t[k].as_str().and_then(|s| Decimal::from_str(s).ok());
    Some((d("b")? + d("k")?) / Decimal::TWO)
}

/// The account marked to the simulator's mid, in USD.
fn account_value(engine: &EngineHandle, mid: Decimal) -> Decimal {
    let b = |c: &str| engine.state().balances.get(c).map_or(Decimal::ZERO, |b| b.total);
    b("USD") + b("BTC") * mid
}
