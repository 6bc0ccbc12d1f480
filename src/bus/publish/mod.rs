//! Publishing an engine's events to NATS JetStream (`--publish nats://HOST:PORT`): every fill,
//! order transition, balance, position and connection change of the account, as the JSON
//! `tail --json` prints plus `"v"` and `"account"`, on `cdc.<account>.<kind>.<instrument>`, each
//! with a de-duplication id so that nothing reaches the stream twice (see `docs/nats.md`).
//!
//! Fills and order transitions go out from the journal when there is one (`from_journal`),
//! behind a cursor saved beside it: NATS down or the engine killed, nothing is lost, and the
//! stream catches up later. The rest comes from the engine's events (`from_events`).
//! This module must NOT make the engine wait (it reads events from an unbounded subscription),
//! trade, or put a credential into anything it publishes or logs.

pub mod cursor;
mod from_events;
mod from_journal;
pub mod message;
pub mod stream;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use cdc_engine::engine::EngineHandle;
use sha2::{Digest, Sha256};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// Where and as whom to publish.
#[derive(Debug, Clone)]
pub struct PublishConfig {
    /// `nats://HOST:PORT`.
    pub url: String,
    /// The account's name in subjects (`cdc.<account>.<kind>.<instrument>`).
    pub account: String,
    /// The engine's journal: fills and order transitions are published from it, so none is
    /// missing from the stream after NATS or the engine was down.
    pub journal: Option<PathBuf>,
}

/// A running publisher: its feeds run as tasks until [`Publisher::finish`] (or drop, which
/// stops them at once).
pub struct Publisher {
    stop_tx: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    client: async_nats::Client,
}

impl Publisher {
    /// Starts publishing `engine`'s events. It returns at once even when NATS is down (the
    /// feeds wait and retry); it fails only on a wrong address or a damaged cursor file.
    pub async fn start(cfg: PublishConfig, engine: &EngineHandle) -> anyhow::Result<Publisher> {
        let account = message::token(&cfg.account);
        let saved = match &cfg.journal {
            Some(j) => cursor::load(&cursor::cursor_path(j))?,
            None => None,
        };
        // Subscribe before anything else, so no event between here and the tasks is missed.
        let events_rx = engine.subscribe_all();
        let client = super::connect::connect(&cfg.url, &format!("cdc-engine publish {account}"))
            .await
            .context("connecting to NATS")?;
        let js = stream::context(client.clone());
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let wake = cfg.journal.as_ref().map(|_| Arc::new(Notify::new()));
        if let (Some(journal), Some(wake)) = (cfg.journal.clone(), wake.clone()) {
            let feed = from_journal::JournalFeed {
                js: js.clone(),
                account: account.clone(),
                journal,
                wake,
                stop_rx: stop_rx.clone(),
            };
            tasks.push(tokio::spawn(feed.run(saved)));
        }
        let run = run_id(engine.client_oid_prefix());
        let feed = from_events::EventFeed::new(js, account.clone(), run, wake, stop_rx, events_rx);
        tasks.push(tokio::spawn(feed.run()));
        let source = if cfg.journal.is_some() { "fills and orders from the journal" } else { "from the events" };
        eprintln!("publish: {} as account {account} on cdc.{account}.<kind>.<instrument> ({source})", cfg.url);
        Ok(Publisher { stop_tx, tasks, client })
    }

    /// Publishes what is still queued or unpublished in the journal (waiting at most `wait`),
    /// then stops. Whatever did not make it is published from the journal by the next run.
    pub async fn finish(mut self, wait: Duration) {
        let _ = self.stop_tx.send(true);
        let tasks = std::mem::take(&mut self.tasks);
        let aborts: Vec<_> = tasks.iter().map(JoinHandle::abort_handle).collect();
        if tokio::time::timeout(wait, futures::future::join_all(tasks)).await.is_err() {
            eprintln!(
                "publish: NATS did not take everything within {} s; the journal's fills and orders are published by the next run",
                wait.as_secs()
            );
            aborts.iter().for_each(|a| a.abort());
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), self.client.flush()).await;
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        // Not finished: no task outlives the publisher.
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

/// This run's part of the ids of events that have no identity of their own: the engine's
/// client-id prefix and the start time, so two runs never share one.
fn run_id(prefix: &str) -> String {
    format!("{}-{}", message::token(prefix), cdc_engine::clock::system_now_ms())
}

/// The account name used when none is configured: `acct-` and the first 8 hex digits of the
/// SHA-256 of the API key. Stable for a key, short, and neither the key nor the secret.
pub fn default_account(api_key: &str) -> String {
    let digest = Sha256::digest(api_key.as_bytes());
    format!("acct-{}", &hex::encode(digest)[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_account_is_a_short_stable_hash_of_the_key() {
        let a = default_account("my-api-key");
        assert_eq!(a, default_account("my-api-key"));
        assert_ne!(a, default_account("another-key"));
        assert!(a.starts_with("acct-") && a.len() == 13 && !a.contains("my-api-key"), "{a}");
        assert_eq!(message::token(&a), a, "usable in a subject as it is");
    }
}
