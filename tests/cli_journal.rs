//! `cdc-engine journal` on a journal written by a real engine run against the simulator: its
//! figures equal the average-cost PnL of the simulator's own fills, it reads while the engine
//! still holds the journal, it finds the profile's journal the way `run` does, and a missing
//! file is a clear error.

mod support;

use std::path::Path;
use std::process::Output;
use std::str::FromStr;
use std::time::Duration;

use cdc_engine::engine::start;
use cdc_engine::pnl::Pnl;
use cdc_engine::protocol::models::Trade;
use rust_decimal::Decimal;
use serde_json::Value;
use support::*;

fn journal_cmd(args: &[&str], cwd: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .arg("journal")
        .args(args)
        .current_dir(cwd)
        .env_remove("CDC_CONFIG")
        .env_remove("CDC_PROFILE")
        .env_remove("CDC_ENV")
        .env_remove("RUST_LOG")
        .output()
        .expect("runs")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("a decimal string: {v}"))).expect("decimal")
}

/// A round trip on BTC_USD through a running engine with a journal: buy 0.003 @ 49000, sell
/// 0.002 @ 51000, so 4 USD realised before fees; one more resting order stays open.
async fn trade_through_an_engine(journal: &Path) -> (Running, Pnl, u64) {
    let sim = sim(false).await;
    let engine = start(engine_cfg(&sim, Some(journal)), Vec::new()).await.expect("engine starts");
    eventually(20, "engine live", || engine.state().is_live()).await;
    place_direct(&sim, true, "49000.00", "0.0030", "j-buy");
    take(&sim, false, Decimal::from_str("0.0030").unwrap());
    place_direct(&sim, false, "51000.00", "0.0020", "j-sell");
    take(&sim, true, Decimal::from_str("0.0020").unwrap());
    place_direct(&sim, true, "40000.00", "0.0010", "j-rests");
    converge(&engine, &sim, 20).await;
    let mut expected = Pnl::default();
    let trades = sim.with_venue(|x| x.user_trades());
    for t in &trades {
        expected.apply_trade(&serde_json::from_value::<Trade>(t.clone()).expect("a trade"));
    }
    (Running { engine, _sim: sim }, expected, trades.len() as u64)
}

/// An engine and the simulator it talks to, kept alive together.
struct Running {
    engine: cdc_engine::engine::EngineHandle,
    _sim: cdc_sim::SimHandle<cdc_sim::exchange::Exchange>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_figures_equal_the_pnl_of_the_exchanges_fills_even_while_the_engine_runs() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("run.sqlite");
    let (run, expected, n) = trade_through_an_engine(&path).await;
    let want = expected.get("BTC_USD").expect("BTC_USD traded");
    assert_eq!((n, want.realised), (2, Decimal::from(4)), "the scenario itself");

    // The engine still holds the journal's lock: reading must not need it.
    let p = path.to_str().expect("utf-8 path");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let out = journal_cmd(&["--file", p, "--json"], dir.path());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let lines = json_lines(&out);
        if lines[0]["fills"] == n {
            break lines;
        }
        assert!(tokio::time::Instant::now() < deadline, "the journal never showed {n} fills: {lines:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(lines[0]["type"], "journal");
    let btc = lines.iter().find(|l| l["instrument_name"] == "BTC_USD").expect("a BTC_USD line");
    assert_eq!(btc["type"], "journal_instrument");
    assert_eq!(btc["fills"], 2);
    assert_eq!(dec(&btc["realised_pnl"]), want.realised);
    assert_eq!(dec(&btc["volume"]), want.volume);
    assert_eq!(dec(&btc["notional"]), want.notional);
    assert_eq!(dec(&btc["position"]), want.position);
    for (ccy, fee) in &want.fees {
        assert_eq!(dec(&btc["fees"][ccy]), *fee, "fee in {ccy}");
    }
    assert!(btc["orders"].as_u64().is_some_and(|o| o >= 2), "{btc}");
    run.engine.shutdown(true).await.expect("shutdown");

    // After the run: the table, and the filters.
    let out = journal_cmd(&["--file", p], dir.path());
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().next().is_some_and(|l| l.contains("2 fill(s)")), "{text}");
    let row = text.lines().find(|l| l.starts_with("BTC_USD")).unwrap_or_else(|| panic!("{text}"));
    assert!(row.split_whitespace().any(|c| c == "4"), "realised 4 in {row}");
    assert!(text.contains("REALISED") && text.contains("before fees"), "{text}");

    let out = journal_cmd(&["--file", p, "--json", "--since", "2099-01-01T00:00:00Z"], dir.path());
    assert_eq!(json_lines(&out)[0]["fills"], 0, "nothing after a future time");
    let out = journal_cmd(&["--file", p, "--json", "--since", "1h"], dir.path());
    assert_eq!(json_lines(&out)[0]["fills"], 2, "everything in the last hour");
    let out = journal_cmd(&["--file", p, "--json", "--instrument", "ETH_USD"], dir.path());
    assert_eq!(json_lines(&out).len(), 1, "no ETH_USD line: {:?}", json_lines(&out));
    let out = journal_cmd(&["--file", p, "--since", "yesterday"], dir.path());
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profiles_journal_is_found_relative_to_the_config_file() {
    let dir = tempfile::tempdir().expect("dir");
    let conf_dir = dir.path().join("conf");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&conf_dir).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    let config = conf_dir.join("config.toml");
    std::fs::write(&config, "[profiles.sim]\njournal = \"data/rel.sqlite\"\n").unwrap();
    let (run, _, n) = trade_through_an_engine(&conf_dir.join("data/rel.sqlite")).await;
    run.engine.shutdown(true).await.expect("shutdown");
    let out = journal_cmd(&["--config", config.to_str().unwrap(), "--json"], &elsewhere);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json_lines(&out)[0]["fills"], n);
    assert!(!elsewhere.join("data").exists(), "the path was not taken relative to the working directory");
}

#[test]
fn a_missing_journal_or_none_configured_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("dir");
    let out = journal_cmd(&["--file", "nope.sqlite"], dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope.sqlite") && err.contains("does not exist"), "{err}");
    assert!(!dir.path().join("nope.sqlite").exists() && !dir.path().join("nope.sqlite.lock").exists());

    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[profiles.bare]\n").unwrap();
    let out = journal_cmd(&["--config", config.to_str().unwrap()], dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no journal") && err.contains("--file"), "{err}");
}
