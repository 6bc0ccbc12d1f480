//! The signed REST client (§2.3): private methods as POST with the signed JSON body, public
//! methods as GET with a query string; per-method rate limits; retries with back-off for reads
//! only. It never retries an order placement or cancel: the caller reconciles by `client_oid`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::RestError;
use super::limits::Limiter;
use crate::backoff::{Backoff, Jitter};
use crate::clock::Clock;
use crate::protocol::code_names;
use crate::protocol::codes::CodeClass;
use crate::protocol::error::trimmed;
use crate::protocol::requests::catalogue::writes;
use crate::protocol::requests::{is_private, ApiRequest};
use crate::protocol::{decode_response, Credentials, ExchangeError, Request, Response};

/// Pauses between read retries: 400-600 ms before the first, doubling up to 12.8-19.2 s.
fn read_retry_backoff() -> Backoff {
    Backoff::new(Duration::from_millis(600), Duration::from_millis(19_200)).with_jitter(Jitter::Fraction(3))
}

/// One answer with a JSON envelope, whatever its code.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The envelope.
    pub response: Response,
}

/// A REST client for one account (or none, for public data).
pub struct RestClient {
    http: reqwest::Client,
    base: String,
    creds: Option<Credentials>,
    clock: Arc<dyn Clock>,
    ids: AtomicU64,
    limiter: Limiter,
    /// Attempts for reads (1 = no retry).
    pub read_attempts: u32,
}

impl RestClient {
    /// A client for the base URL (e.g. `https://api.crypto.com/exchange/v1`).
    pub fn new(base_url: &str, creds: Option<Credentials>, clock: Arc<dyn Clock>) -> Result<Self, RestError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|source| RestError::Transport { url: base_url.to_owned(), source })?;
        Ok(RestClient {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            creds,
            ids: AtomicU64::new(clock.now_ms().wrapping_mul(1000)),
            clock,
            limiter: Limiter::default(),
            read_attempts: 3,
        })
    }

    /// Calls a typed request and decodes its result; a non-zero code is an error.
    pub async fn call<R: ApiRequest, T: DeserializeOwned>(&self, req: &R) -> Result<T, RestError> {
        let answer = self.send(req.method(), req.params()).await?;
        Ok(answer.response.result()?)
    }

    /// Sends a method, retrying reads on transient failures; a non-zero code is an error.
    pub async fn send(&self, method: &str, params: Map<String, Value>) -> Result<Answer, RestError> {
        // Methods that change state (declared by their typed requests) are never retried blindly.
        let attempts = if writes(method) { 1 } else { self.read_attempts.max(1) };
        let mut backoff = read_retry_backoff();
        let mut last = None;
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(backoff.next_delay()).await;
            }
            match self.send_once(method, params.clone()).await {
                Ok(a) if a.response.is_ok() => return Ok(a),
                Ok(a) => {
                    let err = ExchangeError::new(method, a.response.code, a.response.message.clone(), Some(a.status));
                    let retry = err.class() == CodeClass::Transient;
                    last = Some(err.into());
                    if !retry {
                        break;
                    }
                }
                Err(e) if e.class() == CodeClass::Transient => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| RestError::NoCredentials(method.to_owned())))
    }

    /// One attempt: rate limit, sign, send, read the envelope (any code).
    pub async fn send_once(&self, method: &str, params: Map<String, Value>) -> Result<Answer, RestError> {
        // Held until the answer is in: see `limits` for why that bounds every window.
        let _permit = self.limiter.acquire(method).await;
        let url = format!("{}/{}", self.base, method);
        let builder = if is_private(method) {
            let creds = self.creds.as_ref().ok_or_else(|| RestError::NoCredentials(method.to_owned()))?;
            let id = self.ids.fetch_add(1, Ordering::Relaxed);
            let mut req = Request::new(id, method.to_owned(), params, self.clock.now_ms());
            req.sign(creds);
            self.http.post(&url).header("content-type", "application/json").body(req.to_json())
        } else {
            let query: Vec<(String, String)> = params.into_iter().map(|(k, v)| (k, query_text(&v))).collect();
            self.http.get(&url).query(&query)
        };
        let resp = builder.send().await.map_err(|source| RestError::Transport { url: url.clone(), source })?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|source| RestError::Transport { url: url.clone(), source })?;
        let response = match decode_response(&body) {
            Ok(r) => r,
            Err(_) => {
                return Err(RestError::Http { url, status, body: trimmed(&String::from_utf8_lossy(&body)) });
            }
        };
        if response.code == code_names::TOO_MANY_REQUESTS {
            let pause = self.limiter.too_many(method);
            tracing::warn!(method, ?pause, code = response.code, "TOO_MANY_REQUESTS: backing off");
        } else {
            self.limiter.succeeded(method);
        }
        Ok(Answer { status, response })
    }

    /// The per-method rate limits of this client. Order entry over the socket draws from them
    /// too (see `engine::router`), so both routes together stay within the REST budget.
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// The credentials' key, shortened, for reports.
    pub fn key_hint(&self) -> Option<String> {
        self.creds.as_ref().map(Credentials::key_hint)
    }
}

fn query_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient").field("base", &self.base).field("creds", &self.creds).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_retries_wait_400_to_600_ms_then_twice_that() {
        for _ in 0..200 {
            let mut b = read_retry_backoff();
            let (first, second) = (b.next_delay(), b.next_delay());
            assert!((Duration::from_millis(400)..=Duration::from_millis(600)).contains(&first), "{first:?}");
            assert!((Duration::from_millis(800)..=Duration::from_millis(1200)).contains(&second), "{second:?}");
        }
    }
}
