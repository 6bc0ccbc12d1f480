//! `cdc-engine demo`: the whole product offline. Starts the simulator in-process, runs the
//! built-in market maker against it through the real WebSocket and REST path, and shows its
//! fills as they happen and, every few seconds, a status line (fills, volume, position, realised
//! and unrealised PnL from the strategy's own fills, open orders) with the balances that changed
//! since the previous one, until Ctrl-C (or `--duration`). It must NOT compute PnL itself (that
//! is `cdc_engine::pnl`) nor print a line per balance update (they come by the hundred).

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use cdc_cli::output::event_line;
use cdc_engine::clock::system_now_ms;
use cdc_engine::config::Endpoints;
use cdc_engine::engine::oid::tag_of;
use cdc_engine::engine::{start, EngineConfig, EngineEvent, EngineHandle};
use cdc_engine::pnl::Pnl;
use cdc_engine::protocol::ids::ClientOrderId;
use cdc_engine::protocol::Credentials;
use cdc_engine::state::Balance;
use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::venue::Venue;
use cdc_sim::{SimConfig, SimHandle};
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
    /// Print every order update too, not only fills and the status.
    #[arg(long)]
    verbose: bool,
    #[command(flatten)]
    ops: super::ops::OpsArgs,
}

const INSTRUMENT: &str = "BTC_USD";
/// How often the status line (and the balances that changed) is printed.
const STATUS_EVERY: Duration = Duration::from_secs(2);

/// Runs the demo.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    // Throwaway credentials: the simulator checks real signatures with them.
    let (key, secret) = cdc_sim::throwaway_credentials("demo");
    let mut sim_cfg = SimConfig::new(key.clone(), secret.clone());
    sim_cfg.market_interval = Duration::from_millis(100);
    // A market maker's edge at these spreads is far below a 0.1% maker fee; the demo's venue
    // charges makers nothing (as a market-maker programme's tier would) so that what it shows
    // is the strategy, not the fee schedule. The banner says so.
    let core_cfg = ExchangeConfig { seed: args.seed, maker_fee_rate: Decimal::ZERO, ..ExchangeConfig::default() };
    let taker_fee = core_cfg.taker_fee_rate * Decimal::ONE_HUNDRED;
    let core = Exchange::new(core_cfg);
    let sim = cdc_sim::start(sim_cfg, core).await?;
    let mut cfg = EngineConfig::new(Endpoints::local(sim.addr()), Credentials::new(key, &secret)?);
    cfg.cancel_on_disconnect = Some(true);
    let mut params = toml::Table::new();
    params.insert("instrument".into(), INSTRUMENT.into());
    // Inside the simulated participants' ladder (50-cent rungs), so that their market orders
    // reach our quotes within seconds.
    params.insert("spread_bps".into(), "0.3".into());
    params.insert("order_qty".into(), "0.01".into());
    params.insert("max_position".into(), "0.2".into());
    // Full skew (the half-spread, 0.15 bps) at max_position: the quotes lean against the
    // inventory gradually instead of jumping to the bound after one fill.
    params.insert("skew_bps_per_unit".into(), "0.75".into());
    let strategy = cdc_strategies::build("market_maker", &params)?;
    let tag = strategy.id();
    out(&format!(
        "cdc-engine demo: market making {INSTRUMENT} against a local simulator at {} (offline; simulated fees: \
         maker 0%, taker {}%). Ctrl-C stops.",
        sim.addr(),
        taker_fee.normalize()
    ));
    let prepared = args.ops.prepare(&mut cfg.endpoints.market_ws_url).await?;
    let api_key = cfg.creds.api_key().to_owned();
    let engine = start(cfg, vec![strategy]).await?;
    let attached = args.ops.attach(prepared, &engine, None, &api_key).await?;
    let status = Status::new(tag);
    let result = watch(&engine, &sim, &args, status).await;
    engine.shutdown(false).await?;
    attached.finish().await;
    sim.shutdown().await;
    result
}

async fn watch(
    engine: &EngineHandle,
    sim: &SimHandle<Exchange>,
    args: &DemoArgs,
    mut status: Status,
) -> anyhow::Result<()> {
    let mut rx = engine.subscribe();
    let mut summary = tokio::time::interval(STATUS_EVERY);
    let stop = tokio::time::sleep(Duration::from_secs(args.duration.unwrap_or(u64::MAX / 4)));
    tokio::pin!(stop);
    let started = tokio::time::Instant::now();
    let mut last_status = started;
    let mut stop_signal = super::stop_signal::StopSignal::new();
    loop {
        tokio::select! {
            ev = rx.recv() => match ev {
                Ok(ev) => {
                    if status.on_event(&ev, args.verbose) && !out(&event_line(&ev)) {
                        return Ok(());
                    }
                }
                Err(RecvError::Lagged(n)) => eprintln!("warning: display fell behind by {n} events"),
                Err(RecvError::Closed) => return Ok(()),
            },
            _ = summary.tick() => {
                last_status = tokio::time::Instant::now();
                if !print_status(engine, sim, &mut status, started.elapsed()) {
                    return Ok(());
                }
            }
            _ = stop_signal.recv() => break,
            _ = &mut stop => break,
        }
    }
    // The last figures before shutting down, unless the status line just showed them.
    if last_status.elapsed() >= STATUS_EVERY / 4 {
        print_status(engine, sim, &mut status, started.elapsed());
    }
    Ok(())
}

/// Prints the balances that changed and the status line, once the engine is live and the
/// market has a mid; false when stdout is gone.
fn print_status(engine: &EngineHandle, sim: &SimHandle<Exchange>, status: &mut Status, elapsed: Duration) -> bool {
    let Some(mid) = mid(sim) else { return true };
    if !engine.state().is_live() {
        return true;
    }
    let open = engine.state().orders.open().iter().filter(|o| status.is_own(o.client_oid.as_ref())).count();
    let mut lines = status.take_balances();
    lines.push(status.line(elapsed.as_secs(), mid, open));
    lines.iter().all(|l| out(l))
}

/// What the demo shows, from the events: the strategy's own fills through [`Pnl`], and the
/// latest balance of each currency that changed since the last status line.
struct Status {
    /// The strategy's tag in client ids.
    tag: String,
    pnl: Pnl,
    changed: BTreeMap<String, Balance>,
}

impl Status {
    fn new(tag: String) -> Self {
        Status { tag, pnl: Pnl::default(), changed: BTreeMap::new() }
    }

    /// Whether a client id is the strategy's: the engine puts the strategy's tag in it.
    fn is_own(&self, oid: Option<&ClientOrderId>) -> bool {
        oid.is_some_and(|c| tag_of(c.as_str()) == Some(self.tag.as_str()))
    }

    /// Takes an event in; returns whether its own line should be printed now.
    fn on_event(&mut self, ev: &EngineEvent, verbose: bool) -> bool {
        match ev {
            EngineEvent::Fill(t) if self.is_own(t.client_oid.as_ref()) => {
                self.pnl.apply_trade(t);
                true
            }
            EngineEvent::Fill(_) => verbose,
            EngineEvent::Balance { currency, balance } => {
                self.changed.insert(currency.clone(), *balance);
                false
            }
            EngineEvent::Order(_) | EngineEvent::Position(_) => verbose,
            EngineEvent::Connection { .. }
            | EngineEvent::Feed { .. }
            | EngineEvent::Refused(_)
            | EngineEvent::Halted { .. }
            | EngineEvent::KillSwitch { .. }
            | EngineEvent::Resumed { .. } => true,
        }
    }

    /// One `BALANCE` line per currency that changed since the last call.
    fn take_balances(&mut self) -> Vec<String> {
        std::mem::take(&mut self.changed)
            .into_iter()
            .map(|(currency, balance)| event_line(&EngineEvent::Balance { currency, balance }))
            .collect()
    }

    /// The status line at `secs` into the run, marking the position at `mid`.
    fn line(&self, secs: u64, mid: Decimal, open_orders: usize) -> String {
        let p = self.pnl.get(INSTRUMENT).cloned().unwrap_or_default();
        let (base, quote) = INSTRUMENT.split_once('_').unwrap_or((INSTRUMENT, ""));
        let fees = if p.fees.is_empty() {
            format!("0 {quote}")
        } else {
            // The quote currency to the cent; a base-currency fee is a few satoshi, shown whole.
            let shown = |c: &str, f: Decimal| if c == quote { f.round_dp(2) } else { f.normalize() };
            p.fees.iter().map(|(c, f)| format!("{} {c}", shown(c, *f))).collect::<Vec<_>>().join(" + ")
        };
        format!(
            "-- t+{secs:>3}s  fills {}  volume {} {base}  position {} {base}  realised {:+} {quote}  \
             unrealised {:+} {quote} at mid {}  fees {fees}  open orders {open_orders}",
            p.fills,
            p.volume.normalize(),
            p.position.normalize(),
            p.realised.round_dp(2),
            p.unrealised(mid).round_dp(2),
            mid.normalize(),
        )
    }
}

fn mid(sim: &SimHandle<Exchange>) -> Option<Decimal> {
    let t = sim.with_venue(|x| x.ticker_json(INSTRUMENT, system_now_ms()))?;
    let d = |k: &str| t[k].as_str().and_then(|s| Decimal::from_str(s).ok());
    Some((d("b")? + d("k")?) / Decimal::TWO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdc_engine::protocol::models::Trade;

    fn fill(oid: &str, side: &str, price: &str, qty: &str) -> EngineEvent {
        let t: Trade = serde_json::from_value(serde_json::json!({
            "trade_id": format!("{oid}-{price}"), "order_id": "1", "client_oid": oid, "instrument_name": INSTRUMENT,
            "side": side, "traded_price": price, "traded_quantity": qty, "fees": "-0.05",
            "fee_instrument_name": "USD"
        }))
        .unwrap();
        EngineEvent::Fill(Box::new(t))
    }

    fn balance(ccy: &str, total: &str) -> EngineEvent {
        let total = Decimal::from_str(total).unwrap();
        EngineEvent::Balance {
            currency: ccy.into(),
            balance: Balance { total, reserved: Decimal::ZERO, available: total },
        }
    }

    #[test]
    fn the_status_counts_only_the_strategys_fills_and_balances_come_once_per_currency() {
        let mut s = Status::new("market_maker".into());
        assert!(s.on_event(&fill("market_maker-e65-1", "BUY", "50000", "0.01"), false));
        assert!(s.on_event(&fill("market_maker-e65-2", "SELL", "50010", "0.004"), false));
        assert!(!s.on_event(&fill("e65-9", "SELL", "1", "5"), false), "placed by hand, not the strategy's");
        assert!(!s.on_event(&fill("someone-else-3", "SELL", "1", "5"), false), "not the strategy's");
        for total in ["1", "2", "3"] {
            assert!(!s.on_event(&balance("BTC", total), false), "balances wait for the status line");
        }
        s.on_event(&balance("USD", "7"), false);
        let lines = s.take_balances();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("BALANCE  BTC    total 3 "), "the latest: {lines:?}");
        assert!(s.take_balances().is_empty(), "nothing changed since");
        let line = s.line(4, Decimal::from(50020), 2);
        assert_eq!(
            line,
            "-- t+  4s  fills 2  volume 0.014 BTC  position 0.006 BTC  realised +0.04 USD  \
             unrealised +0.12 USD at mid 50020  fees 0.10 USD  open orders 2"
        );
    }
}
