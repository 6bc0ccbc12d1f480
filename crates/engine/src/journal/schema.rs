//! Opening the SQLite file: directory, pragmas (WAL, `synchronous=NORMAL`) and the schema.
//! It must not read or write records; `store` and `recover` do that.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::error::JournalError;

/// The schema version this build writes (`PRAGMA user_version`).
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// How long a connection waits on another's lock before giving up (e.g. a reader mid-checkpoint).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

// Fills: `trade_id` is unique so a replayed fill is ignored; `seq` keeps journal order stable
// across VACUUM (a bare rowid may be renumbered). Decimals are TEXT so they stay exact.
// Orders: append-only transitions; `seq` orders them.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS fills (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    trade_id TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL,
    client_oid TEXT,
    instrument_name TEXT NOT NULL,
    side TEXT NOT NULL,
    price TEXT NOT NULL,
    quantity TEXT NOT NULL,
    fee TEXT NOT NULL,
    fee_currency TEXT,
    time_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS fills_time ON fills (time_ns);
CREATE TABLE IF NOT EXISTS orders (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL,
    client_oid TEXT,
    instrument_name TEXT NOT NULL,
    side TEXT NOT NULL,
    status TEXT NOT NULL,
    quantity TEXT NOT NULL,
    limit_price TEXT,
    cumulative_quantity TEXT NOT NULL,
    update_time_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_id ON orders (order_id, seq);
";

/// Opens (creating the directory, file and schema) the journal for writing, in WAL mode.
/// Without the journal's lock: [`super::Journal::open`] connects, locks, then configures.
#[cfg(test)]
pub(crate) fn open_writer(path: &Path) -> Result<Connection, JournalError> {
    configure(connect(path)?, path)
}

/// Creates the directory if needed and opens a connection, writing nothing yet (SQLite creates
/// an empty file when there is none).
pub(crate) fn connect(path: &Path) -> Result<Connection, JournalError> {
    ensure_dir(path)?;
    if path.is_dir() {
        // SQLite would open a directory and fail only at the first read, with a vaguer message.
        let e = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some("the journal path is a directory; name a file in it".into()),
        );
        return Err(JournalError::sqlite(path, e));
    }
    Connection::open(path).map_err(|e| JournalError::sqlite(path, e))
}

/// Sets the pragmas (WAL, `synchronous=NORMAL`) and creates the schema: the first writes, so
/// only under the journal's lock.
pub(crate) fn configure(conn: Connection, path: &Path) -> Result<Connection, JournalError> {
    let sql = |e| JournalError::sqlite(path, e);
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
    // journal_mode answers with the mode in force; anything but "wal" means WAL is unavailable
    // (e.g. a network filesystem), and then batching alone would not keep fsyncs off the hot path.
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(sql)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(path = %path.display(), mode, "journal is not in WAL mode");
    }
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(sql)?;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql)?;
    if found > SCHEMA_VERSION {
        return Err(JournalError::Schema { path: path.to_path_buf(), found, known: SCHEMA_VERSION });
    }
    conn.execute_batch(SCHEMA).map_err(sql)?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(sql)?;
    Ok(conn)
}

/// Runs `f` on a read-only connection to an existing journal (for `read_fills` and friends).
/// It never takes the journal's lock, so it works while an engine writes, and it never writes.
///
/// A journal no writer has open has no `-wal` file: everything is in the main file, which is
/// then read as immutable, so SQLite creates no `-wal`/`-shm` files beside it. If a writer
/// appeared meanwhile (its `-wal` file exists after the read), the read is done again the
/// shared way, which sees the writer's commits.
pub(crate) fn read<T>(path: &Path, f: impl Fn(&Connection) -> Result<T, JournalError>) -> Result<T, JournalError> {
    if !path.exists() {
        return Err(JournalError::NotFound { path: path.to_path_buf() });
    }
    let wal = sidecar(path, "-wal");
    if !wal.exists() {
        let result = open_immutable(path).and_then(|c| f(&c));
        if !wal.exists() {
            return result;
        }
    }
    f(&open_reader(path)?)
}

/// `PATH` with `suffix` appended to its file name.
fn sidecar(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

const READ_FLAGS: OpenFlags =
    OpenFlags::SQLITE_OPEN_READ_ONLY.union(OpenFlags::SQLITE_OPEN_URI).union(OpenFlags::SQLITE_OPEN_NO_MUTEX);

/// A read-only connection sharing the file with a writer (may create `-shm`/`-wal`).
fn open_reader(path: &Path) -> Result<Connection, JournalError> {
    let conn = Connection::open_with_flags(path, READ_FLAGS).map_err(|e| JournalError::sqlite(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| JournalError::sqlite(path, e))?;
    Ok(conn)
}

/// A read-only connection that treats the file as unchanging: no locks, no sidecar files.
fn open_immutable(path: &Path) -> Result<Connection, JournalError> {
    let Ok(abs) = std::path::absolute(path) else {
        // Only without a current directory; the shared way still reads correctly.
        return open_reader(path);
    };
    let mut uri = String::from("file://");
    for b in abs.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => uri.push(char::from(*b)),
            _ => uri.push_str(&format!("%{b:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    Connection::open_with_flags(&uri, READ_FLAGS).map_err(|e| JournalError::sqlite(path, e))
}

/// Checks that a connection opened by [`read`] holds a journal this build can read.
pub(crate) fn check_readable(conn: &Connection, path: &Path) -> Result<(), JournalError> {
    let sql = |e| JournalError::sqlite(path, e);
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql)?;
    if found > SCHEMA_VERSION {
        return Err(JournalError::Schema { path: path.to_path_buf(), found, known: SCHEMA_VERSION });
    }
    let tables: i64 = conn
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('fills', 'orders')", [], |r| {
            r.get(0)
        })
        .map_err(sql)?;
    if tables < 2 {
        return Err(JournalError::NotAJournal { path: path.to_path_buf() });
    }
    Ok(())
}

/// Creates the journal's directory when it is missing, so a fresh `--journal dir/x.db` works.
fn ensure_dir(path: &Path) -> Result<(), JournalError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            std::fs::create_dir_all(dir).map_err(|source| JournalError::CreateDir { path: dir.to_path_buf(), source })
        }
        _ => Ok(()),
    }
}
