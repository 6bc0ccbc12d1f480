//! The analysis of a captured request's JSON body: v2 method names, method against URL, the
//! credentials the body must carry, params (`[]`, floats), and the nonce (a string, seconds,
//! stale). Signatures are `sigfind`'s. Reads text only; it must NOT print credential values.

use serde_json::value::RawValue;
use serde_json::Value;

use super::analyse::{Ctx, Findings};
use super::request::Captured;
use super::urls::{is_v2_method, v2_advice};

/// The fields whose exact text matters, as sent.
#[derive(serde::Deserialize)]
pub(super) struct RawBody<'a> {
    #[serde(borrow, default)]
    pub id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub nonce: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub params: Option<&'a RawValue>,
}

/// Names the body's mistakes.
pub(super) fn checks(req: &Captured, ctx: &Ctx<'_>, f: &mut Findings<'_>) {
    let url_method = req.url_method();
    let Ok(Value::Object(body)) = serde_json::from_str::<Value>(&req.body) else {
        f.fail(
            "body",
            "the body is not a JSON object (form-encoded, or empty)".into(),
            "send the request object as JSON: {\"id\":…,\"method\":…,\"params\":{…},\"api_key\":…,\"sig\":…,\"nonce\":…}",
        );
        return;
    };
    let Ok(raw) = serde_json::from_str::<RawBody>(&req.body) else { return };
    let method = body.get("method").and_then(Value::as_str).unwrap_or_default();
    if let Some(m) = [method].into_iter().chain(url_method).find(|m| is_v2_method(m)) {
        f.fail("v2 method", v2_advice(m), "use the v1 method name in the URL and in the body");
    }
    if let Some(u) = url_method.filter(|u| *u != method) {
        f.fail(
            "method mismatch",
            format!("the body says method {method:?} but the URL says {u:?}"),
            "the body's method must equal the method part of the URL",
        );
    }
    let private = method.starts_with("private/") || url_method.is_some_and(|m| m.starts_with("private/"));
    let missing: Vec<&str> = ["api_key", "sig", "nonce"].into_iter().filter(|k| !body.contains_key(*k)).collect();
    if private && !missing.is_empty() {
        f.fail(
            "body credentials",
            format!("the body lacks {}", missing.join(", ")),
            "private methods carry api_key, sig and nonce in the JSON body, next to id, method and params",
        );
    }
    params_check(body.get("params"), f);
    nonce_check(raw.nonce.map(RawValue::get), ctx.now_ms, f);
    super::sigfind::checks(req, &body, &raw, ctx, f);
}

fn params_check(params: Option<&Value>, f: &mut Findings<'_>) {
    match params {
        None => f.fail("params", "the params key is missing".into(), "send \"params\": {} when there are none"),
        Some(Value::Array(_)) => f.fail("params", "params is [] (an array)".into(), "send \"params\": {}, never []"),
        Some(p @ Value::Object(_)) => {
            let mut floats = Vec::new();
            find_floats(p, "params", &mut floats);
            if !floats.is_empty() {
                f.fail(
                    "floats",
                    format!("JSON floats in {}", floats.join(", ")),
                    "send prices and quantities as strings (\"0.1\") and sign the same strings",
                );
            }
        }
        Some(_) => f.fail("params", "params is not an object".into(), "send params as a JSON object"),
    }
}

/// One check for every problem of the nonce: a JSON string, seconds, far from now.
fn nonce_check(raw: Option<&str>, now_ms: u64, f: &mut Findings<'_>) {
    let Some(raw) = raw else { return };
    let mut problems = Vec::new();
    let text = match serde_json::from_str::<String>(raw) {
        Ok(s) => {
            problems.push(format!("the nonce is sent as a JSON string (\"{s}\"), not as a number"));
            s
        }
        Err(_) => raw.to_owned(),
    };
    match text.trim().parse::<u64>() {
        Err(_) => problems.push(format!("the nonce {text} is not an integer")),
        Ok(n) if n < 100_000_000_000 => {
            problems.push(format!("the nonce {n} looks like seconds, not milliseconds (the exchange answers 40102)"))
        }
        Ok(n) if n.abs_diff(now_ms) > 60_000 => problems.push(format!(
            "the nonce is {} s away from now: the exchange accepts 60 s at most (a captured request grows stale too)",
            n.abs_diff(now_ms) / 1000
        )),
        Ok(_) => {}
    }
    if !problems.is_empty() {
        f.fail(
            "nonce",
            problems.join("; "),
            "send the current UTC time in milliseconds as a JSON number, e.g. \"nonce\": 1700000000000",
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
