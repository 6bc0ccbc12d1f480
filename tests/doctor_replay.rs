//! `doctor --request` never acts unasked: analysis sends nothing, `--send` sends only
//! read-only methods, never a credential, cookie, proxy or secret-holding header, and says
//! exactly what it sent, where, and what it dropped.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdc_cli::doctor::{self, Options, Report, Status};
use cdc_engine::clock::{system_now_ms, SystemClock};
use cdc_engine::config::{load_raw, RawSettings};
use serde_json::{json, Map, Value};
use support::{creds, sim, sim_open_orders, KEY, SECRET};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn settings(rest_url: &str) -> RawSettings {
    let m: HashMap<String, String> = HashMap::from([
        ("CDC_REST_URL".into(), rest_url.to_owned()),
        ("CDC_USER_WS_URL".into(), "ws://127.0.0.1:9/exchange/v1/user".into()),
        ("CDC_MARKET_WS_URL".into(), "ws://127.0.0.1:9/exchange/v1/market".into()),
        ("CDC_API_KEY".into(), KEY.into()),
        ("CDC_API_SECRET".into(), SECRET.into()),
    ]);
    load_raw(None, None, &|k| m.get(k).cloned()).expect("settings")
}

fn opts(send: bool) -> Options {
    Options {
        clock: SystemClock::new(),
        connect_pause: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
        try_swapped: false,
        send,
    }
}

fn check<'r>(r: &'r Report, name: &str) -> &'r doctor::Check {
    r.check(name).unwrap_or_else(|| panic!("no check {name} in\n{}", r.to_text()))
}

/// A correctly signed body with a fresh nonce: the exchange would accept it as is.
fn signed(method: &str, params: Value) -> String {
    signed_at(method, params, system_now_ms())
}

fn signed_at(method: &str, params: Value, nonce: u64) -> String {
    let params: Map<String, Value> = params.as_object().expect("object").clone();
    let sig = creds().sign(method, 7, &params, nonce).sig;
    json!({"id": 7, "method": method, "params": params, "api_key": KEY, "sig": sig, "nonce": nonce}).to_string()
}

fn capture(method: &str, body: &str, extra_headers: &str) -> String {
    format!(
        "POST /exchange/v1/{method} HTTP/1.1\r\nHost: api.crypto.com\r\nContent-Type: application/json\r\n{extra_headers}\r\n{body}"
    )
}

fn order_params() -> Value {
    json!({"instrument_name": "BTC_USD", "side": "BUY", "type": "LIMIT", "price": "1000", "quantity": "0.001",
        "client_oid": "doctor-replay-1"})
}

#[tokio::test]
async fn a_captured_create_order_changes_no_open_orders_with_or_without_send() {
    let sim = sim(false).await;
    let body = signed("private/create-order", order_params());
    let text = capture("private/create-order", &body, "");
    let r = doctor::run_request(Ok(settings(&sim.rest_url())), &text, &opts(false)).await;
    assert!(sim_open_orders(&sim).is_empty(), "analysis placed an order:\n{}", r.to_text());
    assert!(r.transcript.is_empty());
    assert_eq!(check(&r, "replay").status, Status::Skipped);
    assert!(check(&r, "replay").detail.contains("nothing was sent") && r.to_text().contains("--send"));

    let r = doctor::run_request(Ok(settings(&sim.rest_url())), &text, &opts(true)).await;
    assert!(sim_open_orders(&sim).is_empty(), "--send placed an order:\n{}", r.to_text());
    assert!(r.transcript.is_empty());
    let c = check(&r, "replay");
    assert_eq!(c.status, Status::Skipped);
    assert!(c.detail.contains("refused") && c.detail.contains("private/create-order places an order"), "{}", c.detail);

    // The same body sent by anyone else does place the order: the capture was a live one.
    let url = format!("{}/private/create-order", sim.rest_url());
    let fresh = signed("private/create-order", order_params());
    let resp = reqwest::Client::new().post(url).body(fresh).send().await.expect("sent");
    assert!(resp.status().is_success());
    assert_eq!(sim_open_orders(&sim).len(), 1);
}

/// A local HTTP server that records every request it gets and answers code 0.
struct Recorder {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn recorder() -> Recorder {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/exchange/v1", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head, then as many body bytes as Content-Length says.
            loop {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            log.lock().expect("lock").push(String::from_utf8_lossy(&buf).to_string());
            let body = r#"{"id":7,"method":"private/user-balance","code":0,"result":{"data":[{"total_available_balance":"42"}]}}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
        }
    });
    Recorder { url, seen }
}

#[tokio::test]
async fn every_write_and_every_unlisted_method_is_refused_and_nothing_reaches_the_server() {
    let server = recorder().await;
    let writes = [
        "private/create-order",
        "private/cancel-order",
        "private/cancel-all-orders",
        "private/amend-order",
        "private/close-position",
        "private/create-withdrawal",
        "private/change-account-leverage",
        "private/create-order-list",
        "private/set-cancel-on-disconnect",
        "private/some-new-method",
        "private/get-open-orders/../create-order",
    ];
    for m in writes {
        let r =
            doctor::run_request(Ok(settings(&server.url)), &capture(m, &signed(m, json!({})), ""), &opts(true)).await;
        let c = check(&r, "replay");
        assert_eq!(c.status, Status::Skipped, "{m}: {}", r.to_text());
        assert!(c.detail.contains("refused") && c.detail.contains(m), "{m}: {}", c.detail);
    }
    // A read-only URL with a write in the body is refused too: both must be read-only.
    let body = signed("private/cancel-all-orders", json!({}));
    let r =
        doctor::run_request(Ok(settings(&server.url)), &capture("private/user-balance", &body, ""), &opts(true)).await;
    assert!(check(&r, "replay").detail.contains("private/cancel-all-orders cancels every open order"));
    // A body holding the secret is never sent.
    let body = signed("private/user-balance", json!({"note": SECRET}));
    let r =
        doctor::run_request(Ok(settings(&server.url)), &capture("private/user-balance", &body, ""), &opts(true)).await;
    assert!(check(&r, "replay").detail.contains("holds a secret"), "{}", r.to_text());
    assert!(!r.to_text().contains(SECRET));
    assert!(server.seen.lock().expect("lock").is_empty(), "something was sent");
}

#[tokio::test]
async fn only_harmless_headers_reach_the_exchange_and_the_output_says_what_was_sent() {
    let server = recorder().await;
    let body = signed("private/user-balance", json!({}));
    let headers = format!(
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: application/json\r\nX-CAPI-KEY: {KEY}\r\n\
         X-CAPI-SIGNATURE: 00ff\r\nX-CAPI-NONCE: 1\r\nX-CAPI-TIMESTAMP: 1718236800123\r\nAuthorization: Bearer tok\r\n\
         X-MBX-APIKEY: k\r\nX-Forwarded-For: 54.254.150.31\r\nX-Real-IP: 54.254.150.31\r\nForwarded: for=54.254.150.31\r\n\
         Cookie: session=abc\r\nX-Trace: {SECRET}\r\nReferer: https://example.com/\r\n"
    );
    let text = capture("private/user-balance", &body, &headers);
    let r = doctor::run_request(Ok(settings(&server.url)), &text, &opts(true)).await;
    let seen = server.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1, "{}", r.to_text());
    let raw = seen[0].to_ascii_lowercase();
    assert!(seen[0].starts_with("POST /exchange/v1/private/user-balance HTTP/1.1"), "{}", seen[0]);
    assert!(raw.contains("content-type: application/json") && raw.contains("user-agent: mozilla/5.0"), "{raw}");
    let dropped = [
        "X-CAPI-KEY",
        "X-CAPI-SIGNATURE",
        "X-CAPI-NONCE",
        "X-CAPI-TIMESTAMP",
        "Authorization",
        "X-MBX-APIKEY",
        "X-Forwarded-For",
        "X-Real-IP",
        "Forwarded",
        "Cookie",
        "X-Trace",
        "Referer",
    ];
    for h in dropped {
        assert!(!raw.contains(&format!("\r\n{}:", h.to_ascii_lowercase())), "{h} reached the server:\n{raw}");
    }
    assert!(!seen[0].contains(SECRET), "the secret reached the server");
    assert!(seen[0].ends_with(&body), "the body was not sent as captured:\n{}", seen[0]);

    let sent = &check(&r, "replay: sent").detail;
    assert!(sent.contains(&format!("POST {}/private/user-balance", server.url)), "{sent}");
    assert!(sent.contains("Content-Type: application/json") && sent.contains("as captured, not re-signed"), "{sent}");
    let listed = &check(&r, "replay: dropped headers").detail;
    for h in dropped {
        assert!(listed.contains(&format!("{h} (")), "{h} not named as dropped: {listed}");
    }
    assert!(listed.contains("X-Trace (holds the configured secret)"), "{listed}");
    for text in [r.to_text(), r.to_json(), r.support_report()] {
        assert!(!text.contains(SECRET), "the secret leaked:\n{text}");
    }
}

#[tokio::test]
async fn a_read_only_replay_against_the_simulator_shows_the_answer() {
    let sim = sim(false).await;
    let before = sim_open_orders(&sim);
    let text =
        capture("private/user-balance", &signed("private/user-balance", json!({})), "X-Forwarded-For: 1.2.3.4\r\n");
    let r = doctor::run_request(Ok(settings(&sim.rest_url())), &text, &opts(true)).await;
    let c = check(&r, "replay");
    assert_eq!(c.status, Status::Ok, "{}", r.to_text());
    assert!(c.detail.contains("code 0") && c.detail.contains("total_available_balance"), "{}", c.detail);
    assert_eq!(sim_open_orders(&sim), before);
    // A stale capture is sent as captured, and the output says what its answer means.
    let old = signed_at("private/user-balance", json!({}), 1_700_000_000_000);
    let r = doctor::run_request(Ok(settings(&sim.rest_url())), &capture("private/user-balance", &old, ""), &opts(true))
        .await;
    assert!(check(&r, "replay: sent").detail.contains("expect 40102"), "{}", r.to_text());
    assert!(check(&r, "replay").detail.contains("40102"), "{}", r.to_text());
}

#[tokio::test]
async fn the_binary_sends_only_with_send() {
    let sim = sim(false).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("req.http");
    let run = |extra: &'static [&'static str]| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
        cmd.env_clear()
            .env("HOME", dir.path())
            .env("CDC_REST_URL", sim.rest_url())
            .env("CDC_API_KEY", KEY)
            .env("CDC_API_SECRET", SECRET)
            .arg("doctor")
            .arg("--request")
            .arg(&file)
            .args(extra);
        cmd
    };
    std::fs::write(&file, capture("private/create-order", &signed("private/create-order", order_params()), ""))
        .expect("write");
    for extra in [&[][..], &["--send"][..]] {
        let out = run(extra).output().await.expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("- replay:"), "{stdout}");
        assert!(sim_open_orders(&sim).is_empty(), "{extra:?} placed an order:\n{stdout}");
    }
    std::fs::write(&file, capture("private/user-balance", &signed("private/user-balance", json!({})), ""))
        .expect("write");
    let out = run(&["--send"]).output().await.expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("✔ replay: HTTP 200, code 0"), "{stdout}");
    // --send means nothing without --request.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .args(["doctor", "--send"])
        .env_clear()
        .output()
        .await
        .expect("runs");
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--request"));
}
