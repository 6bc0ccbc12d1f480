//! Which signature a user's client computed (§3, §13): recompute ours and the common wrong
//! variants from the request as sent, and say which one the user's `sig` equals. Pure
//! computation; the secret is only used as the HMAC key and never returned.

use serde_json::Value;

use cdc_engine::protocol::sign::{canonical_into, payload_layout};
use cdc_engine::protocol::Credentials;

/// What the user's signature turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigMatch {
    /// Equal to ours: signing is right (a 40101 then comes from the key, secret or account).
    Ours,
    /// Equal to a known wrong variant: (what the client did, what to change).
    Variant(&'static str, &'static str),
    /// Equal to nothing we tried: most likely another secret, or a different payload entirely.
    Unknown,
}

/// The request as sent, texts exactly as found in the body.
#[derive(Debug, Clone)]
pub struct SigInput {
    /// `method`.
    pub method: String,
    /// The id's text.
    pub id: String,
    /// `api_key`.
    pub api_key: String,
    /// Params entries in the order they were sent, each with its raw JSON text; `None` when
    /// `params` was absent.
    pub params: Option<Vec<(String, Value, String)>>,
    /// The raw text of the `params` value.
    pub params_raw: String,
    /// The nonce's text.
    pub nonce: String,
}

type Render = fn(&(String, Value, String), &mut String);

fn render_canonical(e: &(String, Value, String), out: &mut String) {
    out.push_str(&e.0);
    canonical_into(&e.1, out);
}

fn render_raw_numbers(e: &(String, Value, String), out: &mut String) {
    out.push_str(&e.0);
    match &e.1 {
        Value::Number(_) => out.push_str(&e.2),
        v => canonical_into(v, out),
    }
}

fn render_python(e: &(String, Value, String), out: &mut String) {
    out.push_str(&e.0);
    match &e.1 {
        Value::Number(n) if n.is_f64() => out.push_str(&python_float(n.as_f64().unwrap_or_default())),
        Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        v => canonical_into(v, out),
    }
}

fn render_separated(e: &(String, Value, String), out: &mut String) {
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(&e.0);
    out.push('=');
    canonical_into(&e.1, out);
}

/// Python's `str(float)`: exponent form below 1e-4 (two-digit exponent), `.0` on integers.
fn python_float(f: f64) -> String {
    if f != 0.0 && (f.abs() < 1e-4 || f.abs() >= 1e16) {
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((m, e)) => {
                let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
                format!("{m}e{sign}{digits:0>2}")
            }
            None => s,
        }
    } else if f.fract() == 0.0 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

fn params_text(entries: &[(String, Value, String)], sorted: bool, render: Render) -> String {
    let mut refs: Vec<&(String, Value, String)> = entries.iter().collect();
    if sorted {
        refs.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut out = String::new();
    for e in refs {
        render(e, &mut out);
    }
    out
}

/// Compares `sig` with ours and the usual wrong variants, all signed with `secret`.
pub fn match_signature(secret: &str, input: &SigInput, sig: &str) -> SigMatch {
    let Ok(creds) = Credentials::new(input.api_key.clone(), secret) else {
        return SigMatch::Unknown;
    };
    let sig = sig.trim().to_ascii_lowercase();
    let pay = |id: &str, params: &str, nonce: &str| {
        payload_layout(&input.method, id, &input.api_key, nonce, |out| out.push_str(params))
    };
    let entries = input.params.clone().unwrap_or_default();
    let (id, nonce) = (input.id.as_str(), input.nonce.as_str());
    let ours = params_text(&entries, true, render_canonical);
    if creds.sign_payload(&pay(id, &ours, nonce)) == sig {
        return SigMatch::Ours;
    }
    let candidates: Vec<(String, &'static str, &'static str)> = vec![
        (
            pay(id, &params_text(&entries, false, render_canonical), nonce),
            "params were signed in the order sent, not sorted by key",
            "sort params keys ascending before signing",
        ),
        (
            pay(id, &input.params_raw, nonce),
            "the params were signed as JSON text",
            "sign key+value pairs with no quotes, braces or separators",
        ),
        (
            pay(id, &serde_json::to_string(&entries_map(&entries)).unwrap_or_default(), nonce),
            "the params were signed as JSON text",
            "sign key+value pairs with no quotes, braces or separators",
        ),
        (
            pay(id, "", nonce),
            "the signature leaves the params out",
            "append the canonical params string between api_key and nonce",
        ),
        (
            pay(id, &params_text(&entries, true, render_separated), nonce),
            "separators (= and &) were added to the param string",
            "concatenate keys and values with no separators",
        ),
        (
            pay(id, &params_text(&entries, true, render_raw_numbers), nonce),
            "numbers were signed in another text than the server reads",
            "send decimals as strings and sign the same strings",
        ),
        (
            pay(id, &params_text(&entries, true, render_python), nonce),
            "floats or booleans were signed Python-style (1e-05, 1.0, True)",
            "send decimals as strings; render booleans as true/false",
        ),
        (
            pay(nonce, &ours, nonce),
            "the id was signed as the nonce, but the body carries another id",
            "sign the id you send (ccxt uses id = nonce in both)",
        ),
        (
            pay("", &ours, nonce),
            "the id was left out of the signature",
            "payload = method + id + api_key + params + nonce",
        ),
        (
            pay(id, &ours, ""),
            "the nonce was left out of the signature",
            "payload = method + id + api_key + params + nonce",
        ),
    ];
    for (payload, what, fix) in candidates {
        if creds.sign_payload(&payload) == sig {
            return SigMatch::Variant(what, fix);
        }
    }
    SigMatch::Unknown
}

fn entries_map(entries: &[(String, Value, String)]) -> serde_json::Map<String, Value> {
    entries.iter().map(|(k, v, _)| (k.clone(), v.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input_for(method: &str, id: u64, nonce: u64, params: &serde_json::Map<String, Value>) -> SigInput {
        let entries = params.iter().map(|(k, v)| (k.clone(), v.clone(), v.to_string())).collect();
        SigInput {
            method: method.into(),
            id: id.to_string(),
            api_key: "my_api_key".into(),
            params: Some(entries),
            params_raw: Value::Object(params.clone()).to_string(),
            nonce: nonce.to_string(),
        }
    }

    #[test]
    fn what_the_signer_signs_is_recognised_as_ours() {
        let creds = Credentials::new("my_api_key", "s3cr3t").unwrap();
        let params = serde_json::json!({
            "side": "BUY", "price": "50000.5", "quantity": 1, "exec_inst": ["POST_ONLY"], "flag": true,
            "order_list": [{"b": "2", "a": 1}],
        });
        let params = params.as_object().unwrap().clone();
        let signed = creds.sign("private/create-order", 42, &params, 1_700_000_000_123);
        let input = input_for("private/create-order", 42, 1_700_000_000_123, &params);
        assert_eq!(match_signature("s3cr3t", &input, &signed.sig), SigMatch::Ours);
        // And a variant is still told apart from it: the same request with the nonce left out.
        let no_nonce = creds.sign_payload(signed.payload.trim_end_matches("1700000000123"));
        assert!(matches!(match_signature("s3cr3t", &input, &no_nonce), SigMatch::Variant(w, _) if w.contains("nonce")));
    }

    #[test]
    fn python_floats() {
        assert_eq!(python_float(1e-5), "1e-05");
        assert_eq!(python_float(2.0), "2.0");
        assert_eq!(python_float(0.25), "0.25");
    }
}
