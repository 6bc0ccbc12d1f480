//! The gateway's side of NATS: the client (which reports its state), the check that no other
//! gateway carries the same channels, and publishing: data with the headers that place each
//! message in its channel's stream, snapshot replies, and the status beat.
//!
//! It must NOT hold the gateway's loop on a NATS that is away: data is dropped meanwhile.

use std::time::Duration;

use serde_json::json;

use super::gateway::{Gateway, GatewayConfig};
use super::store::{Outcome, Publication, Reply};
use super::subjects::{MarketChannel, HEADER_GATEWAY, HEADER_SEQ, STATUS_SUBJECT};

impl Gateway {
    /// Publishes what a frame produced and answers the requests it unparked.
    pub(super) async fn publish(&mut self, out: Outcome) {
        for p in out.publish {
            self.send(p).await;
        }
        for r in out.replies {
            self.send_reply(r).await;
        }
    }

    async fn send(&self, p: Publication) {
        // While NATS is away, publishing would only queue behind a dead link: the data is
        // ephemeral and the relays resynchronise from a snapshot, so it is dropped.
        if self.nats.connection_state() != async_nats::connection::State::Connected {
            self.cfg.metrics.dropped.inc();
            return;
        }
        self.cfg.metrics.published(&p.subject);
        if let Err(e) = self.nats.publish_with_headers(p.subject, self.headers(p.seq), p.payload.into()).await {
            tracing::warn!(error = %e, "publishing market data to NATS failed");
        }
    }

    pub(super) async fn send_reply(&self, r: Reply) {
        self.cfg.metrics.snapshots.inc();
        if let Err(e) = self.nats.publish_with_headers(r.to, self.headers(r.seq), r.payload.into()).await {
            tracing::warn!(error = %e, "answering a snapshot request failed");
        }
    }

    fn headers(&self, seq: u64) -> async_nats::HeaderMap {
        let mut h = async_nats::HeaderMap::new();
        h.insert(HEADER_GATEWAY, self.id.as_str());
        h.insert(HEADER_SEQ, seq.to_string());
        h
    }

    pub(super) async fn publish_status(&self) {
        let body = json!({"gateway": self.id, "feed": self.feed.0, "detail": self.feed.1,
                          "channels": self.channels.iter().map(|c| c.name.as_str()).collect::<Vec<_>>()});
        if let Err(e) = self.nats.publish(STATUS_SUBJECT, body.to_string().into()).await {
            tracing::debug!(error = %e, "publishing the gateway status failed");
        }
    }
}

/// A name for this run, unique enough across restarts: the process id and the start time.
pub(super) fn run_name() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{:x}-{:x}", std::process::id(), nanos)
}

/// A NATS client that reports its state; an invalid address is an error, an unreachable
/// server is retried in the background (reported).
pub(super) async fn connect(cfg: &GatewayConfig) -> anyhow::Result<async_nats::Client> {
    let url = super::super::connect::parse_url(&cfg.nats_url)?;
    let report = cfg.report.clone();
    let shown = url.clone();
    let client = async_nats::ConnectOptions::new()
        .name("cdc-engine gateway")
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(2))
        .event_callback(move |ev| {
            let (report, url) = (report.clone(), shown.clone());
            async move {
                match ev {
                    async_nats::Event::Connected => report(&format!("nats: connected to {url}")),
                    async_nats::Event::Disconnected => {
                        report(&format!("nats: disconnected from {url}; reconnecting (nothing is published meanwhile)"))
                    }
                    other => tracing::debug!(event = %other, "nats"),
                }
            }
        })
        .connect(url.as_str())
        .await
        .map_err(|e| anyhow::anyhow!("connecting to {url}: {e}"))?;
    Ok(client)
}

/// The first channel some other gateway already answers for, if NATS is reachable now.
pub(super) async fn other_gateway(nats: &async_nats::Client, channels: &[MarketChannel]) -> Option<String> {
    if tokio::time::timeout(Duration::from_secs(2), nats.flush()).await.is_err() {
        return None;
    }
    let asks = channels.iter().map(|c| async move {
        let answered =
            tokio::time::timeout(Duration::from_secs(1), nats.request(c.snapshot_subject(), Default::default()));
        matches!(answered.await, Ok(Ok(_))).then(|| c.name.clone())
    });
    futures::future::join_all(asks).await.into_iter().flatten().next()
}
