//! The journal's error type. Every variant names the file and says what to do about it.
//! It must not hide the SQLite error: the source is kept for logs and `doctor`.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// What went wrong with the journal, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The journal's directory is missing and could not be created.
    #[error("cannot create the journal directory {path}: {source}; create it by hand or pick a writable journal path")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// SQLite could not open or write the file (permissions, read-only disk, disk full).
    #[error("cannot use the journal {path}: {source}; check that the file and its directory are writable by this user and the disk has space")]
    Open {
        /// The journal file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The file is not a SQLite database or is damaged.
    #[error("the journal {path} is not a valid SQLite database or is damaged ({source}); move it aside (keep it for inspection), start with a new journal and let the engine reconcile from the exchange")]
    Corrupt {
        /// The journal file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A row holds a value this version cannot read (e.g. a decimal that does not parse).
    #[error("the journal {path} holds an unreadable value ({detail}); the file was written by another tool or is damaged: move it aside and reconcile from the exchange")]
    BadRow {
        /// The journal file.
        path: PathBuf,
        /// Which value and why.
        detail: String,
    },
    /// The file was written by a newer journal schema.
    #[error("the journal {path} has schema version {found}, this build knows up to {known}; upgrade cdc-engine or use a new journal file")]
    Schema {
        /// The journal file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
        /// The newest version this build writes.
        known: i64,
    },
    /// The writer thread could not commit; the entries are kept in memory and retried.
    #[error("the journal writer could not commit to {path}: {detail}; entries are held in memory and retried, free disk space or fix permissions before shutting down")]
    Writer {
        /// The journal file.
        path: PathBuf,
        /// The last SQLite error, as text.
        detail: String,
    },
    /// The writer stopped with entries it could not commit: they are not in the journal.
    #[error("the journal writer stopped with {lost} fills and order changes it could not commit to {path} ({detail}); the journal keeps everything committed before, and the exchange has the rest: free disk space or fix the file, and the next run on this journal reconciles them from the exchange")]
    Unsaved {
        /// The journal file.
        path: PathBuf,
        /// Entries not committed.
        lost: usize,
        /// The last SQLite error, as text.
        detail: String,
    },
    /// Another journal handle (this process or another) holds the journal's lock.
    #[error("the journal {path} is in use by {holder}; two engines writing one journal would interleave their records and confuse recovery. Stop that run, or give this one its own journal file (the lock is on {lock}; the operating system releases it when the holder exits, even if it crashes)")]
    Locked {
        /// The journal file.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// Who holds it, as it described itself (pid, host, start time, command line).
        holder: String,
    },
    /// The lock file could not be created or locked.
    #[error("cannot lock the journal with {path}: {source}; the journal's directory must be writable and on a filesystem with file locks (a local disk rather than a network share)")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A journal to read does not exist.
    #[error("the journal {path} does not exist; check the path (a relative journal path in the config file is relative to the config file's folder), or run the engine once with this journal to create it")]
    NotFound {
        /// The journal file.
        path: PathBuf,
    },
    /// The file is a SQLite database but holds no journal tables.
    #[error("the file {path} is not a cdc-engine journal (it has no fills and orders tables); check the path")]
    NotAJournal {
        /// The file.
        path: PathBuf,
    },
    /// The writer thread has stopped (after `close`, or it died).
    #[error("the journal writer for {path} has stopped; appends after close are not journalled (restart the engine to reopen the journal)")]
    Closed {
        /// The journal file.
        path: PathBuf,
    },
}

impl JournalError {
    /// Sorts a SQLite error on `path` into "damaged file" or "cannot use the file".
    pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> Self {
        let corrupt =
            matches!(source.sqlite_error_code(), Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt));
        let path = path.to_path_buf();
        if corrupt {
            JournalError::Corrupt { path, source }
        } else {
            JournalError::Open { path, source }
        }
    }
}
