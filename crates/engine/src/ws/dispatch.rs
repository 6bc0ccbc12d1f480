//! What the session does with each frame read and each command from its handle.

use serde_json::{Map, Value};

use super::config::SessionKind;
use super::error::WsError;
use super::events::SessionEvent;
use super::handle::Command;
use super::link::Link;
use super::session::{End, Session};
use crate::protocol::envelope::heartbeat_reply;
use crate::protocol::requests::{ApiRequest, Subscribe, Unsubscribe};
use crate::protocol::{decode_frame, Frame, Request, Response};

/// Pause before subscribing again to channels refused for a transient reason.
const SUBSCRIBE_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// Channels per subscribe request: keeps frames small (JKorf caps sends at 4000 bytes, §4.5).
const CHANNELS_PER_REQUEST: usize = 50;

impl Session {
    pub(crate) async fn on_frame(&mut self, link: &mut Link, bytes: &[u8]) -> Result<(), End> {
        match decode_frame(bytes) {
            Err(e) => {
                tracing::warn!(error = %e, "skipping a malformed frame");
                self.emit(SessionEvent::Malformed { error: e.to_string() });
                Ok(())
            }
            // Answered from the reader, before anything else is handled (§4.3).
            Ok(Frame::Heartbeat { id }) if self.cfg.answer_heartbeats => link.send(heartbeat_reply(id)).await,
            Ok(Frame::Heartbeat { .. }) => Ok(()),
            Ok(Frame::Response(r)) => self.on_response(link, r).await,
            Ok(Frame::Push(p)) => {
                if let Some(id) = p.request_id {
                    link.answered(id);
                    self.confirm(id, Some(&p.channel.to_string()));
                }
                self.emit(SessionEvent::Push(Box::new(p)));
                Ok(())
            }
        }
    }

    async fn on_response(&mut self, link: &mut Link, r: Response) -> Result<(), End> {
        link.answered(r.id);
        if link.auth_id() == Some(r.id) {
            return match r.error(None) {
                None => {
                    self.auth_backoff.reset();
                    self.emit(SessionEvent::Authenticated);
                    self.go_live(link).await
                }
                Some(e) => Err(End::AuthFailed(Box::new(e))),
            };
        }
        if self.subs.is_subscribe_id(r.id) {
            let named = subscription_name(&r);
            if r.is_ok() {
                self.confirm(r.id, named.as_deref());
            } else if let Some(error) = r.error(None) {
                // UNCONFIRMED where a refusal names its channel: besides the result's fields, the
                // message text is searched for a channel of this request, so that one refusal
                // does not fail the request's other channels.
                let named = named.or_else(|| self.subs.named_in(r.id, r.message.as_deref()));
                let transient = error.class() == crate::protocol::codes::CodeClass::Transient;
                for channel in self.subs.fail(r.id, named.as_deref()) {
                    if transient {
                        // Rate-limited or busy: ask again shortly rather than give up the channel.
                        self.retry.push(channel.clone());
                        self.retry_at.get_or_insert_with(|| tokio::time::Instant::now() + SUBSCRIBE_RETRY);
                    } else {
                        // Refused for good here: reported, and `Ready` no longer waits for it
                        // (the next connection asks again).
                        self.subs.give_up(&channel);
                    }
                    self.emit(SessionEvent::SubscriptionFailed { channel, error: Box::new(error.clone()) });
                }
                self.ready_once_answered();
            }
            return Ok(());
        }
        if link.take_cod(r.id) {
            self.on_cod_answer(&r);
            return Ok(());
        }
        if let Some(reply) = link.take_pending(r.id) {
            let _ = reply.send(Ok(r));
        } else if !r.is_ok() {
            tracing::warn!(id = r.id, method = %r.method, code = r.code, message = ?r.message, "unsolicited error from the server");
        }
        Ok(())
    }

    fn confirm(&mut self, id: i64, named: Option<&str>) {
        if let Some(channel) = self.subs.ack(id, named) {
            self.emit(SessionEvent::Subscribed { channel });
        }
        self.ready_once_answered();
    }

    /// `Ready`, once per connection, when every wanted channel has its answer (confirmed, or
    /// refused for good); the connection has proven itself, so the back-off starts over.
    fn ready_once_answered(&mut self) {
        if self.subs.take_ready() {
            self.backoff.reset();
            self.emit(SessionEvent::Ready);
        }
    }

    /// Authenticated (or past the pause): optional cancel-on-disconnect, then subscribe.
    pub(crate) async fn go_live(&mut self, link: &mut Link) -> Result<(), End> {
        link.set_live();
        if let SessionKind::User { cancel_on_disconnect: true, .. } = self.cfg.kind {
            self.send_cod(link).await?;
        }
        let desired = self.subs.desired();
        if desired.is_empty() && self.subs.take_ready() {
            self.emit(SessionEvent::Ready);
        }
        self.send_subscribe(link, desired).await
    }

    async fn send_subscribe(&mut self, link: &mut Link, channels: Vec<String>) -> Result<(), End> {
        for chunk in channels.chunks(CHANNELS_PER_REQUEST) {
            let id = self.next_id();
            let req = Subscribe {
                channels: chunk.to_vec(),
                book_subscription_type: self.cfg.book_subscription_type.clone(),
                book_update_frequency: self.cfg.book_update_frequency,
            }
            .to_request(id, self.cfg.clock.now_ms());
            self.subs.requested(id as i64, chunk);
            link.request(id, req.to_json(), None).await?;
        }
        Ok(())
    }

    /// Subscribes again to the channels refused for a transient reason that are still wanted.
    pub(crate) async fn retry_subscriptions(&mut self, link: &mut Link) -> Result<(), End> {
        self.retry_at = None;
        let wanted = self.subs.desired();
        let mut again: Vec<String> =
            std::mem::take(&mut self.retry).into_iter().filter(|c| wanted.contains(c)).collect();
        again.sort();
        again.dedup();
        self.send_subscribe(link, again).await
    }

    async fn send_unsubscribe(&mut self, link: &mut Link, channels: Vec<String>) -> Result<(), End> {
        let id = self.next_id();
        let req = Unsubscribe { channels }.to_request(id, self.cfg.clock.now_ms());
        link.request(id, req.to_json(), None).await
    }

    pub(crate) async fn on_command(&mut self, link: &mut Link, cmd: Option<Command>) -> Result<(), End> {
        let Some(cmd) = cmd else { return Err(End::Shutdown) };
        match cmd {
            Command::Shutdown => Err(End::Shutdown),
            Command::Reconnect => Err(End::Dropped("reconnect requested".into())),
            Command::Forget(id) => {
                link.forget(id);
                Ok(())
            }
            Command::Request { id, method, params, reply } => self.send_request(link, id, method, params, reply).await,
            Command::Subscribe(channels) => {
                let new = self.subs.add(channels);
                if link.is_live() && !new.is_empty() {
                    self.send_subscribe(link, new).await?;
                }
                Ok(())
            }
            Command::Unsubscribe(channels) => {
                self.subs.remove(&channels);
                if link.is_live() {
                    self.send_unsubscribe(link, channels).await?;
                }
                Ok(())
            }
            Command::Resubscribe(channels) => {
                self.subs.unconfirm(&channels);
                if link.is_live() {
                    self.send_unsubscribe(link, channels.clone()).await?;
                    self.send_subscribe(link, channels).await?;
                }
                Ok(())
            }
        }
    }

    async fn send_request(
        &mut self,
        link: &mut Link,
        id: u64,
        method: String,
        params: Map<String, Value>,
        reply: super::session::Reply,
    ) -> Result<(), End> {
        if !link.is_live() {
            let _ = reply.send(Err(WsError::NotConnected));
            return Ok(());
        }
        // Unsigned after auth (§3.1): the connection is already authenticated.
        let req = Request::new(id, method, params, self.cfg.clock.now_ms());
        link.request(id, req.to_json(), Some(reply)).await
    }
}

/// The channel a subscribe answer names, in `result.subscription` or `result.channel`.
fn subscription_name(r: &Response) -> Option<String> {
    let v: Value = r.result().ok()?;
    v.get("subscription").or_else(|| v.get("channel")).and_then(Value::as_str).map(str::to_owned)
}
