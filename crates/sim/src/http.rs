//! REST: `GET /exchange/v1/public/...` and signed `POST /exchange/v1/private/...` (§2.3).
//!
//! Checks the envelope, signature, nonce and rate limit, then calls the venue and maps the code
//! to the HTTP status. It must NOT implement any method itself.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::auth::{parse_envelope, verify, AuthError, EnvelopeError};
use super::envelope::{err, err_code, http_status, ok, BAD_REQUEST, METHOD_NOT_FOUND, TOO_MANY_REQUESTS};
use super::faults::AckMode;
use super::shared::Shared;
use super::venue::Reject;
use cdc_protocol::clock::system_now_ms;
use cdc_protocol::envelope::response_code;

/// Methods only the User WebSocket serves (§6.11).
const WS_ONLY: [&str; 2] = ["private/set-cancel-on-disconnect", "private/get-cancel-on-disconnect"];

/// Handles every `/exchange/v1/{method}` request.
pub async fn rest(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    verb: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = if verb == Method::GET {
        public(&shared, &method, &uri)
    } else if verb == Method::POST {
        private(&shared, &method, &headers, &body)
    } else {
        err_code(&json!(-1), &method, BAD_REQUEST)
    };
    deliver(&shared, reply).await
}

/// Any path outside `/exchange/v1/` (e.g. `/v2/...`): 404 with a 40002 body.
pub async fn not_found(uri: Uri) -> Response {
    let method = uri.path().trim_start_matches('/');
    (StatusCode::NOT_FOUND, Json(err_code(&json!(-1), method, METHOD_NOT_FOUND))).into_response()
}

async fn deliver(shared: &Shared, reply: Value) -> Response {
    let method = reply.get("method").and_then(Value::as_str).unwrap_or_default();
    match shared.faults.ack_for(method) {
        AckMode::Normal => {}
        AckMode::Delay(d) => tokio::time::sleep(d).await,
        AckMode::Drop => {
            // Executed but never answered: the client sees a timeout. Released only when the
            // simulator drops or restarts its connections.
            shared.rest_kill.notified().await;
        }
    }
    let code = response_code(&reply).unwrap_or(0);
    let status = StatusCode::from_u16(http_status(code)).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(reply)).into_response()
}

fn outcome(id: &Value, method: &str, result: Result<Value, Reject>) -> Value {
    match result {
        Ok(v) => ok(id, method, v),
        Err(r) => err(id, method, r.code, &r.message, r.result),
    }
}

fn public(shared: &Shared, method: &str, uri: &Uri) -> Value {
    let id = json!(-1);
    let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(uri) else {
        return err_code(&id, method, BAD_REQUEST);
    };
    let params: Map<String, Value> = pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    if !shared.limits.rest_acquire(method, Instant::now()) {
        return err_code(&id, method, TOO_MANY_REQUESTS);
    }
    if let Some(code) = shared.faults.take_error(method) {
        return err_code(&id, method, code);
    }
    let params = Value::Object(params);
    outcome(&id, method, shared.run(|v| v.public(method, &params, system_now_ms())))
}

fn private(shared: &Shared, method: &str, headers: &HeaderMap, body: &[u8]) -> Value {
    let minus_one = json!(-1);
    let Ok(text) = std::str::from_utf8(body) else {
        return err_code(&minus_one, method, BAD_REQUEST);
    };
    let env = match parse_envelope(text) {
        Ok(env) => env,
        Err(EnvelopeError::BadField { id, .. }) => return err_code(&id, method, BAD_REQUEST),
        Err(_) => return err_code(&minus_one, method, BAD_REQUEST),
    };
    // A body naming another method than its URL contradicts itself; BAD_REQUEST is our choice,
    // the exchange's own answer is not documented.
    if env.method != method {
        return err_code(&env.id, method, BAD_REQUEST);
    }
    // Public methods are GET only here (whether the exchange accepts POST is UNCONFIRMED, §14).
    if method.starts_with("public/") || WS_ONLY.contains(&method) {
        return err_code(&env.id, method, METHOD_NOT_FOUND);
    }
    // §2.1 makes params required; a client that omits it (or sends []) fails here (ccxt #11179).
    let Some(params) = env.params.clone() else {
        return err_code(&env.id, method, BAD_REQUEST);
    };
    let now = system_now_ms();
    if let Err(e) = verify(&env, &shared.cfg.api_key, &shared.cfg.api_secret, now) {
        if e == AuthError::Unauthorized && credentials_in_headers(headers) {
            tracing::info!(method, "40101: api_key/sig found in HTTP headers; they belong in the JSON body");
        }
        return err_code(&env.id, method, e.code());
    }
    if !shared.limits.rest_acquire(method, Instant::now()) {
        return err_code(&env.id, method, TOO_MANY_REQUESTS);
    }
    if let Some(code) = shared.faults.take_error(method) {
        return err_code(&env.id, method, code);
    }
    outcome(&env.id, method, shared.run(|v| v.private(method, &params, None, now)))
}

fn credentials_in_headers(headers: &HeaderMap) -> bool {
    headers.keys().any(|k| {
        let k = k.as_str();
        k.contains("key") || k.contains("sig") || k.contains("nonce")
    })
}
