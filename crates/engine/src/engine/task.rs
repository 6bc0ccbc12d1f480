//! The engine's writer task: the only writer of the state. It reads session events, buffers
//! user pushes while a reconciliation runs, then applies the snapshot and the buffer and marks
//! the state live. Slow work (REST, order routing) runs in spawned tasks that report back here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::config::EngineConfig;
use super::control::{Control, ControlReply};
use super::events::EngineEvent;
use super::flow::OrderFlow;
use super::handle::KillScope;
use super::host::Host;
use super::outputs::Outputs;
use super::reconcile::Snapshot;
use super::reconciliation::Reconciliation;
use super::risk::Risk;
use super::router::PlaceOutcome;
use super::sessions::{recv_market, Sessions};
use super::summary::RunSummary;
use super::triggers::Triggers;
use super::venue::Listed;
use super::EngineError;
use crate::clock::Clock;
use crate::journal::Journal;
use crate::metrics::{
    channel_kind, count_frame, reconnect_cause, CounterCache, EngineMetrics, Scrape, Socket, SocketCause,
};
use crate::protocol::models::Trade;
use crate::protocol::requests::CreateOrder;
use crate::protocol::PushData;
use crate::rest::{RestClient, RestError};
use crate::state::book::Books;
use crate::state::State;
use crate::strategy::{Intent, Strategy};
use crate::ws::SessionEvent;

/// Commands from handles.
pub(crate) enum Cmd {
    Place(Box<CreateOrder>, oneshot::Sender<PlaceOutcome>),
    Intent(Box<Intent>),
    Kill(String, KillScope),
    Control(Control, oneshot::Sender<ControlReply>),
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

/// What `start` made for the task: the shared state, the journal, the REST client, the event
/// broadcast and this run's client-id prefix.
pub(crate) struct Parts {
    pub(crate) state: Arc<State>,
    pub(crate) journal: Option<Journal>,
    pub(crate) rest: Arc<RestClient>,
    pub(crate) events: broadcast::Sender<EngineEvent>,
    pub(crate) prefix: String,
    pub(crate) metrics: Arc<EngineMetrics>,
}

/// The writer task, composed of parts with one job each: the sessions, the reconciliation, the
/// strategy host, the order flow and the outputs. Its loop only routes events between them.
pub(crate) struct Task {
    pub(crate) state: Arc<State>,
    pub(crate) books: Books,
    /// The strategies and what the engine knows of each.
    pub(crate) host: Host,
    pub(crate) flow: OrderFlow,
    pub(crate) out: Outputs,
    pub(crate) io: Sessions,
    recon: Reconciliation,
    pub(crate) rest: Arc<RestClient>,
    pub(crate) internal_tx: mpsc::UnboundedSender<Internal>,
    internal_rx: mpsc::UnboundedReceiver<Internal>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) market_seen: bool,
    pub(crate) triggers: Triggers,
    /// When the last market push reached the task (the stale-data trigger).
    pub(crate) last_market: Option<tokio::time::Instant>,
    /// While a market push is being applied: when it reached the task (tick-to-order).
    pub(crate) market_tick: Option<tokio::time::Instant>,
    /// When the running reconciliation began.
    recon_started: Option<tokio::time::Instant>,
    frames: CounterCache<(Socket, &'static str)>,
}

impl Task {
    pub(crate) fn new(cfg: &EngineConfig, strategies: Vec<Box<dyn Strategy>>, parts: Parts, boot: Boot) -> Self {
        let mut risk = Risk::new(cfg.risk.clone());
        for t in &boot.earlier_fills {
            risk.on_own_fill(t.instrument_name.as_str(), &t.side, t.traded_quantity);
        }
        let host = Host::new(strategies, cfg.halt_after_refusals, boot.earlier_fills);
        let cancel_on_disconnect = cfg.cancel_on_disconnect.unwrap_or(host.len() > 0);
        let io = Sessions::spawn(cfg, host.market_channels(), cancel_on_disconnect);
        let (internal_tx, internal_rx) = mpsc::unbounded_channel();
        let metrics = parts.metrics;
        let scrape = Scrape {
            state: parts.state.clone(),
            user: io.user.clone(),
            market: io.market.clone(),
            clock: cfg.clock.clone(),
        };
        let _ = metrics.scrape.set(scrape);
        metrics.has_market.store(io.market.is_some(), std::sync::atomic::Ordering::Relaxed);
        if let Some(j) = &parts.journal {
            let _ = metrics.journal_pending.set(j.pending_counter());
        }
        let started_ns = u128::from(cfg.clock.now_ms().saturating_sub(1_000)) * 1_000_000;
        Task {
            flow: OrderFlow::new(risk, io.user.clone(), parts.rest.clone(), parts.prefix, boot.listed),
            out: Outputs::new(parts.events, parts.journal, metrics),
            triggers: Triggers::new(cfg.risk.triggers.clone()),
            last_market: None,
            market_tick: None,
            recon_started: None,
            frames: CounterCache::default(),
            recon: Reconciliation::new(boot.recovered_open, started_ns),
            host,
            io,
            state: parts.state,
            books: Books::default(),
            rest: parts.rest,
            internal_tx,
            internal_rx,
            clock: cfg.clock.clone(),
            market_seen: false,
        }
    }

    pub(crate) async fn run(mut self, mut cmd_rx: mpsc::UnboundedReceiver<Cmd>) {
        self.publish_strategy_states();
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                ev = self.io.user_rx.recv() => match ev {
                    Some(ev) => self.on_user(ev),
                    None => break,
                },
                Some(ev) = recv_market(&mut self.io.market_rx) => self.on_market(ev),
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
                _ = tick.tick() => {
                    self.on_tick();
                    self.check_journal();
                    self.check_triggers();
                }
            }
        }
        let _ = self.shutdown(true).await;
    }

    pub(crate) fn emit(&mut self, ev: EngineEvent) {
        self.out.emit(ev)
    }

    fn on_user(&mut self, ev: SessionEvent) {
        match ev {
            SessionEvent::Push(p) => {
                count_frame(&mut self.frames, &self.out.metrics, Socket::User, channel_kind(&p.channel));
                match self.recon.is_holding() {
                    true => self.recon.hold(*p),
                    false => self.apply_push(*p),
                }
            }
            SessionEvent::Ready => {
                self.recon_started = Some(tokio::time::Instant::now());
                self.recon.begin(&self.state, self.rest.clone(), self.internal_tx.clone())
            }
            SessionEvent::Disconnected { reason, retry_in } => {
                self.count_drop(Socket::User, &reason);
                // Pushes that arrived are real; the next reconciliation fills what they miss.
                for p in self.recon.end() {
                    self.apply_push(p);
                }
                self.set_live(false, format!("disconnected: {reason}; reconnecting in {retry_in:?}"));
            }
            SessionEvent::AuthFailed { error, retry_in } => {
                self.set_live(false, format!("{error}; retrying in {retry_in:?}"));
            }
            SessionEvent::Malformed { error } => tracing::warn!(%error, "malformed frame skipped"),
            SessionEvent::SubscriptionFailed { channel, error } => {
                if error.class() == crate::protocol::codes::CodeClass::Transient {
                    tracing::warn!(%channel, %error, "subscription refused for now; asking again in 1 s")
                } else {
                    tracing::error!(%channel, %error,
                        "subscription refused: the engine does not follow this channel on this connection (it asks again after the next reconnect)")
                }
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

    fn on_internal(&mut self, msg: Internal) {
        match msg {
            Internal::Reconciled { generation, .. } if !self.recon.is_current(generation) => {}
            Internal::Reconciled { result, .. } => match *result {
                Ok(snap) => self.finish_reconcile(snap),
                Err(e) => {
                    tracing::error!(error = %e, "reconciliation failed; reconnecting to try again");
                    // What was held stays held: applied after the next round's snapshot, or
                    // when the socket drops.
                    self.recon.abandon();
                    self.io.user.reconnect();
                }
            },
            Internal::Placed { strategy, order, outcome, reply } => {
                self.flow.landed();
                if let Some(reply) = reply {
                    let _ = reply.send(outcome.clone());
                }
                self.on_placed(strategy, *order, outcome)
            }
        }
    }

    fn finish_reconcile(&mut self, snap: Snapshot) {
        for o in snap.open_orders.iter().chain(&snap.closed) {
            self.apply_order(o.clone());
        }
        for t in &snap.trades {
            self.apply_trade(t.clone());
        }
        for t in &snap.funding {
            self.state.pnl.apply_transaction(t);
        }
        for pos in self.state.positions.merge_snapshot(&snap.positions, snap.positions_requested_ms) {
            self.emit(EngineEvent::Position(Box::new(pos)));
        }
        // The REST balance is newer than any balance push buffered before it arrived.
        if let Some(b) = &snap.balance {
            self.apply_balance(b);
        }
        for p in self.recon.end() {
            if !matches!(p.data, PushData::Balances(_)) {
                self.apply_push(p);
            }
        }
        tracing::info!(open = snap.open_orders.len(), fills = snap.trades.len(), "reconciled: live");
        if let Some(t) = self.recon_started.take() {
            self.out.metrics.reconciliation_seconds.observe(t.elapsed().as_secs_f64());
        }
        self.state.set_live(true);
        if !self.host.started {
            self.start_strategies();
        }
        self.state.set_live(false);
        self.set_live(true, "reconciled".into());
    }

    /// Counts a socket's drop by its cause, and marks it not live.
    pub(crate) fn count_drop(&mut self, socket: Socket, reason: &str) {
        let label = SocketCause { socket: socket.label().socket, cause: reconnect_cause(reason).to_owned() };
        self.out.metrics.reconnects.get_or_create(&label).inc();
        self.out.metrics.set_live(socket, false);
    }

    pub(crate) fn count_market_frame(&mut self, channel: &crate::protocol::Channel) {
        count_frame(&mut self.frames, &self.out.metrics, Socket::Market, channel_kind(channel));
    }

    fn set_live(&mut self, live: bool, detail: String) {
        let was = self.state.is_live();
        self.state.set_live(live);
        self.out.metrics.set_live(Socket::User, live);
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
            Cmd::Control(c, reply) => {
                let _ = reply.send(self.on_control(c));
            }
            Cmd::Subscribe(tx) => self.out.lossless.push(tx),
            Cmd::Shutdown { .. } => {}
        }
    }

    /// Kill switch: block new orders and cancel the orders `scope` names.
    pub(crate) fn kill(&mut self, why: &str, scope: KillScope) {
        self.flow.risk.kill(why);
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
        self.flow.risk.kill("shutting down");
        // Placements still on their way must land before we cancel, or they would outlive us.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.flow.inflight > 0 {
            match tokio::time::timeout_at(deadline, self.internal_rx.recv()).await {
                Ok(Some(msg)) => self.on_internal(msg),
                _ => break,
            }
        }
        if !keep_orders {
            self.cancel_and_confirm().await;
        }
        self.recon.abandon();
        self.flow.finish_sends().await;
        self.io.shutdown().await;
        self.out.summary.still_open = self.own_open_orders();
        if let Some(j) = self.out.journal.take() {
            j.close()?;
        }
        Ok(std::mem::take(&mut self.out.summary))
    }

    /// Reads the user stream until `done` holds or `until` passes, applying what arrives.
    pub(crate) async fn follow_until(&mut self, until: tokio::time::Instant, done: impl Fn(&Task) -> bool) {
        while !done(self) {
            tokio::select! {
                ev = self.io.user_rx.recv() => match ev {
                    Some(ev) => self.on_user(ev),
                    None => return,
                },
                Some(msg) = self.internal_rx.recv() => self.on_internal(msg),
                _ = tokio::time::sleep_until(until) => return,
            }
        }
    }
}
