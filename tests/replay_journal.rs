//! `cdc-engine replay` on a journal written by a real engine run against the simulator: it
//! lists the journal's order updates and fills in journal order, a strategy's intents in answer
//! (a TWAP's slices, on its timer in journal time, given the journal's client ids of its tag),
//! sends nothing, and refuses a file that is not a journal.

mod support;

use std::path::Path;
use std::process::Output;
use std::str::FromStr;

use cdc_engine::clock::system_now_ms;
use cdc_engine::engine::start;
use cdc_sim::venue::Venue;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use support::*;

fn replay(home: &Path, args: &[&str]) -> Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    for var in ["CDC_CONFIG", "CDC_PROFILE", "CDC_ENV", "RUST_LOG", "CDC_API_KEY", "CDC_API_SECRET"] {
        c.env_remove(var);
    }
    c.env("HOME", home).arg("replay").args(args).output().expect("the binary runs")
}

fn lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// A BUY of 0.0010 at `price` placed into the simulator's core at time `t_ms`.
fn bid_at(sim: &cdc_sim::SimHandle<cdc_sim::exchange::Exchange>, price: &str, oid: &str, t_ms: u64) {
    let params = json!({"instrument_name": "BTC_USD", "side": "BUY", "type": "LIMIT", "price": price,
        "quantity": "0.0010", "client_oid": oid});
    sim.with_venue(|x| x.private("private/create-order", &params, None, t_ms)).expect("order accepted");
}

/// Two filled bids tagged as a TWAP's (1.2 s apart in exchange time) and one resting bid of
/// another client's, journaled by an engine.
async fn journal_of_a_run(path: &Path) -> Vec<String> {
    let sim = sim(false).await;
    let engine = start(engine_cfg(&sim, Some(path)), Vec::new()).await.expect("engine starts");
    eventually(20, "engine live", || engine.state().is_live()).await;
    let t0 = system_now_ms();
    let qty = Decimal::from_str("0.0010").unwrap();
    bid_at(&sim, "49000.00", "twap-r1-1", t0);
    sim.with_venue(|x| x.inject_taker("BTC_USD", false, qty, t0));
    bid_at(&sim, "49000.00", "twap-r1-2", t0 + 1200);
    sim.with_venue(|x| x.inject_taker("BTC_USD", false, qty, t0 + 1200));
    bid_at(&sim, "40000.00", "other-client", t0 + 1300);
    converge(&engine, &sim, 20).await;
    engine.shutdown(true).await.expect("shutdown");
    sim_trade_ids(&sim)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_is_listed_in_order_and_a_strategy_shows_what_it_would_ask_for() {
    let dir = tempfile::tempdir().expect("dir");
    let journal = dir.path().join("run.sqlite");
    let trade_ids = journal_of_a_run(&journal).await;
    assert_eq!(trade_ids.len(), 2, "the scenario itself");
    let j = journal.to_str().expect("utf-8");

    let o = replay(dir.path(), &["--journal", j, "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = lines(&o);
    assert_eq!(all[0]["type"], "replay");
    assert_eq!(all[0]["fills"], 2);
    assert!(all[0]["sends"].as_str().unwrap().contains("nothing"));
    let records = &all[1..all.len() - 1];
    assert_eq!(all[all.len() - 1]["type"], "replay_summary");
    assert_eq!(all[all.len() - 1]["sent"], 0);
    assert!(records.iter().enumerate().all(|(k, r)| r["seq"] == k && r["applied"] == true), "{records:?}");
    let times: Vec<u64> = records.iter().map(|r| r["time"].as_u64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "journal order is time order here: {times:?}");
    let fills: Vec<&str> =
        records.iter().filter(|r| r["type"] == "fill").map(|r| r["trade_id"].as_str().unwrap()).collect();
    assert_eq!(fills, trade_ids.iter().map(String::as_str).collect::<Vec<_>>(), "both fills, in order");
    let at = |oid: &str, kind: &str| {
        records
            .iter()
            .position(|r| r["client_oid"] == oid && r["type"] == kind)
            .unwrap_or_else(|| panic!("{oid} {kind}"))
    };
    assert!(at("twap-r1-1", "order") < at("twap-r1-1", "fill") && at("twap-r1-1", "fill") < at("twap-r1-2", "order"));
    assert!(at("twap-r1-2", "fill") < at("other-client", "order"));
    let last_status = |oid: &str| {
        records.iter().rev().find(|r| r["client_oid"] == oid && r["type"] == "order").unwrap()["status"].clone()
    };
    assert_eq!((last_status("twap-r1-1"), last_status("twap-r1-2")), (json!("FILLED"), json!("FILLED")));
    assert_eq!(last_status("other-client"), json!("ACTIVE"));
    assert!(records.iter().all(|r| r["to_strategy"] == false), "no strategy: nothing reaches one");

    // A TWAP of 2 slices over 1 s: a slice every 500 ms of journal time.
    let config = dir.path().join("twap.toml");
    std::fs::write(
        &config,
        "[strategies.twap]\nside = \"BUY\"\ntotal_qty = \"0.002\"\nduration_secs = 1\nslices = 2\n",
    )
    .unwrap();
    let o = replay(dir.path(), &["--journal", j, "twap", "--config", config.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = lines(&o);
    assert_eq!(all[0]["strategy"], "twap");
    let intents: Vec<&Value> = all.iter().filter(|l| l["type"] == "intent").collect();
    assert!(!intents.is_empty(), "the TWAP's slices are shown: {all:?}");
    let first = intents[0];
    assert_eq!(
        (first["callback"].clone(), first["method"].clone()),
        (json!("on_timer"), json!("private/create-order"))
    );
    assert_eq!(first["params"]["side"], "BUY");
    let qty = Decimal::from_str(first["params"]["quantity"].as_str().unwrap()).unwrap();
    assert_eq!(qty, Decimal::from_str("0.001").unwrap(), "the first slice is half the total");
    assert_eq!(first["params"]["client_oid"], "twap-r1-1", "its first order takes the journal's first client id");
    let to_twap: Vec<&Value> = all.iter().filter(|l| l["to_strategy"] == true).collect();
    assert!(to_twap.iter().all(|r| r["client_oid"].as_str().unwrap().starts_with("twap-")), "{to_twap:?}");
    assert!(all.iter().any(|r| r["client_oid"] == "other-client" && r["to_strategy"] == false));

    let human = replay(dir.path(), &["--journal", j, "twap", "--config", config.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("read-only, nothing is sent") && text.contains("on_timer: private/create-order"), "{text}");
}

#[test]
fn a_file_that_is_not_a_journal_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "these are not the records you are looking for\n").unwrap();
    let o = replay(dir.path(), &["--journal", text.to_str().unwrap()]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("notes.txt") && e.contains("not a valid SQLite database"), "{e}");

    let empty = dir.path().join("empty.sqlite");
    rusqlite::Connection::open(&empty).unwrap().execute_batch("CREATE TABLE t (x INTEGER);").unwrap();
    let o = replay(dir.path(), &["--journal", empty.to_str().unwrap()]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("is not a cdc-engine journal"), "{e}");

    let o = replay(dir.path(), &["--journal", dir.path().join("nope.sqlite").to_str().unwrap()]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("does not exist"));
}
