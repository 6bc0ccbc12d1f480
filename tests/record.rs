//! `cdc-engine record` as a user runs it, against the simulator on loopback: the files hold the
//! instrument list, book snapshots and deltas, every line valid JSON with non-decreasing receive
//! times; heartbeats are answered; a dropped socket leaves a `gap` line and a fresh snapshot;
//! small `--rotate-mb` gives several complete gzip files; an unknown channel is refused; and a
//! `kill -9` loses at most the last second (the truncated file still decodes).

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cdc_sim::exchange::Exchange;
use cdc_sim::{SimConfig, SimHandle};
use serde_json::Value;
use support::*;

/// The binary, pointed at the simulator by the URL variables only: no config, no credentials.
fn recorder(sim: &SimHandle<Exchange>, out: &Path) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    for var in ["CDC_CONFIG", "CDC_PROFILE", "CDC_ENV", "RUST_LOG", "CDC_API_KEY", "CDC_API_SECRET"] {
        c.env_remove(var);
    }
    c.env("CDC_REST_URL", sim.rest_url())
        .env("CDC_MARKET_WS_URL", sim.market_ws_url())
        .env("CDC_USER_WS_URL", sim.user_ws_url())
        .arg("record")
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

/// Collects a child's stderr as it comes, for waiting on its state lines.
fn collect_stderr(child: &mut tokio::process::Child) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stderr.take().expect("stderr piped");
    let sink = text.clone();
    tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        while let Ok(n) = tokio::io::AsyncReadExt::read(&mut pipe, &mut buf).await {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    text
}

fn count(text: &Arc<Mutex<String>>, needle: &str) -> usize {
    text.lock().unwrap().matches(needle).count()
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as u64
}

/// The recording's files, in name order (which is time order).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    out.retain(|p| p.extension().is_some_and(|e| e == "gz"));
    out.sort();
    out
}

/// The whole lines of a file (a cut stream may end inside one), and whether the gzip stream
/// was complete (trailer present) rather than cut short.
fn read_text(path: &Path) -> (Vec<String>, bool) {
    let mut d = flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap());
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    let complete = loop {
        match d.read(&mut chunk) {
            Ok(0) => break true,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break false,
            Err(e) => panic!("{}: {e}", path.display()),
        }
    };
    let text = String::from_utf8(bytes).expect("utf-8");
    let whole = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    (whole.lines().map(str::to_owned).collect(), complete)
}

/// Every whole line of a file, parsed, and whether the gzip stream was complete.
fn read(path: &Path) -> (Vec<Value>, bool) {
    let (lines, complete) = read_text(path);
    let parsed = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", path.display())))
        .collect();
    (parsed, complete)
}

/// The frame of a line whose result is on `channel` (`book`, `book.update`) for `subscription`.
fn is_on(line: &Value, channel: &str, subscription: &str) -> bool {
    let r = &line["frame"]["result"];
    r["channel"] == channel && r["subscription"] == subscription
}

fn assert_recv_us_never_decreases(lines: &[Value]) {
    let times: Vec<u64> = lines.iter().map(|l| l["recv_us"].as_u64().expect("recv_us on every line")).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "recv_us went backwards: {times:?}");
}

async fn wait_exit(child: &mut tokio::process::Child, secs: u64) -> std::process::ExitStatus {
    tokio::time::timeout(Duration::from_secs(secs), child.wait())
        .await
        .unwrap_or_else(|_| panic!("the recorder did not stop within {secs} s"))
        .expect("wait")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_instruments_books_and_deltas_and_answers_heartbeats() {
    // Heartbeats this fast close an unanswering client within about 1.5 s (third miss).
    let mut cfg = SimConfig::new(KEY, SECRET);
    cfg.heartbeat_interval = Duration::from_millis(400);
    cfg.heartbeat_timeout = Duration::from_millis(300);
    let sim = sim_with(cfg, true).await;
    let dir = tempfile::tempdir().unwrap();
    let started = now_us();
    let mut child =
        recorder(&sim, dir.path()).args(["--instruments", "BTC_USD,BTCUSD-PERP", "--duration", "3s"]).spawn().unwrap();
    let stderr = collect_stderr(&mut child);
    let status = wait_exit(&mut child, 20).await;
    let stderr = stderr.lock().unwrap().clone();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("subscribed to 6 channels"), "{stderr}");
    assert!(stderr.contains("stopped: 1 file, ") && stderr.contains(", 0 gaps in "), "{stderr}");

    let paths = files(dir.path());
    assert_eq!(paths.len(), 1, "{paths:?}");
    let name = paths[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("market-") && name.ends_with("Z-0001.jsonl.gz") && name.len() == 37, "{name}");
    let (lines, complete) = read(&paths[0]);
    assert!(complete, "a clean stop writes the gzip trailer");
    assert_recv_us_never_decreases(&lines);
    assert!(lines
        .iter()
        .all(|l| l["recv_us"].as_u64().unwrap() >= started && l["recv_us"].as_u64().unwrap() <= now_us()));

    let symbols: Vec<&str> = lines[0]["instruments"]
        .as_array()
        .expect("first line: instruments")
        .iter()
        .filter_map(|i| i["symbol"].as_str())
        .collect();
    assert!(symbols.contains(&"BTC_USD") && symbols.contains(&"BTCUSD-PERP"), "{symbols:?}");
    let snapshots = lines.iter().filter(|l| is_on(l, "book", "book.BTC_USD.50")).count();
    let deltas = lines.iter().filter(|l| is_on(l, "book.update", "book.BTC_USD.50")).count();
    assert!(snapshots >= 1 && deltas >= 3, "BTC_USD: {snapshots} snapshots, {deltas} deltas");
    assert!(lines.iter().any(|l| is_on(l, "book", "book.BTCUSD-PERP.50")), "no perpetual book snapshot");
    for sub in ["trade.BTC_USD", "ticker.BTC_USD", "trade.BTCUSD-PERP", "ticker.BTCUSD-PERP"] {
        assert!(lines.iter().any(|l| l["frame"]["result"]["subscription"] == sub), "nothing on {sub}");
    }
    let heartbeats = lines.iter().filter(|l| l["frame"]["method"] == "public/heartbeat").count();
    assert!(heartbeats >= 3, "heartbeats are recorded too: {heartbeats}");
    assert!(lines.iter().all(|l| l.get("gap").is_none()), "answered heartbeats keep the connection: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_socket_leaves_a_gap_then_a_fresh_snapshot() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = recorder(&sim, dir.path())
        .args(["--instruments", "BTC_USD", "--channels", "book,trade", "--metrics", "127.0.0.1:0"])
        .spawn()
        .unwrap();
    let stderr = collect_stderr(&mut child);
    eventually(15, "the first subscribe", || count(&stderr, "subscribed to 2 channels") >= 1).await;
    let metrics = {
        let text = stderr.lock().unwrap().clone();
        let line = text.lines().find(|l| l.starts_with("metrics: http://")).expect("the metrics address on stderr");
        line["metrics: ".len()..].split_whitespace().next().unwrap().trim_end_matches("/metrics").to_owned()
    };
    let ready = reqwest::get(format!("{metrics}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200, "subscribed: ready");
    sim.faults().drop_connections();
    eventually(15, "the subscribe after the drop", || count(&stderr, "subscribed to 2 channels") >= 2).await;
    let text = reqwest::get(format!("{metrics}/metrics")).await.unwrap().text().await.unwrap();
    assert!(text.contains("cdc_record_drops_total 1") && text.contains("cdc_record_subscribed 1"), "{text}");
    let pid = child.id().expect("running").to_string();
    let sent = tokio::process::Command::new("kill").args(["-INT", &pid]).status().await.unwrap();
    assert!(sent.success());
    let status = wait_exit(&mut child, 10).await;
    let stderr = stderr.lock().unwrap().clone();
    assert!(status.success(), "Ctrl-C is a clean stop: {stderr}");
    assert!(stderr.contains("disconnected: ") && stderr.contains("reconnecting in "), "{stderr}");
    assert!(stderr.contains(", 1 gap in "), "{stderr}");

    let paths = files(dir.path());
    assert_eq!(paths.len(), 1, "{paths:?}");
    let (lines, complete) = read(&paths[0]);
    assert!(complete);
    assert_recv_us_never_decreases(&lines);
    let gaps: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| l.get("gap").is_some()).map(|(i, _)| i).collect();
    assert_eq!(gaps.len(), 1, "one drop, one gap line");
    let gap = gaps[0];
    assert!(!lines[gap]["gap"].as_str().unwrap().is_empty(), "the gap says why");
    let before = lines[..gap].iter().filter(|l| is_on(l, "book", "book.BTC_USD.50")).count();
    assert!(before >= 1, "a snapshot before the drop");
    let after = &lines[gap + 1..];
    assert!(after.iter().any(|l| l.get("instruments").is_some()), "the list is fetched again on the new connection");
    let fresh = after.iter().find(|l| is_on(l, "book", "book.BTC_USD.50")).expect("a fresh snapshot after the gap");
    assert!(fresh["frame"]["id"].as_i64().unwrap() > 0, "it answers the new subscribe: {fresh}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_rotate_mb_gives_several_complete_files() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = recorder(&sim, dir.path())
        .args(["--instruments", "BTC_USD,BTCUSD-PERP", "--duration", "3", "--rotate-mb", "0.01"])
        .spawn()
        .unwrap();
    let stderr = collect_stderr(&mut child);
    let status = wait_exit(&mut child, 20).await;
    let stderr = stderr.lock().unwrap().clone();
    assert!(status.success(), "{stderr}");

    let paths = files(dir.path());
    assert!(paths.len() >= 2, "expected several files: {paths:?}\n{stderr}");
    assert!(stderr.contains(&format!("stopped: {} files, ", paths.len())), "{stderr}");
    let limit = (0.01 * 1024.0 * 1024.0) as usize;
    let mut all = Vec::new();
    for (n, path) in paths.iter().enumerate() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.ends_with(&format!("-{:04}.jsonl.gz", n + 1)), "sequence numbers in order: {name}");
        let (lines, complete) = read(path);
        assert!(complete, "{name} lacks its gzip trailer");
        assert!(lines[0].get("instruments").is_some(), "{name} does not start with the instrument list");
        let text = read_text(path).0;
        let raw: usize = text.iter().map(|l| l.len() + 1).sum();
        if n + 1 < paths.len() {
            // Closed by size: past the limit, but only by its last line.
            let last = text.last().unwrap().len() + 1;
            assert!(raw > limit && raw - last <= limit, "{name}: {raw} bytes, last line {last}");
        }
        all.extend(lines);
    }
    assert_recv_us_never_decreases(&all.iter().filter(|l| l.get("instruments").is_none()).cloned().collect::<Vec<_>>());
    assert!(all.iter().any(|l| is_on(l, "book.update", "book.BTC_USD.50")));
}

#[tokio::test]
async fn an_unknown_channel_is_refused_with_the_accepted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let o = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .args(["record", "--instruments", "BTC_USD", "--channels", "book,candles", "--out"])
        .arg(&out)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{stderr}");
    assert!(stderr.contains("unknown channel \"candles\""), "{stderr}");
    assert!(
        stderr.contains("book, trade, ticker, mark, index, funding, estimatedfunding, settlement"),
        "the accepted channels are listed: {stderr}"
    );
    assert!(!out.exists(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_loses_at_most_the_last_second() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let spawned = tokio::time::Instant::now();
    let mut child = recorder(&sim, dir.path()).args(["--instruments", "BTC_USD,BTCUSD-PERP"]).spawn().unwrap();
    let stderr = collect_stderr(&mut child);
    eventually(15, "the subscribe", || count(&stderr, "subscribed to 6 channels") >= 1).await;
    // The test is about a recorder that has been running: at least 2 s, then SIGKILL.
    tokio::time::sleep_until(spawned + Duration::from_millis(2500)).await;
    let killed_us = now_us();
    child.start_kill().unwrap();
    let status = wait_exit(&mut child, 10).await;
    assert!(!status.success());

    let paths = files(dir.path());
    assert_eq!(paths.len(), 1, "{paths:?}");
    let (lines, complete) = read(&paths[0]);
    assert!(!complete, "a killed recorder cannot have written the trailer");
    assert_recv_us_never_decreases(&lines);
    assert!(lines.iter().any(|l| is_on(l, "book.update", "book.BTC_USD.50")), "deltas were recorded");
    let last = lines.last().expect("lines before the kill")["recv_us"].as_u64().unwrap();
    assert!(
        last + 1_500_000 >= killed_us,
        "the last line is {} ms older than the kill",
        (killed_us.saturating_sub(last)) / 1000
    );
}
