//! `cdc-engine demo` as a person watches it: a status line every few seconds whose fills,
//! position and realised PnL are the market maker's own, from its fills (recomputed here from
//! the FILL lines printed before it), and balances coalesced to at most one line per currency
//! between two status lines.

use std::collections::HashMap;
use std::str::FromStr;

use cdc_engine::pnl::InstrumentPnl;
use cdc_engine::protocol::enums::Side;
use rust_decimal::Decimal;

/// The value after `key ` in a status line.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split(&format!("{key} "))
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {key} in {line}"))
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[tokio::test]
async fn demo_prints_a_status_line_from_its_own_fills_and_coalesces_balances() {
    let o = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .args(["demo", "--duration", "9"])
        .env_remove("RUST_LOG")
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{stderr}");

    let mut ours = InstrumentPnl::default();
    let mut balances_since: HashMap<String, usize> = HashMap::new();
    let mut statuses = 0;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("FILL     BTC_USD ") {
            // `SIDE QTY @ PRICE  fee F CCY ...`
            let w: Vec<&str> = rest.split_whitespace().collect();
            let side = if w[0] == "BUY" { Side::Buy } else { Side::Sell };
            ours.apply(&side, dec(w[3]), dec(w[1]), dec(w[5]), w[6]);
        } else if let Some(rest) = line.strip_prefix("BALANCE  ") {
            let ccy = rest.split_whitespace().next().unwrap().to_owned();
            let n = balances_since.entry(ccy.clone()).or_default();
            *n += 1;
            assert!(*n <= 1, "{ccy} balance printed twice between status lines:\n{stdout}");
        } else if line.starts_with("-- t+") {
            statuses += 1;
            balances_since.clear();
            assert_eq!(field(line, "fills"), ours.fills.to_string(), "fills: {line}");
            assert_eq!(dec(field(line, "position")), ours.position, "position: {line}");
            assert_eq!(dec(field(line, "volume")), ours.volume, "volume: {line}");
            assert_eq!(dec(field(line, "realised")), ours.realised.round_dp(2), "realised: {line}");
            let mid = dec(field(line, "mid"));
            assert_eq!(dec(field(line, "unrealised")), ours.unrealised(mid).round_dp(2), "unrealised: {line}");
            assert!(line.contains("open orders "), "{line}");
        }
    }
    assert!(statuses >= 3, "a status line every 2 s over 9 s:\n{stdout}");
    assert!(ours.fills > 0, "the market maker traded:\n{stdout}");
    let balance_lines = stdout.lines().filter(|l| l.starts_with("BALANCE")).count();
    assert!(balance_lines <= 4 * (statuses + 1), "{balance_lines} BALANCE lines for {statuses} status lines");
}
