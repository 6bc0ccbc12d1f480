//! Tolerant reading of request params from raw JSON: decimals and integers may arrive as JSON
//! strings or numbers, unknown params are ignored.
//!
//! The sim verifies, it never trusts: it must not use the client's protocol types here.

use super::codes::{reject, INVALID_ARGUMENT};
use crate::venue::Reject;
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// A param as text: strings as they are, numbers in their JSON spelling. Null counts as absent.
pub(crate) fn text(params: &Value, key: &str) -> Option<String> {
    match params.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether the param is present at all (not null).
pub(crate) fn present(params: &Value, key: &str) -> bool {
    params.get(key).is_some_and(|v| !v.is_null())
}

/// An optional decimal param; present but unparsable is 40004.
pub(crate) fn decimal(params: &Value, key: &str) -> Result<Option<Decimal>, Reject> {
    if !present(params, key) {
        return Ok(None);
    }
    let raw = text(params, key).ok_or_else(|| reject(INVALID_ARGUMENT))?;
    let raw = raw.trim();
    // JSON numbers may be spelled with an exponent (e.g. 1e-5); plain parsing refuses those.
    Decimal::from_str(raw).or_else(|_| Decimal::from_scientific(raw)).map(Some).map_err(|_| reject(INVALID_ARGUMENT))
}

/// An optional non-negative integer param; present but unparsable is 40004.
pub(crate) fn integer(params: &Value, key: &str) -> Result<Option<u64>, Reject> {
    if !present(params, key) {
        return Ok(None);
    }
    let raw = text(params, key).ok_or_else(|| reject(INVALID_ARGUMENT))?;
    raw.trim().parse::<u64>().map(Some).map_err(|_| reject(INVALID_ARGUMENT))
}

/// A time bound in ms, µs or ns, as nanoseconds, told apart by magnitude: below 10^14 is
/// milliseconds, below 10^17 microseconds, else nanoseconds.
///
/// The reference documents ms or ns; microseconds are accepted because ccxt's `fetch_ohlcv`
/// sends `end_ts` in µs by default, and no present-day time in ns or ms is that size.
pub(crate) fn time_ns(params: &Value, key: &str) -> Result<Option<u64>, Reject> {
    Ok(integer(params, key)?.map(|v| match v {
        v if v < 100_000_000_000_000 => v.saturating_mul(1_000_000),
        v if v < 100_000_000_000_000_000 => v.saturating_mul(1_000),
        v => v,
    }))
}
