//! Keeps the secret out of everything `doctor` shows or writes: signatures are dropped, the key
//! is shortened, and any text is scrubbed of the secret before it is stored. It must NOT store
//! the secret itself anywhere a caller can read it back.

use serde_json::Value;

use cdc_engine::protocol::sign::shorten_key;

/// What a field that held a signature or secret shows instead.
pub const REDACTED: &str = "<redacted>";

/// Scrubs text of one account's secret and full key.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Texts to replace by [`REDACTED`] (the secret as configured and trimmed).
    secrets: Vec<String>,
    /// Texts to replace by their shortened form (the key as configured and trimmed).
    keys: Vec<String>,
}

impl Redactor {
    /// A redactor for these raw values (as configured, whitespace included).
    pub fn new(key: Option<&str>, secret: Option<&str>) -> Self {
        let variants = |s: Option<&str>| -> Vec<String> {
            let mut v: Vec<String> = s.into_iter().flat_map(|s| [s.to_owned(), s.trim().to_owned()]).collect();
            // Very short values would mangle unrelated text; they are flagged as implausible anyway.
            v.retain(|s| s.len() >= 4);
            v.sort_by_key(|s| std::cmp::Reverse(s.len()));
            v.dedup();
            v
        };
        Redactor { secrets: variants(secret), keys: variants(key) }
    }

    /// Also hides this text (a value that looks like a secret but was not configured).
    pub fn also_hide(&mut self, text: &str) {
        for t in [text.to_owned(), text.trim().to_owned()] {
            if t.len() >= 4 && !self.secrets.contains(&t) {
                self.secrets.push(t);
            }
        }
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// A body exactly as it will be sent, field order and spacing kept, with the `sig` value
    /// hidden, the `api_key` value shortened and the secret replaced.
    pub fn as_sent(&self, text: &str) -> String {
        let mut out = text.to_owned();
        if let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(text) {
            if let Some(Value::String(sig)) = obj.get("sig").filter(|s| s.as_str().is_some_and(|s| !s.is_empty())) {
                out = out.replace(&format!("\"{sig}\""), &format!("\"{REDACTED}\""));
            }
            if let Some(Value::String(k)) = obj.get("api_key").filter(|k| k.as_str().is_some_and(|k| k.len() >= 4)) {
                out = out.replace(&format!("\"{k}\""), &format!("\"{}\"", shorten_key(k)));
            }
        }
        self.clean(&out)
    }

    /// The text with the secret replaced and the key shortened.
    pub fn clean(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            out = out.replace(s.as_str(), REDACTED);
        }
        for k in &self.keys {
            out = out.replace(k.as_str(), &shorten_key(k.trim()));
        }
        out
    }

    /// A JSON body for the transcript: `sig` dropped, `api_key` shortened, then scrubbed.
    /// Text that is not JSON is only scrubbed.
    pub fn body(&self, text: &str) -> String {
        let Ok(mut v) = serde_json::from_str::<Value>(text) else {
            return self.clean(text);
        };
        if let Some(obj) = v.as_object_mut() {
            if obj.contains_key("sig") {
                obj.insert("sig".into(), Value::String(REDACTED.into()));
            }
            if let Some(Value::String(k)) = obj.get("api_key") {
                let short = shorten_key(k);
                obj.insert("api_key".into(), Value::String(short));
            }
        }
        self.clean(&v.to_string())
    }

    /// A header line for the transcript: credential-looking headers keep only a hint.
    pub fn header(&self, name: &str, value: &str) -> String {
        let lower = name.to_ascii_lowercase();
        let shown = if lower.contains("sig") || lower.contains("secret") || lower.contains("passphrase") {
            REDACTED.to_owned()
        } else if lower.contains("key") || lower.contains("auth") {
            shorten_key(value.trim())
        } else {
            value.to_owned()
        };
        self.clean(&format!("{name}: {shown}"))
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_lose_sig_and_secret_and_keep_a_key_hint() {
        let r = Redactor::new(Some("abcdefghijklmnop"), Some("SECRET_VALUE_1 "));
        let body = r#"{"api_key":"abcdefghijklmnop","sig":"00ff","nonce":1,"note":"SECRET_VALUE_1"}"#;
        let out = r.body(body);
        assert!(!out.contains("SECRET_VALUE_1") && !out.contains("00ff") && !out.contains("abcdefghijklmnop"));
        assert!(out.contains("abcd…op"), "{out}");
        assert_eq!(r.header("X-API-SIGNATURE", "00ff"), "X-API-SIGNATURE: <redacted>");
        assert!(!r.header("X-Api-Key", "abcdefghijklmnop").contains("efgh"));
    }

    #[test]
    fn bodies_as_sent_keep_their_order_and_lose_sig_and_secrets() {
        let mut r = Redactor::new(Some("abcdefghijklmnop"), None);
        r.also_hide("spotted_value_123");
        let body = r#"{"z":1,"api_key":"abcdefghijklmnop","sig":"00ff","note":"spotted_value_123"}"#;
        assert_eq!(r.as_sent(body), r#"{"z":1,"api_key":"abcd…op","sig":"<redacted>","note":"<redacted>"}"#);
    }
}
