//! `doctor --request --send`: sends a captured request to the configured exchange to show what
//! it answers, and says exactly what was sent, where, and which headers were left out.
//!
//! It must NOT send anything not asked for (the caller runs it only with `--send`), any method
//! not on the read-only list below, any credential, cookie, proxy or address-claiming header,
//! or any URL or body that holds a secret. The body goes as captured: its own nonce and sig,
//! not re-signed, because the point is the exchange's verdict on the user's own request.

use reqwest::Method;
use serde_json::Value;

use super::headers::{self, Kind};
use super::network::{answer_check, reach_fix, Net};
use super::request::Captured;
use super::{exposure, Check, Report, Status};

/// Private methods that only read. Every other private method is refused; public methods
/// (`public/...`) read market data and are allowed.
pub const READ_ONLY_PRIVATE: &[&str] = &[
    "private/user-balance",
    "private/user-balance-history",
    "private/get-accounts",
    "private/get-subaccount-balances",
    "private/get-positions",
    "private/get-open-orders",
    "private/get-order-detail",
    "private/get-order-history",
    "private/get-trades",
    "private/get-transactions",
    "private/get-fee-rate",
    "private/get-instrument-fee-rate",
    "private/get-cancel-on-disconnect",
    "private/get-currency-networks",
    "private/get-deposit-history",
    "private/get-withdrawal-history",
    "private/get-account-summary",
];

/// What the known writes would do, for the refusal.
const WRITES: &[(&str, &str)] = &[
    ("private/create-order", "places an order"),
    ("private/create-order-list", "places several orders"),
    ("private/amend-order", "changes an open order"),
    ("private/cancel-order", "cancels an order"),
    ("private/cancel-order-list", "cancels orders"),
    ("private/cancel-all-orders", "cancels every open order"),
    ("private/close-position", "closes a position"),
    ("private/create-withdrawal", "withdraws funds"),
    ("private/change-account-leverage", "changes the account's leverage"),
    ("private/set-cancel-on-disconnect", "changes what happens to open orders on a disconnect"),
];

/// Whether doctor may send this method: a well-formed `public/...` name, or a private method
/// on [`READ_ONLY_PRIVATE`].
pub fn is_read_only(method: &str) -> bool {
    let well_formed = !method.contains("..")
        && !method.contains("//")
        && method.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '/'));
    well_formed
        && ((method.starts_with("public/") && method.len() > "public/".len()) || READ_ONLY_PRIVATE.contains(&method))
}

fn refusal(method: &str) -> String {
    match WRITES.iter().find(|(m, _)| *m == method) {
        Some((_, what)) => format!("{method} {what}; doctor never sends a method that changes the account"),
        None => format!("{method} is not on doctor's list of read-only methods, so it is not sent"),
    }
}

/// The check for a run without `--send`.
pub(super) fn not_asked() -> Check {
    Check::new(
        "replay",
        Status::Skipped,
        "nothing was sent: doctor --request only analyses. Add --send to also send read-only requests to the \
         configured exchange (credential and proxy headers dropped, the body as captured)",
        None,
    )
}

/// Sends one captured request when it is allowed; returns the reason code of the answer.
pub(super) async fn replay(
    net: &mut Net<'_>,
    report: &mut Report,
    label: &str,
    req: &Captured,
    secret: Option<&str>,
) -> Option<i64> {
    let name = label.replacen("request", "replay", 1);
    if let Err(why) = allowed(req, label, secret) {
        let fix = "doctor replays only read-only methods; try a write with your own client on UAT".to_owned();
        report.push(Check::new(&name, Status::Skipped, format!("refused, nothing sent: {why}"), Some(fix)));
        return None;
    }
    let origin = match reqwest::Url::parse(&net.endpoints.rest_url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(e) => {
            report.push(Check::new(&name, Status::Skipped, format!("the REST URL does not parse: {e}"), None));
            return None;
        }
    };
    let url = format!("{origin}{}", req.target);
    let (kept, dropped) = split_headers(req, secret);
    let shown_body = net.redactor.as_sent(&req.body);
    report.push(Check::new(
        &format!("{name}: sent"),
        Status::Info,
        sent_text(net, req, &url, &kept, &shown_body),
        None,
    ));
    let dropped_text = if dropped.is_empty() { "none".to_owned() } else { dropped.join("; ") };
    report.push(Check::new(&format!("{name}: dropped headers"), Status::Info, dropped_text, None));
    let verb = if req.verb == "GET" { Method::GET } else { Method::POST };
    let body = (!req.body.is_empty()).then(|| req.body.clone());
    let (check, code) = match net.exchange(&name, verb, &url, &kept, body, shown_body).await {
        Err(e) => (Check::new(&name, Status::Fail, e.to_string(), Some(reach_fix())), None),
        Ok(r) => {
            let answer = shorten(&net.redactor.body(&r.body), 1500);
            let mut c = answer_check(&name, &r, |_| format!("HTTP {}, code 0: the exchange accepts it", r.status));
            c.detail.push_str(&format!(". Its answer: {answer}"));
            (c, r.code())
        }
    };
    report.push(check);
    code
}

/// Why a captured request is not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NotSent {
    /// A verb other than GET or POST.
    Verb(String),
    /// A URL that names no method (the path as captured).
    NoMethod(String),
    /// A method that is not known to be read-only.
    NotReadOnly(String),
    /// The URL or body holds the secret.
    HoldsSecret,
}

impl std::fmt::Display for NotSent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotSent::Verb(verb) => write!(f, "the verb {verb} is not one the API uses for reading"),
            NotSent::NoMethod(path) => {
                write!(f, "the URL {path} names no method, so what the server would run is unknown")
            }
            NotSent::NotReadOnly(method) => f.write_str(&refusal(method)),
            NotSent::HoldsSecret => {
                f.write_str("its URL or body holds a secret, and doctor never sends a secret anywhere")
            }
        }
    }
}

/// Why a request may not be sent, if it may not.
fn allowed(req: &Captured, label: &str, secret: Option<&str>) -> Result<(), NotSent> {
    if req.verb != "GET" && req.verb != "POST" {
        return Err(NotSent::Verb(req.verb.clone()));
    }
    let Some(url_method) = req.url_method() else {
        return Err(NotSent::NoMethod(req.path().to_owned()));
    };
    for m in [Some(url_method.to_owned()), req.body_method()].into_iter().flatten() {
        if !is_read_only(&m) {
            return Err(NotSent::NotReadOnly(m));
        }
    }
    if exposure::in_request(req, label, secret).in_sent_parts {
        return Err(NotSent::HoldsSecret);
    }
    Ok(())
}

/// The headers forwarded, and each one left out with the reason.
fn split_headers(req: &Captured, secret: Option<&str>) -> (Vec<(String, String)>, Vec<String>) {
    let secret = secret.map(str::trim).filter(|s| s.len() >= 4);
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for (k, v) in &req.headers {
        let reason = if secret.is_some_and(|s| v.contains(s)) {
            Some("holds the configured secret")
        } else if headers::named_like_secret(k) {
            Some("named like a secret")
        } else {
            match headers::classify(k) {
                Kind::Kept => None,
                kind => Some(headers::drop_reason(kind)),
            }
        };
        match reason {
            None => kept.push((k.clone(), v.clone())),
            Some(why) => dropped.push(format!("{k} ({why})")),
        }
    }
    (kept, dropped)
}

fn sent_text(net: &Net<'_>, req: &Captured, url: &str, kept: &[(String, String)], body: &str) -> String {
    let host = match &req.host {
        Some(h) => format!("; the capture named the host {h}, doctor sends to the configured exchange instead"),
        None => String::new(),
    };
    let headers: Vec<String> = kept.iter().map(|(k, v)| net.redactor.header(k, v)).collect();
    let headers = if headers.is_empty() { "none".to_owned() } else { headers.join(", ") };
    let body = if body.is_empty() { "no body".to_owned() } else { format!("body {body}") };
    let mut out = format!(
        "{} {url}{host}. Headers kept: {headers}. The body is sent as captured, not re-signed (its own nonce and \
         sig; the sig is hidden here): {body}",
        req.verb
    );
    let nonce = serde_json::from_str::<Value>(&req.body).ok().and_then(|v| match v.get("nonce")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let now = net.opts.clock.now_ms();
    if let Some(n) = nonce.filter(|n| n.abs_diff(now) > 60_000) {
        out.push_str(&format!(
            ". Its nonce is {} s away from now, so expect 40102 INVALID_NONCE: that answer says nothing about the \
             signature. Capture a fresh request and replay it within 60 s",
            n.abs_diff(now) / 1000
        ));
    }
    out
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}… ({} more bytes)", &text[..i], text.len() - i),
        None => text.to_owned(),
    }
}
