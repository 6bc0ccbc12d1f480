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
pub(crate) fn open_writer(path: &Path) -> Result<Connection, JournalError> {
    ensure_dir(path)?;
    let conn = Connection::open(path).map_err(|e| JournalError::sqlite(path, e))?;
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

/// Opens an existing journal read-only (for `read_fills` and friends).
pub(crate) fn open_reader(path: &Path) -> Result<Connection, JournalError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| JournalError::sqlite(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| JournalError::sqlite(path, e))?;
    Ok(conn)
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
