//! One connection's state: the write half, the phase (pausing, authenticating, live) and the
//! requests awaiting answers. Dropped with the connection; pending requests fail at once.

use futures::SinkExt;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::config::SessionConfig;
use super::error::WsError;
use super::session::{End, Pending, Reply, Sink};

enum Phase {
    /// The 1 s pause after connecting (§4.2).
    Pausing(Instant),
    /// `public/auth` sent with this id.
    Authenticating { id: i64, deadline: Instant },
    /// Authenticated (user) or past the pause (market).
    Live,
}

/// The live half of a connection.
pub(crate) struct Link {
    pub(crate) sink: Sink,
    phase: Phase,
    pending: Pending,
    trace: Option<std::sync::Arc<dyn super::WireTrace>>,
}

impl Link {
    pub(crate) fn new(sink: Sink, cfg: &SessionConfig) -> Self {
        Link {
            sink,
            phase: Phase::Pausing(Instant::now() + cfg.connect_pause),
            pending: Pending::new(),
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

    /// Writes one text frame; a failed write ends the connection.
    pub(crate) async fn send(&mut self, text: String) -> Result<(), End> {
        let msg = Message::Text(text.into());
        // The copy shares the buffer; it exists only while a trace is set.
        let traced = self.trace.as_ref().map(|t| (t.clone(), msg.clone()));
        self.sink.send(msg).await.map_err(|e| End::Dropped(format!("write error: {e}")))?;
        if let Some((t, Message::Text(text))) = traced {
            t.frame_written(text.as_str(), std::time::Instant::now());
        }
        Ok(())
    }

    pub(crate) fn add_pending(&mut self, id: u64, reply: Reply) {
        self.pending.insert(id, reply);
    }

    pub(crate) fn take_pending(&mut self, id: i64) -> Option<Reply> {
        u64::try_from(id).ok().and_then(|id| self.pending.remove(&id))
    }

    pub(crate) fn forget(&mut self, id: u64) {
        self.pending.remove(&id);
    }

    /// The connection is gone: every pending request learns it now, not at its timeout.
    pub(crate) fn fail_pending(&mut self) {
        for (_, reply) in self.pending.drain() {
            let _ = reply.send(Err(WsError::Disconnected));
        }
    }
}
