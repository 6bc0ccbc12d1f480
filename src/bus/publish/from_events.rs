//! Publishing from the engine's events: balances, positions and connection changes always, and
//! fills and order transitions when there is no journal to publish them from. The events are
//! read as they come (the engine never waits for this), queued in memory, and sent a window at
//! a time, retried until JetStream acks them, for as long as the process lives.
//!
//! With a journal, fill and order events only wake the journal feed. While NATS is down the
//! queue grows; past [`MAX_QUEUED`] the oldest balance, position or connection message goes
//! (a later one says the same thing newer), a fill or order never. It must NOT block on the
//! engine or on NATS while events wait.

use std::collections::VecDeque;
use std::sync::Arc;

use async_nats::jetstream::Context;
use cdc_engine::engine::EngineEvent;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::{watch, Notify};

use super::message::{from_event, Outgoing};
use super::stream::{self, Backoff, WINDOW};

/// Most messages held while NATS is away before state messages are dropped (oldest first).
pub const MAX_QUEUED: usize = 100_000;

/// A queued message; `droppable` for state that a later message replaces.
struct Queued {
    msg: Outgoing,
    droppable: bool,
}

/// The feed's settings, signals and queue.
pub(super) struct EventFeed {
    pub js: Context,
    pub account: String,
    /// Tells this run's ids apart from any other run's.
    pub run: String,
    /// Fills and orders come from the journal: their events only wake it.
    pub journal_wake: Option<Arc<Notify>>,
    /// True once the publisher is finishing: stop when the queue is empty.
    pub stop_rx: watch::Receiver<bool>,
    pub events_rx: UnboundedReceiver<EngineEvent>,
    queue: VecDeque<Queued>,
    counter: u64,
    dropped: u64,
    events_open: bool,
}

impl EventFeed {
    /// A feed with an empty queue.
    pub fn new(
        js: Context,
        account: String,
        run: String,
        journal_wake: Option<Arc<Notify>>,
        stop_rx: watch::Receiver<bool>,
        events_rx: UnboundedReceiver<EngineEvent>,
    ) -> Self {
        let (queue, counter, dropped, events_open) = (VecDeque::new(), 0, 0, true);
        EventFeed { js, account, run, journal_wake, stop_rx, events_rx, queue, counter, dropped, events_open }
    }

    /// Runs until finishing with an empty queue (or until the publisher is gone).
    pub async fn run(mut self) {
        let mut backoff = Backoff::default();
        // Whether the stream is known to be there (checked first, and again after a failure,
        // in case it was deleted).
        let mut ready = false;
        loop {
            while let Ok(ev) = self.events_rx.try_recv() {
                self.take(&ev);
            }
            if self.queue.is_empty() {
                if *self.stop_rx.borrow() || !self.idle().await {
                    return;
                }
                continue;
            }
            let error = if ready {
                let (acked, error) =
                    stream::send_window(&self.js, self.queue.iter().take(WINDOW).map(|q| &q.msg)).await;
                self.queue.drain(..acked);
                error
            } else {
                stream::ensure(&self.js).await.err()
            };
            match error {
                None if !ready => ready = true,
                None if backoff.failing() => {
                    tracing::warn!("nats: publishing events resumed");
                    backoff.reset();
                }
                None => {}
                Some(e) => {
                    if !backoff.failing() {
                        tracing::warn!(
                            queued = self.queue.len(),
                            "nats: publishing events paused ({e}); they wait in memory"
                        );
                    }
                    ready = false;
                    let pause = tokio::time::sleep(backoff.failed());
                    tokio::pin!(pause);
                    // Keep reading events while waiting, so the journal feed is still woken.
                    while !self.wait_in(&mut pause).await {}
                }
            }
        }
    }

    /// Waits for `pause` while taking events; true once it is over.
    async fn wait_in(&mut self, pause: &mut std::pin::Pin<&mut tokio::time::Sleep>) -> bool {
        tokio::select! {
            _ = pause.as_mut() => true,
            ev = self.events_rx.recv(), if self.events_open => {
                match ev {
                    Some(ev) => self.take(&ev),
                    None => self.events_open = false,
                }
                false
            }
        }
    }

    /// Waits for an event or the publisher finishing; false when the publisher is gone.
    async fn idle(&mut self) -> bool {
        tokio::select! {
            ev = self.events_rx.recv(), if self.events_open => {
                match ev {
                    Some(ev) => self.take(&ev),
                    None => self.events_open = false,
                }
                true
            }
            changed = self.stop_rx.changed() => changed.is_ok(),
        }
    }

    /// Queues what `ev` publishes, or wakes the journal feed.
    fn take(&mut self, ev: &EngineEvent) {
        let from_journal = matches!(ev, EngineEvent::Fill(_) | EngineEvent::Order(_));
        if let (true, Some(wake)) = (from_journal, &self.journal_wake) {
            wake.notify_one();
            return;
        }
        self.counter += 1;
        let Some(msg) = from_event(&self.account, ev, &self.run, self.counter) else { return };
        self.queue.push_back(Queued { msg, droppable: !from_journal });
        if self.queue.len() > MAX_QUEUED {
            if let Some(i) = self.queue.iter().position(|q| q.droppable) {
                self.queue.remove(i);
                self.dropped += 1;
                if self.dropped == 1 || self.dropped.is_multiple_of(10_000) {
                    tracing::warn!(
                        dropped = self.dropped,
                        "nats: still away; dropping the oldest queued balance/position messages"
                    );
                }
            }
        }
    }
}
