//! Reconciliation after every connect: which round runs, the user pushes held back while it
//! runs, and the REST fetch itself (in a task of its own, retried a few times). It must NOT
//! apply anything: the writer task applies the snapshot and then the held pushes, in order.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::reconcile;
use super::task::Internal;
use crate::protocol::Push;
use crate::rest::RestClient;
use crate::state::State;

/// The reconciliation part of the writer task.
pub(crate) struct Reconciliation {
    generation: u64,
    running: Option<u64>,
    held: Vec<Push>,
    /// Orders the journal thought open at start: asked about in the first round.
    recovered_open: Vec<String>,
    /// Fills are fetched from here when the state has none yet.
    started_ns: u128,
    /// The round's fetch, stopped when the round is given up (no task outlives the engine).
    fetch: Option<tokio::task::AbortHandle>,
}

impl Reconciliation {
    pub(crate) fn new(recovered_open: Vec<String>, started_ns: u128) -> Self {
        Reconciliation { generation: 0, running: None, held: Vec::new(), recovered_open, started_ns, fetch: None }
    }

    /// Whether a user push must be held rather than applied: a round is running, or one was
    /// given up with pushes still held (applied at the drop that follows). Applying a newer
    /// push before older held ones would let the older ones overwrite it.
    pub(crate) fn is_holding(&self) -> bool {
        self.running.is_some() || !self.held.is_empty()
    }

    /// Whether `generation` is the round still running (an older round's answer is stale).
    pub(crate) fn is_current(&self, generation: u64) -> bool {
        self.running == Some(generation)
    }

    /// Holds a user push back until the round ends.
    pub(crate) fn hold(&mut self, p: Push) {
        self.held.push(p);
    }

    /// Starts a round: fetches the snapshot of what `state` has open in a task of its own,
    /// which reports back on `tx`.
    pub(crate) fn begin(&mut self, state: &State, rest: Arc<RestClient>, tx: mpsc::UnboundedSender<Internal>) {
        self.generation += 1;
        let generation = self.generation;
        self.running = Some(generation);
        let mut local_open: Vec<String> = state.orders.open().into_iter().map(|o| o.order_id.to_string()).collect();
        local_open.append(&mut self.recovered_open);
        let since = state.fills.last_time_ns().unwrap_or(self.started_ns);
        tracing::info!(generation, open = local_open.len(), since_ns = since, "reconciling");
        // An older round still fetching is stale: its answer would be ignored.
        if let Some(old) = self.fetch.take() {
            old.abort();
        }
        let fetch = tokio::spawn(async move {
            let mut result = reconcile::fetch(&rest, &local_open, since).await;
            // A failed reconciliation is retried a few times before the session's next connect.
            let mut retry = crate::backoff::Backoff::constant(Duration::from_secs(1));
            for _ in 0..3 {
                if result.is_ok() {
                    break;
                }
                tokio::time::sleep(retry.next_delay()).await;
                result = reconcile::fetch(&rest, &local_open, since).await;
            }
            let _ = tx.send(Internal::Reconciled { generation, result: Box::new(result) });
        });
        self.fetch = Some(fetch.abort_handle());
    }

    /// Gives the round up (its fetch failed); the pushes held stay held for the next one.
    pub(crate) fn abandon(&mut self) {
        self.running = None;
        if let Some(fetch) = self.fetch.take() {
            fetch.abort();
        }
    }

    /// Ends the round (done, or cut off by a drop) and hands back the pushes held meanwhile.
    pub(crate) fn end(&mut self) -> Vec<Push> {
        self.running = None;
        std::mem::take(&mut self.held)
    }
}
