//! The local exchange: REST, user WebSocket and market WebSocket on loopback, with real
//! signature checks, a matching engine, a synthetic market and fault injection.
//!
//! It verifies, it never trusts: it shares no code path with the client that could hide a
//! protocol bug (it has its own signature check and its own JSON handling).
//!
//! This module is the public face of the network side: [`SimConfig`], [`start`] and
//! [`SimHandle`]. The exchange core lives behind [`venue::Venue`]; nothing here implements a
//! trading method.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod books;
mod channels;
mod control;
mod envelope;
pub mod exchange;
mod faults;
mod heartbeat;
mod http;
mod hub;
mod limits;
mod server;
mod shared;
mod subscribe;
pub mod venue;
mod ws_conn;
mod ws_requests;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The request-envelope reader (REST bodies and WebSocket frames alike), for the fuzz targets.
#[doc(hidden)]
pub use auth::{parse_envelope, Envelope, EnvelopeError};
pub use faults::{AckMode, Faults};
pub use limits::{MethodStats, Stats};

use hub::lock;
use shared::Shared;
use venue::Venue;

/// How to run the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; `127.0.0.1:0` in tests.
    pub listen: SocketAddr,
    /// The one account's API key.
    pub api_key: String,
    /// The one account's API secret.
    pub api_secret: String,
    /// How often each WebSocket gets a `public/heartbeat` (§4.3: about 30 s).
    pub heartbeat_interval: Duration,
    /// How long a client has to answer a heartbeat (§4.3: 5 s).
    pub heartbeat_timeout: Duration,
    /// How often the venue's synthetic market steps.
    pub market_interval: Duration,
    /// How long a delta book subscription may stay silent before an empty delta (§5.1).
    pub book_quiet_interval: Duration,
    /// Each WebSocket's request limit per wall-clock second, when not the exchange's (150 on
    /// the user socket, 100 on the market one). The limit counts calendar seconds, as the
    /// exchange does; a test on tokio's paused clock, where many simulated seconds pass in one
    /// real one, raises it so that the engine's own pacing (on the runtime's clock) is what
    /// holds its rate.
    pub ws_rate_per_second: Option<u64>,
}

impl SimConfig {
    /// Defaults (loopback, any port, 30 s heartbeats, 200 ms market steps) with these credentials.
    pub fn new(api_key: impl Into<String>, api_secret: impl Into<String>) -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_key: api_key.into(),
            api_secret: api_secret.into(),
            heartbeat_interval: Duration::from_secs(30),
            heartbeat_timeout: Duration::from_secs(5),
            market_interval: Duration::from_millis(200),
            book_quiet_interval: Duration::from_secs(5),
            ws_rate_per_second: None,
        }
    }
}

/// A running simulator. Cloning gives another handle to the same simulator.
pub struct SimHandle<V: Venue> {
    shared: Arc<Shared>,
    venue: Arc<Mutex<V>>,
    faults: Faults,
}

impl<V: Venue> Clone for SimHandle<V> {
    fn clone(&self) -> Self {
        SimHandle { shared: self.shared.clone(), venue: self.venue.clone(), faults: self.faults.clone() }
    }
}

/// Binds `cfg.listen` and starts serving REST, both WebSockets and `/sim/control`, plus the
/// market loop.
pub async fn start<V: Venue>(cfg: SimConfig, venue: V) -> io::Result<SimHandle<V>> {
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let typed = Arc::new(Mutex::new(venue));
    let dynamic: Arc<Mutex<dyn Venue>> = typed.clone();
    let shared = Arc::new(Shared::new(cfg, addr, dynamic));
    *shared.server.lock().await = Some(server::spawn(shared.clone(), listener));
    shared.spawn_market_loop();
    tracing::info!(%addr, "sim listening");
    Ok(SimHandle { faults: Faults { shared: shared.clone() }, shared, venue: typed })
}

impl<V: Venue> SimHandle<V> {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://ADDR/exchange/v1`.
    pub fn rest_url(&self) -> String {
        format!("http://{}/exchange/v1", self.addr())
    }

    /// `ws://ADDR/exchange/v1/user`.
    pub fn user_ws_url(&self) -> String {
        format!("ws://{}/exchange/v1/user", self.addr())
    }

    /// `ws://ADDR/exchange/v1/market`.
    pub fn market_ws_url(&self) -> String {
        format!("ws://{}/exchange/v1/market", self.addr())
    }

    /// `http://ADDR/sim/control`.
    pub fn control_url(&self) -> String {
        format!("http://{}/sim/control", self.addr())
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Request counters per method.
    pub fn stats(&self) -> Stats {
        self.shared.limits.stats()
    }

    /// Live WebSocket connections.
    pub fn connections(&self) -> usize {
        self.shared.hub.count()
    }

    /// Runs `f` on the venue (to inspect it or inject fills), then pushes whatever events it
    /// produced to subscribers.
    pub fn with_venue<R>(&self, f: impl FnOnce(&mut V) -> R) -> R {
        let mut venue = lock(&self.venue);
        let out = f(&mut venue);
        let events = venue.take_events();
        self.shared.dispatch(&*venue, events);
        out
    }

    /// Closes every connection and the listener, then listens again on the same port; the
    /// venue keeps its state.
    pub async fn restart(&self) -> io::Result<()> {
        server::restart(&self.shared).await
    }

    /// Stops everything: connections get close 1001, the listener and market loop end.
    pub async fn shutdown(self) {
        if let Some(task) = self.shared.market_task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            task.abort();
        }
        let task = self.shared.server.lock().await.take();
        if let Some(task) = task {
            server::stop(&self.shared, task, 1001, "going away").await;
        }
    }
}

/// Why a starting balance list cannot be read: the item and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item:?}: {problem}")]
pub struct BalancesError {
    /// The `CCY=AMOUNT` item as written.
    pub item: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Parses starting balances written `CCY=AMOUNT,...` (e.g. `USD=100000,BTC=2`).
pub fn parse_balances(s: &str) -> Result<Vec<(String, rust_decimal::Decimal)>, BalancesError> {
    use std::str::FromStr;
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|part| {
            let bad = |problem: String| BalancesError { item: part.to_owned(), problem };
            let (ccy, qty) = part.split_once('=').ok_or_else(|| bad("is not CCY=AMOUNT".into()))?;
            let qty = rust_decimal::Decimal::from_str(qty.trim()).map_err(|e| bad(e.to_string()))?;
            if qty.is_sign_negative() {
                return Err(bad("a balance cannot be negative".into()));
            }
            Ok((ccy.trim().to_uppercase(), qty))
        })
        .collect()
}

/// A random key and secret for a simulator account nobody else knows (`demo`, `--paper`,
/// `cdc-engine sim` without credentials): `{prefix}-key-…` and `{prefix}-secret-…`.
pub fn throwaway_credentials(prefix: &str) -> (String, String) {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut random = |len: usize| -> String {
        (0..len).map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)])).collect()
    };
    (format!("{prefix}-key-{}", random(16)), format!("{prefix}-secret-{}", random(24)))
}
