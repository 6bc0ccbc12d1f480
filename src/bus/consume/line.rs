//! A published event as one human line for `tail --from`: the account, then what `tail` prints
//! for the same event. It reads the published JSON (schema `"v": 1`) and must NOT fail on a
//! message it does not know: that is shown as its type and raw JSON.

use serde_json::Value;

fn text<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

/// A decimal field as `tail` shows it: without trailing zeros.
fn qty(v: &Value, k: &str) -> String {
    match v[k].as_str().and_then(|s| s.parse::<rust_decimal::Decimal>().ok()) {
        Some(d) => d.normalize().to_string(),
        None => text(v, k).to_owned(),
    }
}

/// One line for a published event `v`.
pub fn line(v: &Value) -> String {
    let account = text(v, "account");
    let body = match text(v, "type") {
        "fill" => format!(
            "FILL     {} {} {} @ {}  fee {} {}  trade {} order {}",
            text(v, "instrument_name"),
            text(v, "side"),
            qty(v, "quantity"),
            text(v, "price"),
            qty(v, "fee"),
            text(v, "fee_currency"),
            text(v, "trade_id"),
            text(v, "order_id")
        ),
        "order" => format!(
            "ORDER    {} {} {} {}/{} @ {}  {}  id {}",
            text(v, "instrument_name"),
            text(v, "side"),
            text(v, "status"),
            qty(v, "cumulative_quantity"),
            qty(v, "quantity"),
            v["price"].as_str().unwrap_or("market"),
            text(v, "client_oid"),
            text(v, "order_id")
        ),
        "balance" => format!(
            "BALANCE  {:<6} total {}  available {}  reserved {}",
            text(v, "currency"),
            qty(v, "total"),
            qty(v, "available"),
            qty(v, "reserved")
        ),
        "position" => format!("POSITION {} {}", text(v, "instrument_name"), qty(v, "quantity")),
        "connection" if v["live"].as_bool() == Some(true) => format!("LIVE     {}", text(v, "detail")),
        "connection" => format!("OFFLINE  {}", text(v, "detail")),
        other => format!("{:<8} {v}", other.to_uppercase()),
    };
    format!("[{account}] {body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_fill_reads_like_tail_with_its_account_first() {
        let v = json!({"v": 1, "account": "a1", "type": "fill", "instrument_name": "BTC_USD", "side": "BUY",
            "quantity": "0.0010", "price": "50000.5", "fee": "0.050", "fee_currency": "USD", "trade_id": "T1", "order_id": "O1"});
        assert_eq!(line(&v), "[a1] FILL     BTC_USD BUY 0.001 @ 50000.5  fee 0.05 USD  trade T1 order O1");
    }

    #[test]
    fn an_unknown_type_is_shown_raw_rather_than_refused() {
        let v = json!({"account": "a1", "type": "novel", "x": 1});
        let l = line(&v);
        assert!(l.starts_with("[a1] NOVEL") && l.contains("\"x\":1"), "{l}");
        assert!(line(&json!(null)).starts_with("[] "), "not even an object: still a line");
    }
}
