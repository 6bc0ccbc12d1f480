//! How events and account data look to a person and to a program: one human line, or one JSON
//! object per line with a `type` field and decimals as strings. Shared by `tail`, `demo` and
//! `balance`/`orders`/`journal`/`cancel`, and the tables they print; it formats and must not
//! fetch or decide anything.

use rust_decimal::Decimal;
use serde_json::{json, Value};

use cdc_engine::engine::EngineEvent;
use cdc_engine::protocol::models::{Order, Position, Trade};
use cdc_engine::state::Balance;

fn ms_or_null(t: Option<u64>) -> Value {
    t.map_or(Value::Null, Value::from)
}

/// A fill as a JSON line object.
pub fn fill_json(t: &Trade) -> Value {
    json!({
        "type": "fill",
        "trade_id": t.trade_id.as_str(),
        "order_id": t.order_id.as_str(),
        "client_oid": t.client_oid.as_ref().map(|c| c.as_str()),
        "instrument_name": t.instrument_name.as_str(),
        "side": t.side.as_str(),
        "price": t.traded_price.to_string(),
        "quantity": t.traded_quantity.to_string(),
        "fee": t.fee_cost().to_string(),
        "fee_currency": t.fee_instrument_name,
        "taker_side": t.taker_side.as_ref().map(|s| s.as_str()),
        "time": ms_or_null(t.create_time),
    })
}

/// An order as a JSON line object.
pub fn order_json(o: &Order) -> Value {
    json!({
        "type": "order",
        "order_id": o.order_id.as_str(),
        "client_oid": o.client_oid.as_ref().map(|c| c.as_str()),
        "instrument_name": o.instrument_name.as_str(),
        "side": o.side.as_str(),
        "order_type": o.kind().map(|k| k.as_str()),
        "status": o.status.as_str(),
        "price": o.price().map(|p| p.to_string()),
        "quantity": o.quantity.to_string(),
        "cumulative_quantity": o.cumulative_quantity.to_string(),
        "avg_price": o.avg_price.map(|p| p.to_string()),
        "reason": o.reason_code(),
        "time": ms_or_null(o.update_time.or(o.create_time)),
    })
}

/// A balance as a JSON line object.
pub fn balance_json(currency: &str, b: &Balance) -> Value {
    json!({"type": "balance", "currency": currency, "total": b.total.to_string(),
        "available": b.available.to_string(), "reserved": b.reserved.to_string()})
}

/// A position as a JSON line object.
pub fn position_json(p: &Position) -> Value {
    let text = |d: Option<Decimal>| d.map(|d| d.to_string());
    json!({"type": "position", "instrument_name": p.instrument_name.as_str(), "quantity": p.quantity.to_string(),
        "cost": text(p.cost), "entry_price": text(entry_price(p)), "mark_price": text(p.mark_price),
        "unrealized_pnl": text(p.open_position_pnl), "session_pnl": text(p.session_pnl),
        "liquidation_price": text(p.liquidation_price), "initial_margin": text(p.pos_initial_margin),
        "time": ms_or_null(p.update_timestamp_ms)})
}

/// The average entry price the position's cost implies (contract size 1), if it has one.
pub fn entry_price(p: &Position) -> Option<Decimal> {
    p.cost.filter(|_| !p.quantity.is_zero()).map(|c| (c / p.quantity).round_dp(8).normalize())
}

/// A position as one line: quantity, entry, mark and unrealised PnL where known.
pub fn position_line(p: &Position) -> String {
    let opt = |label: &str, d: Option<Decimal>| d.map(|d| format!("  {label} {}", d.normalize())).unwrap_or_default();
    format!(
        "POSITION {} {}{}{}{}{}",
        p.instrument_name,
        qty(&p.quantity),
        opt("entry", entry_price(p)),
        opt("mark", p.mark_price),
        opt("unrealised", p.open_position_pnl),
        opt("liquidation", p.liquidation_price)
    )
}

/// An engine event as a JSON line object, or `None` for events readers need not see.
pub fn event_json(ev: &EngineEvent) -> Option<Value> {
    Some(match ev {
        EngineEvent::Order(o) => order_json(o),
        EngineEvent::Fill(t) => fill_json(t),
        EngineEvent::Balance { currency, balance } => balance_json(currency, balance),
        EngineEvent::Position(p) => position_json(p),
        EngineEvent::Connection { live, detail } => json!({"type": "connection", "live": live, "detail": detail}),
        EngineEvent::Refused(r) => json!({"type": "refused", "reason": r.reason, "code": r.code()}),
        EngineEvent::Halted { strategy, reason } => json!({"type": "halted", "strategy": strategy, "reason": reason}),
        EngineEvent::KillSwitch { on, reason } => json!({"type": "kill_switch", "on": on, "reason": reason}),
        EngineEvent::Feed { live, detail } => json!({"type": "feed", "live": live, "detail": detail}),
        EngineEvent::Resumed { strategy, open_orders, fills, position } => json!({"type": "resumed",
            "strategy": strategy, "open_orders": open_orders, "fills": fills,
            "position": position.iter().map(|(i, q)| (i.clone(), Value::from(q.to_string()))).collect::<serde_json::Map<_, _>>()}),
    })
}

fn qty(d: &Decimal) -> String {
    d.normalize().to_string()
}

/// An engine event as one human line.
pub fn event_line(ev: &EngineEvent) -> String {
    match ev {
        EngineEvent::Fill(t) => format!(
            "FILL     {} {} {} @ {}  fee {} {}  trade {} order {}",
            t.instrument_name,
            t.side,
            qty(&t.traded_quantity),
            t.traded_price,
            qty(&t.fee_cost()),
            t.fee_instrument_name.as_deref().unwrap_or(""),
            t.trade_id,
            t.order_id
        ),
        EngineEvent::Order(o) => format!(
            "ORDER    {} {} {} {}/{} @ {}  {}  id {}{}",
            o.instrument_name,
            o.side,
            o.status,
            qty(&o.cumulative_quantity),
            qty(&o.quantity),
            o.price().map_or("market".into(), |p| p.to_string()),
            o.client_oid.as_ref().map_or("", |c| c.as_str()),
            o.order_id,
            o.reason_code().map(|r| format!("  reason {r}")).unwrap_or_default()
        ),
        EngineEvent::Balance { currency, balance } => format!(
            "BALANCE  {currency:<6} total {}  available {}  reserved {}",
            qty(&balance.total),
            qty(&balance.available),
            qty(&balance.reserved)
        ),
        EngineEvent::Position(p) => position_line(p),
        EngineEvent::Connection { live: true, detail } => format!("LIVE     {detail}"),
        EngineEvent::Connection { live: false, detail } => format!("OFFLINE  {detail}"),
        EngineEvent::Refused(r) => format!("REFUSED  {}", r.reason),
        EngineEvent::Halted { strategy, reason } => format!("HALTED   {strategy}: {reason}"),
        EngineEvent::KillSwitch { on: true, reason } => format!("KILL     kill switch on: {reason}"),
        EngineEvent::KillSwitch { on: false, reason } => format!("KILL     kill switch off: {reason}"),
        EngineEvent::Feed { live: true, detail } => format!("FEED     live: {detail}"),
        EngineEvent::Feed { live: false, detail } => format!("FEED     offline: {detail}"),
        EngineEvent::Resumed { strategy, open_orders, fills, position } => {
            let pos: Vec<String> = position.iter().map(|(i, q)| format!("{i} {}", qty(q))).collect();
            let pos = if pos.is_empty() { "flat".to_owned() } else { pos.join(", ") };
            format!("RESUMED  {strategy}: {open_orders} open orders, {fills} fills from earlier runs, position {pos}")
        }
    }
}

/// Fees by currency as `0.25 USD, 0.0001 BTC`; empty when none were paid.
pub fn fees_text(fees: &std::collections::BTreeMap<String, Decimal>) -> String {
    fees.iter().map(|(c, v)| format!("{} {c}", v.normalize())).collect::<Vec<_>>().join(", ")
}

/// How a table column is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text: padded on the right.
    Left,
    /// Numbers: padded on the left, so digits line up.
    Right,
}

/// Lays out a table: every column as wide as its widest cell (header included), two spaces
/// between columns, no trailing spaces. Widths count characters, not bytes. A row shorter than
/// the header leaves its last cells empty.
pub fn table(header: &[(&str, Align)], rows: &[Vec<String>]) -> Vec<String> {
    let mut widths: Vec<usize> = header.iter().map(|(h, _)| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::new();
        for (i, ((_, align), w)) in header.iter().zip(&widths).enumerate() {
            let cell = cells.next().unwrap_or("");
            if i > 0 {
                s.push_str("  ");
            }
            let pad = w.saturating_sub(cell.chars().count());
            match align {
                Align::Left => {
                    s.push_str(cell);
                    s.extend(std::iter::repeat_n(' ', pad));
                }
                Align::Right => {
                    s.extend(std::iter::repeat_n(' ', pad));
                    s.push_str(cell);
                }
            }
        }
        s.trim_end().to_owned()
    };
    let mut out = vec![line(&mut header.iter().map(|(h, _)| *h))];
    out.extend(rows.iter().map(|r| line(&mut r.iter().map(String::as_str))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_columns_fit_their_widest_cell() {
        let rows = vec![
            vec!["a".to_owned(), "1.5".to_owned(), "x".to_owned()],
            vec!["a-much-longer-cell".to_owned(), "12345.25".to_owned(), "ÿÿ".to_owned()],
        ];
        let lines = table(&[("NAME", Align::Left), ("PRICE", Align::Right), ("T", Align::Left)], &rows);
        assert_eq!(
            lines,
            ["NAME                   PRICE  T", "a                        1.5  x", "a-much-longer-cell  12345.25  ÿÿ",]
        );
    }
}
