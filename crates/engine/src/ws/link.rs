//! One connection's state: the write half, the phase (pausing, authenticating, live), the
//! request pacing with its queue, and the requests awaiting answers. Dropped with the
//! connection; pending requests fail at once.

use std::collections::VecDeque;
use std::sync::Arc;

use futures::SinkExt;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::config::SessionConfig;
use super::error::WsError;
use super::pace::Pace;
use super::session::{End, Pending, Reply, Sink};

enum Phase {
    /// The 1 s pause after connecting (§4.2).
    Pausing(Instant),
    /// `public/auth` sent with this id.
    Authenticating { id: i64, deadline: Instant },
    /// Authenticated (user) or past the pause (market).
    Live,
}

/// A request waiting for the pacing to let it out.
struct Queued {
    id: u64,
    text: String,
    reply: Option<Reply>,
}

/// The live half of a connection.
pub(crate) struct Link {
    pub(crate) sink: Sink,
    phase: Phase,
    pending: Pending,
    pace: Pace,
    queue: VecDeque<Queued>,
    /// The `private/set-cancel-on-disconnect` awaiting its answer, and until when.
    cod: Option<(i64, Instant)>,
    trace: Option<Arc<dyn super::WireTrace>>,
}

impl Link {
    pub(crate) fn new(sink: Sink, cfg: &SessionConfig) -> Self {
        Link {
            sink,
            phase: Phase::Pausing(Instant::now() + cfg.connect_pause),
            pending: Pending::new(),
            pace: Pace::new(&cfg.kind, cfg.clock.now_ms(), Instant::now(), cfg.request_timeout),
            queue: VecDeque::new(),
            cod: None,
            trace: cfg.wire_trace.clone(),
        }
    }

    /// When the current phase times out, if it can.
    pub(crate) fn phase_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Pausing(t) => Some(t),
            Phase::Authenticating { deadline, .. } => Some(deadline),
            Phase::Live => None,
        }
    }

    pub(crate) fn is_authenticating(&self) -> bool {
        matches!(self.phase, Phase::Authenticating { .. })
    }

    pub(crate) fn auth_id(&self) -> Option<i64> {
        match self.phase {
            Phase::Authenticating { id, .. } => Some(id),
            _ => None,
        }
    }

    pub(crate) fn is_live(&self) -> bool {
        matches!(self.phase, Phase::Live)
    }

    pub(crate) fn start_auth(&mut self, id: i64, cfg: &SessionConfig) {
        self.phase = Phase::Authenticating { id, deadline: Instant::now() + cfg.request_timeout };
    }

    pub(crate) fn set_live(&mut self) {
        self.phase = Phase::Live;
    }

    /// Expects the answer to cancel-on-disconnect request `id` by `deadline`.
    pub(crate) fn expect_cod(&mut self, id: i64, deadline: Instant) {
        self.cod = Some((id, deadline));
    }

    /// When the cancel-on-disconnect answer is overdue, while one is awaited.
    pub(crate) fn cod_deadline(&self) -> Option<Instant> {
        self.cod.map(|(_, d)| d)
    }

    /// Whether `id` answers the awaited cancel-on-disconnect request (and stops awaiting it).
    pub(crate) fn take_cod(&mut self, id: i64) -> bool {
        let ours = self.cod.is_some_and(|(cod, _)| cod == id);
        if ours {
            self.cod = None;
        }
        ours
    }

    /// Stops awaiting the cancel-on-disconnect answer (it is overdue).
    pub(crate) fn give_up_cod(&mut self) {
        self.cod = None;
    }

    /// Writes one frame now, outside the pacing: only heartbeat answers, which must never wait
    /// behind requests (§4.3). A failed write ends the connection.
    pub(crate) async fn send(&mut self, text: String) -> Result<(), End> {
        let msg = Message::Text(text.into());
        // The copy shares the buffer; it exists only while a trace is set.
        let traced = self.trace.as_ref().map(|t| (t.clone(), msg.clone()));
        if let Some((t, Message::Text(text))) = &traced {
            t.frame_writing(text.as_str(), std::time::Instant::now());
        }
        self.sink.send(msg).await.map_err(|e| End::Dropped(format!("write error: {e}")))?;
        if let Some((t, Message::Text(text))) = traced {
            t.frame_written(text.as_str(), std::time::Instant::now());
        }
        Ok(())
    }

    /// Sends request `id` as soon as the pacing allows, in the order requests were made; its
    /// answer goes to `reply` when given.
    pub(crate) async fn request(&mut self, id: u64, text: String, reply: Option<Reply>) -> Result<(), End> {
        self.queue.push_back(Queued { id, text, reply });
        self.flush().await
    }

    /// Writes queued requests while the pacing allows.
    pub(crate) async fn flush(&mut self) -> Result<(), End> {
        while !self.queue.is_empty() && self.pace.ready(Instant::now()) {
            let Some(q) = self.queue.pop_front() else { break };
            if let Some(reply) = q.reply {
                self.pending.insert(q.id, reply);
            }
            self.pace.sent(q.id, Instant::now());
            self.send(q.text).await?;
        }
        if !self.queue.is_empty() {
            tracing::debug!(queued = self.queue.len(), "requests waiting for the per-connection rate limit");
        }
        Ok(())
    }

    /// When queued requests should be tried again, if any wait.
    pub(crate) fn pace_wake(&self) -> Option<Instant> {
        (!self.queue.is_empty()).then(|| self.pace.next_try(Instant::now()))
    }

    /// An answer carrying request id `id` arrived.
    pub(crate) fn answered(&mut self, id: i64) {
        self.pace.answered(id, Instant::now());
    }

    pub(crate) fn take_pending(&mut self, id: i64) -> Option<Reply> {
        u64::try_from(id).ok().and_then(|id| self.pending.remove(&id))
    }

    /// The requester stopped waiting: drop its reply, and the request itself if not yet sent.
    pub(crate) fn forget(&mut self, id: u64) {
        self.pending.remove(&id);
        self.queue.retain(|q| q.id != id);
    }

    /// The connection is gone: every pending request learns it now, not at its timeout.
    pub(crate) fn fail_pending(&mut self) {
        for (_, reply) in self.pending.drain() {
            let _ = reply.send(Err(WsError::Disconnected));
        }
        // Never written: nothing was sent, so another route may take over safely.
        for q in self.queue.drain(..) {
            if let Some(reply) = q.reply {
                let _ = reply.send(Err(WsError::NotConnected));
            }
        }
    }
}
