//! `doctor` against the simulator: each injected mistake is named, a healthy setup passes, and
//! the secret appears in no output (stdout, stderr, report file) of the binary.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use cdc_cli::doctor::{self, Options, Report, Status};
use cdc_engine::clock::{system_now_ms, Clock, SystemClock};
use cdc_engine::config::{load_raw, RawSettings};
use cdc_engine::protocol::Credentials;
use cdc_sim::exchange::Exchange;
use cdc_sim::SimHandle;
use serde_json::json;
use support::{sim, KEY, SECRET};

fn settings(sim: &SimHandle<Exchange>, extra: &[(&str, &str)]) -> RawSettings {
    let mut m: HashMap<String, String> = HashMap::from([
        ("CDC_REST_URL".into(), sim.rest_url()),
        ("CDC_USER_WS_URL".into(), sim.user_ws_url()),
        ("CDC_MARKET_WS_URL".into(), sim.market_ws_url()),
        ("CDC_API_KEY".into(), KEY.into()),
        ("CDC_API_SECRET".into(), SECRET.into()),
    ]);
    for (k, v) in extra {
        m.insert(k.to_string(), v.to_string());
    }
    load_raw(None, None, &|k| m.get(k).cloned()).expect("settings")
}

fn opts(clock: Arc<dyn Clock>) -> Options {
    Options {
        clock,
        connect_pause: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
        try_swapped: false,
        send: false,
    }
}

fn status(r: &Report, name: &str) -> Status {
    r.check(name).unwrap_or_else(|| panic!("no check {name} in {}", r.to_text())).status
}

fn detail(r: &Report, name: &str) -> String {
    r.check(name).map(|c| format!("{} {}", c.detail, c.fix.clone().unwrap_or_default())).unwrap_or_default()
}

fn assert_no_secret(r: &Report, secret: &str) {
    for text in [r.to_text(), r.to_json(), r.support_report()] {
        assert!(!text.contains(secret), "the secret leaked:\n{text}");
    }
}

#[tokio::test]
async fn a_healthy_setup_passes_every_check() {
    let sim = sim(false).await;
    let r = doctor::run(Ok(settings(&sim, &[])), &opts(SystemClock::new())).await;
    for c in &r.checks {
        assert_eq!(c.status, Status::Ok, "{}", r.to_text());
    }
    let names: Vec<&str> = r.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["configuration", "urls", "credentials", "public REST", "clock", "WebSocket auth", "private REST"]
    );
    assert!(r
        .transcript
        .iter()
        .any(|x| x.request.contains("private/user-balance") && x.request.contains("<redacted>")));
    assert_no_secret(&r, SECRET);
}

#[tokio::test]
async fn a_wrong_secret_is_named_40101_with_its_causes() {
    let sim = sim(false).await;
    let wrong = "wrong_secret_value_that_must_not_print";
    let r = doctor::run(Ok(settings(&sim, &[("CDC_API_SECRET", wrong)])), &opts(SystemClock::new())).await;
    assert!(r.failed());
    for name in ["private REST", "WebSocket auth"] {
        assert_eq!(status(&r, name), Status::Fail);
        let d = detail(&r, name);
        assert!(d.contains("40101") && d.contains("UNAUTHORIZED") && d.contains("why 40101"), "{d}");
    }
    // The causes come once, for both checks, ranked for doctor's own (correctly signed) calls.
    let why: Vec<_> = r.checks.iter().filter(|c| c.name == "why 40101").collect();
    assert_eq!(why.len(), 1, "{}", r.to_text());
    let d = &why[0].detail;
    assert!(d.contains("doctor signs its own requests") && d.contains("swapped"), "{d}");
    let at = |t: &str| d.find(t).unwrap_or_else(|| panic!("{t:?} not in {d}"));
    assert!(at("the key or the secret is wrong") < at("other environment"), "{d}");
    assert!(at("other environment") < at("permission") && at("permission") < at("IP allow-list"), "{d}");
    assert_eq!(r.to_text().matches("other environment").count(), 1, "{}", r.to_text());
    assert_eq!(status(&r, "credentials"), Status::Ok);
    assert_no_secret(&r, wrong);
}

#[tokio::test]
async fn a_skewed_clock_is_named_with_its_offset() {
    let sim = sim(false).await;
    let r = doctor::run(Ok(settings(&sim, &[])), &opts(SystemClock::with_offset(120_000))).await;
    assert_eq!(status(&r, "clock"), Status::Fail);
    let d = detail(&r, "clock");
    assert!(d.contains("ahead of the exchange") && d.contains("60 s") && d.contains("NTP"), "{d}");
    assert!(detail(&r, "private REST").contains("40102"), "{}", r.to_text());
    // A few seconds off only warns.
    let r = doctor::run(Ok(settings(&sim, &[])), &opts(SystemClock::with_offset(-10_000))).await;
    assert_eq!(status(&r, "clock"), Status::Warn, "{}", r.to_text());
    assert!(detail(&r, "clock").contains("behind"));
    assert_eq!(status(&r, "private REST"), Status::Ok);
}

#[tokio::test]
async fn a_v2_url_is_named() {
    let sim = sim(false).await;
    let v2 = format!("http://{}/v2", sim.addr());
    let r = doctor::run(Ok(settings(&sim, &[("CDC_REST_URL", &v2)])), &opts(SystemClock::new())).await;
    assert_eq!(status(&r, "urls"), Status::Fail);
    assert!(detail(&r, "urls").contains("legacy v2 API"), "{}", r.to_text());
    assert_eq!(status(&r, "public REST"), Status::Fail);
    assert!(detail(&r, "public REST").contains("40002"), "{}", r.to_text());
}

#[tokio::test]
async fn trailing_whitespace_on_the_key_is_named_before_any_network_call() {
    let sim = sim(false).await;
    let key = format!("{KEY} ");
    let r = doctor::run(Ok(settings(&sim, &[("CDC_API_KEY", &key)])), &opts(SystemClock::new())).await;
    let at = |n: &str| r.checks.iter().position(|c| c.name == n).expect("check");
    assert_eq!(status(&r, "credentials"), Status::Fail);
    assert!(detail(&r, "credentials").contains("key (CDC_API_KEY) has trailing whitespace"), "{}", r.to_text());
    assert!(at("credentials") < at("public REST"));
    assert!(r.transcript.iter().all(|x| !x.request.contains("private/") && x.step != "WebSocket auth"));
    assert_eq!(status(&r, "private REST"), Status::Skipped);
}

#[tokio::test]
async fn swapped_key_and_secret_are_found_by_trying_them_exchanged() {
    let sim = sim(false).await;
    let raw = settings(&sim, &[("CDC_API_KEY", SECRET), ("CDC_API_SECRET", KEY)]);
    let o = Options { try_swapped: true, ..opts(SystemClock::new()) };
    let r = doctor::run(Ok(raw), &o).await;
    assert_eq!(status(&r, "key/secret swapped"), Status::Fail, "{}", r.to_text());
    assert!(detail(&r, "key/secret swapped").contains("they are swapped"));
    // Here the real secret was configured as the key: the report still never shows it.
    assert_no_secret(&r, SECRET);
}

/// A get-order-detail body. `unsorted` sends and signs its params in insertion order, as a
/// client with an unsorted map would; otherwise the body is signed our way.
fn signed_body(unsorted: bool) -> String {
    let creds = Credentials::new(KEY, SECRET).expect("creds");
    let nonce = system_now_ms();
    let (params, sig) = if unsorted {
        let sig = creds.sign_payload(&format!("private/get-order-detail7{KEY}order_id5instrument_nameBTC_USD{nonce}"));
        (r#"{"order_id":"5","instrument_name":"BTC_USD"}"#.to_owned(), sig)
    } else {
        let p = json!({"order_id": "5"});
        (p.to_string(), creds.sign("private/get-order-detail", 7, p.as_object().expect("object"), nonce).sig)
    };
    format!(
        r#"{{"id":7,"method":"private/get-order-detail","params":{params},"api_key":"{KEY}","sig":"{sig}","nonce":{nonce}}}"#
    )
}

#[tokio::test]
async fn a_captured_request_with_credentials_in_headers_is_named() {
    let sim = sim(false).await;
    let nonce = system_now_ms();
    let captured = format!(
        "POST /exchange/v1/private/user-balance HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         X-API-KEY: {KEY}\r\nX-API-SIGNATURE: 0123abcd\r\n\r\n{{\"id\":1,\"method\":\"private/user-balance\",\"params\":{{}},\"nonce\":{nonce}}}"
    );
    // Sending is no longer the default: it needs `send`, and the credential headers stay behind.
    let o = Options { send: true, ..opts(SystemClock::new()) };
    let r = doctor::run_request(Ok(settings(&sim, &[])), &captured, &o).await;
    assert_eq!(status(&r, "request: credentials in headers"), Status::Fail, "{}", r.to_text());
    assert!(detail(&r, "request: credentials in headers").contains("X-API-KEY"));
    assert_eq!(status(&r, "request: body credentials"), Status::Fail);
    assert!(detail(&r, "replay").contains("40101"), "{}", r.to_text());
    assert!(!r.transcript[0].request.contains("X-API-SIGNATURE"), "{}", r.transcript[0].request);
    let dropped = detail(&r, "replay: dropped headers");
    assert!(dropped.contains("X-API-KEY (credential") && dropped.contains("X-API-SIGNATURE (credential"), "{dropped}");
    assert_no_secret(&r, SECRET);
}

#[tokio::test]
async fn captured_requests_name_v2_methods_floats_and_signature_variants() {
    let sim = sim(false).await;
    let o = opts(SystemClock::new());
    let head = "POST /v2/private/get-account-summary HTTP/1.1\nContent-Type: application/x-www-form-urlencoded\n\n";
    let body = r#"{"id":1,"method":"private/get-account-summary","params":[],"nonce":1700000000}"#;
    let r = doctor::run_request(Ok(settings(&sim, &[])), &format!("{head}{body}"), &o).await;
    for name in ["request: v2 path", "request: v2 method", "request: content type", "request: params", "request: nonce"]
    {
        assert_eq!(status(&r, name), Status::Fail, "{name}: {}", r.to_text());
    }
    assert!(detail(&r, "request: nonce").contains("seconds"));
    let head = "POST /exchange/v1/private/get-order-detail HTTP/1.1\nContent-Type: application/json\n\n";
    let r = doctor::run_request(Ok(settings(&sim, &[])), &format!("{head}{}", signed_body(true)), &o).await;
    assert!(detail(&r, "request: signature").contains("not sorted"), "{}", r.to_text());
    let r = doctor::run_request(Ok(settings(&sim, &[])), &format!("{head}{}", signed_body(false)), &o).await;
    assert_eq!(status(&r, "request"), Status::Ok, "{}", r.to_text());
    assert!(r.check("request: signature").is_none());
    let floats = r#"{"id":1,"method":"private/create-order","params":{"price":0.1},"nonce":1}"#;
    let r = doctor::run_request(Ok(settings(&sim, &[])), &format!("{head}{floats}"), &o).await;
    assert!(detail(&r, "request: floats").contains("params.price"));
    assert_eq!(status(&r, "request: method mismatch"), Status::Fail);
}

/// Runs the binary with a clean environment pointed at the simulator.
async fn run_bin(
    sim: &SimHandle<Exchange>,
    env: &[(&str, &str)],
    args: &[&str],
    home: &std::path::Path,
) -> (bool, String, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    cmd.env_clear().env("HOME", home).arg("doctor").args(args);
    for (k, v) in [
        ("CDC_REST_URL", sim.rest_url()),
        ("CDC_USER_WS_URL", sim.user_ws_url()),
        ("CDC_MARKET_WS_URL", sim.market_ws_url()),
        ("CDC_API_KEY", KEY.to_owned()),
    ] {
        cmd.env(k, v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output()).await.expect("doctor ends").expect("runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[tokio::test]
async fn the_binary_never_prints_the_secret() {
    let sim = sim(false).await;
    let dir = tempfile::tempdir().expect("dir");
    let report = dir.path().join("report.md");
    let rep = report.to_str().expect("path");
    let (ok, out, err) = run_bin(&sim, &[("CDC_API_SECRET", SECRET)], &["--report", rep], dir.path()).await;
    let file = std::fs::read_to_string(&report).expect("report written");
    assert!(ok, "{out}{err}");
    assert!(out.contains("✔ private REST") && file.contains("private/user-balance"), "{out}");
    for text in [&out, &err, &file] {
        assert!(!text.contains(SECRET) && !text.contains(KEY), "leak in:\n{text}");
    }
    let wrong = "another_secret_that_must_stay_hidden";
    let (ok, out, err) = run_bin(&sim, &[("CDC_API_SECRET", wrong)], &["--report", rep, "--json"], dir.path()).await;
    let file = std::fs::read_to_string(&report).expect("report written");
    assert!(!ok && out.contains("40101") && err.contains("failed"), "{out}{err}");
    for text in [&out, &err, &file] {
        assert!(!text.contains(wrong), "leak in:\n{text}");
    }
    let req = dir.path().join("req.http");
    let body = signed_body(false);
    let captured = format!(
        "POST /exchange/v1/private/get-order-detail HTTP/1.1\nContent-Type: application/json\nX-Api-Sig: 00\n\n{body}"
    );
    std::fs::write(&req, captured).expect("write");
    let (ok, out, err) = run_bin(
        &sim,
        &[("CDC_API_SECRET", SECRET)],
        &["--request", req.to_str().expect("p"), "--report", rep],
        dir.path(),
    )
    .await;
    let file = std::fs::read_to_string(&report).expect("report written");
    assert!(!ok && out.contains("✘ request: credentials in headers"), "{out}{err}");
    for text in [&out, &err, &file] {
        assert!(!text.contains(SECRET), "leak in:\n{text}");
    }
}
