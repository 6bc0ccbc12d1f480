//! The engine's writer task: the only writer of the state. It reads session events, buffers
//! user pushes while a reconciliation runs, then applies the snapshot and the buffer and marks
//! the state live. Slow work (REST, order routing) runs in spawned tasks that report back here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::config::EngineConfig;
use super::events::EngineEvent;
use super::reconcile::{self, Snapshot};
use super::risk::Risk;
use super::router::{PlaceOutcome, Router};
use super::EngineError;
use crate::clock::Clock;
use crate::journal::Journal;
use crate::protocol::requests::{CancelOrder, CreateOrder, OrderRef};
use crate::protocol::{Push, PushData};
use crate::rest::{RestClient, RestError};
use crate::state::book::Books;
use crate::state::State;
use crate::strategy::{Intent, Strategy};
use crate::ws::{self, SessionConfig, SessionEvent, SessionHandle, SessionKind};

/// Commands from handles.
pub(crate) enum Cmd {
    Place(Box<CreateOrder>, oneshot::Sender<PlaceOutcome>),
    Intent(Box<Intent>),
    Kill(String),
    Shutdown { keep_orders: bool, done: oneshot::Sender<Result<(), EngineError>> },
}

/// Results of spawned work.
pub(crate) enum Internal {
    Reconciled { generation: u64, result: Box<Result<Snapshot, RestError>> },
    Placed { strategy: Option<usize>, order: Box<CreateOrder>, outcome: PlaceOutcome },
}

pub(crate) struct Task {
    pub(crate) state: Arc<State>,
    pub(crate) journal: Option<Journal>,
    pub(crate) strategies: Vec<Box<dyn Strategy>>,
    pub(crate) timers: Vec<Option<(Duration, tokio::time::Instant)>>,
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
    /// Strategy placements sent and not yet answered.
    pub(crate) inflight: usize,
    generation: u64,
    reconciling: Option<u64>,
    buffer: Vec<Push>,
    recovered_open: Vec<String>,
    started_ns: u128,
    started: bool,
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
        recovered_open: Vec<String>,
    ) -> Self {
        let mut user_cfg = SessionConfig::user(&cfg.endpoints.user_ws_url, cfg.creds.clone());
        let cancel_on_disconnect = cfg.cancel_on_disconnect.unwrap_or(!strategies.is_empty());
        user_cfg.kind = SessionKind::User { creds: cfg.creds.clone(), cancel_on_disconnect };
        user_cfg.channels.push("user.positions".into());
        user_cfg.connect_pause = cfg.connect_pause;
        user_cfg.request_timeout = cfg.request_timeout;
        user_cfg.clock = cfg.clock.clone();
        let (user, user_rx) = ws::spawn(user_cfg);
        let mut channels: Vec<String> = strategies.iter().flat_map(|s| s.market_channels()).collect();
        channels.sort();
        channels.dedup();
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
        let timers =
            strategies.iter().map(|s| s.timer_interval().map(|d| (d, tokio::time::Instant::now() + d))).collect();
        Task {
            router: Router::new(Some(user.clone()), rest.clone()),
            started_ns: u128::from(cfg.clock.now_ms().saturating_sub(1_000)) * 1_000_000,
            state,
            journal,
            strategies,
            timers,
            risk: Risk::new(cfg.risk.clone()),
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
            recovered_open,
            started: false,
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

    pub(crate) fn emit(&self, ev: EngineEvent) {
        // No reader is fine; a slow reader lags, the engine never waits.
        let _ = self.events.send(ev);
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
            for _ in 0..3 {
                if result.is_ok() {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
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
            Internal::Placed { strategy, order, outcome } => {
                self.inflight = self.inflight.saturating_sub(1);
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
        if !self.started {
            self.started = true;
            self.dispatch(|s, ctx| s.on_start(ctx));
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
            Cmd::Kill(why) => self.kill(&why),
            Cmd::Shutdown { .. } => {}
        }
    }

    /// Kill switch: block new orders and cancel every open order of the account.
    fn kill(&mut self, why: &str) {
        tracing::error!(%why, "kill switch: cancelling everything");
        self.risk.kill(why);
        self.run_intents(None, vec![Intent::CancelAll(None)]);
    }

    pub(crate) fn own_open_orders(&self) -> Vec<String> {
        self.state
            .orders
            .open()
            .into_iter()
            .filter(|o| {
                o.client_oid
                    .as_ref()
                    .is_some_and(|c| c.as_str().starts_with(&self.prefix) || self.placed.contains(c.as_str()))
            })
            .map(|o| o.order_id.to_string())
            .collect()
    }

    async fn shutdown(&mut self, keep_orders: bool) -> Result<(), EngineError> {
        self.dispatch(|s, ctx| s.on_stop(ctx));
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
            let mut targets: Vec<OrderRef> =
                self.own_open_orders().into_iter().map(|id| OrderRef::OrderId(id.into())).collect();
            // Placed, but not yet seen on the stream: cancel by client id.
            let seen = |c: &String| self.state.orders.by_client_oid(c).is_some();
            targets.extend(self.placed.iter().filter(|c| !seen(c)).map(|c| OrderRef::ClientOid(c.as_str().into())));
            let cancels = targets.into_iter().map(|target| {
                let router = self.router.clone();
                async move { router.send(&CancelOrder(target)).await }
            });
            let results = tokio::time::timeout(Duration::from_secs(10), futures::future::join_all(cancels)).await;
            if results.is_err() {
                tracing::warn!("some cancels did not answer within 10 s");
            }
        }
        self.user.shutdown();
        if let Some(m) = &self.market {
            m.shutdown();
        }
        if let Some(j) = self.journal.take() {
            j.close()?;
        }
        Ok(())
    }
}

async fn recv_opt(rx: &mut Option<mpsc::UnboundedReceiver<SessionEvent>>) -> Option<SessionEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
