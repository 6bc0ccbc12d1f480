//! Response envelopes and reason codes as the simulator sends them (§2.2, §11).
//!
//! Builds JSON values only; it must NOT decide which code a request earns.

use serde_json::{json, Map, Value};

/// 40001 BAD_REQUEST.
pub const BAD_REQUEST: i64 = 40001;
/// 40002 METHOD_NOT_FOUND.
pub const METHOD_NOT_FOUND: i64 = 40002;
/// 40003 INVALID_REQUEST.
pub const INVALID_REQUEST: i64 = 40003;
/// 40101 UNAUTHORIZED.
pub const UNAUTHORIZED: i64 = 40101;
/// 40102 INVALID_NONCE.
pub const INVALID_NONCE: i64 = 40102;
/// 40107 EXCEED_MAX_SUBSCRIPTIONS.
pub const EXCEED_MAX_SUBSCRIPTIONS: i64 = 40107;
/// 42901 TOO_MANY_REQUESTS.
pub const TOO_MANY_REQUESTS: i64 = 42901;
/// 50001 ERR_INTERNAL.
pub const ERR_INTERNAL: i64 = 50001;

/// The name the simulator sends as `message` for a code it produces itself.
pub fn code_name(code: i64) -> &'static str {
    match code {
        0 => "NO_ERROR",
        BAD_REQUEST => "BAD_REQUEST",
        METHOD_NOT_FOUND => "METHOD_NOT_FOUND",
        INVALID_REQUEST => "INVALID_REQUEST",
        UNAUTHORIZED => "UNAUTHORIZED",
        INVALID_NONCE => "INVALID_NONCE",
        40103 => "IP_ILLEGAL",
        40104 => "USER_TIER_INVALID",
        EXCEED_MAX_SUBSCRIPTIONS => "EXCEED_MAX_SUBSCRIPTIONS",
        40801 => "REQUEST_TIMEOUT",
        TOO_MANY_REQUESTS => "TOO_MANY_REQUESTS",
        ERR_INTERNAL => "ERR_INTERNAL",
        _ => "ERROR",
    }
}

/// The HTTP status a REST response with `code` carries (§2.3, §11).
pub fn http_status(code: i64) -> u16 {
    match code {
        0 | 40401 | 43012 => 200,
        40101 | 40103 | 40104 => 401,
        40801 => 408,
        42901 => 429,
        50001
        | 201
        | 203
        | 205
        | 206
        | 210
        | 211
        | 212
        | 214..=217
        | 219
        | 301..=307
        | 309..=313
        | 316
        | 317
        | 320
        | 321
        | 406
        | 407
        | 409..=412
        | 415
        | 501
        | 604..=606
        | 613..=620
        | 43003..=43005
        | 120009
        | 130008 => 500,
        _ => 400,
    }
}

/// A success response; `result` is left out when it is `Null`.
pub fn ok(id: &Value, method: &str, result: Value) -> Value {
    let mut obj = Map::new();
    obj.insert("id".into(), id.clone());
    obj.insert("method".into(), method.into());
    obj.insert("code".into(), 0.into());
    if !result.is_null() {
        obj.insert("result".into(), result);
    }
    Value::Object(obj)
}

/// An error response with its message and, for some codes, a result (§2.4).
pub fn err(id: &Value, method: &str, code: i64, message: &str, result: Option<Value>) -> Value {
    let mut obj = Map::new();
    obj.insert("id".into(), id.clone());
    obj.insert("method".into(), method.into());
    obj.insert("code".into(), code.into());
    obj.insert("message".into(), message.into());
    if let Some(r) = result {
        obj.insert("result".into(), r);
    }
    Value::Object(obj)
}

/// An error whose message is the code's own name.
pub fn err_code(id: &Value, method: &str, code: i64) -> Value {
    err(id, method, code, code_name(code), None)
}

/// Longest `original` echoed back; a 1 MB garbage frame need not come back whole.
const ORIGINAL_MAX: usize = 4096;

/// The §4.7 error for a WS request lacking id/method or not JSON at all.
pub fn ws_error(original: &str) -> Value {
    let mut cut = original.len().min(ORIGINAL_MAX);
    while !original.is_char_boundary(cut) {
        cut -= 1;
    }
    json!({"id": -1, "method": "ERROR", "code": BAD_REQUEST, "message": code_name(BAD_REQUEST),
           "original": &original[..cut]})
}

/// A push on a subscription: `{"id":-1,"method":"subscribe","code":0,"result":{..}}`.
pub fn push(result: Value) -> Value {
    json!({"id": -1, "method": "subscribe", "code": 0, "result": result})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_code_class() {
        assert_eq!(http_status(0), 200);
        assert_eq!(http_status(40401), 200);
        assert_eq!(http_status(40101), 401);
        assert_eq!(http_status(42901), 429);
        assert_eq!(http_status(40801), 408);
        assert_eq!(http_status(50001), 500);
        assert_eq!(http_status(306), 500);
        assert_eq!(http_status(308), 400);
        assert_eq!(http_status(40002), 400);
    }

    #[test]
    fn ok_omits_null_result() {
        assert_eq!(ok(&json!(3), "m", Value::Null), json!({"id":3,"method":"m","code":0}));
    }

    #[test]
    fn ws_error_cuts_long_originals_on_char_boundaries() {
        let long = "é".repeat(5000);
        let v = ws_error(&long);
        assert!(v["original"].as_str().map(|s| s.len() <= ORIGINAL_MAX).unwrap_or(false));
    }
}
