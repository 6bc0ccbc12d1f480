//! The 40101 support ticket, named in full: a client that sent its credentials in `X-CAPI-*`
//! headers with `X-Forwarded-For`, a string nonce and no api_key/sig in the body, to two v2
//! URLs, and pasted its key and secret into the ticket. `doctor --request` must name every one
//! of those mistakes, advise replacing the key before anything else, explain 40101 once, cite
//! no document the user does not have, and never print the secret.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use cdc_cli::doctor::{self, Options, Report, Status};
use cdc_engine::clock::SystemClock;
use cdc_engine::config::{load_raw, RawSettings};

const TICKET_SECRET: &str = "tktSEC_3fH8kD1pQz6VbN0rXy5TuWa2";

/// The ticket as the user sent it. The X-CAPI-SIGNATURE is HMAC-SHA256 under TICKET_SECRET of
/// `private/get-account-summary` + `1` + the key `tkt7Qm2ZxY9vLp4Rn8sW` + `1718236800123`: the documented payload,
/// sent in the wrong place.
const TICKET: &str = r#"Subject: 40101 Authentication failure on every private call

Hello, our trading system gets {"code":40101,"message":"Authentication failure"} on every
private call. Here are our credentials so you can check them:
API key: tkt7Qm2ZxY9vLp4Rn8sW
API secret: tktSEC_3fH8kD1pQz6VbN0rXy5TuWa2

This is what we send:

POST https://api.crypto.com/v2/private HTTP/1.1
Host: api.crypto.com
User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36
Content-Type: application/json
X-CAPI-KEY: tkt7Qm2ZxY9vLp4Rn8sW
X-CAPI-SIGNATURE: 37c493eb290484e4e9c3ec8013495e46e55abf2c031cce9d4cb36f0a0e36af53
X-CAPI-TIMESTAMP: 1718236800123
X-Forwarded-For: 54.254.150.31

{"id":1,"method":"private/get-account-summary","params":{},"nonce":"1718236800123"}

We also tried the other URL, and sending the secret too:

POST https://api.crypto.com/exchange/v2/private HTTP/1.1
Host: api.crypto.com
User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36
Content-Type: application/json
X-CAPI-KEY: tkt7Qm2ZxY9vLp4Rn8sW
X-CAPI-SECRET: tktSEC_3fH8kD1pQz6VbN0rXy5TuWa2
X-CAPI-SIGNATURE: 37c493eb290484e4e9c3ec8013495e46e55abf2c031cce9d4cb36f0a0e36af53
X-CAPI-TIMESTAMP: 1718236800123
X-Forwarded-For: 54.254.150.31

{"id":1,"method":"private/get-account-summary","params":{},"nonce":"1718236800123"}
"#;

fn settings(vars: &[(&str, &str)]) -> RawSettings {
    let m: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    load_raw(None, None, &|k| m.get(k).cloned()).expect("settings")
}

fn opts() -> Options {
    Options {
        clock: SystemClock::new(),
        connect_pause: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
        try_swapped: false,
        send: false,
    }
}

fn text_of(r: &Report, name: &str) -> String {
    let c = r.check(name).unwrap_or_else(|| panic!("no check {name} in\n{}", r.to_text()));
    format!("{} {}", c.detail, c.fix.clone().unwrap_or_default())
}

/// Every mistake of the ticket named in `out` (the whole text output of doctor).
fn assert_names_every_mistake(out: &str) {
    let first = out.lines().next().unwrap_or_default();
    assert!(first.starts_with("✘ exposed secret"), "the first advice is not the exposed secret:\n{out}");
    let advice = &out[..out.find("\n✔").unwrap_or(out.len())];
    assert!(advice.contains("delete this API key") && advice.contains("create a new one"), "{advice}");
    for needle in [
        // Headers that cannot carry credentials, each one named.
        "X-CAPI-KEY",
        "X-CAPI-SIGNATURE",
        "X-CAPI-TIMESTAMP",
        "X-CAPI-SECRET",
        // X-Forwarded-For: what the exchange checks, and which address to allow-list instead.
        "X-Forwarded-For: 54.254.150.31",
        "the address the TCP connection comes from",
        "IP allow-list",
        "public egress address",
        "curl https://checkip.amazonaws.com",
        // The body.
        "the nonce is sent as a JSON string",
        "the body lacks api_key, sig",
        // The header signature was checked against the signing variants.
        "the signature in X-CAPI-SIGNATURE is right for this request",
        // Both v2 URLs, and the v1 URL to use.
        "https://api.crypto.com/v2/private is the legacy v2 API",
        "https://api.crypto.com/exchange/v2/private is the legacy v2 API",
        "https://api.crypto.com/exchange/v1/private/user-balance",
        "private/get-account-summary is a legacy v2 method name; API v1 calls it private/user-balance",
    ] {
        assert!(out.contains(needle), "{needle:?} not named in:\n{out}");
    }
    // The 40101 explanation comes once, the mistakes found ranked before the account causes.
    assert_eq!(out.matches("why 40101:").count(), 1, "{out}");
    assert_eq!(out.matches("other environment").count(), 1, "{out}");
    let why = &out[out.find("why 40101:").unwrap_or(0)..];
    let at = |t: &str| why.find(t).unwrap_or_else(|| panic!("{t:?} not in {why}"));
    assert!(at("the mistakes named above") < at("the key or the secret is wrong"), "{why}");
    assert!(!out.contains('§'), "a section sign the user cannot look up:\n{out}");
}

#[tokio::test]
async fn the_support_ticket_is_named_in_full_with_the_key_rotation_first() {
    let raw = settings(&[("CDC_API_SECRET", TICKET_SECRET)]);
    let r = doctor::run_request(Ok(raw), TICKET, &opts()).await;
    assert_eq!(r.checks[0].name, "exposed secret", "{}", r.to_text());
    assert_eq!(r.checks[0].status, Status::Fail);
    let exposed = text_of(&r, "exposed secret");
    assert!(exposed.contains("the text before the first request"), "{exposed}");
    assert!(exposed.contains("the header X-CAPI-SECRET of request 2"), "{exposed}");
    for label in ["request 1", "request 2"] {
        for topic in ["credentials in headers", "address headers", "v2 path", "v2 method", "body credentials", "nonce"]
        {
            assert_eq!(r.check(&format!("{label}: {topic}")).map(|c| c.status), Some(Status::Fail), "{label}: {topic}");
        }
    }
    assert_names_every_mistake(&r.to_text());
    assert!(r.transcript.is_empty(), "analysis sent something");
    for text in [r.to_text(), r.to_json(), r.support_report()] {
        assert!(!text.contains(TICKET_SECRET), "the secret leaked:\n{text}");
        assert!(!text.contains('§'), "{text}");
    }
}

#[tokio::test]
async fn the_support_ticket_through_the_binary_names_everything_and_never_prints_the_secret() {
    let sim = support::sim(false).await;
    let dir = tempfile::tempdir().expect("dir");
    let ticket = dir.path().join("ticket.txt");
    std::fs::write(&ticket, TICKET).expect("write");
    let report = dir.path().join("report.md");
    for send in [false, true] {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
        cmd.env_clear()
            .env("HOME", dir.path())
            .env("CDC_API_SECRET", TICKET_SECRET)
            .env("CDC_REST_URL", sim.rest_url())
            .arg("doctor")
            .arg("--request")
            .arg(&ticket)
            .arg("--report")
            .arg(&report);
        if send {
            cmd.arg("--send");
        }
        let out = tokio::time::timeout(Duration::from_secs(60), cmd.output()).await.expect("ends").expect("runs");
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let file = std::fs::read_to_string(&report).expect("report written");
        assert!(!out.status.success(), "the mistakes are failures");
        assert_names_every_mistake(&stdout);
        assert!(file.contains("exposed secret") && file.contains("X-Forwarded-For"), "{file}");
        for text in [&*stdout, &*stderr, &file] {
            assert!(!text.contains(TICKET_SECRET), "the secret leaked:\n{text}");
            assert!(!text.contains('§'), "{text}");
        }
        if send {
            // Neither URL names a method, so neither request is sent.
            assert_eq!(stdout.matches("refused, nothing sent").count(), 2, "{stdout}");
        }
    }
}

#[tokio::test]
async fn a_secret_is_spotted_without_one_configured_and_still_never_printed() {
    let r = doctor::run_request(Ok(settings(&[])), TICKET, &opts()).await;
    assert_eq!(r.checks[0].name, "exposed secret", "{}", r.to_text());
    let exposed = text_of(&r, "exposed secret");
    assert!(exposed.contains("looks like an API secret") && exposed.contains("X-CAPI-SECRET"), "{exposed}");
    assert!(exposed.contains("delete this API key"), "{exposed}");
    // Without the secret the header signature cannot be checked, and doctor says how to.
    assert!(text_of(&r, "request 1: signature in header").contains("set CDC_API_SECRET"));
    for text in [r.to_text(), r.to_json(), r.support_report()] {
        assert!(!text.contains(TICKET_SECRET), "the secret leaked:\n{text}");
    }
    // A configuration that carries the secret in a URL is an exposure too.
    let url = format!("https://api.crypto.com/exchange/v1?s={TICKET_SECRET}");
    let raw = settings(&[("CDC_API_SECRET", TICKET_SECRET), ("CDC_REST_URL", &url)]);
    let clean = "GET /exchange/v1/public/get-tickers HTTP/1.1\nContent-Type: application/json\n\n{\"id\":1,\"method\":\"public/get-tickers\",\"params\":{}}";
    let r = doctor::run_request(Ok(raw), clean, &opts()).await;
    assert_eq!(r.checks[0].name, "exposed secret", "{}", r.to_text());
    assert!(text_of(&r, "exposed secret").contains("the setting CDC_REST_URL"));
    for text in [r.to_text(), r.to_json(), r.support_report()] {
        assert!(!text.contains(TICKET_SECRET), "the secret leaked:\n{text}");
    }
}

#[tokio::test]
async fn no_output_cites_documents_the_user_does_not_have() {
    let sim = support::sim(false).await;
    let base = [
        ("CDC_REST_URL", sim.rest_url()),
        ("CDC_USER_WS_URL", sim.user_ws_url()),
        ("CDC_MARKET_WS_URL", sim.market_ws_url()),
        ("CDC_API_KEY", support::KEY.to_owned()),
    ];
    let with = |secret: &str| {
        let mut v: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
        v.push(("CDC_API_SECRET", secret));
        settings(&v)
    };
    let mut reports = vec![
        doctor::run(Ok(with(support::SECRET)), &opts()).await,
        doctor::run(Ok(with("a_wrong_secret_of_enough_length")), &opts()).await,
    ];
    let captures = [
        "POST /v2/private/get-account-summary HTTP/1.1\nContent-Type: text/plain\n\n{\"id\":1,\"method\":\"private/get-account-summary\",\"params\":[],\"nonce\":1700000000}",
        "POST /exchange/v1/private/get-order-detail HTTP/1.1\nContent-Type: application/json\n\n{\"id\":1,\"method\":\"private/create-order\",\"params\":{\"price\":0.1},\"api_key\":\"k\",\"sig\":\"00\",\"nonce\":1}",
        "POST /exchange/v1/private/user-balance HTTP/1.1\n\nnot json",
        "POST /api/private/user-balance HTTP/1.1\nX-API-KEY: k\n\n{\"method\":\"private/user-balance\"}",
    ];
    for c in captures {
        let o = Options { send: true, ..opts() };
        reports.push(doctor::run_request(Ok(with(support::SECRET)), c, &o).await);
    }
    for r in &reports {
        for text in [r.to_text(), r.to_json(), r.support_report()] {
            assert!(!text.contains('§'), "a section sign the user cannot look up:\n{text}");
        }
    }
}
