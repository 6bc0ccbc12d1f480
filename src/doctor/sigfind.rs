//! Finds the signatures a captured request carries, the body's `sig` and any signature header
//! (`X-CAPI-SIGNATURE`, `X-API-SIGNATURE`, …), and asks `sigcheck` which signing produced each
//! when the secret is configured. Names the header, never its value or the secret.

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::analyse::{Ctx, Findings};
use super::body::RawBody;
use super::headers::{self, Kind};
use super::request::Captured;
use super::sigcheck::{match_signature, SigInput, SigMatch};

/// Checks the body's `sig` and the signature headers.
pub(super) fn checks(
    req: &Captured,
    body: &Map<String, Value>,
    raw: &RawBody<'_>,
    ctx: &Ctx<'_>,
    f: &mut Findings<'_>,
) {
    let method = body.get("method").and_then(Value::as_str).unwrap_or_default();
    let header_key = req
        .headers
        .iter()
        .find(|(k, _)| {
            let n = k.to_ascii_lowercase();
            headers::classify(k) == Kind::Credential && n.contains("key") && !headers::named_like_secret(k)
        })
        .map(|(_, v)| v.trim().to_owned());
    let body_key = body.get("api_key").and_then(Value::as_str).map(str::to_owned);
    let key = body_key.clone().or(header_key).or(ctx.key.map(|k| k.trim().to_owned()));
    let body_nonce = raw.nonce.map(text_of).unwrap_or_default();
    let input = |api_key: &str, nonce: &str| SigInput {
        method: method.to_owned(),
        id: raw.id.map(text_of).unwrap_or_default(),
        api_key: api_key.to_owned(),
        params: raw.params.and_then(|p| ordered(p.get())),
        params_raw: raw.params.map(|p| p.get().to_owned()).unwrap_or_default(),
        nonce: nonce.to_owned(),
    };
    if let Some(Value::String(sig)) = body.get("sig") {
        match (ctx.secret, &body_key) {
            (Some(secret), Some(k)) => body_sig(match_signature(secret, &input(k, &body_nonce), sig), f),
            (None, _) => f.info("signature", no_secret("the body's sig")),
            (Some(_), None) => {}
        }
    }
    let sig_headers = req.headers.iter().filter(|(k, _)| {
        let n = k.to_ascii_lowercase();
        headers::classify(k) == Kind::Credential && n.contains("sig")
    });
    for (name, sig) in sig_headers {
        let (Some(secret), Some(key)) = (ctx.secret, key.as_deref()) else {
            if ctx.secret.is_none() {
                f.info("signature in header", no_secret(&format!("the signature in {name}")));
            }
            continue;
        };
        // The nonce may have been signed as the body has it or as a timestamp header has it.
        let mut nonces = vec![("the body's nonce".to_owned(), body_nonce.clone())];
        for (h, v) in &req.headers {
            if h.to_ascii_lowercase().contains("timestamp") || h.to_ascii_lowercase().contains("nonce") {
                nonces.push((format!("the {h} value"), v.trim().to_owned()));
            }
        }
        let found = nonces
            .iter()
            .map(|(which, n)| (which, match_signature(secret, &input(key, n), sig)))
            .find(|(_, m)| *m != SigMatch::Unknown);
        header_sig(name, found, f);
    }
}

fn no_secret(what: &str) -> String {
    format!(
        "{what} was not checked: set CDC_API_SECRET to this key's secret and run again to learn which signing \
         produced it (the secret is only used to recompute signatures, never shown)"
    )
}

fn body_sig(m: SigMatch, f: &mut Findings<'_>) {
    match m {
        SigMatch::Ours => {}
        SigMatch::Variant(what, fix) => f.fail("signature", format!("the sig matches a known mistake: {what}"), fix),
        SigMatch::Unknown => f.fail(
            "signature",
            "the sig matches neither the documented signing nor a common variant: a different secret, or a \
             payload other than method + id + api_key + params + nonce"
                .into(),
            "compare with `cdc-engine sign` for the same method, id, params and nonce",
        ),
    }
}

fn header_sig(name: &str, found: Option<(&String, SigMatch)>, f: &mut Findings<'_>) {
    match found {
        Some((which, SigMatch::Ours)) => f.info(
            "signature in header",
            format!(
                "the signature in {name} is right for this request (method + id + api_key + params + nonce, with \
                 {which} as nonce): only its place is wrong. Send it as sig in the JSON body, with api_key and that \
                 same nonce"
            ),
        ),
        Some((which, SigMatch::Variant(what, fix))) => f.fail(
            "signature in header",
            format!("the signature in {name} (with {which} as nonce) matches a known mistake: {what}"),
            fix,
        ),
        _ => f.fail(
            "signature in header",
            format!(
                "the signature in {name} matches neither the documented signing nor a common variant, with the \
                 body's nonce or a timestamp header: it was computed another way (perhaps another exchange's scheme \
                 over a timestamp, path and body) or with another secret"
            ),
            "sign method + id + api_key + params + nonce with HMAC-SHA256 of the secret, send it as sig in the \
             JSON body, and compare with `cdc-engine sign`",
        ),
    }
}

/// A JSON value's text, unquoted when it is a string.
pub(super) fn text_of(raw: &RawValue) -> String {
    let t = raw.get();
    serde_json::from_str::<String>(t).unwrap_or_else(|_| t.to_owned())
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
