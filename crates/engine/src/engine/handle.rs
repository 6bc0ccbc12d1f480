//! Starting an engine and talking to it: the state's read view, the event broadcast, manual
//! orders, the kill switch and graceful shutdown.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::config::EngineConfig;
use super::control::{Control, ControlReply};
use super::events::EngineEvent;
use super::router::PlaceOutcome;
use super::summary::RunSummary;
use super::task::{Boot, Cmd, Parts, Task};
use super::venue::{Listed, VenueError};
use crate::journal::{Journal, JournalError};
use crate::metrics::EngineMetrics;
use crate::protocol::requests::{CreateOrder, OrderRef};
use crate::rest::{RestClient, RestError};
use crate::state::State;
use crate::strategy::{ConfigError, Intent, Strategy};

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
    /// Two strategies share an id, so their orders could not be told apart after a restart.
    #[error(
        "two strategies have the id {0:?}: give each its own, or their orders cannot be told apart after a restart"
    )]
    DuplicateStrategyId(String),
    /// The venue's instrument list could not be read, or does not offer what a strategy trades.
    #[error(transparent)]
    Venue(#[from] VenueError),
    /// A strategy refused its configuration against the venue's definitions.
    #[error("strategy {strategy}: {error}")]
    Strategy {
        /// The strategy's name.
        strategy: String,
        /// What to change.
        error: ConfigError,
    },
}

/// What the kill switch cancels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillScope {
    /// This engine's orders: every order placed through this handle in this run, and every
    /// order of a configured strategy (including ones adopted from earlier runs). Orders
    /// placed outside the engine are left alone.
    Engine,
    /// Every open order of the account, whoever placed it (`private/cancel-all-orders`).
    Account,
}

/// A running engine. Cloneable.
#[derive(Clone)]
pub struct EngineHandle {
    state: Arc<State>,
    events: broadcast::Sender<EngineEvent>,
    cmd_tx: mpsc::UnboundedSender<Cmd>,
    prefix: String,
    metrics: Arc<EngineMetrics>,
    task: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

/// Starts the engine: checks the strategies against the venue's instrument list, opens the
/// journal (recovering from it), connects, and runs strategies. With strategies, the venue must
/// answer `public/get-instruments`; an unknown instrument or a setting that conflicts with the
/// venue is an [`EngineError::Venue`] or [`EngineError::Strategy`] before anything is sent.
pub async fn start(cfg: EngineConfig, mut strategies: Vec<Box<dyn Strategy>>) -> Result<EngineHandle, EngineError> {
    let rest = Arc::new(RestClient::new(&cfg.endpoints.rest_url, Some(cfg.creds.clone()), cfg.clock.clone())?);
    let listed = configure(&rest, &mut strategies).await?;
    let state = Arc::new(State::new(cfg.keep_terminal_orders, cfg.fill_window));
    let tags: Vec<String> = strategies.iter().map(|s| s.id()).collect();
    let (journal, recovered_open, earlier_fills) = match &cfg.journal {
        Some(path) => {
            let (j, rec) = Journal::open(path)?;
            state.fills.preload(rec.recent_trade_ids, rec.last_trade_time_ns, rec.fill_count);
            tracing::info!(path = %path.display(), fills = rec.fill_count, open_orders = rec.latest_orders.len(), "journal recovered");
            let earlier = super::resume::journal_fills(path, &tags)?;
            (Some(j), rec.latest_orders.into_iter().map(|o| o.order_id).collect(), earlier)
        }
        None => (None, Vec::new(), Vec::new()),
    };
    let (events, _) = broadcast::channel(cfg.event_buffer.max(1));
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let prefix = cfg.client_oid_prefix.clone().unwrap_or_else(|| default_prefix(cfg.clock.now_ms()));
    let boot = Boot { listed, recovered_open, earlier_fills };
    let metrics = Arc::new(EngineMetrics::default());
    let parts = Parts {
        state: state.clone(),
        journal,
        rest,
        events: events.clone(),
        prefix: prefix.clone(),
        metrics: metrics.clone(),
    };
    let task = Task::new(&cfg, strategies, parts, boot);
    let task = Arc::new(std::sync::Mutex::new(Some(tokio::spawn(task.run(cmd_rx)))));
    Ok(EngineHandle { state, events, cmd_tx, prefix, metrics, task })
}

/// Checks every strategy's instruments against the venue and hands each its definitions.
async fn configure(rest: &RestClient, strategies: &mut [Box<dyn Strategy>]) -> Result<Listed, EngineError> {
    if strategies.is_empty() {
        return Ok(Listed::default());
    }
    let ids: Vec<String> = strategies.iter().map(|s| s.id()).collect();
    if let Some(dup) = ids.iter().enumerate().find(|(i, id)| ids[..*i].contains(id)).map(|(_, id)| id) {
        return Err(EngineError::DuplicateStrategyId(dup.clone()));
    }
    let listed = Listed::fetch(rest).await?;
    for s in strategies.iter_mut() {
        let found = listed.check(s.name(), &s.instruments())?;
        s.configure(&found).map_err(|error| EngineError::Strategy { strategy: s.name().to_owned(), error })?;
    }
    Ok(listed)
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

    /// A new reader of the engine's events. A reader that falls more than the buffer behind
    /// is told it lagged and misses events; use [`EngineHandle::subscribe_all`] where that is
    /// not acceptable.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
    }

    /// A reader that gets every event from now on, in order, never skipping one: the engine
    /// never waits for it, so its queue grows while it is behind (it must keep reading).
    pub fn subscribe_all(&self) -> mpsc::UnboundedReceiver<EngineEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = self.cmd_tx.send(Cmd::Subscribe(tx));
        rx
    }

    /// The engine's metrics (Prometheus text with [`EngineMetrics::encode`]) and readiness.
    pub fn metrics(&self) -> &Arc<EngineMetrics> {
        &self.metrics
    }

    /// Halts, resumes, cancels or reports, as an operator asks; the answer says what was done.
    pub async fn control(&self, c: Control) -> Result<ControlReply, EngineError> {
        let (reply, rx) = oneshot::channel();
        self.cmd_tx.send(Cmd::Control(c, reply)).map_err(|_| EngineError::Stopped)?;
        rx.await.map_err(|_| EngineError::Stopped)
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

    /// The kill switch: blocks every new order and cancels this engine's open orders
    /// ([`KillScope::Engine`]); orders placed outside the engine stay.
    pub fn kill(&self, why: &str) {
        self.kill_scope(why, KillScope::Engine);
    }

    /// The kill switch with an explicit scope: [`KillScope::Account`] cancels every order on
    /// the account, outside ones included.
    pub fn kill_scope(&self, why: &str, scope: KillScope) {
        let _ = self.cmd_tx.send(Cmd::Kill(why.to_owned(), scope));
    }

    /// Stops the engine at once, as a crash would: nothing is cancelled and nothing waits for
    /// the journal (its writer finishes what it already holds). For recovery tests.
    pub fn abort(&self) {
        if let Some(t) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            t.abort();
        }
    }

    /// Stops strategies, cancels this engine's open orders unless `keep_orders` and waits
    /// (bounded) until the exchange confirms each cancel, so the journal records it; then
    /// flushes the journal, closes the connections and returns the run's figures.
    pub async fn shutdown(&self, keep_orders: bool) -> Result<RunSummary, EngineError> {
        let (done, rx) = oneshot::channel();
        self.cmd_tx.send(Cmd::Shutdown { keep_orders, done }).map_err(|_| EngineError::Stopped)?;
        let summary = rx.await.map_err(|_| EngineError::Stopped)?;
        // The task returns right after answering: once it has, nothing of the engine runs.
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        summary
    }
}
