//! The unattended options as an operator uses them on `run`: SIGUSR1 pulls the kill switch
//! (halted and cancelled within a second), `--metrics` serves while trading and says where,
//! `--log-format json` writes one JSON object a line with no secret in it, and `--control`
//! refuses to start without its token or on an address other than loopback.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use cdc_sim::exchange::Exchange;
use cdc_sim::venue::Venue;
use cdc_sim::SimHandle;
use serde_json::Value;
use support::*;
use tokio::io::{AsyncBufReadExt, BufReader};

fn bin() -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    c.env_remove("CDC_CONFIG").env_remove("CDC_PROFILE").env_remove("RUST_LOG").kill_on_drop(true);
    for k in ["CDC_API_KEY", "CDC_API_SECRET", "CDC_ENV", "CDC_CONTROL_TOKEN", "CDC_ACCOUNT_NAME"] {
        c.env_remove(k);
    }
    c
}

fn config(dir: &Path, sim: &SimHandle<Exchange>) -> PathBuf {
    let path = dir.join("config.toml");
    let body = format!(
        "default_profile = \"s\"\n\n[profiles.s]\nrest_url = \"{}\"\nuser_ws_url = \"{}\"\nmarket_ws_url = \"{}\"\n\
         api_key = \"{KEY}\"\napi_secret = \"{SECRET}\"\njournal = \"{}\"\n\n\
         [strategies.market_maker]\ninstrument = \"BTC_USD\"\nspread_bps = \"0.3\"\norder_qty = \"0.001\"\nmax_position = \"0.01\"\n",
        sim.rest_url(),
        sim.user_ws_url(),
        sim.market_ws_url(),
        dir.join("run.sqlite").display()
    );
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// The lines a child writes to one of its pipes, as they come.
fn lines(r: impl tokio::io::AsyncRead + Unpin + Send + 'static) -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut r = BufReader::new(r).lines();
        while let Ok(Some(l)) = r.next_line().await {
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    rx
}

/// Waits for a line that `want` picks something out of, keeping every line read in `seen`.
async fn wait_line<T>(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
    seen: &mut Vec<String>,
    secs: u64,
    want: impl Fn(&str) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(l)) => {
                let got = want(&l);
                seen.push(l);
                if let Some(t) = got {
                    return t;
                }
            }
            other => panic!("no such line within {secs} s ({other:?}); read:\n{}", seen.join("\n")),
        }
    }
}

fn sim_orders(sim: &SimHandle<Exchange>) -> usize {
    sim.with_venue(|x| x.open_orders_json(None)).len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigusr1_halts_and_cancels_within_a_second_while_metrics_and_json_logs_run() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &sim);
    let mut child = bin()
        .args([
            "--log-format",
            "json",
            "run",
            "market_maker",
            "--json",
            "--duration",
            "40",
            "--metrics",
            "127.0.0.1:0",
            "--config",
        ])
        .arg(&cfg)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = lines(child.stdout.take().unwrap());
    let mut err = lines(child.stderr.take().unwrap());
    let (mut out_seen, mut err_seen) = (Vec::new(), Vec::new());
    let metrics = wait_line(&mut err, &mut err_seen, 20, |l| {
        l.strip_prefix("metrics: http://").and_then(|r| r.split_whitespace().next()).map(|u| format!("http://{u}"))
    })
    .await;
    eventually(20, "the market maker quoting", || sim_orders(&sim) > 0).await;
    let text = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
    assert!(text.contains("cdc_strategy_running{strategy=\"market_maker\"} 1"), "{text}");
    assert!(text.contains("cdc_frames_total{socket=\"market\",channel=\"book\"}"), "{text}");

    let pid = child.id().unwrap().to_string();
    let sent = Instant::now();
    assert!(std::process::Command::new("kill").args(["-USR1", &pid]).status().unwrap().success());
    while sim_orders(&sim) > 0 {
        assert!(sent.elapsed() < Duration::from_secs(1), "quotes still open 1 s after SIGUSR1");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let switched = wait_line(&mut out, &mut out_seen, 5, |l| {
        let v: Value = serde_json::from_str(l).ok()?;
        (v["type"] == "kill_switch" && v["on"] == true).then(|| v["reason"].as_str().unwrap_or("").to_owned())
    })
    .await;
    assert_eq!(switched, "SIGUSR1 from the operator");
    // Every strategy halted: the run ends, non-zero, saying why.
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.unwrap().unwrap();
    assert!(!status.success());
    while let Some(l) = err.recv().await {
        err_seen.push(l);
    }
    let logs: Vec<&String> = err_seen.iter().filter(|l| l.starts_with('{')).collect();
    assert!(!logs.is_empty(), "no JSON log lines:\n{}", err_seen.join("\n"));
    for l in &logs {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string(), "{l}");
    }
    assert!(err_seen.iter().any(|l| l.contains("every strategy was halted")), "{}", err_seen.join("\n"));
    assert!(!err_seen.iter().chain(&out_seen).any(|l| l.contains(SECRET)), "the secret leaked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_refuses_to_start_without_a_token_or_off_loopback() {
    let sim = sim(false).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &sim);
    let run = |extra: &[&str], token: Option<&str>| {
        let mut c = bin();
        c.args(["run", "market_maker", "--duration", "5"]).args(extra).arg("--config").arg(&cfg);
        if let Some(t) = token {
            c.env("CDC_CONTROL_TOKEN", t);
        }
        c.output()
    };
    let o = run(&["--control", "127.0.0.1:0"], None).await.unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--control needs CDC_CONTROL_TOKEN"));
    let o = run(&["--control", "127.0.0.1:0"], Some("short")).await.unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("shorter than 16 characters"));
    let o = run(&["--control", "0.0.0.0:0"], Some("a-long-enough-token-0123")).await.unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && e.contains("is not a loopback address"), "{e}");
    assert_eq!(sim_orders(&sim), 0, "nothing was sent");
}

/// The `runtime:` status line of a `run --json`, if `l` is one.
fn runtime_line(l: &str) -> Option<String> {
    let v: Value = serde_json::from_str(l).ok()?;
    v["detail"].as_str().filter(|d| d.starts_with("runtime:")).map(str::to_owned)
}

/// Each thread of `pid`: its name and the cores it may run on (from /proc).
fn thread_cores(pid: u32) -> Vec<(u32, String, String)> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap();
    tasks
        .filter_map(|t| {
            let t = t.ok()?;
            let tid: u32 = t.file_name().to_str()?.parse().ok()?;
            let status = std::fs::read_to_string(t.path().join("status")).ok()?;
            let field = |k: &str| status.lines().find_map(|l| l.strip_prefix(k)).map(|v| v.trim().to_owned());
            Some((tid, field("Name:")?, field("Cpus_allowed_list:")?))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_trades_on_one_pinned_engine_thread_with_every_other_thread_off_its_core() {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return; // one core: nothing to split (the run says so)
    }
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &sim);
    let mut child = bin()
        .args(["run", "market_maker", "--json", "--duration", "30", "--engine-core", "0", "--config"])
        .arg(&cfg)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = lines(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    let placed = wait_line(&mut out, &mut seen, 20, runtime_line).await;
    assert!(placed.starts_with("runtime: engine thread pinned to core 0"), "{placed}");
    eventually(20, "the market maker quoting", || sim_orders(&sim) > 0).await;
    let pid = child.id().unwrap();
    let threads = thread_cores(pid);
    let main = threads.iter().find(|t| t.0 == pid).expect("the main thread");
    assert_eq!(main.2, "0", "the engine thread is on core 0 alone: {threads:?}");
    assert!(threads.iter().any(|t| t.1 == "journal-writer"), "the journal writer runs: {threads:?}");
    // Every other thread (the journal writer, any blocking-pool thread) is off core 0; a list
    // such as "0-1" that holds core 0 starts with it.
    for t in threads.iter().filter(|t| t.0 != pid) {
        assert!(!t.2.split([',', '-']).any(|c| c == "0"), "{} shares the engine's core: {threads:?}", t.1);
    }
    let _ = child.kill().await;

    // `--runtime threads` is tokio's multi-threaded runtime; a core the process lacks is refused.
    let o = bin().args(["run", "market_maker", "--engine-core", "4096", "--config"]).arg(&cfg).output().await.unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && e.contains("--engine-core 4096 is not a core this process may use"), "{e}");
    let mut child = bin()
        .args(["run", "market_maker", "--json", "--duration", "30", "--runtime", "threads", "--config"])
        .arg(&cfg)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = lines(child.stdout.take().unwrap());
    let placed = wait_line(&mut out, &mut seen, 20, runtime_line).await;
    assert!(placed.contains("no core of its own"), "{placed}");
    let pid = child.id().unwrap();
    let threads = thread_cores(pid);
    assert!(threads.iter().any(|t| t.1.starts_with("tokio-r")), "worker threads run: {threads:?}");
    let _ = child.kill().await;
}
