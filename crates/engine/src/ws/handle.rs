//! The owner's side of a session: requests with correlation by id and a timeout, subscription
//! changes, shutdown. Cloneable; every clone talks to the same session task.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot};

use super::error::WsError;
use crate::protocol::requests::ApiRequest;
use crate::protocol::{Channel, Response};

/// What the handle asks of the session task.
#[derive(Debug)]
pub(crate) enum Command {
    Request { id: u64, method: String, params: Map<String, Value>, reply: oneshot::Sender<Result<Response, WsError>> },
    Forget(u64),
    Subscribe(Vec<String>),
    Unsubscribe(Vec<String>),
    Resubscribe(Vec<String>),
    Reconnect,
    Shutdown,
}

/// A handle on a running session.
#[derive(Clone, Debug)]
pub struct SessionHandle {
    pub(crate) cmd_tx: mpsc::UnboundedSender<Command>,
    pub(crate) ids: Arc<AtomicU64>,
    pub(crate) timeout: Duration,
    pub(crate) cod_active: Arc<AtomicBool>,
    /// Becomes `true` when the session's task has ended (its sender drops if it panicked).
    pub(crate) ended: tokio::sync::watch::Receiver<bool>,
    /// Set by [`SessionHandle::shutdown`]: a session waiting for its reader gives up then.
    pub(crate) stop: Arc<tokio::sync::watch::Sender<bool>>,
    /// Market pushes dropped because the reader lagged (see `SessionConfig::event_capacity`).
    pub(crate) shed: Arc<AtomicU64>,
    /// Wall-clock ms of the last frame read on any connection (0: none yet).
    pub(crate) last_frame_ms: Arc<AtomicU64>,
}

impl SessionHandle {
    /// Sends a request over the live connection (unsigned after auth, §3.1) and waits for its
    /// answer. A non-zero code is [`WsError::Exchange`]; a drop or timeout leaves the outcome
    /// unknown.
    pub async fn request(&self, method: &str, params: Map<String, Value>) -> Result<Response, WsError> {
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Request { id, method: method.to_owned(), params, reply };
        self.cmd_tx.send(cmd).map_err(|_| WsError::Closed)?;
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(Ok(resp))) if resp.is_ok() => Ok(resp),
            // Named after the method we sent, which a malformed answer cannot misreport.
            Ok(Ok(Ok(resp))) => Err(WsError::Exchange(Box::new(crate::protocol::ExchangeError::new(
                method,
                resp.code,
                resp.message,
                None,
            )))),
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(_)) => Err(WsError::Closed),
            Err(_) => {
                let _ = self.cmd_tx.send(Command::Forget(id));
                Err(WsError::Timeout(self.timeout))
            }
        }
    }

    /// [`SessionHandle::request`] for a typed request.
    pub async fn call<R: ApiRequest>(&self, req: &R) -> Result<Response, WsError> {
        self.request(req.method(), req.params()).await
    }

    /// Adds channels to the desired set and subscribes now if connected.
    pub fn subscribe(&self, channels: Vec<Channel>) {
        let _ = self.cmd_tx.send(Command::Subscribe(names(&channels)));
    }

    /// Removes channels from the desired set and unsubscribes now if connected.
    pub fn unsubscribe(&self, channels: Vec<Channel>) {
        let _ = self.cmd_tx.send(Command::Unsubscribe(names(&channels)));
    }

    /// Unsubscribes and subscribes again, e.g. for a fresh book snapshot after a gap (§5.1).
    pub fn resubscribe(&self, channels: Vec<Channel>) {
        let _ = self.cmd_tx.send(Command::Resubscribe(names(&channels)));
    }

    /// Drops the connection and reconnects (after the usual back-off).
    pub fn reconnect(&self) {
        let _ = self.cmd_tx.send(Command::Reconnect);
    }

    /// Waits until the session's task has ended (after [`SessionHandle::shutdown`], or when
    /// its event reader went away): nothing of the session runs after this returns.
    pub async fn stopped(&self) {
        let mut ended = self.ended.clone();
        // An error means the task is gone without saying so (it panicked): stopped as well.
        let _ = ended.wait_for(|e| *e).await;
    }

    /// Wall-clock ms (the session's clock) of the last frame read, heartbeats included; 0
    /// before the first.
    pub fn last_frame_ms(&self) -> u64 {
        self.last_frame_ms.load(Ordering::Relaxed)
    }

    /// How many market pushes were dropped because the reader lagged a whole queue behind.
    pub fn dropped_pushes(&self) -> u64 {
        self.shed.load(Ordering::Relaxed)
    }

    /// Stops the session; pending requests fail with [`WsError::Disconnected`].
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
        let _ = self.cmd_tx.send(Command::Shutdown);
    }

    /// Whether the exchange confirmed cancel-on-disconnect on the current connection (§6.11).
    /// False while disconnected, before the answer, and whenever it was refused or unanswered.
    pub fn cancel_on_disconnect_active(&self) -> bool {
        self.cod_active.load(Ordering::Acquire)
    }

    /// Whether the session task is still running.
    pub fn is_running(&self) -> bool {
        !self.cmd_tx.is_closed()
    }
}

/// The wire names of `channels`: the session tracks subscriptions by the names the exchange
/// answers with.
pub(crate) fn names(channels: &[Channel]) -> Vec<String> {
    channels.iter().map(ToString::to_string).collect()
}
