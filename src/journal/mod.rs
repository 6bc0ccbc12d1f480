//! The journal: an append-only SQLite file (WAL) of every fill and every order transition, so a
//! restart can resume and reconcile from the last journalled trade.
//!
//! Appends go through a bounded queue to one writer thread that commits in batches; the caller
//! never waits on the disk unless the queue is full (the disk is far behind), which is the
//! back-pressure we want rather than an unbounded backlog. Fills are unique by `trade_id`.
//! This module must not block the hot path on an fsync per event, interpret events (that is the
//! engine's job) or talk to the exchange.

mod error;
mod records;
mod recover;
mod schema;
mod store;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub use error::JournalError;
pub use records::{FillRecord, OrderRecord, Recovered, RECENT_TRADE_IDS};
pub use recover::{read_fills, read_order_history};

use writer::{Command, Writer};

/// Entries the queue holds before `append_*` waits for the writer (about 64 batches).
pub const QUEUE_CAPACITY: usize = 64 * writer::BATCH;

/// A handle on the journal. `Send + Sync` and cheap to clone; all clones feed one writer thread.
/// Call [`Journal::close`] on shutdown: dropping the last handle lets the writer finish in the
/// background, but a process that exits right after may cut it short.
#[derive(Clone)]
pub struct Journal {
    cmd_tx: SyncSender<Command>,
    writer: Arc<Mutex<Option<JoinHandle<()>>>>,
    path: PathBuf,
}

impl Journal {
    /// Opens (creating directory, file and schema) the journal in WAL mode, reads what a restart
    /// needs, and starts the writer thread.
    pub fn open(path: &Path) -> Result<(Journal, Recovered), JournalError> {
        let conn = schema::open_writer(path)?;
        let recovered = recover::recover(&conn, path)?;
        let (cmd_tx, cmd_rx) = mpsc::sync_channel(QUEUE_CAPACITY);
        let writer = Writer::new(conn, path.to_path_buf());
        let handle =
            std::thread::Builder::new().name("journal-writer".into()).spawn(move || writer.run(cmd_rx)).map_err(
                |e| JournalError::Writer { path: path.to_path_buf(), detail: format!("cannot start thread: {e}") },
            )?;
        let journal = Journal { cmd_tx, writer: Arc::new(Mutex::new(Some(handle))), path: path.to_path_buf() };
        Ok((journal, recovered))
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues a fill. Never waits on the disk; waits only while the queue is full. A fill whose
    /// `trade_id` is already journalled is ignored. After `close` it is logged and dropped.
    pub fn append_fill(&self, f: FillRecord) {
        if let Err(mpsc::SendError(Command::Fill(f))) = self.cmd_tx.send(Command::Fill(f)) {
            tracing::error!(path = %self.path.display(), trade_id = %f.trade_id, "journal closed; fill not journalled");
        }
    }

    /// Queues an order transition (the order's state after a change). Same queueing as fills.
    pub fn append_order(&self, o: OrderRecord) {
        if let Err(mpsc::SendError(Command::Order(o))) = self.cmd_tx.send(Command::Order(o)) {
            tracing::error!(path = %self.path.display(), order_id = %o.order_id, "journal closed; order transition not journalled");
        }
    }

    /// Waits until everything appended so far (from any clone) is committed and checkpointed.
    /// An error means entries are still uncommitted (held in memory and retried by the writer).
    pub fn flush(&self) -> Result<(), JournalError> {
        self.request(Command::Flush)
    }

    /// Flushes and stops the writer thread. Other clones' later appends are logged and dropped.
    pub fn close(self) -> Result<(), JournalError> {
        let flushed = self.request(Command::Stop);
        let handle = match self.writer.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(handle) = handle {
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
