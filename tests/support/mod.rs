//! Shared test helpers: a simulator on 127.0.0.1:0 with the real exchange core, session
//! configs pointed at it, and waiting on events with a timeout (never a fixed sleep).
#![allow(dead_code)]

use std::time::Duration;
use tokio::sync::mpsc::Receiver;

use cdc_engine::protocol::Credentials;
use cdc_engine::ws::{SessionConfig, SessionEvent};
use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::{SimConfig, SimHandle};

pub const KEY: &str = "test_api_key_0001";
pub const SECRET: &str = "test_api_secret_do_not_print_0001";

/// A simulator with the real core; no synthetic market unless asked, so tests drive fills.
pub async fn sim(synthetic_market: bool) -> SimHandle<Exchange> {
    sim_with(SimConfig::new(KEY, SECRET), synthetic_market).await
}

/// A simulator with explicit server settings.
pub async fn sim_with(cfg: SimConfig, synthetic_market: bool) -> SimHandle<Exchange> {
    let core = Exchange::new(ExchangeConfig { synthetic_market, ..ExchangeConfig::default() });
    cdc_sim::start(cfg, core).await.expect("sim starts")
}

pub fn creds() -> Credentials {
    Credentials::new(KEY, SECRET).expect("credentials")
}

/// A user session with a short connect pause, so reconnect tests stay quick.
pub fn user_session(sim: &SimHandle<Exchange>) -> SessionConfig {
    let mut cfg = SessionConfig::user(&sim.user_ws_url(), creds());
    cfg.connect_pause = Duration::from_millis(100);
    cfg
}

/// Waits for the first event matching `pred`, skipping others; panics after `secs`.
pub async fn wait_for(
    rx: &mut Receiver<SessionEvent>,
    secs: u64,
    what: &str,
    mut pred: impl FnMut(&SessionEvent) -> bool,
) -> SessionEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) if pred(&ev) => return ev,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("session ended while waiting for {what}"),
            Err(_) => panic!("timed out after {secs} s waiting for {what}"),
        }
    }
}

/// Polls `cond` until it holds; panics after `secs`.
pub async fn eventually(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out after {secs} s waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

use std::collections::BTreeSet;
use std::path::Path;
use std::str::FromStr;

use cdc_engine::clock::system_now_ms;
use cdc_engine::config::Endpoints;
use cdc_engine::engine::{EngineConfig, EngineHandle};
use cdc_sim::venue::Venue;
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// An engine config pointed at the simulator, quick to reconnect, with an optional journal.
pub fn engine_cfg(sim: &SimHandle<Exchange>, journal: Option<&Path>) -> EngineConfig {
    let mut cfg = EngineConfig::new(Endpoints::local(sim.addr()), creds());
    cfg.journal = journal.map(Path::to_path_buf);
    cfg.connect_pause = Duration::from_millis(100);
    cfg.request_timeout = Duration::from_secs(2);
    cfg
}

/// Places a user order straight into the simulator's core (as if from another client).
pub fn place_direct(sim: &SimHandle<Exchange>, buy: bool, price: &str, qty: &str, oid: &str) -> Value {
    let params = json!({"instrument_name": "BTC_USD", "side": if buy {"BUY"} else {"SELL"}, "type": "LIMIT",
        "price": price, "quantity": qty, "client_oid": oid});
    sim.with_venue(|x| x.private("private/create-order", &params, None, system_now_ms())).expect("order accepted")
}

/// A participant takes `qty` from the book (fills the user's resting orders on that side).
pub fn take(sim: &SimHandle<Exchange>, taker_buys: bool, qty: Decimal) {
    sim.with_venue(|x| x.inject_taker("BTC_USD", taker_buys, qty, system_now_ms()));
}

/// The simulator's user fills' trade ids.
pub fn sim_trade_ids(sim: &SimHandle<Exchange>) -> Vec<String> {
    sim.with_venue(|x| x.user_trades()).iter().filter_map(|t| t["trade_id"].as_str().map(str::to_owned)).collect()
}

/// The simulator's open order ids.
pub fn sim_open_orders(sim: &SimHandle<Exchange>) -> BTreeSet<String> {
    sim.with_venue(|x| x.open_orders_json(None))
        .iter()
        .filter_map(|o| o["order_id"].as_str().map(str::to_owned))
        .collect()
}

/// The simulator's balances: currency → (total, reserved).
pub fn sim_balances(sim: &SimHandle<Exchange>) -> Vec<(String, Decimal, Decimal)> {
    let b = sim.with_venue(|x| x.balance_json(system_now_ms()));
    let mut out: Vec<_> = b["position_balances"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let d = |k: &str| Decimal::from_str(r[k].as_str().unwrap_or("0")).unwrap_or_default();
            (r["instrument_name"].as_str().unwrap_or_default().to_owned(), d("quantity"), d("reserved_qty"))
        })
        .collect();
    out.sort();
    out
}

/// The engine's balances in the same shape.
pub fn engine_balances(engine: &EngineHandle) -> Vec<(String, Decimal, Decimal)> {
    engine.state().balances.all().into_iter().map(|(c, b)| (c, b.total, b.reserved)).collect()
}

/// The engine's open order ids.
pub fn engine_open_orders(engine: &EngineHandle) -> BTreeSet<String> {
    engine.state().orders.open().into_iter().map(|o| o.order_id.to_string()).collect()
}

/// Waits until the engine's fills, open orders and balances equal the simulator's.
pub async fn converge(engine: &EngineHandle, sim: &SimHandle<Exchange>, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let sim_fills = || sim.with_venue(|x| x.user_fill_count()) as u64;
    loop {
        let fills_ok = engine.state().fills.total() == sim_fills();
        let live = engine.state().is_live();
        if live
            && fills_ok
            && engine_open_orders(engine) == sim_open_orders(sim)
            && engine_balances(engine) == sim_balances(sim)
        {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "no convergence after {secs} s: live {live}, fills {} vs {}, open {:?} vs {:?}, balances {:?} vs {:?}",
                engine.state().fills.total(),
                sim_fills(),
                engine_open_orders(engine).len(),
                sim_open_orders(sim).len(),
                engine_balances(engine),
                sim_balances(sim)
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Every event up to and including the first that matches `pred`; panics after `secs`.
pub async fn until(
    rx: &mut Receiver<SessionEvent>,
    secs: u64,
    what: &str,
    mut pred: impl FnMut(&SessionEvent) -> bool,
) -> Vec<SessionEvent> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) => {
                let done = pred(&ev);
                seen.push(ev);
                if done {
                    return seen;
                }
            }
            Ok(None) => panic!("session ended while waiting for {what}: {seen:?}"),
            Err(_) => panic!("timed out after {secs} s waiting for {what}: {seen:?}"),
        }
    }
}

/// How many requests of `method` reached the simulator over a socket.
pub fn ws_count(sim: &SimHandle<Exchange>, method: &str) -> u64 {
    sim.stats().ws.get(method).map_or(0, |s| s.accepted)
}

pub mod scripted;
