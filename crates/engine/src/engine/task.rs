//! The engine's writer task: the only writer of the state. It reads session events, buffers
//! user pushes while a reconciliation runs, then applies the snapshot and the buffer and marks
//! the state live. Slow work (REST, order routing) runs in spawned tasks that report back here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::config::EngineConfig;
use super::events::EngineEvent;
use super::handle::KillScope;
use super::reconcile::{self, Snapshot};
use super::risk::Risk;
use super::router::{PlaceOutcome, Router};
use super::summary::RunSummary;
use super::venue::Listed;
use super::EngineError;
use crate::clock::Clock;
use crate::journal::Journal;
use crate::protocol::models::Trade;
use crate::protocol::requests::CreateOrder;
use crate::protocol::{Push, PushData};
use crate::rest::{RestClient, RestError};
use crate::state::book::Books;
use crate::state::State;
use crate::strategy::{Intent, Strategy};

use super::host::Host;
use crate::ws::{self, SessionConfig, SessionEvent, SessionHandle, SessionKind};

/// Commands from handles.
pub(crate) enum Cmd {
    Place(Box<CreateOrder>, oneshot::Sender<PlaceOutcome>),
    Intent(Box<Intent>),
    Kill(String, KillScope),
    Subscribe(mpsc::UnboundedSender<EngineEvent>),
    Shutdown { keep_orders: bool, done: oneshot::Sender<Result<RunSummary, EngineError>> },
}

/// Results of spawned work.
pub(crate) enum Internal {
    Reconciled {
        generation: u64,
        result: Box<Result<Snapshot, RestError>>,
    },
    Placed {
        strategy: Option<usize>,
        order: Box<CreateOrder>,
        outcome: PlaceOutcome,
        reply: Option<oneshot::Sender<PlaceOutcome>>,
    },
}

/// What `start` found before the task runs: the venue's instruments and the journal's past.
pub(crate) struct Boot {
    pub(crate) listed: Listed,
    pub(crate) recovered_open: Vec<String>,
    /// Journal fills of the strategies' own orders, oldest first.
    pub(crate) earlier_fills: Vec<Trade>,
}

pub(crate) struct Task {
    pub(crate) state: Arc<State>,
    pub(crate) journal: Option<Journal>,
    /// The strategies and what the engine knows of each.
    pub(crate) host: Host,
    pub(crate) risk: Risk,
    pub(crate) router: Router,
    pub(crate) rest: Arc<RestClient>,
    pub(crate) events: broadcast::Sender<EngineEvent>,
    pub(crate) internal_tx: mpsc::UnboundedSender<Internal>,
    internal_rx: mpsc::UnboundedReceiver<Internal>,
    user: SessionHandle,
    user_rx: mpsc::UnboundedReceiver<SessionEvent>,
    pub(crate) market: Option<SessionHandle>,
    market_rx: Option<mpsc::UnboundedReceiver<SessionEvent>>,
    pub(crate) books: Books,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) prefix: String,
    pub(crate) next_oid: u64,
    /// Client ids this run routed (its own orders, for shutdown).
    pub(crate) placed: std::collections::HashSet<String>,
    /// Placements sent and not yet answered.
    pub(crate) inflight: usize,
    /// The venue's instruments (ticks), for rounding strategy orders.
    pub(crate) listed: Listed,
    /// This run's figures.
    pub(crate) summary: RunSummary,
    /// Readers that get every event (no lag, no skip).
    pub(crate) lossless: Vec<mpsc::UnboundedSender<EngineEvent>>,
    pub(crate) market_seen: bool,
    generation: u64,
    reconciling: Option<u64>,
    buffer: Vec<Push>,
    recovered_open: Vec<String>,
    started_ns: u128,
}

impl Task {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        cfg: &EngineConfig,
        strategies: Vec<Box<dyn Strategy>>,
        state: Arc<State>,
        journal: Option<Journal>,
        rest: Arc<RestClient>,
        events: broadcast::Sender<EngineEvent>,
        prefix: String,
        boot: Boot,
    ) -> Self {
        let mut user_cfg = SessionConfig::user(&cfg.endpoints.user_ws_url, cfg.creds.clone());
        let mut risk = Risk::new(cfg.risk.clone());
        for t in &boot.earlier_fills {
            risk.on_own_fill(t.instrument_name.as_str(), &t.side, t.traded_quantity);
        }
        let host = Host::new(strategies, cfg.halt_after_refusals, boot.earlier_fills);
        let cancel_on_disconnect = cfg.cancel_on_disconnect.unwrap_or(host.len() > 0);
        user_cfg.kind = SessionKind::User { creds: cfg.creds.clone(), cancel_on_disconnect };
        user_cfg.channels.push("user.positions".into());
        user_cfg.connect_pause = cfg.connect_pause;
        user_cfg.request_timeout = cfg.request_timeout;
        user_cfg.clock = cfg.clock.clone();
        let (user, user_rx) = ws::spawn(user_cfg);
        let channels = host.market_channels();
        let (market, market_rx) = if channels.is_empty() {
            (None, None)
        } else {
            let mut m = SessionConfig::market(&cfg.endpoints.market_ws_url, channels);
            m.book_subscription_type = Some(crate::protocol::enums::BookSubscriptionType::SnapshotAndUpdate);
            m.connect_pause = cfg.connect_pause;
            let (h, rx) = ws::spawn(m);
            (Some(h), Some(rx))
        };
        let (internal_tx, internal_rx) = mpsc::unbounded_channel();
        Task {
            host,
            listed: boot.listed,
            summary: RunSummary::default(),
            lossless: Vec::new(),
            market_seen: false,
            router: Router::new(Some(user.clone()), rest.clone()),
            started_ns: u128::from(cfg.clock.now_ms().saturating_sub(1_000)) * 1_000_000,
            state,
            journal,
            risk,
            rest,
            events,
            internal_tx,
            internal_rx,
            user,
            user_rx,
            market,
            market_rx,
            books: Books::default(),
            clock: cfg.clock.clone(),
            prefix,
            next_oid: 0,
            placed: Default::default(),
            inflight: 0,
            generation: 0,
            reconciling: None,
            buffer: Vec::new(),
            recovered_open: boot.recovered_open,
        }
    }

    pub(crate) async fn run(mut self, mut cmd_rx: mpsc::UnboundedReceiver<Cmd>) {
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                ev = self.user_rx.recv() => match ev {
                    Some(ev) => self.on_user(ev),
                    None => break,
                },
                Some(ev) = recv_opt(&mut self.market_rx) => self.on_market(ev),
                Some(msg) = self.internal_rx.recv() => self.on_internal(msg),
                cmd = cmd_rx.recv() => match cmd {
                    Some(Cmd::Shutdown { keep_orders, done }) => {
                        let result = self.shutdown(keep_orders).await;
                        let _ = done.send(result);
                        return;
                    }
                    Some(cmd) => self.on_cmd(cmd),
                    None => break,
                },
                _ = tick.tick() => self.on_tick(),
            }
        }
        let _ = self.shutdown(true).await;
    }

    pub(crate) fn emit(&mut self, ev: EngineEvent) {
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

    fn on_user(&mut self, ev: SessionEvent) {
        match ev {
            SessionEvent::Push(p) if self.reconciling.is_some() => self.buffer.push(*p),
            SessionEvent::Push(p) => self.apply_push(&p),
            SessionEvent::Ready => self.start_reconcile(),
            SessionEvent::Disconnected { reason, retry_in } => {
                // Pushes that arrived are real; the next reconciliation fills what they miss.
                for p in std::mem::take(&mut self.buffer) {
                    self.apply_push(&p);
                }
                self.reconciling = None;
                self.set_live(false, format!("disconnected: {reason}; reconnecting in {retry_in:?}"));
            }
            SessionEvent::AuthFailed { error, retry_in } => {
                self.set_live(false, format!("{error}; retrying in {retry_in:?}"));
            }
            SessionEvent::Malformed { error } => tracing::warn!(%error, "malformed frame skipped"),
            SessionEvent::SubscriptionFailed { channel, error } => {
                tracing::warn!(%channel, %error, "subscription refused")
            }
            SessionEvent::CancelOnDisconnect { active, code, detail } => match active {
                true => tracing::info!(%detail, "cancel-on-disconnect confirmed"),
                false => {
                    tracing::error!(?code, %detail, "cancel-on-disconnect NOT confirmed: orders may outlive a drop")
                }
            },
            SessionEvent::Connected { .. } | SessionEvent::Authenticated | SessionEvent::Subscribed { .. } => {}
        }
    }

    fn start_reconcile(&mut self) {
        self.generation += 1;
        let generation = self.generation;
        self.reconciling = Some(generation);
        let mut local_open: Vec<String> =
            self.state.orders.open().into_iter().map(|o| o.order_id.to_string()).collect();
        local_open.append(&mut self.recovered_open);
        let since = self.state.fills.last_time_ns().unwrap_or(self.started_ns);
        let (rest, tx) = (self.rest.clone(), self.internal_tx.clone());
        tracing::info!(generation, open = local_open.len(), since_ns = since, "reconciling");
        tokio::spawn(async move {
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
    }

    fn on_internal(&mut self, msg: Internal) {
        match msg {
            Internal::Reconciled { generation, .. } if self.reconciling != Some(generation) => {}
            Internal::Reconciled { result, .. } => match *result {
                Ok(snap) => self.finish_reconcile(snap),
                Err(e) => {
                    tracing::error!(error = %e, "reconciliation failed; reconnecting to try again");
                    self.reconciling = None;
                    self.user.reconnect();
                }
            },
            Internal::Placed { strategy, order, outcome, reply } => {
                self.inflight = self.inflight.saturating_sub(1);
                if let Some(reply) = reply {
                    let _ = reply.send(outcome.clone());
                }
                self.on_placed(strategy, *order, outcome)
            }
        }
    }

    fn finish_reconcile(&mut self, snap: Snapshot) {
        for o in snap.open_orders.iter().chain(&snap.closed) {
            self.apply_order(o);
        }
        for t in &snap.trades {
            self.apply_trade(t);
        }
        self.state.positions.set_all(&snap.positions);
        // The REST balance is newer than any balance push buffered before it arrived.
        if let Some(b) = &snap.balance {
            self.apply_balance(b);
        }
        for p in std::mem::take(&mut self.buffer) {
            if !matches!(p.data, PushData::Balances(_)) {
                self.apply_push(&p);
            }
        }
        self.reconciling = None;
        tracing::info!(open = snap.open_orders.len(), fills = snap.trades.len(), "reconciled: live");
        self.state.set_live(true);
        if !self.host.started {
            self.start_strategies();
        }
        self.state.set_live(false);
        self.set_live(true, "reconciled".into());
    }

    fn set_live(&mut self, live: bool, detail: String) {
        let was = self.state.is_live();
        self.state.set_live(live);
        self.emit(EngineEvent::Connection { live, detail });
        if was != live {
            self.dispatch(|s, ctx| s.on_live(ctx, live));
        }
    }

    fn on_cmd(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Place(order, reply) => self.place_manual(*order, reply),
            Cmd::Intent(i) => self.run_intents(None, vec![*i]),
            Cmd::Kill(why, scope) => self.kill(&why, scope),
            Cmd::Subscribe(tx) => self.lossless.push(tx),
            Cmd::Shutdown { .. } => {}
        }
    }

    /// Kill switch: block new orders and cancel the orders `scope` names.
    fn kill(&mut self, why: &str, scope: KillScope) {
        self.risk.kill(why);
        match scope {
            KillScope::Engine => {
                let targets = self.own_cancel_targets();
                tracing::error!(%why, orders = targets.len(), "kill switch: cancelling this engine's orders");
                self.run_intents(None, targets.into_iter().map(Intent::Cancel).collect());
            }
            KillScope::Account => {
                tracing::error!(%why, "kill switch: cancelling every order of the account");
                self.run_intents(None, vec![Intent::CancelAll(None)]);
            }
        }
    }

    async fn shutdown(&mut self, keep_orders: bool) -> Result<RunSummary, EngineError> {
        self.dispatch(|s, ctx| s.on_stop(ctx));
        // From here on strategies are told nothing, so they cannot ask for orders that the
        // risk checks would only refuse.
        self.host.stopping = true;
        self.risk.kill("shutting down");
        // Placements still on their way must land before we cancel, or they would outlive us.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.inflight > 0 {
            match tokio::time::timeout_at(deadline, self.internal_rx.recv()).await {
                Ok(Some(msg)) => self.on_internal(msg),
                _ => break,
            }
        }
        if !keep_orders {
            self.cancel_and_confirm().await;
        }
        self.user.shutdown();
        if let Some(m) = &self.market {
            m.shutdown();
        }
        self.summary.still_open = self.own_open_orders();
        if let Some(j) = self.journal.take() {
            j.close()?;
        }
        Ok(std::mem::take(&mut self.summary))
    }

    /// Reads the user stream until `done` holds or `until` passes, applying what arrives.
    pub(crate) async fn follow_until(&mut self, until: tokio::time::Instant, done: impl Fn(&Task) -> bool) {
        while !done(self) {
            tokio::select! {
                ev = self.user_rx.recv() => match ev {
                    Some(ev) => self.on_user(ev),
                    None => return,
                },
                Some(msg) = self.internal_rx.recv() => self.on_internal(msg),
                _ = tokio::time::sleep_until(until) => return,
            }
        }
    }
}

async fn recv_opt(rx: &mut Option<mpsc::UnboundedReceiver<SessionEvent>>) -> Option<SessionEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
