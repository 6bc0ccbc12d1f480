//! Cancel-on-disconnect (§6.11): sent after each auth when the session is configured for it,
//! and its answer checked. The session claims the protection only after the exchange said
//! yes on this connection; a refusal or silence is reported loudly, never assumed away.
//!
//! It must NOT decide what the owner does about an unprotected connection: it reports.

use std::sync::atomic::Ordering;

use serde_json::Value;

use super::events::SessionEvent;
use super::link::Link;
use super::session::{End, Session};
use crate::protocol::requests::{ApiRequest, SetCancelOnDisconnect};
use crate::protocol::Response;

impl Session {
    /// Sends `private/set-cancel-on-disconnect` and starts waiting for its answer.
    pub(crate) async fn send_cod(&mut self, link: &mut Link) -> Result<(), End> {
        let id = self.next_id();
        let req = SetCancelOnDisconnect.to_request(id, self.cfg.clock.now_ms());
        link.expect_cod(id as i64, tokio::time::Instant::now() + self.cfg.request_timeout);
        link.request(id, req.to_json(), None).await
    }

    /// The exchange answered the cancel-on-disconnect request.
    pub(crate) fn on_cod_answer(&mut self, r: &Response) {
        match r.error(None) {
            None => {
                // The result's shape is unconfirmed (`{"scope":"CONNECTION"}` is expected);
                // a code 0 is what counts.
                let scope = r
                    .result::<Value>()
                    .ok()
                    .and_then(|v| v.get("scope").and_then(Value::as_str).map(str::to_owned))
                    .unwrap_or_else(|| "CONNECTION".to_owned());
                self.cod_active.store(true, Ordering::Release);
                tracing::info!(url = %self.cfg.url, %scope, "cancel-on-disconnect is on for this connection");
                self.emit(SessionEvent::CancelOnDisconnect {
                    active: true,
                    code: None,
                    detail: format!("scope {scope}"),
                });
            }
            Some(e) => self.cod_unconfirmed(Some(e.code), e.to_string()),
        }
    }

    /// Cancel-on-disconnect was refused (`code`) or not answered: this connection's orders
    /// will NOT be cancelled if it drops.
    pub(crate) fn cod_unconfirmed(&mut self, code: Option<i64>, detail: String) {
        self.cod_active.store(false, Ordering::Release);
        tracing::error!(
            url = %self.cfg.url,
            ?code,
            %detail,
            "cancel-on-disconnect is NOT on: orders placed over this connection stay open if it drops"
        );
        self.emit(SessionEvent::CancelOnDisconnect { active: false, code, detail });
    }
}
