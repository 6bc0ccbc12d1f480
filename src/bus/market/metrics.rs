//! The gateway's own metrics and readiness, for `gateway --metrics`: what it published by
//! channel family, what it dropped while NATS was away, snapshot replies, feed reconnects, and
//! whether the feed and NATS are up. It counts; it must NOT change what the gateway does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// A channel family (`book`, `trade`, `ticker`, ...).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FamilyLabel {
    /// The family.
    pub channel: String,
}

/// The gateway's figures.
#[derive(Debug, Default)]
pub struct GatewayMetrics {
    /// Messages published to NATS, by family.
    pub published: Family<FamilyLabel, Counter>,
    /// Messages not published because NATS was away (relays resynchronise from a snapshot).
    pub dropped: Counter,
    /// Snapshot requests answered.
    pub snapshots: Counter,
    /// Drops of the exchange feed.
    pub reconnects: Counter,
    pub(super) feed_up: AtomicBool,
    pub(super) nats: OnceLock<async_nats::Client>,
}

impl GatewayMetrics {
    /// Counts a publication on `subject` (`cdcmd.<instrument>.<family>[.<depth>]`).
    pub(super) fn published(&self, subject: &str) {
        let family = subject.split('.').nth(2).unwrap_or("other");
        self.published.get_or_create(&FamilyLabel { channel: family.to_owned() }).inc();
    }

    fn nats_up(&self) -> bool {
        self.nats.get().is_some_and(|c| c.connection_state() == async_nats::connection::State::Connected)
    }

    /// The figures in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut r = Registry::with_prefix("cdc_gateway");
        r.register("published", "Market messages published to NATS, by channel family", self.published.clone());
        r.register("dropped", "Market messages not published because NATS was away", self.dropped.clone());
        r.register("snapshot_replies", "Snapshot requests of relays answered", self.snapshots.clone());
        r.register("feed_reconnects", "Drops of the exchange's market feed", self.reconnects.clone());
        let feed: Gauge = Gauge::default();
        feed.set(i64::from(self.feed_up.load(Ordering::Relaxed)));
        r.register("feed_up", "1 while every channel is subscribed on the exchange feed", feed);
        let nats: Gauge = Gauge::default();
        nats.set(i64::from(self.nats_up()));
        r.register("nats_connected", "1 while the NATS client is connected", nats);
        let mut out = String::new();
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &r);
        out
    }

    /// Why the gateway is not ready (feed not subscribed, NATS away), if it is not.
    pub fn not_ready_because(&self) -> Option<String> {
        let mut why = Vec::new();
        if !self.feed_up.load(Ordering::Relaxed) {
            why.push("the exchange feed is not subscribed");
        }
        if !self.nats_up() {
            why.push("NATS is not connected");
        }
        (!why.is_empty()).then(|| why.join("; "))
    }
}
