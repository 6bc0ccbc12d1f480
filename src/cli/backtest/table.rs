//! The backtest report for a person: one figure per line, then a table per instrument. It
//! formats the library's [`Report`] and must NOT compute a figure of its own beyond the net PnL
//! (end minus start equity), nor read the clock: two runs on the same data print the same.

use cdc_cli::output::{fees_text, table, Align};
use cdc_engine::backtest::Report;
use cdc_engine::protocol::utc;
use rust_decimal::Decimal;

/// Exact when short, at most 8 places otherwise (an average cost may have 28 digits).
fn shown(d: Decimal) -> String {
    d.round_dp(8).normalize().to_string()
}

/// A data time as UTC with its milliseconds, always three digits so that times line up.
fn time(ms: u64) -> String {
    format!("{}.{:03}Z", utc::format_ms(ms).trim_end_matches('Z'), ms % 1000)
}

/// The report's lines.
pub fn lines(r: &Report) -> Vec<String> {
    let d = &r.data;
    let o = &r.orders;
    let none = |s: String| if s.is_empty() { "none".to_owned() } else { s };
    let mut rows: Vec<(&str, String)> = vec![
        ("strategy", r.strategies.join(", ")),
        ("data", format!("{} to {}", time(d.first_ms), time(d.last_ms))),
        (
            "records",
            format!(
                "{}  (book updates {}, trades {}, gaps {}, skipped {})",
                d.records, d.book_updates, d.trades, d.gaps, d.skipped
            ),
        ),
        ("latency", format!("{} ms one way", shown(Decimal::from(r.latency_us) / Decimal::from(1000)))),
        ("fee rates", format!("maker {}, taker {}", shown(r.fees.maker), shown(r.fees.taker))),
        (
            "orders",
            format!(
                "sent {}, placed {}, filled {}, cancelled {}, rejected {}, refused by risk {}, not modelled {}",
                o.sent, o.placed, o.filled, o.cancelled, o.rejected, o.refused_by_risk, o.not_modelled
            ),
        ),
        ("fills", r.fills.to_string()),
        ("fees", none(fees_text(&r.fees_paid))),
        ("realised", format!("{} {}  (before fees)", shown(r.realised), r.currency)),
        ("unrealised", format!("{} {}", shown(r.unrealised), r.currency)),
        ("funding", format!("{} {}", shown(r.funding), r.currency)),
        ("start equity", format!("{} {}", shown(r.start_equity), r.currency)),
        ("end equity", format!("{} {}", shown(r.end_equity), r.currency)),
        ("net PnL", format!("{} {}  (end − start equity)", shown(r.end_equity - r.start_equity), r.currency)),
        ("max drawdown", format!("{} {}", shown(r.max_drawdown), r.currency)),
        ("open orders", format!("{}  (left at the end)", r.open_orders)),
        ("halted", none(r.halted.join("; "))),
    ];
    let balances: Vec<String> = r.balances.iter().map(|(c, v)| format!("{} {c}", shown(*v))).collect();
    rows.insert(rows.len() - 2, ("balances", none(balances.join(", "))));
    let width = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    let mut out: Vec<String> = rows.into_iter().map(|(k, v)| format!("{k:<width$}  {v}")).collect();
    if !r.instruments.is_empty() {
        out.push(String::new());
        out.extend(instruments(r));
    }
    out
}

fn instruments(r: &Report) -> Vec<String> {
    let header = [
        ("INSTRUMENT", Align::Left),
        ("FILLS", Align::Right),
        ("VOLUME", Align::Right),
        ("NOTIONAL", Align::Right),
        ("POSITION", Align::Right),
        ("AVG_COST", Align::Right),
        ("REALISED", Align::Right),
        ("UNREALISED", Align::Right),
        ("FUNDING", Align::Right),
        ("FEES", Align::Left),
    ];
    let rows: Vec<Vec<String>> = r
        .instruments
        .iter()
        .map(|i| {
            vec![
                i.instrument.clone(),
                i.fills.to_string(),
                shown(i.volume),
                shown(i.notional),
                shown(i.position),
                shown(i.avg_cost),
                shown(i.realised),
                shown(i.unrealised),
                shown(i.funding),
                fees_text(&i.fees),
            ]
        })
        .collect();
    table(&header, &rows)
}
