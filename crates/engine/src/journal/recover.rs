//! Reading the journal back: what a restart needs ([`Recovered`]) and full histories for tests
//! and tools. It must not write; the writer thread owns every write.

use std::path::Path;

use rusqlite::{params, Connection};

use super::error::JournalError;
use super::records::{FillRecord, OrderRecord, Recovered, RECENT_TRADE_IDS};
use super::schema;
use super::store::{fill_from_row, fill_row, order_from_row, order_row, FILL_COLUMNS, ORDER_COLUMNS};

/// Reads what a restart needs from an open connection.
pub(crate) fn recover(conn: &Connection, path: &Path) -> Result<Recovered, JournalError> {
    let sql = |e| JournalError::sqlite(path, e);
    let count: i64 = conn.query_row("SELECT COUNT(*) FROM fills", [], |r| r.get(0)).map_err(sql)?;
    // time_ns = 0 marks a fill that came without a time; it says nothing about where to resume.
    let last: Option<i64> =
        conn.query_row("SELECT MAX(time_ns) FROM fills WHERE time_ns > 0", [], |r| r.get(0)).map_err(sql)?;
    let limit = i64::try_from(RECENT_TRADE_IDS).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare("SELECT trade_id FROM fills ORDER BY time_ns DESC, seq DESC LIMIT ?1").map_err(sql)?;
    let mut recent: Vec<String> =
        stmt.query_map(params![limit], |r| r.get(0)).map_err(sql)?.collect::<Result<_, _>>().map_err(sql)?;
    recent.reverse();
    Ok(Recovered {
        fill_count: u64::try_from(count).unwrap_or(0),
        recent_trade_ids: recent,
        last_trade_time_ns: last.and_then(|t| u128::try_from(t).ok()),
        latest_orders: latest_open_orders(conn, path)?,
    })
}

/// The newest transition of each order, keeping those that are not terminal.
fn latest_open_orders(conn: &Connection, path: &Path) -> Result<Vec<OrderRecord>, JournalError> {
    let query = format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE seq IN (SELECT MAX(seq) FROM orders GROUP BY order_id) ORDER BY seq"
    );
    let all = query_orders(conn, path, &query, [])?;
    Ok(all.into_iter().filter(|o| !o.is_terminal()).collect())
}

/// Reads every journalled fill in journal order (the order they were appended), oldest first.
pub fn read_fills(path: &Path) -> Result<Vec<FillRecord>, JournalError> {
    schema::read(path, |conn| fills_on(conn, path))
}

/// Every fill in journal order, on an open connection.
pub(crate) fn fills_on(conn: &Connection, path: &Path) -> Result<Vec<FillRecord>, JournalError> {
    let sql = |e| JournalError::sqlite(path, e);
    let mut stmt = conn.prepare(&format!("SELECT {FILL_COLUMNS} FROM fills ORDER BY seq")).map_err(sql)?;
    let rows = stmt.query_map([], fill_row).map_err(sql)?;
    rows.map(|r| r.map_err(sql).and_then(|row| fill_from_row(path, row))).collect()
}

/// Reads every order transition of every order in journal order, oldest first.
pub fn read_orders(path: &Path) -> Result<Vec<OrderRecord>, JournalError> {
    schema::read(path, |conn| orders_on(conn, path))
}

/// Every order transition in journal order, on an open connection.
pub(crate) fn orders_on(conn: &Connection, path: &Path) -> Result<Vec<OrderRecord>, JournalError> {
    query_orders(conn, path, &format!("SELECT {ORDER_COLUMNS} FROM orders ORDER BY seq"), [])
}

/// Reads every transition of one order, oldest first.
pub fn read_order_history(path: &Path, order_id: &str) -> Result<Vec<OrderRecord>, JournalError> {
    let query = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = ?1 ORDER BY seq");
    schema::read(path, |conn| query_orders(conn, path, &query, params![order_id]))
}

fn query_orders<P: rusqlite::Params>(
    conn: &Connection,
    path: &Path,
    query: &str,
    args: P,
) -> Result<Vec<OrderRecord>, JournalError> {
    let sql = |e| JournalError::sqlite(path, e);
    let mut stmt = conn.prepare(query).map_err(sql)?;
    let rows = stmt.query_map(args, order_row).map_err(sql)?;
    rows.map(|r| r.map_err(sql).and_then(|row| order_from_row(path, row))).collect()
}
