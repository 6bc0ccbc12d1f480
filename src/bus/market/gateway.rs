//! The gateway: this machine's one market-data connection to the exchange, published to core
//! NATS (market data is ephemeral: no JetStream). It keeps every book so that a relay joining
//! late is answered a snapshot at the current `u`, publishes a fresh snapshot after each of its
//! own reconnects, and announces its state on [`STATUS_SUBJECT`](super::subjects::STATUS_SUBJECT) so that relays can tell
//! their engines when the source is gone. The exchange connection is in `feed`, the NATS side
//! in `publish`.
//!
//! It must NOT trade, hold credentials or interpret market data beyond keeping the books whole;
//! and it must NOT wait on NATS while the exchange waits on it (heartbeats come first).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use futures::StreamExt;
use tokio::sync::watch;
use tokio::time::{sleep_until, Instant, Interval, MissedTickBehavior};

use cdc_engine::backoff::Backoff;

use super::publish::{connect, other_gateway, run_name};
use super::store::Store;
use super::subjects::{MarketChannel, SNAPSHOT_WILDCARD};

/// Where a status line goes (stderr for the command; tests collect them).
pub type Report = Arc<dyn Fn(&str) + Send + Sync>;

/// How often the gateway says it is alive and how its feed is.
pub const STATUS_EVERY: Duration = Duration::from_secs(2);

/// What the gateway carries and where.
#[derive(Clone)]
pub struct GatewayConfig {
    /// `nats://HOST:PORT`.
    pub nats_url: String,
    /// The exchange's market WebSocket.
    pub market_ws_url: String,
    /// Exchange channel names, e.g. `book.BTC_USD.10`, `trade.BTC_USD`, `ticker.BTC_USD`.
    pub channels: Vec<String>,
    /// Pause between connecting and subscribing (§4.2: 1 s).
    pub connect_pause: Duration,
    /// Give up (an error) once the feed has been down, or never up, this long.
    pub feed_timeout: Duration,
    /// Receives the connection state as it changes.
    pub report: Report,
    /// Counts what it does (for `--metrics`).
    pub metrics: std::sync::Arc<super::metrics::GatewayMetrics>,
}

impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("nats_url", &self.nats_url)
            .field("market_ws_url", &self.market_ws_url)
            .field("channels", &self.channels)
            .finish()
    }
}

/// Why one exchange connection ended.
pub(super) enum End {
    Stopped,
    Dropped(String),
    Fatal(anyhow::Error),
}

/// The gateway's state across connections.
pub(super) struct Gateway {
    pub(super) cfg: GatewayConfig,
    pub(super) channels: Vec<MarketChannel>,
    pub(super) store: Store,
    pub(super) nats: async_nats::Client,
    pub(super) requests: async_nats::Subscriber,
    /// This run's name in headers and status: relays tell a restarted gateway by it.
    pub(super) id: String,
    pub(super) feed: (&'static str, String),
    /// Since when the feed has not been fully subscribed.
    down_since: Option<Instant>,
    pub(super) backoff: Backoff,
    pub(super) next_id: u64,
    pub(super) tick: Interval,
}

/// Runs the gateway until `stop` turns true; an error when it cannot do its job (a refused
/// channel, no feed for `feed_timeout`, an invalid NATS address, another gateway on the same
/// channels).
pub async fn run_gateway(cfg: GatewayConfig, mut stop: watch::Receiver<bool>) -> anyhow::Result<()> {
    let channels = cfg
        .channels
        .iter()
        .map(|n| MarketChannel::parse(n).with_context(|| format!("{n:?} is not a channel the gateway can carry")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if channels.is_empty() {
        bail!("no channels to carry: give --instruments");
    }
    let nats = connect(&cfg).await?;
    let _ = cfg.metrics.nats.set(nats.clone());
    if let Some(name) = other_gateway(&nats, &channels).await {
        bail!("another gateway already answers for {name} on {}: run one gateway per channel", cfg.nats_url);
    }
    let requests = nats.subscribe(SNAPSHOT_WILDCARD).await.context("subscribing to snapshot requests")?;
    let mut tick = tokio::time::interval(STATUS_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut gw = Gateway {
        store: Store::new(&channels),
        channels,
        nats,
        requests,
        id: run_name(),
        feed: ("down", "connecting".into()),
        down_since: Some(Instant::now()),
        // The official CLI's policy (§4.6), from half a second: 0.5 s doubling to 30 s, jittered.
        backoff: Backoff::new(Duration::from_millis(500), Duration::from_secs(30)),
        next_id: cdc_engine::clock::system_now_ms(),
        tick,
        cfg,
    };
    let result = gw.run(&mut stop).await;
    gw.feed = ("stopped", "the gateway stopped".into());
    gw.publish_status().await;
    // What is queued leaves before the client is dropped; bounded, NATS may be down.
    let _ = tokio::time::timeout(Duration::from_secs(2), gw.nats.flush()).await;
    result
}

impl Gateway {
    async fn run(&mut self, stop: &mut watch::Receiver<bool>) -> anyhow::Result<()> {
        loop {
            self.check_feed_timeout()?;
            let url = self.cfg.market_ws_url.clone();
            (self.cfg.report)(&format!("feed: connecting to {url}"));
            let attempt = tokio::select! {
                _ = super::stopped(stop) => return Ok(()),
                ws = super::feed::connect(&url) => ws,
            };
            let reason = match attempt {
                Err(reason) => reason,
                Ok(ws) => match self.serve(ws, stop).await {
                    End::Stopped => return Ok(()),
                    End::Fatal(e) => return Err(e),
                    End::Dropped(reason) => reason,
                },
            };
            self.feed_down(&reason).await;
            let pause = self.backoff.next_delay();
            (self.cfg.report)(&format!("feed: disconnected: {reason}; reconnecting in {:.1} s", pause.as_secs_f64()));
            if !self.idle(Instant::now() + pause, stop).await? {
                return Ok(());
            }
        }
    }

    /// Waits until `until`, serving snapshot requests and the status meanwhile; false when
    /// told to stop.
    async fn idle(&mut self, until: Instant, stop: &mut watch::Receiver<bool>) -> anyhow::Result<bool> {
        loop {
            tokio::select! {
                _ = super::stopped(stop) => return Ok(false),
                _ = sleep_until(until) => return Ok(true),
                msg = self.requests.next() => self.on_request(msg).await?,
                _ = self.tick.tick() => self.housekeeping().await?,
            }
        }
    }

    /// Every channel is subscribed: the feed is up.
    pub(super) async fn feed_up(&mut self) {
        self.down_since = None;
        self.backoff.reset();
        self.feed = ("up", format!("{} channels", self.channels.len()));
        self.cfg.metrics.feed_up.store(true, std::sync::atomic::Ordering::Relaxed);
        (self.cfg.report)(&format!(
            "feed: subscribed to {} channels; publishing on cdcmd.<instrument>.<channel> at {}",
            self.channels.len(),
            self.cfg.nats_url
        ));
        self.publish_status().await;
    }

    async fn feed_down(&mut self, reason: &str) {
        self.store.on_disconnect();
        self.down_since.get_or_insert_with(Instant::now);
        self.feed = ("down", reason.to_owned());
        self.cfg.metrics.feed_up.store(false, std::sync::atomic::Ordering::Relaxed);
        self.cfg.metrics.reconnects.inc();
        self.publish_status().await;
    }

    /// The status beat, and the check that the feed has not been down too long.
    pub(super) async fn housekeeping(&mut self) -> anyhow::Result<()> {
        self.publish_status().await;
        self.check_feed_timeout()
    }

    fn check_feed_timeout(&self) -> anyhow::Result<()> {
        match self.down_since {
            Some(since) if since.elapsed() >= self.cfg.feed_timeout => bail!(
                "no market data from {} for {} s (last: {}): check --market-ws-url (or CDC_MARKET_WS_URL) and the network",
                self.cfg.market_ws_url,
                self.cfg.feed_timeout.as_secs(),
                self.feed.1
            ),
            _ => Ok(()),
        }
    }

    /// A snapshot request from a relay; requests for channels carried elsewhere get no answer
    /// here (another gateway may carry them).
    pub(super) async fn on_request(&mut self, msg: Option<async_nats::Message>) -> anyhow::Result<()> {
        let Some(msg) = msg else { bail!("the NATS client closed the snapshot-request subscription") };
        let (Some(to), Some(channel)) = (msg.reply, MarketChannel::from_snapshot_subject(msg.subject.as_str())) else {
            return Ok(());
        };
        if let Some(reply) = self.store.on_request(&channel, to.to_string(), cdc_engine::clock::system_now_ms()) {
            self.send_reply(reply).await;
        }
        Ok(())
    }
}
