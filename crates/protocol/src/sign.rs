//! Request signing (§3): the canonical param string and the HMAC-SHA256 signature, and the
//! [`Credentials`] that never show their secret.
//!
//! Sign exactly what is sent: callers build the params value once, sign it and serialise that
//! same value (see [`crate::envelope::Request`]).

use std::fmt;

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Appends the canonical rendering of a params value (§3.2): object keys sorted by byte order,
/// each key followed by its value; arrays are their elements' renderings concatenated; strings
/// raw; numbers as their JSON text; booleans `true`/`false`; null as `null`. No separators.
pub fn canonical_into(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => canonical_map_into(map, out),
        Value::Array(items) => items.iter().for_each(|v| canonical_into(v, out)),
        Value::String(s) => out.push_str(s),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
    }
}

/// [`canonical_into`] for a params object. Sorts explicitly: `serde_json::Map` is only sorted
/// while the `preserve_order` feature is off, and another crate could switch it on.
pub fn canonical_map_into(map: &Map<String, Value>, out: &mut String) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_unstable();
    for key in keys {
        out.push_str(key);
        if let Some(v) = map.get(key) {
            canonical_into(v, out);
        }
    }
}

/// The canonical param string of a params object; `""` for `{}`.
pub fn canonical(params: &Map<String, Value>) -> String {
    let mut out = String::new();
    canonical_map_into(params, &mut out);
    out
}

/// The exact string that is signed: `method + id + api_key + canonical(params) + nonce`.
pub fn payload(method: &str, id: u64, api_key: &str, params: &Map<String, Value>, nonce: u64) -> String {
    payload_layout(method, id, api_key, nonce, |out| {
        out.reserve(params.len() * 24);
        canonical_map_into(params, out);
    })
}

/// The layout of the signed string (§3.1), written down only here: `method`, then `id`, then
/// `api_key`, then whatever `params` appends, then `nonce`, with no separators. [`payload`]
/// appends the canonical params; `doctor`'s signature check appends the wrong renderings
/// clients make (and passes the id and nonce as the texts it found), so its variants always
/// differ from the real payload only where they claim to.
pub fn payload_layout(
    method: &str,
    id: impl fmt::Display,
    api_key: &str,
    nonce: impl fmt::Display,
    params: impl FnOnce(&mut String),
) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(96);
    out.push_str(method);
    // Writing to a String cannot fail.
    let _ = write!(out, "{id}");
    out.push_str(api_key);
    params(&mut out);
    let _ = write!(out, "{nonce}");
    out
}

/// A signed request's payload and signature, for display by `cdc-engine sign`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The string that was signed (contains the key, never the secret).
    pub payload: String,
    /// Lower-case hex HMAC-SHA256 of the payload.
    pub sig: String,
}

/// An API key and its secret. `Debug` and `Display` never show the secret and show the key
/// only shortened, so credentials can be logged by mistake without leaking.
#[derive(Clone)]
pub struct Credentials {
    api_key: String,
    mac: HmacSha256,
}

impl Credentials {
    /// Keeps the key and a keyed HMAC of the secret; the secret text itself is not stored.
    /// Refuses an empty key or secret (the usual sign of an unset variable).
    pub fn new(api_key: impl Into<String>, api_secret: &str) -> Result<Self, CredentialsError> {
        let api_key = api_key.into();
        if api_key.is_empty() {
            return Err(CredentialsError::EmptyKey);
        }
        if api_secret.is_empty() {
            return Err(CredentialsError::EmptySecret);
        }
        let mac = HmacSha256::new_from_slice(api_secret.as_bytes()).map_err(|_| CredentialsError::BadSecret)?;
        Ok(Credentials { api_key, mac })
    }

    /// The API key (not secret; it travels in every signed request).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The key shortened to its first 4 and last 2 characters, for logs and reports.
    pub fn key_hint(&self) -> String {
        shorten_key(&self.api_key)
    }

    /// Lower-case hex HMAC-SHA256 of `payload` under the secret.
    pub fn sign_payload(&self, payload: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(payload.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Signs a request: returns the payload and its signature.
    pub fn sign(&self, method: &str, id: u64, params: &Map<String, Value>, nonce: u64) -> Signed {
        let payload = payload(method, id, &self.api_key, params, nonce);
        let sig = self.sign_payload(&payload);
        Signed { payload, sig }
    }
}

/// Why credentials could not be made. Never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// The API key is empty.
    #[error("the API key is empty: set CDC_API_KEY")]
    EmptyKey,
    /// The API secret is empty.
    #[error("the API secret is empty: set CDC_API_SECRET")]
    EmptySecret,
    /// The HMAC refused the secret (cannot happen with HMAC-SHA256; kept to avoid a panic).
    #[error("the API secret cannot be used as an HMAC key")]
    BadSecret,
}

/// Shortens a key to `abcd…yz`; short keys show only their length.
pub fn shorten_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 10 {
        return format!("<{} chars>", chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}…{tail}")
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("api_key", &self.key_hint()).field("api_secret", &"<redacted>").finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key {} (secret redacted)", self.key_hint())
    }
}
