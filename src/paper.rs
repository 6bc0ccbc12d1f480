//! Paper trading: strategies see the live market data, while their orders go to an in-process
//! simulator whose participants quote around the live mid. No order ever reaches the exchange;
//! no credentials of the user's are needed or used.

use rust_decimal::Decimal;

use cdc_engine::clock::system_now_ms;
use cdc_engine::config::Endpoints;
use cdc_engine::protocol::{Channel, Credentials, CredentialsError, PushData};
use cdc_engine::ws::{self, SessionConfig, SessionEvent, SessionHandle};
use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::{SimConfig, SimHandle};

/// A running paper venue.
pub struct Paper {
    /// The simulator that takes the orders.
    pub sim: SimHandle<Exchange>,
    /// Where the engine should connect: REST and user socket to the simulator, market data
    /// from the live market.
    pub endpoints: Endpoints,
    /// Throwaway credentials of the simulator's account.
    pub creds: Credentials,
    feed: SessionHandle,
}

/// Why paper trading could not start.
#[derive(Debug, thiserror::Error)]
pub enum PaperError {
    /// The simulator could not listen.
    #[error("could not start the paper simulator: {0}")]
    Sim(#[from] std::io::Error),
    /// Credentials (cannot happen with the generated pair).
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
}

/// Starts a paper venue following `live_market_ws_url`'s tickers for `instruments`.
pub async fn start(
    live_market_ws_url: &str,
    instruments: &[String],
    balances: Vec<(String, Decimal)>,
) -> Result<Paper, PaperError> {
    let (key, secret) = cdc_sim::throwaway_credentials("paper");
    let mut core = ExchangeConfig::default();
    if !balances.is_empty() {
        core.balances = balances;
    }
    let sim = cdc_sim::start(SimConfig::new(key.clone(), secret.clone()), Exchange::new(core)).await?;
    let channels = instruments.iter().map(|i| Channel::ticker(i.as_str())).collect();
    let (feed, mut rx) = ws::spawn(SessionConfig::market(live_market_ws_url, channels));
    let follower = sim.clone();
    tokio::spawn(async move {
        while let Some(ev) = rx.recv().await {
            if let SessionEvent::Push(p) = ev {
                follow(&follower, &p.data);
            }
        }
    });
    let mut endpoints = Endpoints::local(sim.addr());
    endpoints.market_ws_url = live_market_ws_url.to_owned();
    Ok(Paper { creds: Credentials::new(key, &secret)?, sim, endpoints, feed })
}

/// Moves the simulator's mid to each live ticker's mid.
fn follow(sim: &SimHandle<Exchange>, data: &PushData) {
    let PushData::Tickers(tickers) = data else { return };
    for t in tickers {
        let (Some(i), Some(b), Some(k)) = (&t.instrument, t.best_bid, t.best_ask) else { continue };
        let mid = (b + k) / Decimal::TWO;
        sim.with_venue(|x| x.set_reference_mid(i.as_str(), mid, system_now_ms()));
    }
}

impl Paper {
    /// Stops the feed and the simulator.
    pub async fn shutdown(self) {
        self.feed.shutdown();
        self.sim.shutdown().await;
    }
}
