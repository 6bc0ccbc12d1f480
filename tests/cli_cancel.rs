//! `cancel` and `cancel-all` run as a user runs them, against the simulator: they cancel, then
//! confirm what the exchange holds, and fail (non-zero, with the reason code's name and hint)
//! when the exchange refuses, when the order is unknown, or when orders stay open.

mod support;

use cdc_engine::clock::system_now_ms;
use cdc_sim::exchange::Exchange;
use cdc_sim::venue::Venue;
use cdc_sim::SimHandle;
use serde_json::{json, Value};
use support::*;

fn command(sim: &SimHandle<Exchange>, args: &[&str]) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    c.args(args)
        .env("CDC_REST_URL", sim.rest_url())
        .env("CDC_USER_WS_URL", sim.user_ws_url())
        .env("CDC_MARKET_WS_URL", sim.market_ws_url())
        .env("CDC_API_KEY", KEY)
        .env("CDC_API_SECRET", SECRET)
        .env_remove("CDC_CONFIG")
        .env_remove("CDC_PROFILE")
        .env_remove("CDC_ENV")
        .env_remove("RUST_LOG")
        .kill_on_drop(true);
    c
}

struct Ran {
    ok: bool,
    stdout: String,
    stderr: String,
}

async fn run(sim: &SimHandle<Exchange>, args: &[&str]) -> Ran {
    let out = command(sim, args).output().await.expect("runs");
    let ran = Ran {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!ran.stdout.contains(SECRET) && !ran.stderr.contains(SECRET), "the secret leaked");
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    ran
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
}

/// Places a resting limit order on any instrument straight into the simulator; its order id.
fn place(sim: &SimHandle<Exchange>, instrument: &str, price: &str, qty: &str, oid: &str) -> String {
    let params = json!({"instrument_name": instrument, "side": "BUY", "type": "LIMIT", "price": price,
        "quantity": qty, "client_oid": oid});
    let ack = sim.with_venue(|x| x.private("private/create-order", &params, None, system_now_ms())).expect("placed");
    ack["order_id"].as_str().expect("order id").to_owned()
}

fn open_oids(sim: &SimHandle<Exchange>) -> Vec<String> {
    let mut v: Vec<String> = sim
        .with_venue(|x| x.open_orders_json(None))
        .iter()
        .filter_map(|o| o["client_oid"].as_str().map(str::to_owned))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn cancel_by_order_id_confirms_the_final_state() {
    let sim = sim(false).await;
    let id = place(&sim, "BTC_USD", "48000.00", "0.0100", "keep-me-not");
    place(&sim, "BTC_USD", "47000.00", "0.0100", "bystander");
    let r = run(&sim, &["cancel", "--order-id", &id]).await;
    assert!(r.ok, "{}", r.stderr);
    let line = r.stdout.lines().find(|l| l.contains(&id)).unwrap_or_else(|| panic!("order shown: {}", r.stdout));
    assert!(line.contains("CANCELED") && line.contains("keep-me-not"), "{line}");
    assert_eq!(open_oids(&sim), ["bystander"]);
}

#[tokio::test]
async fn cancel_by_client_oid_prints_the_order_as_json() {
    let sim = sim(false).await;
    let id = place(&sim, "ETH_USD", "2900.00", "0.010", "by-oid");
    let r = run(&sim, &["cancel", "--client-oid", "by-oid", "--json"]).await;
    assert!(r.ok, "{}", r.stderr);
    let lines = json_lines(&r.stdout);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        (lines[0]["type"].as_str(), lines[0]["order_id"].as_str(), lines[0]["status"].as_str()),
        (Some("order"), Some(id.as_str()), Some("CANCELED"))
    );
    assert!(open_oids(&sim).is_empty());
}

#[tokio::test]
async fn an_unknown_order_fails_with_the_code_name_and_hint() {
    let sim = sim(false).await;
    let r = run(&sim, &["cancel", "--order-id", "987654321"]).await;
    assert!(!r.ok, "an unknown order must fail: {}", r.stdout);
    assert!(r.stderr.contains("212") && r.stderr.contains("INVALID_ORDERID"), "{}", r.stderr);
    assert!(r.stderr.contains("Hint: Send order_id as a string"), "the hint: {}", r.stderr);
    assert!(r.stderr.contains("does not know order 987654321 on this account"), "{}", r.stderr);

    let r = run(&sim, &["cancel", "--client-oid", "never-placed", "--json"]).await;
    assert!(!r.ok);
    let refused = &json_lines(&r.stdout)[0];
    assert_eq!((refused["type"].as_str(), refused["name"].as_str()), (Some("refused"), Some("INVALID_ORDERID")));
    assert!(refused["hint"].as_str().is_some_and(|h| !h.is_empty()), "{refused}");
}

#[tokio::test]
async fn cancelling_a_finished_order_is_refused_and_shows_its_state() {
    let sim = sim(false).await;
    let id = place(&sim, "BTC_USD", "48000.00", "0.0100", "twice");
    assert!(run(&sim, &["cancel", "--order-id", &id]).await.ok);
    let r = run(&sim, &["cancel", "--order-id", &id]).await;
    assert!(!r.ok, "a second cancel is a refusal");
    assert!(r.stderr.contains("NO_ACTIVE_ORDER"), "{}", r.stderr);
    assert!(r.stdout.contains("CANCELED"), "what became of it: {}", r.stdout);
}

#[tokio::test]
async fn an_order_still_open_at_the_deadline_fails() {
    let sim = sim(false).await;
    let id = place(&sim, "BTC_USD", "48000.00", "0.0100", "sticky");
    // The next request is answered "success" without being executed: the cancel is lost.
    sim.faults().inject_errors(0, 1);
    let r = run(&sim, &["cancel", "--order-id", &id, "--wait", "1"]).await;
    assert!(!r.ok, "an order still open must fail: {}", r.stdout);
    assert!(r.stderr.contains("still ACTIVE") && r.stderr.contains("after 1 s"), "{}", r.stderr);
    assert!(r.stdout.contains("ACTIVE") && r.stdout.contains(&id), "its state: {}", r.stdout);
    assert_eq!(open_oids(&sim), ["sticky"]);
}

#[tokio::test]
async fn cancel_all_for_one_instrument_leaves_the_others_alone() {
    let sim = sim(false).await;
    place(&sim, "BTC_USD", "48000.00", "0.0100", "btc-1");
    place(&sim, "BTC_USD", "47000.00", "0.0100", "btc-2");
    place(&sim, "ETH_USD", "2900.00", "0.010", "eth-1");
    place(&sim, "CRO_USD", "0.09000", "100", "cro-1");
    let r = run(&sim, &["cancel-all", "--instrument", "BTC_USD"]).await;
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("no open orders left on instrument BTC_USD"), "{}", r.stdout);
    assert_eq!(open_oids(&sim), ["cro-1", "eth-1"]);

    let r = run(&sim, &["cancel-all", "--json"]).await;
    assert!(r.ok, "{}", r.stderr);
    let lines = json_lines(&r.stdout);
    assert_eq!(
        lines.last().map(|l| (l["type"].clone(), l["still_open"].clone())),
        Some((json!("cancel_all"), json!(0)))
    );
    assert!(open_oids(&sim).is_empty());
}

#[tokio::test]
async fn cancel_all_lists_what_is_still_open_at_the_deadline_and_fails() {
    let sim = sim(false).await;
    place(&sim, "BTC_USD", "48000.00", "0.0100", "left-1");
    place(&sim, "ETH_USD", "2900.00", "0.010", "other-1");
    sim.faults().inject_errors(0, 1);
    let r = run(&sim, &["cancel-all", "--instrument", "BTC_USD", "--wait", "1"]).await;
    assert!(!r.ok, "orders still open must fail: {}", r.stdout);
    assert!(r.stderr.contains("1 order(s) still open on instrument BTC_USD"), "{}", r.stderr);
    assert!(r.stdout.contains("left-1") && !r.stdout.contains("other-1"), "only that instrument: {}", r.stdout);
}

#[tokio::test]
async fn a_refused_cancel_all_names_the_code() {
    let sim = sim(false).await;
    sim.faults().inject_errors(40101, 1);
    let r = run(&sim, &["cancel-all"]).await;
    assert!(!r.ok);
    assert!(r.stderr.contains("UNAUTHORIZED") && r.stderr.contains("Hint:"), "{}", r.stderr);
}
