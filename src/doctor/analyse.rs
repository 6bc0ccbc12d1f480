//! The analysis of one captured request, head first: credential headers, headers that claim a
//! client address, the URL (v2 forms, missing `/exchange/v1/` or method) and the content type;
//! the body is `body`'s. It reads the request only: it must NOT send anything, and it names
//! headers and URLs but never prints a header's credential value.

use super::headers::{self, Kind};
use super::request::Captured;
use super::urls::{v1_method, V1_REST, V1_REST_UAT};
use super::{body, Check, Report, Status};

/// What the analysis knows besides the request.
pub(super) struct Ctx<'a> {
    /// The configured secret, to check signatures with.
    pub secret: Option<&'a str>,
    /// The configured key, used when the request carries none.
    pub key: Option<&'a str>,
    /// Now, in UTC ms, to judge the nonce.
    pub now_ms: u64,
}

/// Collects one request's checks under its label and remembers the mistakes' topics.
pub(super) struct Findings<'r> {
    label: &'r str,
    report: &'r mut Report,
    /// The topics of the failed checks, in order (e.g. `credentials in headers`).
    pub topics: Vec<String>,
}

impl Findings<'_> {
    /// Records a mistake.
    pub fn fail(&mut self, topic: &str, detail: String, fix: &str) {
        self.topics.push(topic.to_owned());
        self.report.push(Check::new(&format!("{}: {topic}", self.label), Status::Fail, detail, Some(fix.to_owned())));
    }

    /// Records something worth knowing that is not a mistake.
    pub fn info(&mut self, topic: &str, detail: String) {
        self.report.push(Check::new(&format!("{}: {topic}", self.label), Status::Info, detail, None));
    }
}

/// Names the request's mistakes as checks labelled `label`; returns their topics.
pub(super) fn analyse(req: &Captured, label: &str, ctx: &Ctx<'_>, report: &mut Report) -> Vec<String> {
    let mut f = Findings { label, report, topics: Vec::new() };
    header_checks(req, &mut f);
    url_checks(req, &mut f);
    match req.header("content-type") {
        Some(ct) if ct.to_ascii_lowercase().starts_with("application/json") => {}
        other => f.fail(
            "content type",
            format!("Content-Type is {}", other.unwrap_or("missing")),
            "send Content-Type: application/json with a JSON body",
        ),
    }
    body::checks(req, ctx, &mut f);
    let topics = f.topics;
    if topics.is_empty() {
        report.push(Check::new(label, Status::Ok, "no known mistake found in the request", None));
    }
    topics
}

fn header_checks(req: &Captured, f: &mut Findings<'_>) {
    let creds: Vec<&str> =
        req.headers.iter().map(|(k, _)| k.as_str()).filter(|k| headers::classify(k) == Kind::Credential).collect();
    if !creds.is_empty() {
        let timed = creds.iter().any(|k| {
            let k = k.to_ascii_lowercase();
            k.contains("timestamp") || k.contains("nonce") || k == "x-ts"
        });
        let nonce = if timed { "; a timestamp or nonce header is no substitute for the body's nonce" } else { "" };
        f.fail(
            "credentials in headers",
            format!(
                "the request carries credentials in the HTTP headers {}: the exchange reads none of them. It reads \
                 api_key, sig and nonce only from the JSON body, and answers 40101 when they are missing there{nonce}",
                creds.join(", ")
            ),
            "put api_key, sig and nonce in the JSON body next to id, method and params, and send no auth headers",
        );
    }
    let claims: Vec<String> =
        req.headers.iter().filter(|(k, _)| headers::claims_address(k)).map(|(k, v)| format!("{k}: {v}")).collect();
    if !claims.is_empty() {
        f.fail(
            "address headers",
            format!(
                "{} cannot change the address the exchange sees: it checks the address the TCP connection comes \
                 from against the key's IP allow-list, whatever a header claims",
                claims.join(", ")
            ),
            "remove these headers, and allow-list the public egress address of the machine that runs the client. \
             doctor cannot see that address from here: on that machine run `curl https://checkip.amazonaws.com` \
             (or `curl https://ifconfig.me`); behind a NAT gateway, proxy or VPN it is the gateway's address. An \
             address missing from the allow-list usually gets 40103",
        );
    }
    if req.header("user-agent").is_some_and(|ua| ua.contains("Mozilla/")) {
        f.info(
            "user agent",
            "a browser User-Agent plays no part in authentication; it is neither needed nor the cause".into(),
        );
    }
}

fn url_checks(req: &Captured, f: &mut Findings<'_>) {
    let path = req.path();
    let body_method = req.body_method().unwrap_or_default();
    let method = req.url_method().unwrap_or(&body_method);
    let v1 = v1_method(method).unwrap_or(if method.is_empty() { "{method}" } else { method });
    let target = format!("{V1_REST}/{v1} (UAT: {V1_REST_UAT}/{v1})");
    let shown = match &req.host {
        Some(h) => format!("https://{h}{path}"),
        None => path.to_owned(),
    };
    let no_method = if req.url_method().is_none() { ", and it names no method" } else { "" };
    if path.contains("/v2/") || path.ends_with("/v2") {
        f.fail("v2 path", format!("{shown} is the legacy v2 API{no_method}"), &format!("use API v1: POST {target}"));
    } else if !path.contains("/exchange/v1/") {
        f.fail("path", format!("{shown} lacks /exchange/v1/"), &format!("POST to {target}"));
    } else if req.url_method().is_none() {
        f.fail("path", format!("{shown} names no method"), &format!("append the method: POST {target}"));
    }
    if req.host.as_deref().is_some_and(|h| h.contains("deriv-api")) {
        f.fail(
            "host",
            format!("{shown} is the legacy derivatives API"),
            &format!("API v1 serves derivatives too: POST {target}"),
        );
    }
}
