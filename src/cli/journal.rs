//! `cdc-engine journal`: fills, orders, fees and realised PnL per instrument from a journal file,
//! as a table or JSON lines. It reads the file read-only, without the journal's lock, so it
//! works while an engine runs on it; it must never write to the journal or contact the exchange.

use std::path::PathBuf;

use anyhow::Context;
use cdc_cli::output::{fees_text, table, Align};
use cdc_engine::journal::{summarize, Filter, InstrumentSummary, Summary};
use cdc_engine::protocol::utc;
use clap::Args;
use rust_decimal::Decimal;
use serde_json::json;

use super::common::{out, settings, AccountArgs};

/// Arguments of `cdc-engine journal`.
#[derive(Args, Debug)]
pub struct JournalArgs {
    /// The journal file (default: `journal` of the profile, relative to the config file's folder,
    /// the same file `run` and `tail` write).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["config", "profile"])]
    file: Option<PathBuf>,
    /// Only fills and order updates at or after this time: an RFC 3339 time such as
    /// 2024-05-01T12:00:00Z (or with an offset, +02:00), a date such as 2024-05-01 (midnight
    /// UTC), or a duration back from now such as 30m, 1h, 2d, 1w or 1h30m (units s, m, h, d, w).
    #[arg(long, value_name = "TIME", value_parser = parse_since)]
    since: Option<Since>,
    /// Only this instrument, e.g. BTC_USD.
    #[arg(long)]
    instrument: Option<String>,
    /// One JSON object per line: a `journal` summary, then one `journal_instrument` per instrument.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    account: AccountArgs,
}

/// A parsed `--since`: an instant, or a duration back from when the command runs.
#[derive(Debug, Clone, Copy)]
pub enum Since {
    /// ns since the epoch.
    At(u128),
    /// ns before now.
    Ago(u128),
}

fn parse_since(s: &str) -> Result<Since, String> {
    let t = s.trim();
    if t.starts_with(|c: char| c.is_ascii_digit()) && t.ends_with(|c: char| c.is_ascii_alphabetic()) && !t.contains('-')
    {
        return parse_duration_ns(t).map(Since::Ago);
    }
    utc::parse_rfc3339(t).map(Since::At).map_err(|e| {
        format!(
            "{e}; write an RFC 3339 UTC time like 2024-05-01T12:00:00Z, or a duration back from now like 30m, 1h, 2d"
        )
    })
}

/// `1h30m` → ns. Units: s, m, h, d, w.
fn parse_duration_ns(s: &str) -> Result<u128, String> {
    let mut total: u128 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u128 = digits.parse().map_err(|_| format!("{s:?}: a unit must follow a number, like 30m or 1h30m"))?;
        let unit: u128 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            other => return Err(format!("{s:?}: unknown unit {other:?}; use s, m, h, d or w (30m, 1h, 2d)")),
        };
        total = n
            .checked_mul(unit * 1_000_000_000)
            .and_then(|v| v.checked_add(total))
            .ok_or_else(|| format!("{s:?} is too long"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("{s:?}: the number {digits} needs a unit (s, m, h, d or w)"));
    }
    Ok(total)
}

/// Runs the command.
pub fn run(args: JournalArgs) -> anyhow::Result<()> {
    let path = match args.file {
        Some(p) => p,
        None => {
            let s = settings(&args.account)?;
            s.journal.with_context(|| {
                format!(
                    "profile {:?} has no journal: pass --file PATH, or set journal = \"NAME.sqlite\" in the \
                     profile (relative to the config file's folder)",
                    s.profile
                )
            })?
        }
    };
    let now_ns = cdc_engine::clock::system_now_ns();
    let since_ns = args.since.map(|s| match s {
        Since::At(t) => t,
        Since::Ago(d) => now_ns.saturating_sub(d),
    });
    let filter = Filter { since_ns, instrument: args.instrument.clone() };
    let summary = summarize(&path, &filter)?;
    if args.json {
        print_json(&summary);
    } else {
        print_table(&summary);
    }
    Ok(())
}

fn scope(summary: &Summary) -> String {
    let mut s = String::new();
    if let Some(i) = &summary.filter.instrument {
        s.push_str(&format!(" for {i}"));
    }
    if let Some(t) = summary.filter.since_ns {
        s.push_str(&format!(" since {}", utc::format_ns(t)));
    }
    s
}

/// Decimals for people: exact when short, at most 8 places otherwise (an average cost may
/// have 28 digits).
fn shown(d: Decimal) -> String {
    d.round_dp(8).normalize().to_string()
}

fn print_table(summary: &Summary) {
    let head = format!(
        "journal {}: {} fill(s), {} order(s){}",
        summary.path.display(),
        summary.fills(),
        summary.orders(),
        scope(summary)
    );
    if !out(&head) || summary.instruments.is_empty() {
        return;
    }
    let header = [
        ("INSTRUMENT", Align::Left),
        ("FILLS", Align::Right),
        ("ORDERS", Align::Right),
        ("OPEN", Align::Right),
        ("VOLUME", Align::Right),
        ("NOTIONAL", Align::Right),
        ("REALISED", Align::Right),
        ("POSITION", Align::Right),
        ("AVG_COST", Align::Right),
        ("FEES", Align::Left),
    ];
    let rows: Vec<Vec<String>> = summary
        .instruments
        .iter()
        .map(|i| {
            vec![
                i.instrument.clone(),
                i.pnl.fills.to_string(),
                i.orders.to_string(),
                i.open_orders.to_string(),
                shown(i.pnl.volume),
                shown(i.pnl.notional),
                shown(i.pnl.realised),
                shown(i.pnl.position),
                shown(i.pnl.avg_cost),
                fees_text(&i.pnl.fees),
            ]
        })
        .collect();
    if !table(&header, &rows).iter().all(|l| out(l)) {
        return;
    }
    out("REALISED: average-cost PnL of these fills in the quote currency, before fees; FEES by currency.");
    out("POSITION and AVG_COST: after every journalled fill; OPEN: orders whose last journalled status is open.");
}

fn instrument_json(i: &InstrumentSummary) -> serde_json::Value {
    let fees: serde_json::Map<String, serde_json::Value> =
        i.pnl.fees.iter().map(|(c, v)| (c.clone(), v.normalize().to_string().into())).collect();
    json!({
        "type": "journal_instrument",
        "instrument_name": i.instrument,
        "fills": i.pnl.fills,
        "orders": i.orders,
        "open_orders": i.open_orders,
        "orders_by_status": i.orders_by_status,
        "volume": i.pnl.volume.normalize().to_string(),
        "notional": i.pnl.notional.normalize().to_string(),
        "realised_pnl": i.pnl.realised.normalize().to_string(),
        "position": i.pnl.position.normalize().to_string(),
        "avg_cost": i.pnl.avg_cost.normalize().to_string(),
        "fees": fees,
        "first_fill_time_ns": i.fill_times_ns.map(|(a, _)| a.to_string()),
        "last_fill_time_ns": i.fill_times_ns.map(|(_, b)| b.to_string()),
    })
}

fn print_json(summary: &Summary) {
    let head = json!({
        "type": "journal",
        "path": summary.path.display().to_string(),
        "since": summary.filter.since_ns.map(utc::format_ns),
        "instrument_name": summary.filter.instrument,
        "fills": summary.fills(),
        "orders": summary.orders(),
    });
    if out(&head.to_string()) {
        summary.instruments.iter().all(|i| out(&instrument_json(i).to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_durations_and_times() {
        let h = 3_600_000_000_000u128;
        assert!(matches!(parse_since("1h"), Ok(Since::Ago(d)) if d == h));
        assert!(matches!(parse_since("1h30m"), Ok(Since::Ago(d)) if d == h + h / 2));
        assert!(matches!(parse_since("2d"), Ok(Since::Ago(d)) if d == 48 * h));
        assert!(matches!(parse_since("2023-11-14T22:13:20Z"), Ok(Since::At(1_700_000_000_000_000_000))));
        assert!(parse_since("5x").unwrap_err().contains("unknown unit"));
        assert!(parse_since("90").unwrap_err().contains("RFC 3339"));
        assert!(parse_since("yesterday").unwrap_err().contains("30m"));
    }
}
