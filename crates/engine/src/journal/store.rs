//! Row codecs: records to SQL parameters and rows back to records. Decimals are TEXT (exact),
//! times INTEGER (i64). It must not open connections or decide when to commit.

use std::path::Path;
use std::str::FromStr;

use rusqlite::{params, Connection, Row};
use rust_decimal::Decimal;

use super::error::JournalError;
use super::records::{FillRecord, OrderRecord};

/// Columns of `fills` in the order [`fill_from_row`] reads them.
pub(crate) const FILL_COLUMNS: &str =
    "trade_id, order_id, client_oid, instrument_name, side, price, quantity, fee, fee_currency, time_ns";

/// Columns of `orders` in the order [`order_from_row`] reads them.
pub(crate) const ORDER_COLUMNS: &str =
    "order_id, client_oid, instrument_name, side, status, quantity, limit_price, cumulative_quantity, update_time_ms";

/// Inserts a fill unless its `trade_id` is already journalled; true when it was new.
pub(crate) fn insert_fill(conn: &Connection, f: &FillRecord) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO fills (trade_id, order_id, client_oid, instrument_name, side, price, quantity, fee, \
         fee_currency, time_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let n = stmt.execute(params![
        f.trade_id,
        f.order_id,
        f.client_oid,
        f.instrument_name,
        f.side,
        f.price.to_string(),
        f.quantity.to_string(),
        f.fee.to_string(),
        f.fee_currency,
        ns_to_sql(f.time_ns, &f.trade_id),
    ])?;
    Ok(n == 1)
}

/// Appends one order transition.
pub(crate) fn insert_order(conn: &Connection, o: &OrderRecord) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO orders (order_id, client_oid, instrument_name, side, status, quantity, limit_price, \
         cumulative_quantity, update_time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    stmt.execute(params![
        o.order_id,
        o.client_oid,
        o.instrument_name,
        o.side,
        o.status,
        o.quantity.to_string(),
        o.limit_price.map(|p| p.to_string()),
        o.cumulative_quantity.to_string(),
        i64::try_from(o.update_time_ms).unwrap_or(i64::MAX),
    ])?;
    Ok(())
}

/// A ns time as i64. Past year 2262 (or a garbage wire value) it saturates rather than dropping
/// the fill: a wrong time is recoverable by reconciliation, a missing fill is not.
fn ns_to_sql(ns: u128, trade_id: &str) -> i64 {
    i64::try_from(ns).unwrap_or_else(|_| {
        tracing::warn!(trade_id, ns = %ns, "fill time does not fit i64 ns; journalled as i64::MAX");
        i64::MAX
    })
}

/// A raw fill row; decimals still text so a bad value becomes a [`JournalError::BadRow`].
pub(crate) type FillRow = (String, String, Option<String>, String, String, String, String, String, Option<String>, i64);

/// Reads a `fills` row selected with [`FILL_COLUMNS`].
pub(crate) fn fill_row(r: &Row<'_>) -> rusqlite::Result<FillRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?))
}

/// Turns a raw fill row into a record.
pub(crate) fn fill_from_row(path: &Path, row: FillRow) -> Result<FillRecord, JournalError> {
    let (trade_id, order_id, client_oid, instrument_name, side, price, quantity, fee, fee_currency, time_ns) = row;
    Ok(FillRecord {
        price: decimal(path, "fills.price", &price)?,
        quantity: decimal(path, "fills.quantity", &quantity)?,
        fee: decimal(path, "fills.fee", &fee)?,
        time_ns: u128::try_from(time_ns).map_err(|_| bad(path, "fills.time_ns", &time_ns.to_string()))?,
        trade_id,
        order_id,
        client_oid,
        instrument_name,
        side,
        fee_currency,
    })
}

/// A raw order row.
pub(crate) type OrderRow = (String, Option<String>, String, String, String, String, Option<String>, String, i64);

/// Reads an `orders` row selected with [`ORDER_COLUMNS`].
pub(crate) fn order_row(r: &Row<'_>) -> rusqlite::Result<OrderRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
}

/// Turns a raw order row into a record.
pub(crate) fn order_from_row(path: &Path, row: OrderRow) -> Result<OrderRecord, JournalError> {
    let (order_id, client_oid, instrument_name, side, status, quantity, limit_price, cumulative, update) = row;
    Ok(OrderRecord {
        quantity: decimal(path, "orders.quantity", &quantity)?,
        limit_price: limit_price.map(|p| decimal(path, "orders.limit_price", &p)).transpose()?,
        cumulative_quantity: decimal(path, "orders.cumulative_quantity", &cumulative)?,
        update_time_ms: u64::try_from(update).map_err(|_| bad(path, "orders.update_time_ms", &update.to_string()))?,
        order_id,
        client_oid,
        instrument_name,
        side,
        status,
    })
}

fn decimal(path: &Path, column: &str, text: &str) -> Result<Decimal, JournalError> {
    Decimal::from_str(text).map_err(|_| bad(path, column, text))
}

fn bad(path: &Path, column: &str, text: &str) -> JournalError {
    JournalError::BadRow { path: path.to_path_buf(), detail: format!("{column} = {text:?}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_beyond_i64_saturate_instead_of_dropping_the_fill() {
        assert_eq!(ns_to_sql(1_700_000_000_000_000_000, "t"), 1_700_000_000_000_000_000);
        assert_eq!(ns_to_sql(u128::MAX, "t"), i64::MAX);
    }

    #[test]
    fn a_bad_decimal_is_a_bad_row_naming_the_column() {
        let row: FillRow = (
            "T".into(),
            "O".into(),
            None,
            "BTC_USD".into(),
            "BUY".into(),
            "1.5e".into(),
            "1".into(),
            "0".into(),
            None,
            1,
        );
        let err = fill_from_row(Path::new("j.db"), row).unwrap_err();
        assert!(err.to_string().contains("fills.price"), "{err}");
    }

    #[test]
    fn decimals_keep_their_exact_text() {
        let conn = Connection::open_in_memory().unwrap();
        let d: Decimal = "0.000000123456789012345678".parse().unwrap();
        let back: String = conn.query_row("SELECT ?1", params![d.to_string()], |r| r.get(0)).unwrap();
        assert_eq!(back, "0.000000123456789012345678");
        assert_eq!(decimal(Path::new("j"), "c", &back).unwrap(), d);
    }
}
