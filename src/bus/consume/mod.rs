//! Reading the published events back (`tail --from nats://…`): a pull consumer on the events
//! stream, durable when named (it resumes where it stopped, run after run), each message acked
//! once it has been handed on. Many accounts in one view: all of them, or those asked for.
//!
//! It says its connection state through the caller's `say` and gives up, with what to check,
//! when the server or the stream is not there after a bounded wait. It must NOT publish, need
//! credentials or talk to the exchange.

pub mod line;
pub mod mark;

use std::future::Future;
use std::time::Duration;

use anyhow::bail;
use async_nats::connection::State;
use async_nats::jetstream::consumer::pull::Config;
use async_nats::jetstream::consumer::{AckPolicy, Consumer, DeliverPolicy};
use async_nats::jetstream::{self, stream::Stream, ErrorCode};
use futures::{FutureExt, StreamExt};
use serde_json::Value;

use super::publish::message::token;
use super::publish::stream::{Backoff, STREAM};

/// Most messages fetched at once.
const BATCH: usize = 256;
/// How long one pull request stays open for messages.
const FETCH_WAIT: Duration = Duration::from_secs(1);

/// What to read.
#[derive(Debug, Clone)]
pub struct ConsumeConfig {
    /// `nats://HOST:PORT`.
    pub url: String,
    /// The durable consumer's name; without one, an ephemeral consumer shows new events only.
    pub durable: Option<String>,
    /// Only these accounts (empty: all).
    pub accounts: Vec<String>,
    /// How long to wait for the server and the stream before giving up.
    pub wait: Duration,
    /// Stop once everything published so far has been read.
    pub drain: bool,
    /// Where a durable reader keeps its own mark of what it has shown ([`mark`]); `None`
    /// trusts the server's consumer state alone.
    pub mark_dir: Option<std::path::PathBuf>,
}

/// One event read: the published JSON, and its text as published.
#[derive(Debug)]
pub struct Delivery {
    /// The subject, `cdc.<account>.<kind>.<token>`.
    pub subject: String,
    /// The body, parsed (`Value::Null` if it was not JSON).
    pub body: Value,
    /// The body as published.
    pub raw: String,
}

/// Reads until `stop` resolves (checked between pull requests, so within about a second), `on`
/// answers false (its reader went away), or, with `drain`, nothing is left. `say` gets the
/// connection state as it changes.
pub async fn read(
    cfg: &ConsumeConfig,
    stop: impl Future<Output = ()>,
    say: impl Fn(&str),
    mut on: impl FnMut(&Delivery) -> bool,
) -> anyhow::Result<()> {
    let mut r = open(cfg, &say).await?;
    tokio::pin!(stop);
    let mut backoff = Backoff::default();
    let mut state = State::Connected;
    loop {
        if (&mut stop).now_or_never().is_some() {
            break;
        }
        let now = r.client.connection_state();
        if now != state {
            say(if now == State::Connected {
                "nats: connected again"
            } else {
                "nats: disconnected; waiting for the server"
            });
            state = now;
        }
        match r.batch(&mut on).await {
            Ok((n, go_on)) => {
                backoff.reset();
                // A full batch means more is waiting; otherwise ask whether anything is left.
                if !go_on || (cfg.drain && n < BATCH && r.caught_up().await) {
                    break;
                }
            }
            Err(e) => {
                if !backoff.failing() {
                    say(&format!("nats: reading paused ({e}); retrying"));
                }
                tokio::time::sleep(backoff.failed()).await;
                // The consumer may be gone (an ephemeral one after a server restart).
                if let Err(e) = r.reopen(cfg).await {
                    tracing::debug!(error = %e, "nats: consumer not reopened yet");
                }
            }
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), r.client.flush()).await;
    Ok(())
}

/// An open consumer and what reopening it needs.
struct Reader {
    client: async_nats::Client,
    stream: Stream,
    consumer: Consumer<Config>,
    accounts: Vec<String>,
    /// The last stream sequence handed on: where an ephemeral consumer made again starts.
    last_seq: u64,
    /// A durable reader's mark file and its stream's creation time.
    mark: Option<(std::path::PathBuf, i128)>,
    /// Sequences at or below this were shown by an earlier run: acked, not shown again.
    floor: u64,
}

/// Connects, waits for the stream and opens the consumer, saying what it waits for.
async fn open(cfg: &ConsumeConfig, say: &impl Fn(&str)) -> anyhow::Result<Reader> {
    say(&format!("nats: connecting to {}", cfg.url));
    let client = super::connect::connect(&cfg.url, "cdc-engine tail").await?;
    let deadline = tokio::time::Instant::now() + cfg.wait;
    while client.connection_state() != State::Connected {
        if tokio::time::Instant::now() >= deadline {
            bail!(
                "no NATS server answers at {} after {} s: check the address and that nats-server runs there (with -js)",
                cfg.url,
                cfg.wait.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    say(&format!("nats: connected; waiting for stream {STREAM}"));
    let js = super::publish::stream::context(client.clone());
    let stream = loop {
        let why = match js.get_stream(STREAM).await {
            Ok(s) => break s,
            Err(e) => match e.kind() {
                jetstream::context::GetStreamErrorKind::JetStream(j)
                    if j.error_code() == ErrorCode::STREAM_NOT_FOUND =>
                {
                    format!("the stream {STREAM} does not exist at {}: no engine has published there yet (start one with --publish {})", cfg.url, cfg.url)
                }
                _ => format!("{} does not answer JetStream requests ({e}): is nats-server running with -js?", cfg.url),
            },
        };
        if tokio::time::Instant::now() >= deadline {
            bail!("{why} (waited {} s)", cfg.wait.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let accounts: Vec<String> = cfg.accounts.iter().map(|a| token(a)).collect();
    let consumer = consumer(&stream, cfg, &accounts, None).await?;
    let pending = consumer.cached_info().num_pending;
    let how = cfg
        .durable
        .as_ref()
        .map_or("an ephemeral consumer (new events only)".to_owned(), |d| format!("durable consumer {d}"));
    say(&format!("nats: reading stream {STREAM} through {how}, {pending} waiting"));
    let created = stream.cached_info().created.unix_timestamp_nanos();
    let mark = match (&cfg.durable, &cfg.mark_dir) {
        (Some(d), Some(dir)) => Some((mark::file(dir, &cfg.url, d), created)),
        _ => None,
    };
    let floor = mark.as_ref().map_or(0, |(path, created)| mark::load(path, *created));
    Ok(Reader { client, stream, consumer, accounts, last_seq: floor, mark, floor })
}

/// Which accounts a consumer reads, as its description records it. The accounts are filtered
/// here, not by the server: a 2.9 server filters on one subject, and one account's events
/// (`cdc.a1.>`) are not within any one of the stream's subjects (`cdc.*.fill.*`, ...).
fn describe(accounts: &[String]) -> String {
    if accounts.is_empty() {
        "cdc-engine tail --from, accounts: all".to_owned()
    } else {
        format!("cdc-engine tail --from, accounts: {}", accounts.join(","))
    }
}

/// Gets or makes the consumer. A durable one made earlier for other accounts is refused: its
/// position counts for those, and it skipped (acked) the others' events.
async fn consumer(
    stream: &Stream,
    cfg: &ConsumeConfig,
    accounts: &[String],
    after: Option<u64>,
) -> anyhow::Result<Consumer<Config>> {
    let wanted = describe(accounts);
    let mut config = Config { ack_policy: AckPolicy::Explicit, description: Some(wanted.clone()), ..Config::default() };
    let Some(name) = &cfg.durable else {
        config.deliver_policy =
            after.map_or(DeliverPolicy::New, |s| DeliverPolicy::ByStartSequence { start_sequence: s + 1 });
        config.inactive_threshold = Duration::from_secs(60);
        return stream
            .create_consumer(config)
            .await
            .map_err(|e| anyhow::anyhow!("creating a consumer on {STREAM}: {e}"));
    };
    config.durable_name = Some(name.clone());
    config.deliver_policy = DeliverPolicy::All;
    let c = stream
        .get_or_create_consumer(name, config)
        .await
        .map_err(|e| anyhow::anyhow!("the durable consumer {name:?} on {STREAM}: {e}"))?;
    let has = c.cached_info().config.description.clone().unwrap_or_default();
    if has != wanted {
        bail!(
            "the durable consumer {name:?} was made as {has:?}, and this reads {wanted:?}; use another --durable name (or delete it: nats consumer rm {STREAM} {name})"
        );
    }
    Ok(c)
}

impl Reader {
    /// Hands on up to [`BATCH`] messages as they come, for at most [`FETCH_WAIT`], acking each
    /// once handed on: answers how many came, and false when `on` stopped (the rest are
    /// delivered again to the next reader).
    async fn batch(&mut self, on: &mut impl FnMut(&Delivery) -> bool) -> Result<(usize, bool), String> {
        let mut batch = self
            .consumer
            .batch()
            .max_messages(BATCH)
            .expires(FETCH_WAIT)
            .messages()
            .await
            .map_err(|e| e.to_string())?;
        let (mut n, mut go_on) = (0, true);
        while let Some(m) = batch.next().await {
            match m {
                Ok(m) => {
                    n += 1;
                    if !self.hand_on(m, on).await {
                        go_on = false;
                        break;
                    }
                }
                // What came before the error was handed on and acked.
                Err(e) if n == 0 => return Err(e.to_string()),
                Err(_) => break,
            }
        }
        // The acks reach the server before the next request (or the exit).
        let _ = tokio::time::timeout(Duration::from_secs(2), self.client.flush()).await;
        self.save_mark();
        Ok((n, go_on))
    }

    /// Hands one message to `on` (unless its account is not asked for) and acks it; false
    /// when `on` stopped, leaving it unacked.
    async fn hand_on(&mut self, m: jetstream::Message, on: &mut impl FnMut(&Delivery) -> bool) -> bool {
        let seq = m.info().map(|i| i.stream_sequence).unwrap_or(0);
        if seq > 0 && seq <= self.floor {
            // Shown by an earlier run; the server handed it out again (its state was older).
            tracing::debug!(seq, "nats: already shown; acked again, not shown");
            let _ = m.ack().await;
            return true;
        }
        let raw = String::from_utf8_lossy(&m.payload).into_owned();
        let body = serde_json::from_str(&raw).unwrap_or(Value::Null);
        let d = Delivery { subject: m.subject.to_string(), body, raw };
        if self.wanted(&d.subject) && !on(&d) {
            return false;
        }
        self.last_seq = self.last_seq.max(seq);
        if let Err(e) = m.ack().await {
            tracing::warn!(subject = %d.subject, error = %e, "nats: ack not sent; the message may be shown again");
        }
        true
    }

    /// Writes the mark when it moved.
    fn save_mark(&mut self) {
        let Some((path, created)) = &self.mark else { return };
        if self.last_seq <= self.floor {
            return;
        }
        match mark::save(path, mark::Mark { stream_created_ns: *created, seq: self.last_seq }) {
            Ok(()) => self.floor = self.last_seq,
            Err(e) => tracing::warn!(path = %path.display(), error = %e, "tail: cannot write the mark file"),
        }
    }

    /// Whether the subject's account is one asked for (always, without a list).
    fn wanted(&self, subject: &str) -> bool {
        self.accounts.is_empty() || subject.split('.').nth(1).is_some_and(|a| self.accounts.iter().any(|w| w == a))
    }

    /// Whether nothing published so far is left to read.
    async fn caught_up(&self) -> bool {
        match self.consumer.get_info().await {
            Ok(i) => i.num_pending == 0 && i.num_ack_pending == 0,
            Err(_) => false,
        }
    }

    /// Gets the consumer again (made again if it went), from after the last message read.
    async fn reopen(&mut self, cfg: &ConsumeConfig) -> anyhow::Result<()> {
        let after = (self.last_seq > 0).then_some(self.last_seq);
        self.consumer = consumer(&self.stream, cfg, &self.accounts, after).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn a_consumer_records_the_accounts_it_reads() {
        assert_eq!(describe(&[]), "cdc-engine tail --from, accounts: all");
        assert_eq!(describe(&["a1".to_owned(), "a2".to_owned()]), "cdc-engine tail --from, accounts: a1,a2");
    }
}
