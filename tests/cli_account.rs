//! `tail`, `balance`, `positions` and `orders` run as a user runs them, against the simulator:
//! their output is checked line by line (`--json` parses, fills appear exactly once) and never
//! contains the secret.

mod support;

use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::Value;
use support::*;

fn command(sim: &cdc_sim::SimHandle<cdc_sim::exchange::Exchange>, args: &[&str]) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    c.args(args)
        .env("CDC_REST_URL", sim.rest_url())
        .env("CDC_USER_WS_URL", sim.user_ws_url())
        .env("CDC_MARKET_WS_URL", sim.market_ws_url())
        .env("CDC_API_KEY", KEY)
        .env("CDC_API_SECRET", SECRET)
        .env_remove("CDC_CONFIG")
        .env_remove("RUST_LOG")
        .kill_on_drop(true);
    c
}

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn no_secret(out: &std::process::Output) {
    for stream in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(stream).contains(SECRET), "the secret leaked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_json_streams_every_fill_once_with_its_fields() {
    let sim = sim(false).await;
    place_direct(&sim, true, "49000.00", "0.0030", "tail-1");
    let child = command(&sim, &["tail", "--json", "--duration", "4"]).output();
    let feeder = async {
        // Fills while tail runs, and a reconnect in the middle.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        take(&sim, false, Decimal::from_str("0.0010").unwrap());
        sim.faults().drop_connections();
        take(&sim, false, Decimal::from_str("0.0010").unwrap());
        tokio::time::sleep(Duration::from_millis(300)).await;
        take(&sim, false, Decimal::from_str("0.0010").unwrap());
    };
    let (out, ()) = tokio::join!(child, feeder);
    let out = out.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    no_secret(&out);
    let lines = json_lines(&out.stdout);
    let fills: Vec<&Value> = lines.iter().filter(|l| l["type"] == "fill").collect();
    let mut ids: Vec<&str> = fills.iter().map(|f| f["trade_id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((fills.len(), ids.len()), (3, 3), "every fill exactly once: {fills:?}");
    for key in [
        "trade_id",
        "order_id",
        "client_oid",
        "instrument_name",
        "side",
        "price",
        "quantity",
        "fee",
        "fee_currency",
        "time",
    ] {
        assert!(!fills[0][key].is_null(), "fill lacks {key}: {}", fills[0]);
    }
    assert!(fills[0]["price"].is_string() && fills[0]["quantity"].is_string(), "decimals are strings");
    let balance = lines.iter().find(|l| l["type"] == "balance" && l["currency"] == "BTC").expect("a BTC balance line");
    for key in ["total", "available", "reserved"] {
        assert!(balance[key].is_string(), "{balance}");
    }
    assert!(lines.iter().any(|l| l["type"] == "order" && l["client_oid"] == "tail-1"));
    assert!(lines.iter().any(|l| l["type"] == "connection" && l["live"] == false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_human_lines_show_fills_and_balances() {
    let sim = sim(false).await;
    place_direct(&sim, false, "51000.00", "0.0020", "tail-h");
    let child = command(&sim, &["tail", "--duration", "3"]).output();
    let feeder = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        take(&sim, true, Decimal::from_str("0.0020").unwrap());
    };
    let (out, ()) = tokio::join!(child, feeder);
    let out = out.unwrap();
    no_secret(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.starts_with("FILL") && l.contains("BTC_USD SELL 0.002 @ 51000")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("BALANCE") && l.contains("USD")), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balance_and_orders_print_tables_and_json() {
    let sim = sim(false).await;
    place_direct(&sim, true, "48000.00", "0.0100", "open-1");
    place_direct(&sim, true, "47000.00", "0.0100", "gone-1");
    sim.with_venue(|x| {
        cdc_sim::venue::Venue::private(
            x,
            "private/cancel-order",
            &serde_json::json!({"client_oid": "gone-1"}),
            None,
            cdc_engine::clock::system_now_ms(),
        )
    })
    .unwrap();

    let out = command(&sim, &["balance", "--json"]).output().await.unwrap();
    assert!(out.status.success());
    no_secret(&out);
    let rows = json_lines(&out.stdout);
    let usd = rows.iter().find(|r| r["currency"] == "USD").expect("USD");
    assert_eq!(usd["type"], "balance");
    assert_eq!(Decimal::from_str(usd["reserved"].as_str().unwrap()).unwrap(), Decimal::from(480));

    let out = command(&sim, &["balance"]).output().await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("CURRENCY") && text.contains("BTC"), "{text}");

    let out = command(&sim, &["orders", "--json"]).output().await.unwrap();
    let open = json_lines(&out.stdout);
    assert_eq!(open.len(), 1);
    assert_eq!((open[0]["client_oid"].as_str(), open[0]["status"].as_str()), (Some("open-1"), Some("ACTIVE")));

    let out = command(&sim, &["orders", "--history", "--json"]).output().await.unwrap();
    let done = json_lines(&out.stdout);
    assert!(done.iter().any(|o| o["client_oid"] == "gone-1" && o["status"] == "CANCELED"), "{done:?}");

    let out = command(&sim, &["orders"]).output().await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("ORDER_ID") && text.contains("open-1"), "{text}");
    no_secret(&out);
}

#[tokio::test]
async fn a_wrong_secret_ends_with_an_actionable_message_and_no_secret() {
    let sim = sim(false).await;
    let out = command(&sim, &["balance"]).env("CDC_API_SECRET", "WRONG-secret-value-123").output().await.unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("40101") && err.contains("header"), "{err}");
    assert!(!err.contains("WRONG-secret-value-123") && !err.contains("panicked"));
}

/// Start and end (in characters) of each whitespace-separated cell of a line.
fn cell_spans(line: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in line.chars().chain(std::iter::once(' ')).enumerate() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    spans
}

/// Every row's cells start where their header starts (text columns) or end where it ends
/// (number columns, from `first_number` on).
fn assert_aligned(text: &str, first_number: usize) {
    let mut lines = text.lines();
    let head = cell_spans(lines.next().expect("a header"));
    for line in lines {
        let cells = cell_spans(line);
        assert_eq!(cells.len(), head.len(), "one cell per column in {line:?}:\n{text}");
        for (i, (c, h)) in cells.iter().zip(&head).enumerate() {
            if i < first_number {
                assert_eq!(c.0, h.0, "column {i} starts under its header:\n{text}");
            } else {
                assert_eq!(c.1, h.1, "column {i} ends under its header:\n{text}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_tables_align_whatever_the_widths() {
    let sim = sim(false).await;
    let long_oid = "a-client-order-id-of-36-characters-x";
    assert_eq!(long_oid.len(), 36, "the longest client id the exchange takes");
    place_direct(&sim, true, "48000.00", "0.0100", "s");
    place_direct(&sim, true, "45000.50", "1.2345", long_oid);
    let out = command(&sim, &["orders"]).output().await.unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(long_oid), "{text}");
    assert_aligned(&text, 5);

    for oid in ["s", long_oid] {
        sim.with_venue(|x| {
            cdc_sim::venue::Venue::private(
                x,
                "private/cancel-order",
                &serde_json::json!({ "client_oid": oid }),
                None,
                cdc_engine::clock::system_now_ms(),
            )
        })
        .unwrap();
    }
    let out = command(&sim, &["orders", "--history"]).output().await.unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(long_oid) && text.contains("CANCELED"), "{text}");
    assert_aligned(&text, 5);
}

#[tokio::test]
async fn the_balance_total_says_what_it_is() {
    let sim = sim(false).await;
    let out = command(&sim, &["balance"]).output().await.unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let total = text
        .lines()
        .find(|l| l.starts_with("available for new orders, valued in USD: "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(Decimal::from_str(total.rsplit(' ').next().unwrap()).is_ok(), "{total}");
    assert!(
        text.contains("total_available_balance")
            && text.contains("minus the initial margin")
            && text.contains("not a sum"),
        "the total is explained: {text}"
    );
    assert_aligned(text.lines().take_while(|l| !l.starts_with("available")).collect::<Vec<_>>().join("\n").as_str(), 1);
}

#[tokio::test]
async fn positions_prints_a_table_and_json_with_the_margin_figures() {
    let sim = sim(false).await;
    let out = command(&sim, &["positions"]).output().await.expect("runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("no open positions"));
    sim.with_venue(|x| {
        x.inject_maker("BTCUSD-PERP", false, Decimal::from(50_001), Decimal::ONE, cdc_engine::clock::system_now_ms());
        let buy =
            serde_json::json!({"instrument_name": "BTCUSD-PERP", "side": "BUY", "type": "MARKET", "quantity": "0.1"});
        cdc_sim::venue::Venue::private(x, "private/create-order", &buy, None, cdc_engine::clock::system_now_ms())
            .expect("bought");
    });

    let out = command(&sim, &["positions", "--json"]).output().await.expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = json_lines(&out.stdout);
    let p = &lines[0];
    assert_eq!((p["type"].as_str(), p["instrument_name"].as_str()), (Some("position"), Some("BTCUSD-PERP")));
    assert_eq!(Decimal::from_str(p["quantity"].as_str().unwrap_or_default()).ok(), Decimal::from_str("0.1").ok());
    assert_eq!(p["entry_price"], "50001");
    let m = lines.last().expect("a margin line");
    assert_eq!(m["type"], "margin");
    assert!(Decimal::from_str(m["initial_margin"].as_str().unwrap_or("0")).is_ok_and(|im| im > Decimal::ZERO), "{m}");

    let out = command(&sim, &["positions"]).output().await.expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("INSTRUMENT") && text.contains("BTCUSD-PERP") && text.contains("50001"), "{text}");
    assert!(text.contains("margin (USD): available"), "{text}");
}
