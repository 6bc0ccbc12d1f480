//! `doctor`: walks a failing setup step by step (configuration and URLs, credentials, public
//! REST, the clock against the 60 s nonce window, `public/auth` on the user socket, one signed
//! private REST call) and says what to fix; and analyses requests captured from a user's own
//! client. Every request and response is kept in a transcript for a support report.
//!
//! It must NOT place, amend or cancel orders, must NOT send a captured request unless asked
//! (and then only a read-only one), and must NOT let the secret reach any check, transcript
//! entry or report: everything shown passes through [`Redactor`].

mod analyse;
mod body;
mod causes;
mod creds;
mod exposure;
mod headers;
mod http;
mod network;
mod redact;
mod replay;
mod report;
mod request;
mod sigcheck;
mod sigfind;
mod urls;
mod ws_auth;

use std::sync::Arc;
use std::time::Duration;

use cdc_engine::clock::{Clock, SystemClock};
use cdc_engine::config::{ConfigError, RawSettings};

pub use redact::{Redactor, REDACTED};
pub use replay::{is_read_only, READ_ONLY_PRIVATE};
pub use request::{parse_capture, parse_captured, Capture, CaptureError, Captured};
pub use sigcheck::{match_signature, SigMatch};
pub use urls::{is_v2_method, v1_method, v2_advice};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Ok,
    /// Works, but something is off (e.g. the clock is a few seconds away).
    Warn,
    /// Broken: the engine would fail here.
    Fail,
    /// Not run, because an earlier check failed (or, for a replay, because it was not asked
    /// for or was refused).
    Skipped,
    /// Not a test: an explanation or a record of what was done (e.g. what a replay sent).
    Info,
}

/// One step's outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    /// Short name, e.g. `"credentials"`.
    pub name: String,
    /// Outcome.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to change, when something should change.
    pub fix: Option<String>,
    /// The exchange's reason code, when the check got an answer with one other than 0: what
    /// later checks decide on (never the wording of `detail`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
}

impl Check {
    /// A check with this outcome.
    pub fn new(name: &str, status: Status, detail: impl Into<String>, fix: Option<String>) -> Self {
        Check { name: name.to_owned(), status, detail: detail.into(), fix, code: None }
    }

    /// The same check, recording the reason code it got.
    pub fn with_code(mut self, code: i64) -> Self {
        self.code = Some(code);
        self
    }
}

/// One request and its answer, already redacted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Exchange {
    /// Which check sent it.
    pub step: String,
    /// Request line, headers worth showing and body.
    pub request: String,
    /// HTTP status (REST) when there was an answer.
    pub status: Option<u16>,
    /// The answer's body or frame, or why there was none.
    pub response: String,
}

/// Everything a run found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    /// `cdc-engine` and its version, e.g. `cdc-engine 0.1.0`.
    pub version: String,
    /// Which exchange the configuration points at: `production`, `uat` or the custom URLs.
    pub environment: String,
    /// When the run started, UTC, e.g. `2025-06-01T12:00:00Z`.
    pub time_utc: String,
    /// The checks in the order they ran (an exposed secret always first).
    pub checks: Vec<Check>,
    /// Every request and response.
    pub transcript: Vec<Exchange>,
}

impl Report {
    /// Whether any check failed (the command's exit code).
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Fail)
    }

    /// The check of that name.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    fn push(&mut self, c: Check) {
        self.checks.push(c);
    }

    /// An empty report stamped with the version and the time.
    fn started() -> Self {
        Report {
            version: format!("cdc-engine {}", env!("CARGO_PKG_VERSION")),
            environment: "unknown (the configuration did not load)".to_owned(),
            time_utc: report::utc_text(cdc_engine::clock::system_now_ms()),
            ..Report::default()
        }
    }
}

/// How `doctor` runs.
#[derive(Clone)]
pub struct Options {
    /// The clock nonces come from (tests skew it).
    pub clock: Arc<dyn Clock>,
    /// Pause after the WebSocket opens before `public/auth` (the exchange asks for 1 s).
    pub connect_pause: Duration,
    /// Timeout of each request.
    pub timeout: Duration,
    /// After a 40101, also try the key and secret swapped. Off by default: if they were not
    /// swapped, this sends the secret as `api_key` to the exchange.
    pub try_swapped: bool,
    /// `doctor --request` only: also send the captured requests whose methods are read-only
    /// (credential and proxy headers dropped). Off by default: analysis sends nothing.
    pub send: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: SystemClock::new(),
            connect_pause: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            try_swapped: false,
            send: false,
        }
    }
}

/// Runs every check against the configured exchange. `config` is the result of
/// [`cdc_engine::config::load_raw`]; when it failed, the report says why and stops there.
pub async fn run(config: Result<RawSettings, ConfigError>, opts: &Options) -> Report {
    let mut report = Report::started();
    let Some((raw, endpoints)) = urls::check_config(config, &mut report) else {
        return report;
    };
    report.environment = report::environment(&raw, &endpoints);
    let mut redactor = creds::redactor(&raw);
    let exposed = exposure::in_config(&raw, raw.get("CDC_API_SECRET").as_deref());
    let creds = creds::check(&raw, &mut report);
    let mut net = network::Net::new(endpoints, redactor.clone(), opts);
    let reachable = net.public_rest(&mut report).await;
    net.clock(&mut report, reachable).await;
    let auth_ok = net.ws_auth(&mut report, creds.as_ref()).await;
    let private_ok = net.private_rest(&mut report, creds.as_ref(), reachable).await;
    if !(auth_ok && private_ok) && opts.try_swapped {
        net.swapped(&mut report, &raw).await;
    }
    report.transcript = net.into_transcript();
    if let Some(c) = causes::for_own_calls(&report, &raw) {
        report.push(c);
    }
    exposure::put_first(&mut report, &exposed, &mut redactor);
    report
}

/// Analyses captured HTTP requests (`doctor --request`): names their mistakes (credential,
/// proxy and address headers, v2 URLs, the nonce, body fields, and which signing produced a
/// `sig` in the body or a header when the secret is configured), puts "replace the key" first
/// when the capture or the configuration holds the secret, and explains 40101 once, ranked.
/// Sends nothing unless `opts.send`; then only read-only methods (see [`is_read_only`]).
pub async fn run_request(config: Result<RawSettings, ConfigError>, captured: &str, opts: &Options) -> Report {
    let mut report = Report::started();
    let loaded = urls::check_config(config, &mut report);
    let (mut redactor, secret, key) = match &loaded {
        Some((raw, endpoints)) => {
            report.environment = report::environment(raw, endpoints);
            (creds::redactor(raw), raw.get("CDC_API_SECRET"), raw.get("CDC_API_KEY"))
        }
        None => (Redactor::default(), None, None),
    };
    let capture = match request::parse_capture(captured) {
        Ok(c) => c,
        Err(e) => {
            report.push(Check::new("request", Status::Fail, e.to_string(), None));
            let exposed = exposure::in_text(captured, "the captured text", secret.as_deref());
            exposure::put_first(&mut report, &exposed, &mut redactor);
            return report;
        }
    };
    let mut exposed = exposure::in_capture(&capture, captured, secret.as_deref());
    if let Some((raw, _)) = &loaded {
        exposed.extend(exposure::in_config(raw, secret.as_deref()));
    }
    for v in &exposed.values {
        redactor.also_hide(v);
    }
    let prose = std::iter::once(capture.preamble.as_str()).chain(capture.requests.iter().map(|r| r.trailing.as_str()));
    let lines = prose.flat_map(str::lines).filter(|l| !l.trim().is_empty()).count();
    if lines > 0 {
        report.push(Check::new(
            "capture",
            Status::Info,
            format!(
                "{} request(s) found; {lines} line(s) of other text around them were only searched for secrets",
                capture.requests.len()
            ),
            None,
        ));
    }
    let ctx = analyse::Ctx { secret: secret.as_deref(), key: key.as_deref(), now_ms: opts.clock.now_ms() };
    let found: Vec<(String, Vec<String>)> = capture
        .labelled()
        .map(|(label, req)| (label.clone(), analyse::analyse(req, &label, &ctx, &mut report)))
        .collect();
    let mut codes = Vec::new();
    match loaded {
        Some((_, endpoints)) if opts.send => {
            let mut net = network::Net::new(endpoints, redactor.clone(), opts);
            for (label, req) in capture.labelled() {
                codes.extend(replay::replay(&mut net, &mut report, &label, req, secret.as_deref()).await);
            }
            report.transcript = net.into_transcript();
        }
        None if opts.send => report.push(Check::new(
            "replay",
            Status::Skipped,
            "nothing was sent: the configuration did not load, so there is no exchange to send to",
            None,
        )),
        _ => report.push(replay::not_asked()),
    }
    let env = report.environment.clone();
    if let Some(c) = causes::for_capture(&found, &codes, &env) {
        report.push(c);
    }
    exposure::put_first(&mut report, &exposed, &mut redactor);
    report
}
