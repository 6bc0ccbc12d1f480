//! The JetStream side of publishing: the stream the events go to (made when missing) and
//! sending a window of messages with their acks awaited together, not one round trip each.
//!
//! It must NOT decide what is published or retry by itself: it reports how many messages, from
//! the first, are safely stored, and the caller moves its position over exactly those.

use std::time::Duration;

use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{Config, StorageType};
use async_nats::jetstream::Context;

use super::message::Outgoing;

/// The stream's name.
pub const STREAM: &str = "CDC";

/// The kinds of event published; the stream takes exactly `cdc.*.<kind>.*` for these, so other
/// traffic under `cdc.` (the gateway's market data) never lands in it.
pub const KINDS: [&str; 5] = ["fill", "order", "balance", "position", "connection"];

/// How long JetStream remembers a message id: a repeat published within this time after the
/// first is dropped. It covers a publisher's restart after a crash (its last, unrecorded acks)
/// and any outage of NATS shorter than it.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Most messages in flight at once.
pub const WINDOW: usize = 256;

/// How long one request or ack may take before the window counts as failed.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// The stream's settings when the publisher makes it: file storage, no age or size limit (the
/// operator sets limits with `nats stream edit`; an existing stream is used as it is).
pub fn config() -> Config {
    Config {
        name: STREAM.to_owned(),
        description: Some("cdc-engine events: fills, orders, balances, positions, connection".to_owned()),
        subjects: KINDS.iter().map(|k| format!("cdc.*.{k}.*")).collect(),
        storage: StorageType::File,
        duplicate_window: DUPLICATE_WINDOW,
        ..Config::default()
    }
}

/// A JetStream context whose requests and acks give up after [`TIMEOUT`].
pub fn context(client: async_nats::Client) -> Context {
    async_nats::jetstream::ContextBuilder::new().timeout(TIMEOUT).build(client)
}

/// Gets the stream, making it when missing; answers its creation time (ns since the epoch),
/// which tells a stream made again apart from the one a cursor counted for.
pub async fn ensure(js: &Context) -> Result<i128, String> {
    let mut stream = js.get_or_create_stream(config()).await.map_err(|e| format!("stream {STREAM}: {e}"))?;
    let info = stream.info().await.map_err(|e| format!("stream {STREAM}: {e}"))?;
    Ok(info.created.unix_timestamp_nanos())
}

/// Publishes `msgs` in order, each with its id, then awaits the acks in order: answers how
/// many from the first are stored (new, or repeats JetStream dropped), and the first error.
pub async fn send_window<'a>(js: &Context, msgs: impl Iterator<Item = &'a Outgoing>) -> (usize, Option<String>) {
    let mut pending = Vec::new();
    let mut error = None;
    for m in msgs {
        let publish = PublishMessage::build().payload(m.payload.clone()).message_id(&m.msg_id);
        match js.send_publish(m.subject.clone(), publish).await {
            Ok(ack) => pending.push(ack),
            Err(e) => {
                error = Some(format!("publishing {}: {e}", m.subject));
                break;
            }
        }
    }
    let mut acked = 0;
    for ack in pending {
        match ack.await {
            Ok(_) => acked += 1,
            Err(e) => {
                // Later ones may be stored too; they are sent again and dropped as repeats.
                error = Some(format!("waiting for the ack: {e}"));
                break;
            }
        }
    }
    (acked, error)
}

/// The retry pause after a failure: doubling from 100 ms to at most 2 s.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The pause before the next attempt, counting this failure.
    pub fn failed(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        Duration::from_millis((100u64 << (self.failures - 1).min(5)).min(2_000))
    }

    /// Whether the last attempt failed.
    pub fn failing(&self) -> bool {
        self.failures > 0
    }

    /// After a success.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_takes_only_the_published_kinds_and_remembers_ids_for_a_day() {
        let c = config();
        assert_eq!(
            c.subjects,
            ["cdc.*.fill.*", "cdc.*.order.*", "cdc.*.balance.*", "cdc.*.position.*", "cdc.*.connection.*"]
        );
        assert_eq!(c.duplicate_window, Duration::from_secs(86_400));
        assert_eq!(c.storage, StorageType::File);
    }

    #[test]
    fn the_backoff_doubles_from_100_ms_to_2_s_and_resets() {
        let mut b = Backoff::default();
        let steps: Vec<u64> = (0..7).map(|_| b.failed().as_millis() as u64).collect();
        assert_eq!(steps, [100, 200, 400, 800, 1600, 2000, 2000]);
        assert!(b.failing());
        b.reset();
        assert_eq!(b.failed(), Duration::from_millis(100));
    }
}
