//! The journal: an append-only SQLite file (WAL) of every fill and every order transition, so a
//! restart can resume and reconcile from the last journalled trade.
//!
//! Appends go through a bounded queue to one writer thread that commits in batches; the caller
//! never waits on the disk unless the queue is full (the disk is far behind), which is the
//! back-pressure we want rather than an unbounded backlog. Fills are unique by `trade_id`.
//! One journal has one writer at a time: an OS file lock beside it (`PATH.lock`) refuses a
//! second open while the first runs, and vanishes with its process however it ends. Reading
//! ([`read_fills`], [`summarize`]) never takes that lock and never writes.
//! This module must not block the hot path on an fsync per event, interpret events (that is the
//! engine's job) or talk to the exchange.

mod error;
mod lock;
mod records;
mod recover;
mod schema;
mod store;
mod summary;
pub mod tail;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub use error::JournalError;
pub use lock::lock_path;
pub use records::{FillRecord, OrderRecord, Recovered, RECENT_TRADE_IDS};
pub use recover::{read_fills, read_order_history, read_orders};
pub use summary::{summarize, Filter, InstrumentSummary, Summary};
pub use tail::{fills_after, orders_after};

use writer::{Command, Writer};

/// Entries the queue holds before `append_*` waits for the writer (about 64 batches).
pub const QUEUE_CAPACITY: usize = 64 * writer::BATCH;

/// A handle on the journal. `Send + Sync` and cheap to clone; all clones feed one writer thread.
/// The journal is exclusive: its writer thread holds an OS lock on `PATH.lock` (see
/// [`lock_path`]) from [`Journal::open`] until it stops, so a second open, in this process or
/// another, is refused while it runs. Call [`Journal::close`] on shutdown; dropping the last
/// handle also flushes and stops the writer, waiting for it.
#[derive(Clone)]
pub struct Journal {
    // Declared before `writer`, so the last handle's sender is gone when the writer is joined.
    cmd_tx: SyncSender<Command>,
    writer: Arc<WriterThread>,
    path: PathBuf,
    /// Entries queued and not yet committed (the metrics' journal lag).
    pending: Arc<std::sync::atomic::AtomicU64>,
    /// Why commits fail, while they do.
    failure: writer::Failure,
}

/// The writer thread; the last handle to go joins it, so the lock is released by then.
struct WriterThread(Mutex<Option<JoinHandle<()>>>);

impl WriterThread {
    fn take(&self) -> Option<JoinHandle<()>> {
        match self.0.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }
}

impl Drop for WriterThread {
    fn drop(&mut self) {
        // Every sender is gone: the writer commits what it holds and ends.
        if let Some(handle) = self.take() {
            if handle.join().is_err() {
                tracing::error!("journal writer thread panicked");
            }
        }
    }
}

impl Journal {
    /// Takes the journal's exclusive lock (waiting briefly for a holder that is stopping),
    /// opens (creating directory, file and schema) the journal in WAL mode, reads what a
    /// restart needs, and starts the writer thread. A journal held by another run is refused
    /// with [`JournalError::Locked`], naming the holder.
    pub fn open(path: &Path) -> Result<(Journal, Recovered), JournalError> {
        Self::open_with_grace(path, lock::LOCK_GRACE)
    }

    /// [`Journal::open`] with an explicit wait for a stopping holder (zero: refuse at once).
    pub fn open_with_grace(path: &Path, grace: std::time::Duration) -> Result<(Journal, Recovered), JournalError> {
        let conn = schema::connect(path)?;
        let lock = lock::acquire(path, grace)?;
        let conn = schema::configure(conn, path)?;
        let recovered = recover::recover(&conn, path)?;
        let (cmd_tx, cmd_rx) = mpsc::sync_channel(QUEUE_CAPACITY);
        let pending = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let failure = writer::Failure::default();
        let writer = Writer::new(conn, path.to_path_buf()).counting(pending.clone()).reporting(failure.clone());
        let run = move || {
            writer.run(cmd_rx);
            // The lock goes only once the writer has committed its last entry.
            drop(lock);
        };
        let handle = std::thread::Builder::new().name("journal-writer".into()).spawn(run).map_err(|e| {
            JournalError::Writer { path: path.to_path_buf(), detail: format!("cannot start thread: {e}") }
        })?;
        let writer = Arc::new(WriterThread(Mutex::new(Some(handle))));
        Ok((Journal { cmd_tx, writer, path: path.to_path_buf(), pending, failure }, recovered))
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The count of entries queued and not yet committed, kept up to date by the writer.
    pub fn pending_counter(&self) -> Arc<std::sync::atomic::AtomicU64> {
        self.pending.clone()
    }

    /// Why the journal cannot be written, while its commits fail (a full disk, a file made
    /// read-only, an I/O error); `None` while it commits. What was queued meanwhile is held in
    /// memory and retried, so this clears by itself once the cause is gone.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Queues a fill. Never waits on the disk; waits only while the queue is full. A fill whose
    /// `trade_id` is already journalled is ignored. After `close` it is logged and dropped.
    pub fn append_fill(&self, f: FillRecord) {
        self.pending.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Err(mpsc::SendError(Command::Fill(f))) = self.cmd_tx.send(Command::Fill(f)) {
            tracing::error!(path = %self.path.display(), trade_id = %f.trade_id, "journal closed; fill not journalled");
        }
    }

    /// Queues an order transition (the order's state after a change). Same queueing as fills.
    pub fn append_order(&self, o: OrderRecord) {
        self.pending.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Err(mpsc::SendError(Command::Order(o))) = self.cmd_tx.send(Command::Order(o)) {
            tracing::error!(path = %self.path.display(), order_id = %o.order_id, "journal closed; order transition not journalled");
        }
    }

    /// Waits until everything appended so far (from any clone) is committed and checkpointed.
    /// An error means entries are still uncommitted (held in memory and retried by the writer).
    pub fn flush(&self) -> Result<(), JournalError> {
        self.request(Command::Flush)
    }

    /// Flushes and stops the writer thread, which releases the lock. Other clones' later appends
    /// are logged and dropped.
    pub fn close(self) -> Result<(), JournalError> {
        let flushed = self.request(Command::Stop);
        if let Some(handle) = self.writer.take() {
            if handle.join().is_err() {
                return Err(JournalError::Writer { path: self.path.clone(), detail: "writer thread panicked".into() });
            }
        }
        flushed
    }

    fn request(&self, make: fn(mpsc::Sender<Result<(), JournalError>>) -> Command) -> Result<(), JournalError> {
        let closed = || JournalError::Closed { path: self.path.clone() };
        let (reply_tx, reply_rx) = mpsc::channel();
        self.cmd_tx.send(make(reply_tx)).map_err(|_| closed())?;
        reply_rx.recv().map_err(|_| closed())?
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish_non_exhaustive()
    }
}
