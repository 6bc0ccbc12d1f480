//! Running strategies' callbacks and what they ask for: each intent passes the risk checks and
//! goes to the router in a spawned task; refusals come back to the strategy that asked.

use tokio::sync::oneshot;

use super::events::EngineEvent;
use super::risk::RiskRefusal;
use super::router::PlaceOutcome;
use super::task::{Internal, Task};
use crate::protocol::requests::{
    AmendOrder, BatchOrderRequest, CancelAllOrders, CancelOrder, ClosePosition, CreateList, CreateOrder,
};
use crate::strategy::{Context, Intent, Refusal, RefusalCause, Strategy};

/// Whether a refusal is the checks' or the exchange's (not a delivery problem).
fn counts_as_refused(cause: &RefusalCause) -> bool {
    matches!(cause, RefusalCause::Risk(_) | RefusalCause::Exchange(_))
}

impl Task {
    /// Calls `f` on every running strategy, then runs the intents each recorded. Nothing is
    /// called before the strategies start (the first reconciliation) or after one halted.
    pub(crate) fn dispatch(&mut self, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        self.dispatch_where(|_| true, f)
    }

    /// [`Task::dispatch`] to strategy `i` only.
    pub(crate) fn dispatch_one(&mut self, i: usize, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        self.dispatch_where(|j| j == i, f)
    }

    fn dispatch_where(&mut self, which: impl Fn(usize) -> bool, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        let now = self.clock.now_ms();
        let oids = (self.flow.prefix.as_str(), &mut self.flow.next_oid);
        let seen = (&*self.state, &self.books, &self.flow.listed);
        let pending = self.host.call(seen, oids, now, which, f);
        for (i, intents) in pending {
            self.run_intents(Some(i), intents);
        }
    }

    /// News of strategy `i`'s own orders or fills: it hears it even while halted (its
    /// intents are dropped then), so that its view of its orders is true if it is resumed.
    pub(crate) fn dispatch_owner_of(&mut self, i: usize, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        let now = self.clock.now_ms();
        let oids = (self.flow.prefix.as_str(), &mut self.flow.next_oid);
        let seen = (&*self.state, &self.books, &self.flow.listed);
        let pending = self.host.call_owner(seen, oids, now, i, f);
        for (i, intents) in pending {
            self.run_intents(Some(i), intents);
        }
    }

    /// `on_book` with the book of `instrument`, borrowed beside the strategies.
    pub(crate) fn dispatch_book(&mut self, instrument: &str) {
        let now = self.clock.now_ms();
        let oids = (self.flow.prefix.as_str(), &mut self.flow.next_oid);
        let Some(book) = self.books.get(instrument) else { return };
        let seen = (&*self.state, &self.books, &self.flow.listed);
        let pending = self.host.call(seen, oids, now, |_| true, |s, ctx| s.on_book(ctx, instrument, book));
        for (i, intents) in pending {
            self.run_intents(Some(i), intents);
        }
    }

    /// Risk-checks and routes intents; `strategy` is who asked (None: a handle).
    pub(crate) fn run_intents(&mut self, strategy: Option<usize>, intents: Vec<Intent>) {
        for intent in intents {
            match intent {
                Intent::Submit(mut order) => {
                    if let Err(r) = self.flow.on_ticks(&mut order).and_then(|_| self.check(&order)) {
                        self.refuse_risk(strategy, Intent::Submit(order), r);
                        continue;
                    }
                    self.send_placement(strategy, order, None);
                }
                Intent::Cancel(r) => self.spawn_send(CancelOrder(r)),
                Intent::Amend(a) => self.spawn_send::<AmendOrder>(a),
                Intent::CancelAll(i) => {
                    self.spawn_send(CancelAllOrders { instrument_name: i.map(Into::into), kind: None })
                }
                Intent::ClosePosition { instrument, price } => {
                    self.spawn_send(ClosePosition { instrument_name: instrument.into(), price })
                }
                // Sent once, never retried: a lost answer shows in the next reconciliation, as
                // the orders' client_oids do.
                Intent::List { kind, mut legs } => match self.check_all(&mut legs) {
                    Ok(()) => self.spawn_send(CreateList { kind, legs }),
                    Err(r) => self.refuse_risk(strategy, Intent::List { kind, legs }, r),
                },
                Intent::Batch { instrument, cancels, mut creates } => match self.check_all(&mut creates) {
                    Ok(()) => {
                        self.spawn_send(BatchOrderRequest { instrument_name: instrument.into(), cancels, creates })
                    }
                    Err(r) => self.refuse_risk(strategy, Intent::Batch { instrument, cancels, creates }, r),
                },
            }
        }
    }

    /// Rounds and checks every order of a multi-order intent: all pass, or it is not sent.
    fn check_all(&mut self, orders: &mut [CreateOrder]) -> Result<(), RiskRefusal> {
        orders.iter_mut().try_for_each(|o| self.flow.on_ticks(o).and_then(|_| self.check(o)))
    }

    fn refuse_risk(&mut self, strategy: Option<usize>, intent: Intent, r: RiskRefusal) {
        let reason = r.to_string();
        self.refuse(strategy, Refusal { intent, reason, cause: RefusalCause::Risk(r) });
    }

    fn spawn_send<R: crate::protocol::requests::ApiRequest + Send + Sync + 'static>(&mut self, req: R) {
        let router = self.flow.router.clone();
        self.flow.spawn(async move {
            match router.send(&req).await {
                Ok(()) => {}
                // The order closed before the cancel arrived: a normal race, not a problem.
                Err((Some(code), e)) if crate::protocol::code_names::already_closed(code) => {
                    tracing::debug!(method = req.method(), error = %e, "order already closed")
                }
                Err((_, e)) => tracing::warn!(method = req.method(), error = %e, "request failed"),
            }
        });
    }

    /// Sends a checked placement in a task of its own; the outcome comes back as `Placed`.
    fn send_placement(
        &mut self,
        strategy: Option<usize>,
        order: CreateOrder,
        reply: Option<oneshot::Sender<PlaceOutcome>>,
    ) {
        let (router, tx) = (self.flow.sending(&order), self.internal_tx.clone());
        let metrics = self.out.metrics.clone();
        if let Some(t) = self.market_tick {
            metrics.tick_to_order_seconds.observe(t.elapsed().as_secs_f64());
        }
        self.flow.spawn(async move {
            let sent = tokio::time::Instant::now();
            let outcome = router.place(&order).await;
            if matches!(outcome, PlaceOutcome::Placed { .. } | PlaceOutcome::Rejected(_)) {
                metrics.order_round_trip_seconds.observe(sent.elapsed().as_secs_f64());
            }
            let _ = tx.send(Internal::Placed { strategy, order: Box::new(order), outcome, reply });
        });
    }

    fn check(&mut self, order: &CreateOrder) -> Result<(), RiskRefusal> {
        let instrument = order.instrument_name.as_str();
        let mid = self.books.get(instrument).and_then(|b| b.mid());
        let working_same_side = if self.risk_counts_working(instrument) {
            self.own_open_orders()
                .iter()
                // Reduce-only orders (protective stops among them) can only shrink a position.
                .filter(|o| o.instrument_name.as_str() == instrument && o.side == order.side && !o.is_reduce_only())
                .map(|o| o.remaining())
                .sum()
        } else {
            Default::default()
        };
        let x = super::risk::Exposure { mid, inflight: self.flow.inflight, working_same_side };
        self.flow.risk.check(order, &self.state, x)
    }

    /// Working orders are summed only where a position limit needs them (they cost a scan).
    fn risk_counts_working(&self, instrument: &str) -> bool {
        self.flow.risk.limits().max_position.contains_key(instrument)
    }

    pub(crate) fn place_manual(&mut self, mut order: CreateOrder, reply: oneshot::Sender<PlaceOutcome>) {
        if order.client_oid.is_none() {
            order.client_oid = Some(self.flow.new_oid());
        }
        if let Err(refusal) = self.check(&order) {
            self.out.summary.refused += 1;
            let _ = reply.send(PlaceOutcome::Refused(refusal));
            return;
        }
        self.send_placement(None, order, Some(reply));
    }

    pub(crate) fn on_placed(&mut self, strategy: Option<usize>, order: CreateOrder, outcome: PlaceOutcome) {
        let label = match &outcome {
            PlaceOutcome::Placed { .. } => "placed",
            PlaceOutcome::Rejected(_) => "rejected",
            PlaceOutcome::Refused(_) => "refused",
            PlaceOutcome::NotPlaced(_) => "not_placed",
            PlaceOutcome::Unknown(_) => "unknown",
        };
        self.out.metrics.orders.get_or_create(&crate::metrics::Outcome { outcome: label.to_owned() }).inc();
        let (reason, cause) = match outcome {
            PlaceOutcome::Placed { .. } => {
                self.out.summary.placed += 1;
                if let Some(i) = strategy {
                    self.host.accepted(i);
                }
                return;
            }
            PlaceOutcome::Rejected(e) => (e.to_string(), RefusalCause::Exchange(e.code)),
            PlaceOutcome::Refused(r) => (r.to_string(), RefusalCause::Risk(r)),
            PlaceOutcome::NotPlaced(why) => (format!("not placed: {why}"), RefusalCause::NotPlaced),
            // Reconciliation will show whether it exists; the strategy learns it is in doubt.
            PlaceOutcome::Unknown(why) => (format!("outcome unknown: {why}"), RefusalCause::Unknown),
        };
        let refusal = Refusal { intent: Intent::Submit(order), reason, cause };
        match strategy {
            Some(_) => self.refuse(strategy, refusal),
            // A manual placement's caller has the outcome already.
            None => self.out.summary.refused += u64::from(counts_as_refused(&refusal.cause)),
        }
    }

    /// Tells readers and the strategy that asked. Only a refusal by the checks or the exchange
    /// counts toward halting the strategy: an order that could not be delivered is the
    /// network's doing, not the strategy's.
    fn refuse(&mut self, strategy: Option<usize>, refusal: Refusal) {
        let counts = counts_as_refused(&refusal.cause);
        tracing::warn!(reason = %refusal.reason, "order refused");
        if matches!(refusal.cause, RefusalCause::Risk(_)) {
            self.out.metrics.orders.get_or_create(&crate::metrics::Outcome { outcome: "refused".into() }).inc();
        }
        self.emit(EngineEvent::Refused(Box::new(refusal.clone())));
        if let Some(i) = strategy {
            self.dispatch_one(i, |s, ctx| s.on_refused(ctx, &refusal));
            self.count_refusal(i, counts, &refusal.reason);
        } else {
            self.out.summary.refused += u64::from(counts);
        }
        // The kill switch's own refusals are its effect, not a storm that should pull it.
        let by_kill_switch = matches!(refusal.cause, RefusalCause::Risk(RiskRefusal::KillSwitch(_)));
        if counts && !by_kill_switch {
            if let Some(f) = self.triggers.on_refusal(tokio::time::Instant::now()) {
                self.fire(f);
            }
        }
    }

    /// Strategy timers.
    pub(crate) fn on_tick(&mut self) {
        let due = self.host.due_timers(tokio::time::Instant::now());
        if due.is_empty() || !self.state.is_live() {
            return;
        }
        for i in due {
            self.dispatch_one(i, |s, ctx| s.on_timer(ctx));
        }
    }
}
