//! `doctor`: walks a failing setup step by step (configuration and URLs, credentials, public
//! REST, the clock against the 60 s nonce window, `public/auth` on the user socket, one signed
//! private REST call) and says what to fix; and analyses a request captured from a user's own
//! client (§13). Every request and response is kept in a transcript for a support report.
//!
//! It must NOT place, amend or cancel orders, and must NOT let the secret reach any check,
//! transcript entry or report: everything shown passes through [`Redactor`].

mod creds;
mod http;
mod network;
mod redact;
mod report;
mod request;
mod sigcheck;
mod urls;
mod ws_auth;

use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::config::{ConfigError, RawSettings};

pub use redact::{Redactor, REDACTED};
pub use request::{parse_captured, Captured};
pub use sigcheck::{match_signature, SigMatch};

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
    /// Not run, because an earlier check failed.
    Skipped,
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
}

impl Check {
    /// A check with this outcome.
    pub fn new(name: &str, status: Status, detail: impl Into<String>, fix: Option<String>) -> Self {
        Check { name: name.to_owned(), status, detail: detail.into(), fix }
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
    /// The checks in the order they ran.
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
}

/// How `doctor` runs.
#[derive(Clone)]
pub struct Options {
    /// The clock nonces come from (tests skew it).
    pub clock: Arc<dyn Clock>,
    /// Pause after the WebSocket opens before `public/auth` (§4.2: 1 s).
    pub connect_pause: Duration,
    /// Timeout of each request.
    pub timeout: Duration,
    /// After a 40101, also try the key and secret swapped. Off by default: if they were not
    /// swapped, this sends the secret as `api_key` to the exchange.
    pub try_swapped: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: SystemClock::new(),
            connect_pause: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            try_swapped: false,
        }
    }
}

/// Runs every check against the configured exchange. `config` is the result of
/// [`crate::config::load_raw`]; when it failed, the report says why and stops there.
pub async fn run(config: Result<RawSettings, ConfigError>, opts: &Options) -> Report {
    let mut report = Report::default();
    let Some((raw, endpoints)) = urls::check_config(config, &mut report) else {
        return report;
    };
    let redactor = creds::redactor(&raw);
    let creds = creds::check(&raw, &mut report);
    let mut net = network::Net::new(endpoints, redactor, opts);
    let reachable = net.public_rest(&mut report).await;
    net.clock(&mut report, reachable).await;
    let auth_ok = net.ws_auth(&mut report, creds.as_ref()).await;
    let private_ok = net.private_rest(&mut report, creds.as_ref(), reachable).await;
    if !(auth_ok && private_ok) && opts.try_swapped {
        net.swapped(&mut report, &raw).await;
    }
    report.transcript = net.into_transcript();
    report
}

/// Analyses a captured HTTP request (`doctor --request`): names its §13 mistakes, says which
/// signature variant its `sig` matches when the secret is configured, then sends it as is to
/// the configured REST origin and explains the answer.
pub async fn run_request(config: Result<RawSettings, ConfigError>, captured: &str, opts: &Options) -> Report {
    let mut report = Report::default();
    let Some((raw, endpoints)) = urls::check_config(config, &mut report) else {
        return report;
    };
    let redactor = creds::redactor(&raw);
    let secret = raw.get("CDC_API_SECRET");
    let Some(req) = request::analyse(captured, secret.as_deref(), opts.clock.now_ms(), &mut report) else {
        return report;
    };
    let mut net = network::Net::new(endpoints, redactor, opts);
    net.replay(&mut report, &req).await;
    report.transcript = net.into_transcript();
    report
}
