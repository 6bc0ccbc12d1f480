//! `run` as a person meets it when something is wrong: an instrument the venue does not list,
//! a market feed that never answers, a strategy whose every order is refused; and what a clean
//! stop and a `kill -9` leave behind. Each ends in a clear message and the right exit code.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cdc_engine::engine::oid::tag_of;
use cdc_sim::exchange::Exchange;
use cdc_sim::SimHandle;
use rust_decimal::Decimal;
use serde_json::Value;
use support::*;

fn bin() -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    c.env_remove("CDC_CONFIG").env_remove("CDC_PROFILE").env_remove("RUST_LOG").kill_on_drop(true);
    for k in ["CDC_API_KEY", "CDC_API_SECRET", "CDC_ENV", "CDC_REST_URL", "CDC_USER_WS_URL", "CDC_MARKET_WS_URL"] {
        c.env_remove(k);
    }
    c
}

fn text(o: &std::process::Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// A private config with one profile on `sim` (market data from `market`), a journal, and
/// the market maker's and extra settings.
fn config(dir: &Path, sim: &SimHandle<Exchange>, market: &str, mm: &str, risk: &str) -> PathBuf {
    let path = dir.join("config.toml");
    let body = format!(
        "default_profile = \"s\"\n\n[profiles.s]\nrest_url = \"{}\"\nuser_ws_url = \"{}\"\nmarket_ws_url = \"{market}\"\n\
         api_key = \"{KEY}\"\napi_secret = \"{SECRET}\"\njournal = \"{}\"\n\n[profiles.s.risk]\n{risk}\n\n\
         [strategies.market_maker]\n{mm}\n",
        sim.rest_url(),
        sim.user_ws_url(),
        dir.join("run.sqlite").display()
    );
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

const MM: &str = "instrument = \"BTC_USD\"\nspread_bps = \"0.3\"\norder_qty = \"0.001\"\nmax_position = \"0.01\"";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlisted_instrument_is_refused_at_once_naming_the_closest() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    for name in ["btc_usd", "FOO_BAR"] {
        let mm = MM.replace("BTC_USD", name);
        let cfg = config(dir.path(), &sim, &sim.market_ws_url(), &mm, "");
        let t = Instant::now();
        let o = bin().args(["run", "market_maker", "--duration", "30", "--config"]).arg(&cfg).output().await.unwrap();
        let (_, stderr) = text(&o);
        assert!(!o.status.success(), "{name}: exit 0");
        assert!(stderr.contains(&format!("{name} is not listed")) && stderr.contains("closest listed:"), "{stderr}");
        assert!(t.elapsed() < Duration::from_secs(10), "a config problem is reported at once");
    }
    assert!(sim_open_orders(&sim).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_off_tick_quantity_in_the_config_is_refused_at_once_naming_the_right_values() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &sim, &sim.market_ws_url(), &MM.replace("\"0.001\"", "\"0.00015\""), "");
    let t = Instant::now();
    let o = bin().args(["run", "market_maker", "--duration", "30", "--config"]).arg(&cfg).output().await.unwrap();
    let (_, stderr) = text(&o);
    assert!(!o.status.success());
    assert!(stderr.contains("order_qty 0.00015") && stderr.contains("0.0001") && stderr.contains("0.0002"), "{stderr}");
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(sim_open_orders(&sim).is_empty(), "nothing was sent");
}

#[tokio::test]
async fn an_unknown_strategy_names_the_built_ins_once() {
    let o =
        bin().args(["run", "momentum"]).env("CDC_API_KEY", KEY).env("CDC_API_SECRET", SECRET).output().await.unwrap();
    let (_, stderr) = text(&o);
    assert!(!o.status.success());
    assert!(stderr.contains("unknown strategy `momentum`"), "{stderr}");
    assert_eq!(stderr.matches("market_maker").count(), 1, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paper_trading_without_the_live_feed_ends_within_the_feed_timeout() {
    let live = sim(true).await;
    let t = Instant::now();
    let o = bin()
        .args(["run", "market_maker", "--paper", "--duration", "60", "--feed-timeout", "3"])
        .env("CDC_MARKET_WS_URL", "ws://127.0.0.1:1/exchange/v1/market")
        .env("CDC_REST_URL", live.rest_url())
        .env("CDC_USER_WS_URL", live.user_ws_url())
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(!o.status.success(), "exit 0:\n{stdout}");
    assert!(stdout.contains("FEED     offline"), "{stdout}");
    assert!(
        stderr.contains("no market data after 3 s") && stderr.contains("--paper needs the live market feed"),
        "{stderr}"
    );
    assert!(t.elapsed() < Duration::from_secs(25), "gave up in {:?}", t.elapsed());
    assert!(sim_trade_ids(&live).is_empty() && sim_open_orders(&live).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_market_feed_that_never_answers_ends_the_run_within_the_feed_timeout() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1 of loopback: every connect is refused.
    let cfg = config(dir.path(), &sim, "ws://127.0.0.1:1/exchange/v1/market", MM, "");
    let t = Instant::now();
    let o = bin()
        .args(["run", "market_maker", "--duration", "60", "--feed-timeout", "3", "--config"])
        .arg(&cfg)
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(!o.status.success(), "exit 0:\n{stdout}");
    assert!(stdout.contains("connecting:") && stdout.contains("FEED     offline"), "{stdout}");
    assert!(stderr.contains("no market data after 3 s"), "{stderr}");
    assert!(t.elapsed() < Duration::from_secs(25), "gave up in {:?}", t.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strategy_whose_every_order_is_refused_is_halted_and_the_run_fails_with_the_reason() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &sim, &sim.market_ws_url(), MM, "max_order_notional = \"1\"");
    let o = bin().args(["run", "market_maker", "--duration", "60", "--config"]).arg(&cfg).output().await.unwrap();
    let (stdout, stderr) = text(&o);
    assert!(!o.status.success(), "exit 0:\n{stdout}");
    assert!(stdout.contains("HALTED   market_maker"), "{stdout}");
    assert!(stderr.contains("every strategy was halted") && stderr.contains("notional"), "{stderr}");
    assert!(stdout.contains("summary:"), "{stdout}");
}

/// The newest journalled status of every order.
fn journal_statuses(path: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT order_id, status FROM orders WHERE seq IN (SELECT MAX(seq) FROM orders GROUP BY order_id)")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_stop_leaves_no_order_active_in_the_journal_and_prints_the_summary() {
    clean_stop_by("-INT").await; // Ctrl-C, as a person stops it
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_as_cleanly_as_ctrl_c() {
    clean_stop_by("-TERM").await; // as a service manager stops it
}

async fn clean_stop_by(signal: &str) {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &sim, &sim.market_ws_url(), MM, "");
    let child = bin()
        .args(["run", "market_maker", "--config"])
        .arg(&cfg)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sim_mm_position(&sim).0 < 2 || sim_open_orders(&sim).is_empty() {
        assert!(Instant::now() < deadline, "the market maker neither quoted nor traded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args([signal, &pid]).status().unwrap().success());
    let o = child.wait_with_output().await.unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("summary:") && stdout.contains("placed"), "{stdout}");
    assert!(stdout.contains("nothing of this run is open"), "{stdout}");
    let statuses = journal_statuses(&dir.path().join("run.sqlite"));
    assert!(!statuses.is_empty(), "the run journalled its orders");
    let active: Vec<_> = statuses.iter().filter(|(_, s)| s == "ACTIVE" || s == "NEW" || s == "PENDING").collect();
    assert!(active.is_empty(), "still active in the journal: {active:?}");
    assert!(sim_open_orders(&sim).is_empty());
}

/// Net base quantity of the simulator's fills of the market maker's orders.
fn sim_mm_position(sim: &SimHandle<Exchange>) -> (usize, Decimal) {
    let trades: Vec<Value> = sim.with_venue(|x| x.user_trades());
    let mine: Vec<&Value> =
        trades.iter().filter(|t| t["client_oid"].as_str().and_then(tag_of) == Some("market_maker")).collect();
    let net = mine
        .iter()
        .map(|t| {
            let q: Decimal = t["traded_quantity"].as_str().unwrap().parse().unwrap();
            if t["side"] == "BUY" {
                q
            } else {
                -q
            }
        })
        .sum();
    (mine.len(), net)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_the_restarted_run_resumes_the_strategys_position() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &sim, &sim.market_ws_url(), MM, "");
    let mut first = bin()
        .args(["run", "market_maker", "--config"])
        .arg(&cfg)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(40);
    while sim_mm_position(&sim).0 < 3 {
        assert!(Instant::now() < deadline, "the market maker got no fills");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.start_kill().unwrap(); // SIGKILL: nothing cancelled, nothing flushed
    first.wait().await.unwrap();
    // The dead socket's quotes go with it (cancel-on-disconnect is on whenever a strategy
    // runs) once the exchange notices; the resumed strategy must find exactly what is left.
    // (tests/engine_resume.rs covers orders that outlive the crash.)
    let deadline = Instant::now() + Duration::from_secs(15);
    while !sim_open_orders(&sim).is_empty() {
        assert!(Instant::now() < deadline, "the exchange kept the dead connection's quotes");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (fills, position) = sim_mm_position(&sim);
    let open_before = sim_open_orders(&sim).len();

    let o = bin()
        .args(["run", "market_maker", "--json", "--duration", "3", "--keep-orders", "--config"])
        .arg(&cfg)
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    let resumed: Value = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["type"] == "resumed")
        .unwrap_or_else(|| panic!("no resumed line:\n{stdout}"));
    let got: Decimal = resumed["position"]["BTC_USD"].as_str().unwrap_or("0").parse().unwrap();
    assert_eq!(got, position, "{resumed}");
    assert!(resumed["fills"].as_u64().unwrap() >= fills as u64, "{resumed}");
    assert_eq!(resumed["open_orders"].as_u64().unwrap(), open_before as u64, "{resumed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_a_journal_in_use_is_refused_while_tail_watches_without_it() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &sim, &sim.market_ws_url(), MM, "");
    let mut first = bin()
        .args(["run", "market_maker", "--duration", "60", "--config"])
        .arg(&cfg)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = first.id().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while sim_open_orders(&sim).is_empty() {
        assert!(Instant::now() < deadline, "the first run never quoted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let second = bin().args(["run", "market_maker", "--duration", "5", "--config"]).arg(&cfg).output().await.unwrap();
    let (_, stderr) = text(&second);
    assert!(!second.status.success());
    assert!(stderr.contains("is in use by") && stderr.contains(&format!("pid {pid}")), "{stderr}");
    let tail = bin().args(["tail", "--json", "--duration", "3", "--config"]).arg(&cfg).output().await.unwrap();
    let (stdout, stderr) = text(&tail);
    assert!(tail.status.success(), "{stderr}");
    assert!(stderr.contains("tail follows the account without it"), "{stderr}");
    assert!(stdout.lines().any(|l| l.contains("\"type\":\"connection\"")), "{stdout}");
    first.start_kill().unwrap();
    first.wait().await.unwrap();
}
