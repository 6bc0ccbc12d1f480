//! Finds an exposed API secret: the configured secret inside a captured request (URL, header,
//! body), the free text around it or a setting where it does not belong, and values that look
//! like a secret even when none is configured (a header or field named like one). When found,
//! the advice to delete the key and create a new one goes first in the report. It names where
//! the secret was seen; it must NOT print the secret or the values it spots.

use serde_json::Value;

use super::headers;
use super::request::{Capture, Captured};
use super::{Check, Redactor, Report, Status};
use cdc_engine::config::RawSettings;

/// Shorter "secrets" would match unrelated text; they are flagged as implausible anyway.
const MIN_LEN: usize = 8;

/// Where a secret was seen, and the values spotted without a configured secret to compare.
#[derive(Debug, Default)]
pub(super) struct Exposure {
    /// Places holding the configured secret.
    pub confirmed: Vec<String>,
    /// Places holding something named like a secret.
    pub suspected: Vec<String>,
    /// The suspected values, so that the redactor hides them too.
    pub values: Vec<String>,
    /// Whether a request's URL or body (what a replay would send) holds one.
    pub in_sent_parts: bool,
}

impl Exposure {
    /// Adds another scan's findings.
    pub fn extend(&mut self, other: Exposure) {
        self.confirmed.extend(other.confirmed);
        self.suspected.extend(other.suspected);
        self.values.extend(other.values);
        self.in_sent_parts |= other.in_sent_parts;
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.confirmed.is_empty() && self.suspected.is_empty()
    }

    /// Records a suspected value; returns whether it was long enough to count.
    fn spot(&mut self, place: String, value: &str) -> bool {
        let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
        if v.len() < MIN_LEN {
            return false;
        }
        self.suspected.push(place);
        self.values.push(v.to_owned());
        true
    }
}

fn usable(secret: Option<&str>) -> Option<&str> {
    secret.map(str::trim).filter(|s| s.len() >= MIN_LEN)
}

/// Scans a whole capture: the text before the first request, then every request and the text
/// after it; `text` is the capture as given, searched whole in case the secret sits in a line
/// the parts leave out (a header line without a colon, say).
pub(super) fn in_capture(capture: &Capture, text: &str, secret: Option<&str>) -> Exposure {
    let mut out = in_text(&capture.preamble, "the text before the first request", secret);
    for (label, req) in capture.labelled() {
        out.extend(in_request(req, &label, secret));
        let after = if label == "request" {
            "the text after the request".to_owned()
        } else {
            format!("the text after {label}")
        };
        out.extend(in_text(&req.trailing, &after, secret));
    }
    if out.confirmed.is_empty() && usable(secret).is_some_and(|s| text.contains(s)) {
        out.confirmed.push("the captured text".to_owned());
    }
    out
}

/// Scans free text (ticket prose): the configured secret anywhere, and lines such as
/// `API secret: …` or `api_secret=…`.
pub(super) fn in_text(text: &str, place: &str, secret: Option<&str>) -> Exposure {
    let mut out = Exposure::default();
    if usable(secret).is_some_and(|s| text.contains(s)) {
        out.confirmed.push(place.to_owned());
        return out;
    }
    for line in text.lines() {
        let Some((label, value)) = line.split_once([':', '=']) else { continue };
        if label.to_ascii_lowercase().contains("secret") && !value.trim().contains(' ') {
            out.spot(format!("{place} (a line labelled {:?})", label.trim()), value);
        }
    }
    out
}

/// Scans one request: URL, headers and body.
pub(super) fn in_request(req: &Captured, label: &str, secret: Option<&str>) -> Exposure {
    let mut out = Exposure::default();
    let label = if label == "request" { "the request".to_owned() } else { label.to_owned() };
    let secret = usable(secret);
    let holds = |t: &str| secret.is_some_and(|s| t.contains(s));
    if holds(&req.target) {
        out.confirmed.push(format!("the URL of {label}"));
        out.in_sent_parts = true;
    } else {
        for pair in req.query().split('&') {
            if let Some((k, v)) = pair.split_once('=').filter(|(k, _)| k.to_ascii_lowercase().contains("secret")) {
                out.in_sent_parts |= out.spot(format!("the URL of {label} (query parameter {k})"), v);
            }
        }
    }
    for (name, value) in &req.headers {
        if holds(value) {
            out.confirmed.push(format!("the header {name} of {label}"));
        } else if headers::named_like_secret(name) {
            out.spot(format!("the header {name} of {label} (named like a secret)"), value);
        }
    }
    if holds(&req.body) {
        out.confirmed.push(format!("the body of {label}"));
        out.in_sent_parts = true;
    } else if let Ok(v) = serde_json::from_str::<Value>(&req.body) {
        let before = out.suspected.len();
        secret_fields(&v, &format!("the body of {label}"), &mut out);
        out.in_sent_parts |= out.suspected.len() > before;
    }
    out
}

fn secret_fields(v: &Value, at: &str, out: &mut Exposure) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::String(s) if k.to_ascii_lowercase().contains("secret") => {
                        out.spot(format!("{at} (field {k})"), s);
                    }
                    _ => secret_fields(v, at, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| secret_fields(v, at, out)),
        _ => {}
    }
}

/// The configured secret in a setting other than the secret itself (a URL, the environment).
pub(super) fn in_config(raw: &RawSettings, secret: Option<&str>) -> Exposure {
    let mut out = Exposure::default();
    let Some(secret) = usable(secret) else { return out };
    for var in ["CDC_REST_URL", "CDC_USER_WS_URL", "CDC_MARKET_WS_URL", "CDC_ENV", "CDC_PROFILE"] {
        if raw.get(var).is_some_and(|v| v.contains(secret)) {
            out.confirmed.push(format!("the setting {var}"));
        }
    }
    out
}

/// Puts the advice to replace the key first in the report when anything was found, then
/// scrubs the whole report of the secret and of every suspected value.
pub(super) fn put_first(report: &mut Report, found: &Exposure, redactor: &mut Redactor) {
    for v in &found.values {
        redactor.also_hide(v);
    }
    if !found.is_empty() {
        let detail = if found.confirmed.is_empty() {
            format!(
                "something that looks like an API secret is in {}: if it is your secret, it is exposed, and \
                 anyone who has read it can sign requests as you",
                found.suspected.join(", ")
            )
        } else {
            let mut places = found.confirmed.clone();
            places.extend(found.suspected.iter().cloned());
            format!(
                "your API secret is exposed: it is in {}. Anyone who has read it can sign requests as you \
                 (trade, and withdraw if the key allows it)",
                places.join(", ")
            )
        };
        let fix = "first of all: delete this API key on the exchange's API management page and create a new one \
                   (a secret that has been seen cannot be made safe again), then configure the new key and secret \
                   (CDC_API_KEY / CDC_API_SECRET or a chmod-600 config file). Never paste a secret into a ticket, \
                   a log, a header or a URL: nobody, support included, needs it";
        report.checks.insert(0, Check::new("exposed secret", Status::Fail, detail, Some(fix.to_owned())));
    }
    report.scrub(redactor);
}
