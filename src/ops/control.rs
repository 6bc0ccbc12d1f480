//! The control endpoint: `POST /control/halt`, `/control/resume`, `/control/cancel` and
//! `GET /control/status`, each answered with the engine's JSON reply. `?strategy=NAME` narrows
//! halt and resume to one strategy, `?reason=...` says why. Every request needs
//! `Authorization: Bearer <token>`; the token is compared in constant time and never logged.
//! It must NOT do anything but forward the request to the engine.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cdc_engine::engine::{Control, EngineHandle};
use serde::Deserialize;

#[derive(Clone)]
struct Ctl {
    token: std::sync::Arc<String>,
    engine: EngineHandle,
}

/// The query a request may carry.
#[derive(Debug, Deserialize, Default)]
struct Ask {
    strategy: Option<String>,
    reason: Option<String>,
}

/// The routes, with `token` required on each.
pub fn router(token: String, engine: EngineHandle) -> Router {
    let ctl = Ctl { token: std::sync::Arc::new(token), engine };
    Router::new()
        .route("/control/halt", post(halt))
        .route("/control/resume", post(resume))
        .route("/control/cancel", post(cancel))
        .route("/control/status", get(status))
        .with_state(ctl)
}

/// Whether the request carries the token; compared without an early exit, so the time taken
/// does not tell how much of a guess was right.
fn authorised(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers.get("authorization").and_then(|v| v.to_str().ok()) else { return false };
    let Some(given) = given.strip_prefix("Bearer ") else { return false };
    let (a, b) = (given.as_bytes(), token.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

async fn run(ctl: Ctl, headers: HeaderMap, c: Control) -> Response {
    if !authorised(&headers, &ctl.token) {
        return (StatusCode::UNAUTHORIZED, "missing or wrong token: send Authorization: Bearer $CDC_CONTROL_TOKEN\n")
            .into_response();
    }
    tracing::warn!(request = ?c, "control request");
    match ctl.engine.control(c).await {
        Ok(reply) if reply.ok => (StatusCode::OK, Json(reply)).into_response(),
        Ok(reply) => (StatusCode::CONFLICT, Json(reply)).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response(),
    }
}

async fn halt(State(ctl): State<Ctl>, headers: HeaderMap, Query(ask): Query<Ask>) -> Response {
    let reason = ask.reason.unwrap_or_else(|| "halted through the control endpoint".into());
    run(ctl, headers, Control::Halt { strategy: ask.strategy, reason }).await
}

async fn resume(State(ctl): State<Ctl>, headers: HeaderMap, Query(ask): Query<Ask>) -> Response {
    run(ctl, headers, Control::Resume { strategy: ask.strategy }).await
}

async fn cancel(State(ctl): State<Ctl>, headers: HeaderMap) -> Response {
    run(ctl, headers, Control::Cancel).await
}

async fn status(State(ctl): State<Ctl>, headers: HeaderMap) -> Response {
    run(ctl, headers, Control::Status).await
}

#[cfg(test)]
mod tests {
    use super::authorised;
    use axum::http::HeaderMap;

    #[test]
    fn only_the_exact_bearer_token_is_let_in() {
        let mut h = HeaderMap::new();
        assert!(!authorised(&h, "s3cret-token-0123456"));
        h.insert("authorization", "Bearer s3cret-token-0123456".parse().unwrap());
        assert!(authorised(&h, "s3cret-token-0123456"));
        assert!(!authorised(&h, "s3cret-token-01234567"));
        h.insert("authorization", "Bearer s3cret-token-012345".parse().unwrap());
        assert!(!authorised(&h, "s3cret-token-0123456"));
        h.insert("authorization", "s3cret-token-0123456".parse().unwrap());
        assert!(!authorised(&h, "s3cret-token-0123456"), "the Bearer scheme is required");
    }
}
