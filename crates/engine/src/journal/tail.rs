//! Following the journal: the rows appended after a given `seq`, oldest first, each with its
//! `seq`, so a reader that keeps its own position (the NATS publisher's cursor) can pick up
//! exactly where it stopped, in this run or the next. Read-only like [`super::read_fills`]: it
//! never takes the journal's lock and works while an engine writes.
//!
//! It must NOT write to the journal, remember positions (the caller does) or interpret rows.

use std::path::Path;

use rusqlite::params;

use super::error::JournalError;
use super::records::{FillRecord, OrderRecord};
use super::schema;
use super::store::{fill_from_row, fill_row, order_from_row, order_row, FILL_COLUMNS, ORDER_COLUMNS};

/// Up to `limit` fills with `seq > after`, in `seq` order, each with its `seq`.
pub fn fills_after(path: &Path, after: i64, limit: usize) -> Result<Vec<(i64, FillRecord)>, JournalError> {
    let query = format!("SELECT {FILL_COLUMNS}, seq FROM fills WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    schema::read(path, |conn| {
        schema::check_readable(conn, path)?;
        let sql = |e| JournalError::sqlite(path, e);
        let mut stmt = conn.prepare(&query).map_err(sql)?;
        let rows = stmt
            // `seq` comes last: the shared row codec reads the record's columns from 0.
            .query_map(params![after, sql_limit(limit)], |r| Ok((r.get::<_, i64>(10)?, fill_row(r)?)))
            .map_err(sql)?;
        rows.map(|r| r.map_err(sql).and_then(|(seq, row)| Ok((seq, fill_from_row(path, row)?)))).collect()
    })
}

/// Up to `limit` order transitions with `seq > after`, in `seq` order, each with its `seq`.
pub fn orders_after(path: &Path, after: i64, limit: usize) -> Result<Vec<(i64, OrderRecord)>, JournalError> {
    let query = format!("SELECT {ORDER_COLUMNS}, seq FROM orders WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    schema::read(path, |conn| {
        schema::check_readable(conn, path)?;
        let sql = |e| JournalError::sqlite(path, e);
        let mut stmt = conn.prepare(&query).map_err(sql)?;
        let rows = stmt
            .query_map(params![after, sql_limit(limit)], |r| Ok((r.get::<_, i64>(9)?, order_row(r)?)))
            .map_err(sql)?;
        rows.map(|r| r.map_err(sql).and_then(|(seq, row)| Ok((seq, order_from_row(path, row)?)))).collect()
    })
}

fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Journal;
    use rust_decimal::Decimal;

    fn fill(id: &str) -> FillRecord {
        FillRecord {
            trade_id: id.into(),
            order_id: "O1".into(),
            client_oid: None,
            instrument_name: "BTC_USD".into(),
            side: "BUY".into(),
            price: Decimal::new(500001, 1),
            quantity: Decimal::new(1, 3),
            fee: Decimal::ZERO,
            fee_currency: Some("BTC".into()),
            time_ns: 1_700_000_000_000_000_000,
        }
    }

    fn order(status: &str) -> OrderRecord {
        OrderRecord {
            order_id: "O1".into(),
            client_oid: Some("c1".into()),
            instrument_name: "BTC_USD".into(),
            side: "BUY".into(),
            status: status.into(),
            quantity: Decimal::new(1, 3),
            limit_price: Some(Decimal::new(500001, 1)),
            cumulative_quantity: Decimal::ZERO,
            update_time_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn rows_after_a_seq_come_in_order_with_their_seq_while_the_writer_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.sqlite");
        let (j, _) = Journal::open(&path).unwrap();
        for id in ["T1", "T2", "T3"] {
            j.append_fill(fill(id));
        }
        j.append_order(order("ACTIVE"));
        j.append_order(order("FILLED"));
        j.flush().unwrap();
        let all = fills_after(&path, 0, 10).unwrap();
        assert_eq!(all.iter().map(|(_, f)| f.trade_id.as_str()).collect::<Vec<_>>(), ["T1", "T2", "T3"]);
        assert_eq!(all[0].1, fill("T1"));
        let after_first = fills_after(&path, all[0].0, 1).unwrap();
        assert_eq!(after_first.len(), 1, "the limit holds");
        assert_eq!((after_first[0].0, after_first[0].1.trade_id.as_str()), (all[1].0, "T2"));
        assert!(fills_after(&path, all[2].0, 10).unwrap().is_empty());
        let orders = orders_after(&path, 0, 10).unwrap();
        assert_eq!(orders.iter().map(|(_, o)| o.status.as_str()).collect::<Vec<_>>(), ["ACTIVE", "FILLED"]);
        assert!(orders[0].0 < orders[1].0);
        j.close().unwrap();
        // Closed (no writer, no -wal file): still readable.
        assert_eq!(fills_after(&path, 0, 10).unwrap().len(), 3);
    }

    #[test]
    fn a_missing_journal_is_an_error_not_an_empty_list() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(fills_after(&dir.path().join("none"), 0, 1), Err(JournalError::NotFound { .. })));
    }
}
