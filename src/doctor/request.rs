//! The captured-request analyser (`doctor --request`, §13): parses a raw HTTP request a user's
//! own client sent and names its mistakes. Reads text only; sending belongs to `network`.

use serde_json::value::RawValue;
use serde_json::Value;

use super::sigcheck::{match_signature, SigInput, SigMatch};
use super::urls::is_v2_method;
use super::{Check, Report, Status};

/// A captured HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// `POST`, `GET`, …
    pub verb: String,
    /// The path and query, e.g. `/exchange/v1/private/user-balance`.
    pub target: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The body (may be empty).
    pub body: String,
}

impl Captured {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Parses "request line, headers, blank line, body"; CRLF or LF; an absolute URL in the
/// request line keeps only its path.
pub fn parse_captured(text: &str) -> Result<Captured, String> {
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let (head, body) = match text.find("\r\n\r\n").map(|i| (i, 4)).or_else(|| text.find("\n\n").map(|i| (i, 2))) {
        Some((i, n)) => (&text[..i], text[i + n..].trim()),
        None => (text, ""),
    };
    let mut lines = head.lines();
    let first = lines.next().unwrap_or_default();
    let mut parts = first.split_whitespace();
    let (Some(verb), Some(target)) = (parts.next(), parts.next()) else {
        return Err(format!("the first line {first:?} is not a request line like `POST /exchange/v1/... HTTP/1.1`"));
    };
    let target = match target.find("://") {
        Some(i) => target[i + 3..].find('/').map_or("/".to_owned(), |j| target[i + 3 + j..].to_owned()),
        None => target.to_owned(),
    };
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    Ok(Captured { verb: verb.to_ascii_uppercase(), target, headers, body: body.to_owned() })
}

/// Names the request's mistakes as checks; returns the parsed request for the replay.
pub(super) fn analyse(text: &str, secret: Option<&str>, now_ms: u64, report: &mut Report) -> Option<Captured> {
    let req = match parse_captured(text) {
        Ok(r) => r,
        Err(e) => {
            report.push(Check::new("request", Status::Fail, e, None));
            return None;
        }
    };
    let before = report.checks.len();
    let mut fail = |topic: &str, detail: String, fix: &str| {
        report.push(Check::new(&format!("request: {topic}"), Status::Fail, detail, Some(fix.to_owned())))
    };
    let cred_headers: Vec<&str> =
        req.headers.iter().map(|(k, _)| k.as_str()).filter(|k| is_credential_header(k)).collect();
    if !cred_headers.is_empty() {
        fail(
            "credentials in headers",
            format!(
            "the request carries credentials in the HTTP headers {}: the exchange reads api_key, sig and nonce only \
             from the JSON body, so it answers 40101", cred_headers.join(", ")),
            "put api_key, sig and nonce in the JSON body next to id, method and params (§2.1); send no auth headers",
        );
    }
    let path = req.target.split('?').next().unwrap_or_default();
    let url_method =
        path.split_once("/exchange/v1/").map(|(_, m)| m).or_else(|| path.split_once("/v2/").map(|(_, m)| m));
    if path.contains("/v2/") {
        fail("v2 path", format!("{path} is the legacy v2 API"), "use /exchange/v1/{method} (§1)");
    } else if !path.contains("/exchange/v1/") {
        fail("path", format!("{path} lacks /exchange/v1/"), "POST to /exchange/v1/{method} (§2.3)");
    }
    match req.header("content-type") {
        Some(ct) if ct.to_ascii_lowercase().starts_with("application/json") => {}
        other => fail(
            "content type",
            format!("Content-Type is {}", other.unwrap_or("missing")),
            "send Content-Type: application/json with a JSON body (§2.3)",
        ),
    }
    body_checks(&req, url_method, secret, now_ms, &mut fail);
    if report.checks.len() == before {
        report.push(Check::new("request", Status::Ok, "no mistake of §13 found in the request", None));
    }
    Some(req)
}

fn is_credential_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["key", "sig", "nonce", "secret", "cb-access", "passphrase"].iter().any(|w| n.contains(w)) || n == "authorization"
}

#[derive(serde::Deserialize)]
struct RawBody<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    nonce: Option<&'a RawValue>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
}

fn body_checks(
    req: &Captured,
    url_method: Option<&str>,
    secret: Option<&str>,
    now_ms: u64,
    fail: &mut dyn FnMut(&str, String, &str),
) {
    let Ok(Value::Object(body)) = serde_json::from_str::<Value>(&req.body) else {
        fail("body", "the body is not a JSON object (form-encoded, or empty)".into(),
            "send the request object as JSON: {\"id\":…,\"method\":…,\"params\":{…},\"api_key\":…,\"sig\":…,\"nonce\":…}");
        return;
    };
    let Ok(raw) = serde_json::from_str::<RawBody>(&req.body) else { return };
    let method = body.get("method").and_then(Value::as_str).unwrap_or_default();
    if is_v2_method(method) || url_method.is_some_and(is_v2_method) {
        let m = if is_v2_method(method) { method } else { url_method.unwrap_or_default() };
        fail(
            "v2 method",
            format!("{m} is a legacy v2 method name"),
            "use the v1 method (e.g. private/user-balance instead of private/get-account-summary)",
        );
    }
    if let Some(u) = url_method.filter(|u| *u != method) {
        fail(
            "method mismatch",
            format!("the body says method {method:?} but the URL says {u:?}"),
            "the body's method must equal the {method} part of the URL (§2.1)",
        );
    }
    let private = method.starts_with("private/") || url_method.is_some_and(|m| m.starts_with("private/"));
    let missing: Vec<&str> = ["api_key", "sig", "nonce"].into_iter().filter(|k| !body.contains_key(*k)).collect();
    if private && !missing.is_empty() {
        fail(
            "body credentials",
            format!("the body lacks {}", missing.join(", ")),
            "private methods carry api_key, sig and nonce in the JSON body (§2.1)",
        );
    }
    match body.get("params") {
        None => fail("params", "the params key is missing".into(), "send \"params\": {} when there are none (§2.1)"),
        Some(Value::Array(_)) => {
            fail("params", "params is [] (an array)".into(), "send \"params\": {}, never [] (ccxt #11179)")
        }
        Some(Value::Object(p)) => {
            let mut floats = Vec::new();
            find_floats(&Value::Object(p.clone()), "params", &mut floats);
            if !floats.is_empty() {
                fail(
                    "floats",
                    format!("JSON floats in {}", floats.join(", ")),
                    "send prices and quantities as strings (\"0.1\") and sign the same strings (§2.1, §3.4)",
                );
            }
        }
        Some(_) => fail("params", "params is not an object".into(), "send params as a JSON object"),
    }
    nonce_check(raw.nonce.map(RawValue::get), now_ms, fail);
    if let (Some(secret), Some(Value::String(key)), Some(Value::String(sig))) =
        (secret, body.get("api_key"), body.get("sig"))
    {
        let input = SigInput {
            method: method.to_owned(),
            id: raw.id.map(text_of).unwrap_or_default(),
            api_key: key.clone(),
            params: raw.params.and_then(|p| ordered(p.get())),
            params_raw: raw.params.map(|p| p.get().to_owned()).unwrap_or_default(),
            nonce: raw.nonce.map(text_of).unwrap_or_default(),
        };
        match match_signature(secret, &input, sig) {
            SigMatch::Ours => {}
            SigMatch::Variant(what, fix) => fail("signature", format!("the sig matches a known mistake: {what}"), fix),
            SigMatch::Unknown => fail(
                "signature",
                "the sig matches neither ours nor a common variant: a different secret, \
                or a payload other than method+id+api_key+params+nonce"
                    .into(),
                "compare with `cdc-engine sign` for the same method, id, params and nonce",
            ),
        }
    }
}

fn text_of(raw: &RawValue) -> String {
    let t = raw.get();
    serde_json::from_str::<String>(t).unwrap_or_else(|_| t.to_owned())
}

fn nonce_check(raw: Option<&str>, now_ms: u64, fail: &mut dyn FnMut(&str, String, &str)) {
    let Some(raw) = raw else { return };
    let text = serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned());
    let Ok(n) = text.parse::<u64>() else {
        fail(
            "nonce",
            format!("the nonce {text} is not an integer"),
            "send UTC milliseconds as an integer, e.g. 1700000000000",
        );
        return;
    };
    if n < 100_000_000_000 {
        fail("nonce", format!("the nonce {n} looks like seconds"), "use UTC milliseconds (§2.1): 40102 otherwise");
    } else if n.abs_diff(now_ms) > 60_000 {
        fail(
            "nonce",
            format!("the nonce is {} s away from now", n.abs_diff(now_ms) / 1000),
            "a nonce must be within 60 s of the exchange's clock (a captured request grows stale too)",
        );
    }
}

fn find_floats(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Number(n) if n.is_f64() => out.push(at.to_owned()),
        Value::Object(m) => m.iter().for_each(|(k, v)| find_floats(v, &format!("{at}.{k}"), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| find_floats(v, &format!("{at}[{i}]"), out)),
        _ => {}
    }
}

/// A params object's entries in the order sent, each with its value and raw text.
fn ordered(text: &str) -> Option<Vec<(String, Value, String)>> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<(String, Value, String)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, raw)) = m.next_entry::<String, Box<RawValue>>()? {
                let v = serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
                out.push((k, v, raw.get().to_owned()));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    serde::Deserializer::deserialize_map(&mut de, V).ok()
}
