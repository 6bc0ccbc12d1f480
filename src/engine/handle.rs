//! Starting an engine and talking to it: the state's read view, the event broadcast, manual
//! orders, the kill switch and graceful shutdown.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::config::EngineConfig;
use super::events::EngineEvent;
use super::router::PlaceOutcome;
use super::task::{Cmd, Task};
use crate::journal::{Journal, JournalError};
use crate::protocol::requests::{CreateOrder, OrderRef};
use crate::rest::{RestClient, RestError};
use crate::state::State;
use crate::strategy::{Intent, Strategy};

/// Why the engine could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The journal could not be opened or flushed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The REST client could not be built.
    #[error(transparent)]
    Rest(#[from] RestError),
    /// The engine task has stopped.
    #[error("the engine has stopped")]
    Stopped,
}

/// A running engine. Cloneable.
#[derive(Clone)]
pub struct EngineHandle {
    state: Arc<State>,
    events: broadcast::Sender<EngineEvent>,
    cmd_tx: mpsc::UnboundedSender<Cmd>,
    prefix: String,
    task: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

/// Capacity of the event broadcast; a reader further behind is told it lagged.
const EVENT_BUFFER: usize = 8192;

/// Starts the engine: opens the journal (recovering from it), connects, and runs strategies.
pub async fn start(cfg: EngineConfig, strategies: Vec<Box<dyn Strategy>>) -> Result<EngineHandle, EngineError> {
    let state = Arc::new(State::new(cfg.keep_terminal_orders, cfg.fill_window));
    let (journal, recovered_open) = match &cfg.journal {
        Some(path) => {
            let (j, rec) = Journal::open(path)?;
            state.fills.preload(rec.recent_trade_ids, rec.last_trade_time_ns, rec.fill_count);
            tracing::info!(path = %path.display(), fills = rec.fill_count, open_orders = rec.latest_orders.len(), "journal recovered");
            (Some(j), rec.latest_orders.into_iter().map(|o| o.order_id).collect())
        }
        None => (None, Vec::new()),
    };
    let rest = Arc::new(RestClient::new(&cfg.endpoints.rest_url, Some(cfg.creds.clone()), cfg.clock.clone())?);
    let (events, _) = broadcast::channel(EVENT_BUFFER);
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let prefix = cfg.client_oid_prefix.clone().unwrap_or_else(|| default_prefix(cfg.clock.now_ms()));
    let task =
        Task::new(&cfg, strategies, state.clone(), journal, rest, events.clone(), prefix.clone(), recovered_open);
    let task = Arc::new(std::sync::Mutex::new(Some(tokio::spawn(task.run(cmd_rx)))));
    Ok(EngineHandle { state, events, cmd_tx, prefix, task })
}

fn default_prefix(now_ms: u64) -> String {
    // Distinct per run (seconds since epoch, hex) and short: client ids stay far below 36.
    format!("e{:x}", now_ms / 1000)
}

impl EngineHandle {
    /// The live state (read it; only the engine writes it).
    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    /// A new reader of the engine's events.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
    }

    /// The prefix of this run's client ids.
    pub fn client_oid_prefix(&self) -> &str {
        &self.prefix
    }

    /// Places an order through the risk checks and the router; a `client_oid` is assigned when
    /// none is set.
    pub async fn place(&self, order: CreateOrder) -> PlaceOutcome {
        let (reply, rx) = oneshot::channel();
        if self.cmd_tx.send(Cmd::Place(Box::new(order), reply)).is_err() {
            return PlaceOutcome::Unknown("the engine has stopped".into());
        }
        rx.await.unwrap_or_else(|_| PlaceOutcome::Unknown("the engine stopped before answering".into()))
    }

    /// Cancels an order (socket first, REST when it is down).
    pub fn cancel(&self, order: OrderRef) {
        let _ = self.cmd_tx.send(Cmd::Intent(Box::new(Intent::Cancel(order))));
    }

    /// The kill switch: cancels every open order of this run and blocks new ones.
    pub fn kill(&self, why: &str) {
        let _ = self.cmd_tx.send(Cmd::Kill(why.to_owned()));
    }

    /// Stops the engine at once, as a crash would: nothing is cancelled and nothing waits for
    /// the journal (its writer finishes what it already holds). For recovery tests.
    pub fn abort(&self) {
        if let Some(t) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            t.abort();
        }
    }

    /// Stops strategies, cancels this run's open orders unless `keep_orders`, flushes the
    /// journal and closes the connections.
    pub async fn shutdown(&self, keep_orders: bool) -> Result<(), EngineError> {
        let (done, rx) = oneshot::channel();
        self.cmd_tx.send(Cmd::Shutdown { keep_orders, done }).map_err(|_| EngineError::Stopped)?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }
}
