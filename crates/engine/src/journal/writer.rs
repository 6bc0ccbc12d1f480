//! The writer thread: drains the append queue and commits in batches, one transaction per batch,
//! so the hot path never waits on an fsync. A failed batch is kept in memory and retried (fills
//! are `INSERT OR IGNORE`, so a retry cannot duplicate them). It must never panic.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::error::JournalError;
use super::records::{FillRecord, OrderRecord};
use super::store::{insert_fill, insert_order};

/// Most entries committed in one transaction.
pub(crate) const BATCH: usize = 1_000;

/// How long to wait before retrying a batch that failed to commit.
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// Extra commit attempts when stopping with a held batch.
const STOP_RETRIES: u32 = 3;

/// What the handle sends the writer.
pub(crate) enum Command {
    /// Append a fill.
    Fill(FillRecord),
    /// Append an order transition.
    Order(OrderRecord),
    /// Commit everything before this, then answer.
    Flush(Sender<Result<(), JournalError>>),
    /// Commit everything before this, answer, and stop.
    Stop(Sender<Result<(), JournalError>>),
}

/// An entry waiting to be committed.
enum Entry {
    Fill(FillRecord),
    Order(OrderRecord),
}

/// The writer's state: its connection and what is not yet committed.
pub(crate) struct Writer {
    conn: Connection,
    path: PathBuf,
    pending: Vec<Entry>,
    last_error: Option<String>,
    /// While commits fail, the next attempt waits until here (unless a flush asks for one now).
    retry_at: Option<Instant>,
    /// Shared with the handles: queued minus committed.
    queued: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    /// Shared with the handles: why the last commit failed, while commits fail.
    failure: Option<Failure>,
}

/// Why the journal's commits fail, while they do (`None` once one succeeds).
pub(crate) type Failure = std::sync::Arc<std::sync::Mutex<Option<String>>>;

impl Writer {
    /// A writer over an open connection.
    pub(crate) fn new(conn: Connection, path: PathBuf) -> Self {
        Writer { conn, path, pending: Vec::new(), last_error: None, retry_at: None, queued: None, failure: None }
    }

    /// Keeps `failure` set to the commit error while commits fail, for the engine to stop
    /// trading on (no trading without a journal).
    pub(crate) fn reporting(mut self, failure: Failure) -> Self {
        self.failure = Some(failure);
        self
    }

    fn report(&self, failing: Option<&str>) {
        if let Some(f) = &self.failure {
            let mut slot = f.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *slot = failing.map(str::to_owned);
        }
    }

    /// Keeps `queued` (incremented by the handles) down to what is not yet committed.
    pub(crate) fn counting(mut self, queued: std::sync::Arc<std::sync::atomic::AtomicU64>) -> Self {
        self.queued = Some(queued);
        self
    }

    /// Runs until `Stop` or until every handle is gone, committing what was queued either way.
    pub(crate) fn run(mut self, cmd_rx: Receiver<Command>) {
        loop {
            let first = if self.pending.is_empty() {
                cmd_rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                cmd_rx.recv_timeout(RETRY_AFTER)
            };
            let mut reply = None;
            let mut stop = false;
            match first {
                Ok(cmd) => self.take(cmd, &mut reply, &mut stop),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => stop = true,
            }
            while reply.is_none() && !stop && self.pending.len() < BATCH {
                match cmd_rx.try_recv() {
                    Ok(cmd) => self.take(cmd, &mut reply, &mut stop),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => stop = true,
                }
            }
            let mut committed = self.commit(reply.is_some() || stop);
            if stop {
                committed = self.last_tries(committed).map_err(|e| self.unsaved(e));
            }
            if let Some(reply_tx) = reply {
                // The caller may have given up waiting; nothing to do then.
                let _ = reply_tx.send(committed.and_then(|()| self.checkpoint()));
            }
            if stop {
                if !self.pending.is_empty() {
                    tracing::error!(path = %self.path.display(), lost = self.pending.len(),
                        "journal writer stopping with uncommitted entries; reconcile from the exchange on restart");
                }
                return;
            }
        }
    }

    /// Before stopping, a failed commit gets a few more tries: what is held now is lost after.
    fn last_tries(&mut self, mut committed: Result<(), JournalError>) -> Result<(), JournalError> {
        for _ in 0..STOP_RETRIES {
            if committed.is_ok() {
                break;
            }
            std::thread::sleep(RETRY_AFTER);
            committed = self.commit(true);
        }
        committed
    }

    /// At stop, a commit error becomes what it means then: the entries held are lost.
    fn unsaved(&self, e: JournalError) -> JournalError {
        match e {
            JournalError::Writer { path, detail } if !self.pending.is_empty() => {
                JournalError::Unsaved { path, lost: self.pending.len(), detail }
            }
            e => e,
        }
    }

    fn take(&mut self, cmd: Command, reply: &mut Option<Sender<Result<(), JournalError>>>, stop: &mut bool) {
        match cmd {
            Command::Fill(f) => self.pending.push(Entry::Fill(f)),
            Command::Order(o) => self.pending.push(Entry::Order(o)),
            Command::Flush(tx) => *reply = Some(tx),
            Command::Stop(tx) => {
                *reply = Some(tx);
                *stop = true;
            }
        }
    }

    /// Commits everything pending in one transaction; on failure keeps it for a retry.
    fn commit(&mut self, now: bool) -> Result<(), JournalError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        if let (false, Some(at), Some(detail)) = (now, self.retry_at, &self.last_error) {
            if Instant::now() < at {
                return Err(JournalError::Writer { path: self.path.clone(), detail: detail.clone() });
            }
        }
        match write_batch(&mut self.conn, &self.pending) {
            Ok(()) => {
                if self.last_error.take().is_some() {
                    tracing::info!(path = %self.path.display(), "journal writer recovered; backlog committed");
                    self.report(None);
                }
                if let Some(q) = &self.queued {
                    q.fetch_sub(self.pending.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
                self.pending.clear();
                self.retry_at = None;
                Ok(())
            }
            Err(e) => {
                tracing::error!(path = %self.path.display(), error = %e, held = self.pending.len(),
                    "journal commit failed; entries held in memory and retried");
                let detail = e.to_string();
                self.report(Some(&detail));
                self.last_error = Some(detail.clone());
                self.retry_at = Some(Instant::now() + RETRY_AFTER);
                Err(JournalError::Writer { path: self.path.clone(), detail })
            }
        }
    }

    /// Makes a flush point durable against power loss too: in WAL mode with `synchronous=NORMAL`
    /// commits survive a process crash but only a checkpoint fsyncs the WAL.
    fn checkpoint(&self) -> Result<(), JournalError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(|e| JournalError::Writer { path: self.path.clone(), detail: e.to_string() })
    }
}

fn write_batch(conn: &mut Connection, entries: &[Entry]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for entry in entries {
        match entry {
            Entry::Fill(f) => {
                if !insert_fill(&tx, f)? {
                    tracing::debug!(trade_id = %f.trade_id, "fill already journalled; ignored");
                }
            }
            Entry::Order(o) => insert_order(&tx, o)?,
        }
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;
    use std::sync::mpsc;

    use rust_decimal::Decimal;

    use super::*;
    use crate::journal::schema;

    fn fill(i: u32) -> FillRecord {
        FillRecord {
            trade_id: format!("T{i}"),
            order_id: "O".into(),
            client_oid: None,
            instrument_name: "BTC_USD".into(),
            side: "BUY".into(),
            price: Decimal::from_str("1.5").unwrap(),
            quantity: Decimal::ONE,
            fee: Decimal::ZERO,
            fee_currency: None,
            time_ns: u128::from(i),
        }
    }

    fn flush(cmd_tx: &mpsc::SyncSender<Command>) -> Result<(), JournalError> {
        let (reply_tx, reply_rx) = mpsc::channel();
        cmd_tx.send(Command::Flush(reply_tx)).unwrap();
        reply_rx.recv().unwrap()
    }

    /// A commit that fails (here: another connection holds the write lock) keeps the batch and
    /// reports it on flush; once the lock is gone the same entries commit, none lost or doubled.
    #[test]
    fn a_failed_commit_is_reported_on_flush_and_retried_without_loss() {
        let dir = std::env::temp_dir().join(format!("cdc-journal-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("j.db");
        let conn = schema::open_writer(&path).unwrap();
        conn.busy_timeout(Duration::ZERO).unwrap();
        let blocker = Connection::open(&path).unwrap();
        blocker.execute_batch("BEGIN IMMEDIATE").unwrap();

        let (cmd_tx, cmd_rx) = mpsc::sync_channel(16);
        let thread = std::thread::spawn(move || Writer::new(conn, path).run(cmd_rx));
        cmd_tx.send(Command::Fill(fill(1))).unwrap();
        cmd_tx.send(Command::Fill(fill(2))).unwrap();
        let err = flush(&cmd_tx).unwrap_err();
        assert!(matches!(err, JournalError::Writer { .. }), "{err:?}");
        cmd_tx.send(Command::Fill(fill(1))).unwrap(); // a replay while the batch is held

        blocker.execute_batch("COMMIT").unwrap();
        flush(&cmd_tx).unwrap();
        drop(cmd_tx);
        thread.join().unwrap();
        let ids: Vec<String> = blocker
            .prepare("SELECT trade_id FROM fills ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids, ["T1", "T2"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
