//! One HTTP exchange for `doctor`: send, read status, `Date` header and body, and decode the
//! reason code leniently (number or string). It records nothing itself; the caller redacts.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use cdc_engine::protocol::codes::explain;
use cdc_engine::protocol::envelope::response_code;

/// What came back.
pub(super) struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The `Date` header in UTC ms, when present and valid.
    pub date_ms: Option<u64>,
    /// The body as text.
    pub body: String,
    /// The body as JSON, when it is JSON.
    pub json: Option<Value>,
}

impl Reply {
    /// The envelope's `code`, accepting a number or a string.
    pub fn code(&self) -> Option<i64> {
        self.json.as_ref().and_then(response_code)
    }
}

/// Why an exchange brought no answer.
#[derive(Debug, Clone, thiserror::Error)]
pub(super) enum HttpError {
    /// The HTTP client could not be built (TLS set-up).
    #[error("could not set up HTTP: {0}")]
    Client(String),
    /// Nothing came back: DNS, connect, TLS or the timeout.
    #[error("could not reach {url}: {cause}")]
    Unreachable { url: String, cause: String },
    /// An answer began and broke off.
    #[error("the answer from {url} broke off: {cause}")]
    BrokeOff { url: String, cause: String },
}

/// Sends one request; `Err` carries why nothing came back.
pub(super) async fn send(
    http: &reqwest::Client,
    verb: reqwest::Method,
    url: &str,
    headers: &[(String, String)],
    body: Option<String>,
) -> Result<Reply, HttpError> {
    let mut rb = http.request(verb, url);
    for (k, v) in headers {
        rb = rb.header(k.as_str(), v.as_str());
    }
    if let Some(b) = body {
        rb = rb.body(b);
    }
    let resp = rb.send().await.map_err(|e| HttpError::Unreachable { url: url.to_owned(), cause: chain(&e) })?;
    let status = resp.status().as_u16();
    let date_ms = resp
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let bytes = resp.bytes().await.map_err(|e| HttpError::BrokeOff { url: url.to_owned(), cause: chain(&e) })?;
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_str(&body).ok();
    Ok(Reply { status, date_ms, body, json })
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}

/// A client with the doctor's timeout.
pub(super) fn client(timeout: Duration) -> Result<reqwest::Client, HttpError> {
    reqwest::Client::builder().timeout(timeout).build().map_err(|e| HttpError::Client(chain(&e)))
}

/// A reason code explained for a check: its meaning and hint. For 40101 (and its v2 twin) the
/// causes are listed once per run in the `why 40101` check, ranked for the situation, so the
/// check points there instead of repeating them.
pub(super) fn explained(code: i64, status: Option<u16>) -> (String, String) {
    let ex = explain(code, status);
    let detail = format!("code {} {}: {}", ex.code, ex.name, ex.meaning);
    if super::causes::is_auth_failure(code) {
        return (detail, super::causes::SEE_BELOW.to_owned());
    }
    (detail, ex.hint)
}
