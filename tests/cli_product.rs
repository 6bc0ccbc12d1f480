//! The product as a person meets it: `demo` shows fills and balances changing within 10 s,
//! offline; `run` trades a strategy from a config file and cleans up on exit; `run --paper`
//! never touches the live venue; and the secret appears in no output of any command.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::*;

const SECRET_TOKEN: &str = SECRET;

fn bin() -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    c.env_remove("CDC_CONFIG").env_remove("CDC_PROFILE").env_remove("RUST_LOG").kill_on_drop(true);
    c
}

fn text(o: &std::process::Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn config_file(dir: &Path, sim: &cdc_sim::SimHandle<cdc_sim::exchange::Exchange>) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    let body = format!(
        "default_profile = \"simulated\"\n\n[profiles.simulated]\nrest_url = \"{}\"\nuser_ws_url = \"{}\"\nmarket_ws_url = \"{}\"\n\
         api_key = \"{KEY}\"\napi_secret = \"{SECRET}\"\njournal = \"run.sqlite\"\n\n[profiles.simulated.risk]\nmax_order_notional = \"5000\"\n\n\
         [strategies.twap]\ninstrument = \"BTC_USD\"\nside = \"BUY\"\ntotal_qty = \"0.003\"\nduration_secs = \"2\"\nslices = 3\n",
        sim.rest_url(),
        sim.user_ws_url(),
        sim.market_ws_url()
    );
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

#[tokio::test]
async fn demo_shows_fills_and_balances_changing_within_ten_seconds_offline() {
    let o = bin().args(["demo", "--duration", "12"]).output().await.unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    let mut early_fills = false;
    for line in stdout.lines().filter(|l| l.starts_with("-- t+")) {
        let secs: u64 = line[5..].trim_start().split('s').next().unwrap().trim().parse().unwrap();
        let fills: u64 = line.split("fills ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        early_fills |= secs <= 10 && fills > 0;
    }
    assert!(early_fills, "no fills within 10 s:\n{stdout}");
    assert!(
        stdout.lines().filter(|l| l.starts_with("BALANCE  BTC")).count() >= 2,
        "BTC balance never changed:\n{stdout}"
    );
    assert!(stdout.contains("FILL     BTC_USD"));
    assert!(!stderr.contains("panicked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_trades_a_strategy_from_the_config_and_cancels_on_exit() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), &sim);
    let o = bin().args(["run", "twap", "--json", "--duration", "8", "--config"]).arg(&cfg).output().await.unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    let lines: Vec<Value> =
        stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let bought: rust_decimal::Decimal = lines
        .iter()
        .filter(|l| l["type"] == "fill")
        .map(|l| l["quantity"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(bought, "0.003".parse().unwrap(), "the TWAP bought exactly its total:\n{stdout}");
    assert!(sim_open_orders(&sim).is_empty(), "nothing left resting");
    assert!(dir.path().join("run.sqlite").exists(), "the journal from the config was used");
    assert!(!stdout.contains(SECRET_TOKEN) && !stderr.contains(SECRET_TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paper_runs_never_touch_the_live_venue() {
    let live = sim(true).await;
    let o = bin()
        .args(["run", "market_maker", "--paper", "--duration", "6"])
        .env("CDC_MARKET_WS_URL", live.market_ws_url())
        .env("CDC_REST_URL", live.rest_url())
        .env("CDC_USER_WS_URL", live.user_ws_url())
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("paper trading"), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.starts_with("ORDER") || l.starts_with("FILL")),
        "the strategy traded on paper:\n{stdout}"
    );
    assert!(sim_trade_ids(&live).is_empty() && sim_open_orders(&live).is_empty(), "an order reached the live venue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_appears_in_no_output_of_any_command() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), &sim);
    let report = dir.path().join("report.txt");
    let env = |c: &mut tokio::process::Command| {
        c.env("CDC_REST_URL", sim.rest_url())
            .env("CDC_USER_WS_URL", sim.user_ws_url())
            .env("CDC_MARKET_WS_URL", sim.market_ws_url())
            .env("CDC_API_KEY", KEY)
            .env("CDC_API_SECRET", SECRET)
            .env("RUST_LOG", "debug");
    };
    let runs: Vec<Vec<String>> = vec![
        vec!["sign".into(), "--method".into(), "private/user-balance".into(), "--json".into()],
        vec!["sign".into(), "--method".into(), "private/user-balance".into()],
        vec!["balance".into()],
        vec!["balance".into(), "--json".into()],
        vec!["positions".into()],
        vec!["positions".into(), "--json".into()],
        vec!["orders".into(), "--history".into()],
        vec!["tail".into(), "--json".into(), "--duration".into(), "2".into()],
        vec!["tail".into(), "--duration".into(), "2".into()],
        vec![
            "run".into(),
            "twap".into(),
            "--duration".into(),
            "3".into(),
            "--config".into(),
            cfg.display().to_string(),
        ],
        vec!["doctor".into(), "--report".into(), report.display().to_string()],
        vec!["doctor".into(), "--json".into()],
        vec!["demo".into(), "--duration".into(), "2".into()],
    ];
    let mut all = String::new();
    for args in &runs {
        let mut c = bin();
        c.args(args);
        env(&mut c);
        let o = c.output().await.unwrap();
        let (stdout, stderr) = text(&o);
        assert!(!stdout.is_empty() || !stderr.is_empty(), "{args:?} printed nothing");
        all.push_str(&stdout);
        all.push_str(&stderr);
    }
    all.push_str(&std::fs::read_to_string(&report).unwrap());
    // The simulator, given the same secret, must not echo it either.
    let mut c = bin();
    c.args(["sim", "--listen", "127.0.0.1:0", "--api-key", KEY, "--api-secret", SECRET])
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut first = String::new();
    let mut reader = tokio::io::BufReader::new(child.stdout.take().unwrap());
    for _ in 0..3 {
        tokio::io::AsyncBufReadExt::read_line(&mut reader, &mut first).await.unwrap();
    }
    child.kill().await.unwrap();
    all.push_str(&first);
    assert!(all.len() > 1000, "the commands produced output to search");
    assert!(!all.contains(SECRET), "the secret appeared in some output");
    tokio::time::sleep(Duration::from_millis(1)).await;
}
