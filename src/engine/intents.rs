//! Running strategies' callbacks and what they ask for: each intent passes the risk checks and
//! goes to the router in a spawned task; refusals come back to the strategy that asked.

use tokio::sync::oneshot;

use super::events::EngineEvent;
use super::router::PlaceOutcome;
use super::task::{Internal, Task};
use crate::protocol::ids::ClientOrderId;
use crate::protocol::requests::{AmendOrder, CancelAllOrders, CancelOrder, CreateOrder};
use crate::strategy::{Context, Intent, Refusal, Strategy};

impl Task {
    /// A fresh client id: the run's prefix and a counter (well under 36 characters).
    pub(crate) fn new_oid(&mut self) -> ClientOrderId {
        self.next_oid += 1;
        ClientOrderId::from(format!("{}-{}", self.prefix, self.next_oid))
    }

    /// Calls `f` on every strategy, then runs the intents each recorded.
    pub(crate) fn dispatch(&mut self, mut f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        if self.strategies.is_empty() {
            return;
        }
        let mut strategies = std::mem::take(&mut self.strategies);
        let now = self.clock.now_ms();
        let mut pending = Vec::new();
        for (i, s) in strategies.iter_mut().enumerate() {
            let mut intents = Vec::new();
            {
                let (prefix, counter) = (&self.prefix, &mut self.next_oid);
                let mut oids = || {
                    *counter += 1;
                    ClientOrderId::from(format!("{prefix}-{counter}"))
                };
                let mut ctx = Context::new(&self.state, &mut intents, &mut oids, now);
                f(s.as_mut(), &mut ctx);
            }
            if !intents.is_empty() {
                pending.push((i, intents));
            }
        }
        self.strategies = strategies;
        for (i, intents) in pending {
            self.run_intents(Some(i), intents);
        }
    }

    /// Risk-checks and routes intents; `strategy` is who asked (None: a handle).
    pub(crate) fn run_intents(&mut self, strategy: Option<usize>, intents: Vec<Intent>) {
        for intent in intents {
            match intent {
                Intent::Submit(order) => {
                    if let Err(reason) = self.check(&order) {
                        self.refuse(strategy, Refusal { intent: Intent::Submit(order), reason, code: None });
                        continue;
                    }
                    if let Some(c) = &order.client_oid {
                        self.placed.insert(c.as_str().to_owned());
                    }
                    let (router, tx) = (self.router.clone(), self.internal_tx.clone());
                    self.inflight += 1;
                    tokio::spawn(async move {
                        let outcome = router.place(&order).await;
                        let _ = tx.send(Internal::Placed { strategy, order: Box::new(order), outcome });
                    });
                }
                Intent::Cancel(r) => self.spawn_send(CancelOrder(r)),
                Intent::Amend(a) => self.spawn_send::<AmendOrder>(a),
                Intent::CancelAll(i) => {
                    self.spawn_send(CancelAllOrders { instrument_name: i.map(Into::into), kind: None })
                }
            }
        }
    }

    fn spawn_send<R: crate::protocol::requests::ApiRequest + Send + Sync + 'static>(&self, req: R) {
        let router = self.router.clone();
        tokio::spawn(async move {
            match router.send(&req).await {
                Ok(()) => {}
                // The order closed before the cancel arrived: a normal race, not a problem.
                Err((Some(212 | 316 | 40401), e)) => {
                    tracing::debug!(method = R::METHOD, error = %e, "order already closed")
                }
                Err((_, e)) => tracing::warn!(method = R::METHOD, error = %e, "request failed"),
            }
        });
    }

    fn check(&mut self, order: &CreateOrder) -> Result<(), String> {
        let mid = self.books.get(order.instrument_name.as_str()).and_then(|b| b.mid());
        self.risk.check(order, &self.state, mid)
    }

    pub(crate) fn place_manual(&mut self, mut order: CreateOrder, reply: oneshot::Sender<PlaceOutcome>) {
        if order.client_oid.is_none() {
            order.client_oid = Some(self.new_oid());
        }
        if let Err(reason) = self.check(&order) {
            let _ = reply.send(PlaceOutcome::Unknown(format!("refused by risk checks: {reason}")));
            return;
        }
        if let Some(c) = &order.client_oid {
            self.placed.insert(c.as_str().to_owned());
        }
        let router = self.router.clone();
        tokio::spawn(async move {
            let _ = reply.send(router.place(&order).await);
        });
    }

    pub(crate) fn on_placed(&mut self, strategy: Option<usize>, order: CreateOrder, outcome: PlaceOutcome) {
        let (reason, code) = match outcome {
            PlaceOutcome::Placed { .. } => return,
            PlaceOutcome::Rejected(e) => (e.to_string(), Some(e.code)),
            // Reconciliation will show whether it exists; the strategy learns it is in doubt.
            PlaceOutcome::Unknown(why) => (format!("outcome unknown: {why}"), None),
        };
        self.refuse(strategy, Refusal { intent: Intent::Submit(order), reason, code });
    }

    fn refuse(&mut self, strategy: Option<usize>, refusal: Refusal) {
        tracing::warn!(reason = %refusal.reason, "order refused");
        self.emit(EngineEvent::Refused(Box::new(refusal.clone())));
        if let Some(i) = strategy {
            let mut idx = 0;
            self.dispatch(|s, ctx| {
                if idx == i {
                    s.on_refused(ctx, &refusal);
                }
                idx += 1;
            });
        }
    }

    /// Strategy timers.
    pub(crate) fn on_tick(&mut self) {
        let now = tokio::time::Instant::now();
        let due: Vec<usize> = self
            .timers
            .iter_mut()
            .enumerate()
            .filter_map(|(i, t)| match t {
                Some((every, next)) if *next <= now => {
                    *next = now + *every;
                    Some(i)
                }
                _ => None,
            })
            .collect();
        if due.is_empty() || !self.state.is_live() {
            return;
        }
        let mut idx = 0;
        self.dispatch(|s, ctx| {
            if due.contains(&idx) {
                s.on_timer(ctx);
            }
            idx += 1;
        });
    }
}
