//! What the writer task hands out: events to broadcast readers (who may lag) and to lossless
//! readers (who never miss one), the journal, and the run's figures. It must NOT decide
//! anything or wait on a reader: a slow reader lags, the engine never blocks on it.

use tokio::sync::{broadcast, mpsc};

use super::events::EngineEvent;
use super::summary::RunSummary;
use crate::journal::Journal;
use crate::metrics::{EngineMetrics, Kind};

/// The outputs part of the writer task.
pub(crate) struct Outputs {
    pub(crate) events: broadcast::Sender<EngineEvent>,
    /// Readers that get every event (no lag, no skip).
    pub(crate) lossless: Vec<mpsc::UnboundedSender<EngineEvent>>,
    pub(crate) journal: Option<Journal>,
    /// This run's figures.
    pub(crate) summary: RunSummary,
    pub(crate) metrics: std::sync::Arc<EngineMetrics>,
    /// `cdc_events_total`'s counters by kind, looked up once each (no label built per event).
    by_kind: crate::metrics::CounterCache<&'static str>,
}

impl Outputs {
    pub(crate) fn new(
        events: broadcast::Sender<EngineEvent>,
        journal: Option<Journal>,
        metrics: std::sync::Arc<EngineMetrics>,
    ) -> Self {
        Outputs {
            events,
            lossless: Vec::new(),
            journal,
            summary: RunSummary::default(),
            metrics,
            by_kind: Default::default(),
        }
    }

    pub(crate) fn emit(&mut self, ev: EngineEvent) {
        let (k, events) = (kind(&ev), &self.metrics.events);
        self.by_kind.count(k, || events.get_or_create_owned(&Kind { kind: k.to_owned() }));
        // Lossless readers get everything (their queue grows instead); broadcast readers lag.
        if !self.lossless.is_empty() {
            self.lossless.retain(|tx| tx.send(ev.clone()).is_ok());
        }
        // No reader is fine; a slow reader lags, the engine never waits.
        let _ = self.events.send(ev);
    }

    /// Whether anyone reads events (so building one is worth it).
    pub(crate) fn has_readers(&self) -> bool {
        self.events.receiver_count() > 0 || !self.lossless.is_empty()
    }
}

/// An event's kind: the `kind` label of `cdc_events` (the `type` of `tail --json`).
fn kind(ev: &EngineEvent) -> &'static str {
    match ev {
        EngineEvent::Order(_) => "order",
        EngineEvent::Fill(_) => "fill",
        EngineEvent::Balance { .. } => "balance",
        EngineEvent::Position(_) => "position",
        EngineEvent::Connection { .. } => "connection",
        EngineEvent::Feed { .. } => "feed",
        EngineEvent::Refused(_) => "refused",
        EngineEvent::Resumed { .. } => "resumed",
        EngineEvent::KillSwitch { .. } => "kill_switch",
        EngineEvent::Halted { .. } => "halted",
    }
}
