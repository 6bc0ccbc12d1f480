//! Publishing fills and order transitions from the journal: the rows after the cursor, in
//! journal order, a window at a time; the cursor moves over exactly the rows JetStream acked and
//! is saved after each window. Woken by the engine's fill and order events, and every 200 ms
//! besides (the journal commits in batches, so a row can land just after its event).
//!
//! NATS down, or this process killed: the rows stay in the journal and the cursor where it was,
//! and publishing goes on from it later; rows sent again are dropped by JetStream as repeats.
//! It must NOT write to the journal or make the engine wait.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::Context;
use cdc_engine::journal::{fills_after, orders_after};
use tokio::sync::{watch, Notify};

use super::cursor::{self, Cursor};
use super::message::{from_fill_record, from_order_record, Outgoing};
use super::stream::{self, Backoff, STREAM, WINDOW};

/// How often the journal is looked at when no event woke the feed.
const POLL: Duration = Duration::from_millis(200);

/// The feed's settings and signals.
pub(super) struct JournalFeed {
    pub js: Context,
    pub account: String,
    pub journal: PathBuf,
    /// Notified on every fill and order event.
    pub wake: Arc<Notify>,
    /// True once the publisher is finishing: stop when caught up.
    pub stop_rx: watch::Receiver<bool>,
}

/// A journal row to publish and where it came from.
struct Row {
    fill: bool,
    seq: i64,
    msg: Outgoing,
}

impl JournalFeed {
    /// Runs until finishing and caught up (or until the publisher is gone).
    pub async fn run(mut self, saved: Option<Cursor>) {
        let cursor_file = cursor::cursor_path(&self.journal);
        let mut saved = saved;
        // The cursor once checked against the stream as it is now; `None` after a failure,
        // so a stream made again meanwhile is noticed.
        let mut current: Option<Cursor> = None;
        let mut backoff = Backoff::default();
        loop {
            let Some(c) = current.as_mut() else {
                match stream::ensure(&self.js).await {
                    Ok(created) => {
                        let (c, why) = Cursor::resume(saved.take(), &self.account, STREAM, created);
                        if let Some(why) = why {
                            tracing::warn!(journal = %self.journal.display(), "publishing the whole journal again: {why}");
                        }
                        current = Some(c);
                    }
                    Err(e) => self.pause(&mut backoff, &e).await,
                }
                continue;
            };
            let rows = match self.read(c).await {
                Ok(rows) => rows,
                Err(e) => {
                    self.pause(&mut backoff, &e).await;
                    continue;
                }
            };
            if rows.is_empty() {
                if backoff.failing() {
                    tracing::warn!("nats: publishing from the journal resumed; caught up");
                    backoff.reset();
                }
                if *self.stop_rx.borrow() || !self.idle().await {
                    return;
                }
                continue;
            }
            let (acked, error) = stream::send_window(&self.js, rows.iter().map(|r| &r.msg)).await;
            for r in &rows[..acked] {
                if r.fill {
                    c.fills_seq = r.seq;
                } else {
                    c.orders_seq = r.seq;
                }
            }
            if acked > 0 {
                save(&cursor_file, c).await;
            }
            if let Some(e) = error {
                saved = current.take();
                self.pause(&mut backoff, &e).await;
            }
        }
    }

    /// The rows after the cursor: fills first, then order transitions, each in journal order.
    async fn read(&self, c: &Cursor) -> Result<Vec<Row>, String> {
        let (path, account, (fills_seq, orders_seq)) =
            (self.journal.clone(), self.account.clone(), (c.fills_seq, c.orders_seq));
        let read = move || -> Result<Vec<Row>, cdc_engine::journal::JournalError> {
            let fills = fills_after(&path, fills_seq, WINDOW)?;
            let orders = orders_after(&path, orders_seq, WINDOW)?;
            let fills = fills.into_iter().map(|(seq, f)| Row { fill: true, seq, msg: from_fill_record(&account, &f) });
            let orders =
                orders.into_iter().map(|(seq, o)| Row { fill: false, seq, msg: from_order_record(&account, &o) });
            Ok(fills.chain(orders).collect())
        };
        match tokio::task::spawn_blocking(read).await {
            Ok(r) => r.map_err(|e| format!("reading the journal: {e}")),
            Err(e) => Err(format!("reading the journal: {e}")),
        }
    }

    /// Waits for an event, the poll interval or the publisher finishing; false when the
    /// publisher is gone.
    async fn idle(&mut self) -> bool {
        tokio::select! {
            _ = self.wake.notified() => true,
            _ = tokio::time::sleep(POLL) => true,
            changed = self.stop_rx.changed() => changed.is_ok(),
        }
    }

    /// Logs the first failure of an outage (the rest at debug) and waits before retrying.
    async fn pause(&self, backoff: &mut Backoff, error: &str) {
        if !backoff.failing() {
            tracing::warn!(
                "nats: publishing from the journal paused ({error}); the journal keeps every fill and order, \
                 publishing goes on from where it stopped"
            );
        } else {
            tracing::debug!(error, "nats: still not publishing");
        }
        tokio::time::sleep(backoff.failed()).await;
    }
}

/// Saves the cursor off the runtime's threads (it syncs a file). A failure is logged: the rows
/// are then published again after a restart, and dropped as repeats within the window.
async fn save(path: &std::path::Path, c: &Cursor) {
    let (path, c) = (path.to_path_buf(), c.clone());
    let shown = path.display().to_string();
    match tokio::task::spawn_blocking(move || cursor::save(&path, &c)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(path = shown, error = %e, "cannot save the publish cursor"),
        Err(e) => tracing::warn!(path = shown, error = %e, "cannot save the publish cursor"),
    }
}
