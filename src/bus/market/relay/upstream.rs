//! Whether the relay's source is there: NATS connected, and every gateway heard from recently
//! with its feed up ([`STATUS_SUBJECT`]). Each time the source goes from up to down, the count
//! in [`Upstream`] rises and the connections close, so that the engines see a disconnect (as
//! when the exchange drops them) instead of a book that silently stops moving.
//!
//! It only watches: it must NOT touch connections itself.

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use serde::Deserialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::super::gateway::STATUS_EVERY;
use super::super::subjects::STATUS_SUBJECT;

/// A gateway silent this long (it speaks every two seconds) is presumed gone.
const SILENCE: Duration = Duration::from_secs(10);
/// A gone gateway is forgotten after this long; a new one has a new name.
const FORGET: Duration = Duration::from_secs(60);

/// What connections watch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Upstream {
    /// How many times the source went from up to down.
    pub downs: u64,
    /// Why, the last time.
    pub reason: String,
}

#[derive(Deserialize)]
struct Status {
    gateway: String,
    feed: String,
    #[serde(default)]
    detail: String,
}

struct Heard {
    feed: String,
    detail: String,
    at: Instant,
}

/// Starts watching; the receiver starts at zero downs.
pub(crate) fn spawn(nats: async_nats::Client, url: String) -> (watch::Receiver<Upstream>, JoinHandle<()>) {
    let (tx, rx) = watch::channel(Upstream::default());
    let task = tokio::spawn(async move {
        let mut status = match nats.subscribe(STATUS_SUBJECT).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "the market relay cannot follow the gateway's status");
                return;
            }
        };
        let mut heard: HashMap<String, Heard> = HashMap::new();
        let mut was_up = false;
        let mut tick = tokio::time::interval(STATUS_EVERY / 2);
        loop {
            tokio::select! {
                msg = status.next() => match msg {
                    Some(m) => match serde_json::from_slice::<Status>(&m.payload) {
                        Ok(s) => { heard.insert(s.gateway, Heard { feed: s.feed, detail: s.detail, at: Instant::now() }); }
                        Err(e) => tracing::warn!(error = %e, "skipping a malformed gateway status"),
                    },
                    None => return,
                },
                _ = tick.tick() => {}
            }
            let connected = nats.connection_state() == async_nats::connection::State::Connected;
            let verdict = judge(connected, &heard, &url);
            match (&verdict, was_up) {
                (Some(Err(reason)), true) => {
                    tracing::warn!(%reason, "market data source down: disconnecting the engines' market sessions");
                    tx.send_modify(|u| {
                        u.downs += 1;
                        u.reason = reason.clone();
                    });
                }
                (Some(Ok(())), false) => tracing::info!("market data source up"),
                _ => {}
            }
            was_up = matches!(verdict, Some(Ok(())));
            heard.retain(|_, h| h.feed != "stopped" && h.at.elapsed() < FORGET);
        }
    });
    (rx, task)
}

/// `Some(Ok)` when everything is up, `Some(Err(why))` when something is down, `None` before
/// any gateway was heard from.
fn judge(connected: bool, heard: &HashMap<String, Heard>, url: &str) -> Option<Result<(), String>> {
    if !connected {
        return Some(Err(format!("NATS at {url} is unreachable")));
    }
    if heard.is_empty() {
        return None;
    }
    if let Some(h) = heard.values().find(|h| h.feed != "up") {
        return Some(Err(format!("the gateway's feed is {}: {}", h.feed, h.detail)));
    }
    if heard.values().any(|h| h.at.elapsed() > SILENCE) {
        return Some(Err(format!("the gateway has been silent for {} s", SILENCE.as_secs())));
    }
    Some(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard(feed: &str, ago: Duration) -> Heard {
        Heard { feed: feed.into(), detail: "why".into(), at: Instant::now() - ago }
    }

    #[tokio::test(start_paused = true)]
    async fn the_source_is_down_without_nats_a_live_gateway_or_its_feed() {
        tokio::time::advance(Duration::from_secs(120)).await;
        let mut h = HashMap::new();
        assert_eq!(judge(true, &h, "u"), None, "no gateway heard yet: waiting, not down");
        h.insert("a".to_owned(), heard("up", Duration::ZERO));
        assert_eq!(judge(true, &h, "u"), Some(Ok(())));
        assert!(matches!(judge(false, &h, "u"), Some(Err(r)) if r.contains("NATS")));
        h.insert("b".to_owned(), heard("down", Duration::ZERO));
        assert!(matches!(judge(true, &h, "u"), Some(Err(r)) if r.contains("down: why")));
        h.remove("b");
        h.insert("a".to_owned(), heard("up", Duration::from_secs(11)));
        assert!(matches!(judge(true, &h, "u"), Some(Err(r)) if r.contains("silent")));
    }
}
