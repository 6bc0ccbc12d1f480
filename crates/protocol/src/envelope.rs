//! Request and response envelopes (§2): the outgoing [`Request`] that is signed and serialised
//! from one params value, and the incoming [`Envelope`] that borrows from the frame.

use std::borrow::Cow;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::num;
use crate::sign::{Credentials, Signed};

/// An outgoing request. The params map is built once; [`Request::sign`] signs it and
/// [`Request::to_json`] serialises the very same map, so signature and body cannot diverge.
///
/// ```json
/// {"id":1,"method":"private/create-order","params":{"instrument_name":"BTC_USD","side":"BUY",
///  "type":"LIMIT","price":"50000.5","quantity":"0.01"},"api_key":"…","sig":"…","nonce":1610905028000}
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Request id, echoed in the response.
    pub id: u64,
    /// Method name, e.g. `private/create-order`.
    pub method: Cow<'static, str>,
    /// Parameters; `{}` when there are none (never `[]`).
    pub params: Map<String, Value>,
    /// UTC milliseconds.
    pub nonce: u64,
    /// Present on signed requests only.
    pub api_key: Option<String>,
    /// Present on signed requests only.
    pub sig: Option<String>,
}

impl Request {
    /// An unsigned request (WS after `public/auth`, public REST, heartbeats aside).
    pub fn new(id: u64, method: impl Into<Cow<'static, str>>, params: Map<String, Value>, nonce: u64) -> Self {
        Request { id, method: method.into(), params, nonce, api_key: None, sig: None }
    }

    /// Signs the request in place (REST private methods and `public/auth`) and returns what
    /// was signed.
    pub fn sign(&mut self, creds: &Credentials) -> Signed {
        let signed = creds.sign(&self.method, self.id, &self.params, self.nonce);
        self.api_key = Some(creds.api_key().to_owned());
        self.sig = Some(signed.sig.clone());
        signed
    }

    /// The JSON text to send.
    pub fn to_json(&self) -> String {
        // Serialising a map of strings and integers cannot fail; an empty object is a safe
        // fallback that the server will reject loudly rather than a panic here.
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }
}

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        // id and nonce go out as JSON integers: their text is exactly what was signed.
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("method", &*self.method)?;
        m.serialize_entry("params", &self.params)?;
        if let Some(k) = &self.api_key {
            m.serialize_entry("api_key", k)?;
        }
        if let Some(sig) = &self.sig {
            m.serialize_entry("sig", sig)?;
        }
        m.serialize_entry("nonce", &self.nonce)?;
        m.end()
    }
}

/// The answer to a server heartbeat (§4.3): the same id, nothing else.
pub fn heartbeat_reply(id: i64) -> String {
    format!("{{\"id\":{id},\"method\":\"public/respond-heartbeat\"}}")
}

/// The method of server heartbeats.
pub const HEARTBEAT_METHOD: &str = "public/heartbeat";

fn minus_one() -> i64 {
    -1
}

/// Any incoming frame or REST body, with `result` left raw for a second, typed pass.
///
/// ```json
/// {"id":1,"method":"private/create-order","code":0,"result":{"client_oid":"c5f6","order_id":"18342311"}}
/// ```
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    /// The request id; `-1` on pushes and on errors for requests that lacked one.
    #[serde(default = "minus_one", deserialize_with = "num::i64")]
    pub id: i64,
    /// The method; `subscribe` on pushes, `ERROR` on malformed requests.
    #[serde(default, borrow)]
    pub method: Cow<'a, str>,
    /// `0` for success, else a reason code (§11); required on everything but heartbeats.
    #[serde(default, deserialize_with = "num::opt_i64")]
    pub code: Option<i64>,
    /// Server or error text.
    #[serde(default)]
    pub message: Option<String>,
    /// The original request, escaped, on some errors.
    #[serde(default)]
    pub original: Option<String>,
    /// The result, undecoded.
    #[serde(default, borrow)]
    pub result: Option<&'a RawValue>,
}

impl Envelope<'_> {
    /// Whether this is a server heartbeat.
    pub fn is_heartbeat(&self) -> bool {
        self.method == HEARTBEAT_METHOD
    }
}

/// The `code` of a response already parsed as JSON, read exactly as [`Envelope::code`] is: a
/// number or a numeric string (`0`, `"0"`, `" 0 "`). `None` when it is absent, `null`, `""` or
/// not an integer. Diagnostics and the simulator use it so that no reader of `code` can
/// disagree with the decoder the engine trusts.
pub fn response_code(response: &Value) -> Option<i64> {
    num::opt_i64(response.get("code")?).ok().flatten()
}

/// The `{client_oid, order_id}` acknowledgement of create, cancel and amend.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrderAck {
    /// The exchange's id.
    #[serde(default, deserialize_with = "num::opt_text")]
    pub order_id: Option<String>,
    /// The client's id.
    #[serde(default, deserialize_with = "num::opt_text")]
    pub client_oid: Option<String>,
}

/// The `{"data": [...]}` wrapper of list results.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DataList<T> {
    /// The items.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
}

/// One leg's outcome in `private/create-order-list` / `cancel-order-list`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LegResult {
    /// `0` or the leg's reason code.
    #[serde(default, deserialize_with = "num::i64")]
    pub code: i64,
    /// The leg's index in the request.
    #[serde(default, deserialize_with = "num::opt_u64")]
    pub index: Option<u64>,
    /// The leg's client id.
    #[serde(default, deserialize_with = "num::opt_text")]
    pub client_oid: Option<String>,
    /// The leg's order id.
    #[serde(default, deserialize_with = "num::opt_text")]
    pub order_id: Option<String>,
    /// Error text.
    #[serde(default)]
    pub message: Option<String>,
}

/// The result of a list request: an array of legs, or the older `{result_list: [...]}` shape.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ListResult {
    /// The current shape.
    Legs(Vec<LegResult>),
    /// The older shape.
    Wrapped {
        /// The legs.
        result_list: Vec<LegResult>,
    },
}

impl ListResult {
    /// The legs, whichever shape they came in.
    pub fn legs(&self) -> &[LegResult] {
        match self {
            ListResult::Legs(l) => l,
            ListResult::Wrapped { result_list } => result_list,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn response_code_reads_numbers_and_numeric_strings_like_the_decoder() {
        for (v, want) in [
            (json!({"code": 0}), Some(0)),
            (json!({"code": 40101}), Some(40101)),
            (json!({"code": "40102"}), Some(40102)),
            (json!({"code": " 0 "}), Some(0)),
            (json!({"code": -1}), Some(-1)),
            (json!({"code": null}), None),
            (json!({"code": ""}), None),
            (json!({"code": "zero"}), None),
            (json!({"code": 0.5}), None),
            (json!({"code": [0]}), None),
            (json!({"id": 1}), None),
            (json!([0]), None),
        ] {
            assert_eq!(response_code(&v), want, "{v}");
            let text = v.to_string();
            // Where the envelope decodes at all, it reads the same code.
            if let Ok(env) = serde_json::from_str::<Envelope<'_>>(&text) {
                assert_eq!(env.code, want, "{text}");
            }
        }
    }
}
