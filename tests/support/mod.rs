//! Shared test helpers: a simulator on 127.0.0.1:0 with the real exchange core, session
//! configs pointed at it, and waiting on events with a timeout (never a fixed sleep).
#![allow(dead_code)]

use std::time::Duration;

use cdc_engine::protocol::Credentials;
use cdc_engine::sim::exchange::{Exchange, ExchangeConfig};
use cdc_engine::sim::{SimConfig, SimHandle};
use cdc_engine::ws::{SessionConfig, SessionEvent};
use tokio::sync::mpsc::UnboundedReceiver;

pub const KEY: &str = "test_api_key_0001";
pub const SECRET: &str = "test_api_secret_do_not_print_0001";

/// A simulator with the real core; no synthetic market unless asked, so tests drive fills.
pub async fn sim(synthetic_market: bool) -> SimHandle<Exchange> {
    sim_with(SimConfig::new(KEY, SECRET), synthetic_market).await
}

/// A simulator with explicit server settings.
pub async fn sim_with(cfg: SimConfig, synthetic_market: bool) -> SimHandle<Exchange> {
    let core = Exchange::new(ExchangeConfig { synthetic_market, ..ExchangeConfig::default() });
    cdc_engine::sim::start(cfg, core).await.expect("sim starts")
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
    rx: &mut UnboundedReceiver<SessionEvent>,
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
