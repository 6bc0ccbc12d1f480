//! `/sim/control/...`: the fault switches and counters over HTTP, for tests in other
//! processes and for people poking the simulator by hand.
//!
//! Each route only flips a switch of [`Faults`]; it must NOT touch the venue.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::faults::{AckMode, Faults};
use super::shared::Shared;

type Params = Query<HashMap<String, String>>;

/// The control routes, to be nested under `/sim/control`.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/drop", post(drop_all))
        .route("/acks", post(acks))
        .route("/duplicate", post(duplicate))
        .route("/reorder", post(reorder))
        .route("/malformed", post(malformed))
        .route("/errors", post(errors))
        .route("/heartbeats", post(heartbeats))
        .route("/reset", post(reset))
        .route("/restart", post(restart))
        .route("/stats", get(stats))
}

fn done() -> Response {
    Json(json!({"ok": true})).into_response()
}

fn bad(why: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"ok": false, "error": why}))).into_response()
}

fn faults(shared: Arc<Shared>) -> Faults {
    Faults { shared }
}

fn flag(q: &HashMap<String, String>) -> Option<bool> {
    match q.get("on").map(String::as_str) {
        Some("1" | "true") => Some(true),
        Some("0" | "false") => Some(false),
        _ => None,
    }
}

fn number(q: &HashMap<String, String>, key: &str) -> Option<u64> {
    q.get(key).and_then(|v| v.parse().ok())
}

async fn drop_all(State(s): State<Arc<Shared>>) -> Response {
    faults(s).drop_connections();
    done()
}

async fn acks(State(s): State<Arc<Shared>>, Query(q): Params) -> Response {
    let mode = match q.get("mode").map(String::as_str) {
        Some("normal") => AckMode::Normal,
        Some("drop") => AckMode::Drop,
        Some("delay") => match number(&q, "ms") {
            Some(ms) => AckMode::Delay(Duration::from_millis(ms)),
            None => return bad("delay needs ms"),
        },
        _ => return bad("mode must be normal, drop or delay"),
    };
    // `method=M` limits the fault to one method's answers, `count=N` to the next N of them.
    let methods: Vec<&str> = q.get("method").map(String::as_str).into_iter().collect();
    match number(&q, "count") {
        Some(n) => faults(s).set_acks_for_next(mode, &methods, n),
        None => faults(s).set_acks_for(mode, &methods),
    }
    done()
}

async fn duplicate(State(s): State<Arc<Shared>>, Query(q): Params) -> Response {
    let Some(on) = flag(&q) else {
        return bad("on must be 0 or 1");
    };
    faults(s).set_duplicate(on);
    done()
}

async fn reorder(State(s): State<Arc<Shared>>, Query(q): Params) -> Response {
    let Some(on) = flag(&q) else {
        return bad("on must be 0 or 1");
    };
    faults(s).set_reorder(on);
    done()
}

async fn heartbeats(State(s): State<Arc<Shared>>, Query(q): Params) -> Response {
    let Some(on) = flag(&q) else {
        return bad("on must be 0 or 1");
    };
    faults(s).set_heartbeats(on);
    done()
}

async fn malformed(State(s): State<Arc<Shared>>, Query(q): Params) -> Response {
    let count = number(&q, "count").unwrap_or(1).min(10_000) as usize;
    faults(s).send_malformed(count);
    done()
}

async fn errors(State(s): State<Arc<Shared>>, Query(q): Params) -> Response {
    let Some(code) = q.get("code").and_then(|c| c.parse::<i64>().ok()) else {
        return bad("code is required");
    };
    match (number(&q, "count"), number(&q, "ms")) {
        (Some(count), _) if q.contains_key("method") => {
            faults(s).inject_errors_on(q.get("method").map(String::as_str).unwrap_or_default(), code, count)
        }
        (None, Some(_)) if q.contains_key("method") => return bad("method goes with count, not ms"),
        (Some(count), _) => faults(s).inject_errors(code, count),
        (None, Some(ms)) => faults(s).inject_errors_for(code, Duration::from_millis(ms)),
        (None, None) => return bad("count or ms is required"),
    }
    done()
}

async fn reset(State(s): State<Arc<Shared>>) -> Response {
    faults(s).reset();
    done()
}

async fn restart(State(s): State<Arc<Shared>>) -> Response {
    // Answer first: the restart closes the very connection this request came on.
    tokio::spawn(async move {
        if let Err(e) = faults(s).restart().await {
            tracing::error!(error = %e, "sim restart failed");
        }
    });
    done()
}

async fn stats(State(s): State<Arc<Shared>>) -> Response {
    Json(s.limits.stats()).into_response()
}
