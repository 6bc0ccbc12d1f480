//! Request parsing and signature verification for the simulator (§2.1, §3).
//!
//! The simulator verifies what clients send; it never trusts them. It keeps its own canonical
//! parameter string (full recursion, like the official JS sample) and reads `id` and `nonce` as
//! the exact text found in the request, so a client that signs one text and sends another fails
//! here as it would on the exchange. It must NOT share code with the client-side signer in
//! `cdc_protocol`.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::Sha256;

/// How far a nonce may be from the simulator's wall clock (§2.1).
pub const NONCE_WINDOW_MS: u64 = 60_000;

/// A request envelope as received (REST body or WS frame).
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The id as sent (number or string), echoed back.
    pub id: Value,
    /// The id's text exactly as sent, for the signature.
    pub id_text: String,
    /// The method field.
    pub method: String,
    /// The params field: `None` when absent.
    pub params: Option<Value>,
    /// `api_key` when present.
    pub api_key: Option<String>,
    /// `sig` when present.
    pub sig: Option<String>,
    /// The nonce's text exactly as sent, when present.
    pub nonce_text: Option<String>,
}

/// Why a request could not be read as an envelope.
#[derive(Debug, Clone, PartialEq)]
pub enum EnvelopeError {
    /// Not JSON, or not a JSON object.
    Malformed,
    /// The object lacks `id` or `method` (or they have the wrong type).
    MissingIdOrMethod,
    /// `params` is present but not an object, or another field has a wrong type. Carries the
    /// id and method so the error can echo them.
    BadField {
        /// The request id as sent.
        id: Value,
        /// The method as sent.
        method: String,
    },
}

#[derive(Deserialize)]
struct RawFields<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    nonce: Option<&'a RawValue>,
}

/// Reads a request envelope from text.
pub fn parse_envelope(text: &str) -> Result<Envelope, EnvelopeError> {
    let value: Value = serde_json::from_str(text).map_err(|_| EnvelopeError::Malformed)?;
    let Value::Object(obj) = value else {
        return Err(EnvelopeError::Malformed);
    };
    // A second pass keeps the raw text of id and nonce; serde_json's Value would re-render
    // numbers, hiding a client that signed a different text than it sent. Duplicate keys fail
    // here, which is right: the signed and the parsed value could differ.
    let raw: RawFields = serde_json::from_str(text).map_err(|_| EnvelopeError::Malformed)?;
    let (Some(id), Some(Value::String(method))) = (obj.get("id"), obj.get("method")) else {
        return Err(EnvelopeError::MissingIdOrMethod);
    };
    let bad = || EnvelopeError::BadField { id: id.clone(), method: method.clone() };
    let id_text = raw.id.and_then(raw_integer_text).ok_or(EnvelopeError::MissingIdOrMethod)?;
    let params = match obj.get("params") {
        None => None,
        Some(p @ Value::Object(_)) => Some(p.clone()),
        Some(_) => return Err(bad()),
    };
    let nonce_text = match raw.nonce {
        None => None,
        Some(n) => Some(raw_integer_text(n).ok_or_else(bad)?),
    };
    Ok(Envelope {
        id: id.clone(),
        id_text,
        method: method.clone(),
        params,
        api_key: opt_string(&obj, "api_key").map_err(|_| bad())?,
        sig: opt_string(&obj, "sig").map_err(|_| bad())?,
        nonce_text,
    })
}

fn opt_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, ()> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    }
}

/// The text of a non-negative integer sent as a JSON number or a string of digits.
fn raw_integer_text(raw: &RawValue) -> Option<String> {
    let text = raw.get();
    let inner = if text.starts_with('"') { serde_json::from_str::<String>(text).ok()? } else { text.to_string() };
    let digits_only = !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit());
    // i64 range, as §2.1 gives for ids; nonces are ms timestamps, far inside it.
    (digits_only && inner.parse::<i64>().is_ok()).then_some(inner)
}

/// Appends the canonical parameter string of §3.2 for `value` to `out`, recursing fully.
pub fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for key in keys {
                out.push_str(key);
                if let Some(v) = map.get(key) {
                    canonical(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| canonical(item, out)),
        Value::String(s) => out.push_str(s),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
    }
}

/// The lower-case hex HMAC-SHA256 the request should carry (§3.1).
pub fn expected_sig(
    secret: &str,
    method: &str,
    id: &str,
    api_key: &str,
    params: Option<&Value>,
    nonce: &str,
) -> String {
    let mut payload = String::with_capacity(128);
    payload.push_str(method);
    payload.push_str(id);
    payload.push_str(api_key);
    if let Some(p) = params {
        canonical(p, &mut payload);
    }
    payload.push_str(nonce);
    // HMAC accepts keys of any length, so this cannot fail; fall back to an impossible sig.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Compares two byte strings in time independent of where they differ.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The outcome of checking a signed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// 40101: wrong key, wrong or missing signature.
    Unauthorized,
    /// 40102: the nonce is missing or more than 60 s from the wall clock.
    InvalidNonce,
}

impl AuthError {
    /// The reason code.
    pub fn code(self) -> i64 {
        match self {
            AuthError::Unauthorized => 40101,
            AuthError::InvalidNonce => 40102,
        }
    }
}

/// Checks key, signature and nonce of a signed request against the one account's credentials.
pub fn verify(env: &Envelope, api_key: &str, secret: &str, now_ms: u64) -> Result<(), AuthError> {
    let (Some(key), Some(sig)) = (&env.api_key, &env.sig) else {
        return Err(AuthError::Unauthorized);
    };
    let Some(nonce) = &env.nonce_text else {
        return Err(AuthError::InvalidNonce);
    };
    if !ct_eq(key.as_bytes(), api_key.as_bytes()) {
        return Err(AuthError::Unauthorized);
    }
    let want = expected_sig(secret, &env.method, &env.id_text, key, env.params.as_ref(), nonce);
    if !ct_eq(sig.as_bytes(), want.as_bytes()) {
        return Err(AuthError::Unauthorized);
    }
    let nonce_ms: u64 = nonce.parse().map_err(|_| AuthError::InvalidNonce)?;
    if nonce_ms.abs_diff(now_ms) > NONCE_WINDOW_MS {
        return Err(AuthError::InvalidNonce);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &str = "my_api_key";
    const SECRET: &str = "my_secret_key";

    fn sig(method: &str, id: &str, params: Option<Value>, nonce: &str) -> String {
        expected_sig(SECRET, method, id, KEY, params.as_ref(), nonce)
    }

    #[test]
    fn vector_1_public_auth() {
        assert_eq!(
            sig("public/auth", "1", None, "1700000000000"),
            "640440c86226c76b7f301416a73aec4797d8abb0aec87eb14dddf8c66d04ca1b"
        );
    }

    #[test]
    fn vector_2_get_order_detail() {
        let p = json!({"order_id":"53287421324"});
        assert_eq!(
            sig("private/get-order-detail", "11", Some(p), "1587846358253"),
            "05cb784aa97d7d14ad0a6ecc10d5a32a66120f2bd1d9348126f6020cab04ed19"
        );
    }

    #[test]
    fn vector_3_empty_params() {
        assert_eq!(
            sig("private/user-balance", "2", Some(json!({})), "1700000000123"),
            "ee6301c45db2cadaaa5ee4bec9367e3e0c18437d74ee9bf0b5c3da1148ccc3d3"
        );
    }

    #[test]
    fn vector_4_create_order() {
        let p = json!({"instrument_name":"BTCUSD-PERP","side":"BUY","type":"LIMIT","price":"50000.5",
            "quantity":"0.0100","client_oid":"c5f682ed-7108-4f1c-b755-972fcdca0f02",
            "time_in_force":"GOOD_TILL_CANCEL","exec_inst":["POST_ONLY"]});
        let mut canon = String::new();
        canonical(&p, &mut canon);
        assert_eq!(canon, "client_oidc5f682ed-7108-4f1c-b755-972fcdca0f02exec_instPOST_ONLYinstrument_nameBTCUSD-PERPprice50000.5quantity0.0100sideBUYtime_in_forceGOOD_TILL_CANCELtypeLIMIT");
        assert_eq!(
            sig("private/create-order", "3", Some(p), "1700000000456"),
            "f6967f9900432a863c29e35f84947e01740e64c1508b6276e564562f2e4b4f54"
        );
    }

    #[test]
    fn vector_5_integer_limit() {
        let p = json!({"instrument_name":"BTCUSD-PERP","start_time":"1610905028000081486","end_time":"1613570791058211357","limit":20});
        assert_eq!(
            sig("private/get-order-history", "4", Some(p), "1700000000789"),
            "771fd621b4546f20f685b9204ed34c67852efe45e092d02547d41bd333c6dea1"
        );
    }

    #[test]
    fn vector_6_order_list() {
        let p = json!({"contingency_type":"LIST","order_list":[
            {"instrument_name":"CRO_USD","side":"SELL","type":"LIMIT","quantity":"10","price":"0.12","client_oid":"api_leg1"},
            {"instrument_name":"CRO_USD","side":"SELL","type":"LIMIT","quantity":"20","price":"0.122","client_oid":"api_leg2"}]});
        assert_eq!(
            sig("private/create-order-list", "5", Some(p), "1750385416548"),
            "66aa002b22dcefc513e6723486eb759e5258e579a2d633a3077c68aaf1e78154"
        );
    }

    #[test]
    fn bools_and_nulls_render_like_js() {
        let mut out = String::new();
        canonical(&json!({"b":true,"a":null,"c":"1.50"}), &mut out);
        assert_eq!(out, "anullbtruec1.50");
    }

    #[test]
    fn id_and_nonce_keep_their_text() {
        let env = parse_envelope(r#"{"id":"7","method":"m","nonce":1700000000000,"params":{}}"#);
        let env = env.ok().unwrap_or_else(|| panic!("parse"));
        assert_eq!((env.id_text.as_str(), env.nonce_text.as_deref()), ("7", Some("1700000000000")));
        assert_eq!(env.id, json!("7"));
    }

    #[test]
    fn float_ids_and_bad_params_are_refused() {
        assert_eq!(parse_envelope(r#"{"id":1.5,"method":"m"}"#).err(), Some(EnvelopeError::MissingIdOrMethod));
        assert!(matches!(parse_envelope(r#"{"id":1,"method":"m","params":[]}"#), Err(EnvelopeError::BadField { .. })));
        assert_eq!(parse_envelope("[1]").err(), Some(EnvelopeError::Malformed));
        assert_eq!(parse_envelope(r#"{"method":"m"}"#).err(), Some(EnvelopeError::MissingIdOrMethod));
    }

    #[test]
    fn verify_checks_key_sig_and_nonce_window() {
        let now = 1_700_000_000_000u64;
        let text = |nonce: u64, sig: &str| {
            format!(r#"{{"id":1,"method":"public/auth","api_key":"{KEY}","sig":"{sig}","nonce":{nonce}}}"#)
        };
        let good = sig("public/auth", "1", None, &now.to_string());
        let env = |t: String| parse_envelope(&t).ok().unwrap_or_else(|| panic!("parse"));
        assert_eq!(verify(&env(text(now, &good)), KEY, SECRET, now + 1000), Ok(()));
        assert_eq!(verify(&env(text(now, &good)), KEY, "other", now), Err(AuthError::Unauthorized));
        assert_eq!(verify(&env(text(now, &good)), KEY, SECRET, now + 61_000), Err(AuthError::InvalidNonce));
        assert_eq!(verify(&env(text(now, &good.to_uppercase())), KEY, SECRET, now), Err(AuthError::Unauthorized));
    }
}
