//! What a WebSocket request means: auth, heartbeat answers, subscriptions, private and public
//! methods, with the rate limit and the error-injection fault in front (§4).
//!
//! Returns the responses to send; it must NOT write to the socket.

use serde_json::{json, Value};

use super::auth::{parse_envelope, verify, Envelope, EnvelopeError};
use super::envelope::{err, err_code, ok, ws_error, BAD_REQUEST, METHOD_NOT_FOUND, TOO_MANY_REQUESTS, UNAUTHORIZED};
use super::hub::{Conn, Kind};
use super::shared::Shared;
use super::subscribe::{subscribe, unsubscribe};
use super::ws_conn::ConnState;
use cdc_protocol::clock::system_now_ms;
use std::sync::atomic::Ordering;

/// Clients are asked to send nothing this soon after connecting (§4.2); requests that do are
/// counted (and served, as far as the pro-rated rate limit allows).
const FIRST_SECOND: std::time::Duration = std::time::Duration::from_secs(1);

/// Handles one text frame; returns the responses, in order.
pub fn handle(shared: &Shared, conn: &Conn, st: &mut ConnState, text: &str) -> Vec<Value> {
    let env = match parse_envelope(text) {
        Ok(env) => env,
        Err(EnvelopeError::MissingIdOrMethod) => match idless_subscription(text) {
            Some(env) => env,
            None => return vec![ws_error(text)],
        },
        Err(EnvelopeError::Malformed) => return vec![ws_error(text)],
        Err(EnvelopeError::BadField { id, method }) => return vec![err_code(&id, &method, BAD_REQUEST)],
    };
    // Heartbeat answers are not requests: they neither count against the rate limit nor get
    // a response, and no injected fault may turn them into errors.
    if env.method == "public/respond-heartbeat" {
        st.hb.answer(&env.id);
        return Vec::new();
    }
    let now = system_now_ms();
    let in_second = st.limiter.try_acquire(now);
    let early = st.opened.elapsed() < FIRST_SECOND;
    shared.limits.ws_count(&env.method, conn.kind == Kind::User, in_second, early);
    if in_second.is_none() {
        return vec![err_code(&env.id, &env.method, TOO_MANY_REQUESTS)];
    }
    if let Some(code) = shared.faults.take_error(&env.method) {
        return vec![err_code(&env.id, &env.method, code)];
    }
    let id = &env.id;
    let method = env.method.as_str();
    let params = env.params.clone().unwrap_or_else(|| json!({}));
    match method {
        "public/auth" if conn.kind == Kind::User => vec![auth(shared, conn, &env, now)],
        "subscribe" => subscribe(shared, conn, id, env.params.as_ref()),
        "unsubscribe" => vec![unsubscribe(conn, id, env.params.as_ref())],
        m if m.starts_with("private/") && conn.kind == Kind::User => {
            if !conn.is_authed() {
                return vec![err_code(id, m, UNAUTHORIZED)];
            }
            vec![outcome(id, m, shared.run(|v| v.private(m, &params, Some(conn.id), now)))]
        }
        m if m.starts_with("public/") && m != "public/auth" => {
            vec![outcome(id, m, shared.run(|v| v.public(m, &params, now)))]
        }
        _ => vec![err_code(id, method, METHOD_NOT_FOUND)],
    }
}

/// A `subscribe`/`unsubscribe` frame that carries no `id` at all, read with id -1.
///
/// §2.1 makes `id` required, but ccxt 4.5.90 sends its subscriptions without one, and the
/// subscription results captured live in its source carry no request id: the exchange
/// evidently serves them. Only these two unsigned methods are tolerated; anything else without
/// an id (and any id that is present but malformed) still gets the `ERROR` frame (§4.7).
fn idless_subscription(text: &str) -> Option<Envelope> {
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(text) else {
        return None;
    };
    let method = obj.get("method").and_then(Value::as_str)?;
    if obj.contains_key("id") || !matches!(method, "subscribe" | "unsubscribe") {
        return None;
    }
    let params = match obj.get("params") {
        None => None,
        Some(p @ Value::Object(_)) => Some(p.clone()),
        Some(_) => return None,
    };
    // §2.2: the response id is -1 when the request carried none.
    Some(Envelope {
        id: json!(-1),
        id_text: "-1".to_string(),
        method: method.to_string(),
        params,
        api_key: None,
        sig: None,
        nonce_text: None,
    })
}

fn outcome(id: &Value, method: &str, result: Result<Value, super::venue::Reject>) -> Value {
    match result {
        Ok(v) => ok(id, method, v),
        Err(r) => err(id, method, r.code, &r.message, r.result),
    }
}

/// `public/auth`: signed like REST (params absent or `{}`). A failed auth leaves the socket
/// open and unauthenticated; whether the exchange closes it is UNCONFIRMED (§14 item 10), and
/// staying open lets tests see the error code.
fn auth(shared: &Shared, conn: &Conn, env: &super::auth::Envelope, now: u64) -> Value {
    match verify(env, &shared.cfg.api_key, &shared.cfg.api_secret, now) {
        Ok(()) => {
            conn.authed.store(true, Ordering::Release);
            ok(&env.id, &env.method, Value::Null)
        }
        Err(e) => err_code(&env.id, &env.method, e.code()),
    }
}
