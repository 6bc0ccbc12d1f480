//! Which orders are this engine's, and what the engine does with them on its own: counting
//! their fills into the risk position and the run's figures, halting a strategy whose orders
//! keep being refused, and cancelling them (kill switch, halt, shutdown) with the cancels
//! confirmed. Outside orders on the account (placed by hand or by another program) are never
//! touched here; only the account-wide kill switch cancels those.

use std::time::Duration;

use super::events::EngineEvent;
use super::task::Task;
use crate::protocol::code_names::already_closed;
use crate::protocol::enums::OrderStatus;
use crate::protocol::models::{Order, Trade};
use crate::protocol::requests::{CancelOrder, GetOrderDetail, OrderRef};
use crate::strategy::Intent;

/// How long shutdown waits for the exchange to confirm its cancels on the stream.
const CONFIRM_WAIT: Duration = Duration::from_secs(10);

impl Task {
    /// Placed by this run: through the handle or by a strategy since this run started.
    pub(crate) fn is_this_run(&self, client_oid: &str) -> bool {
        self.flow.is_this_run(client_oid, || self.strategy_of(client_oid).is_some())
    }

    /// The strategy whose tag the client id carries, whatever run placed it.
    pub(crate) fn strategy_of(&self, client_oid: &str) -> Option<usize> {
        self.host.owner(client_oid)
    }

    /// This engine's: this run's, or a configured strategy's from an earlier run.
    pub(crate) fn is_own(&self, client_oid: &str) -> bool {
        self.is_this_run(client_oid) || self.strategy_of(client_oid).is_some()
    }

    fn own_order(&self, o: &Order) -> bool {
        o.client_oid.as_ref().is_some_and(|c| self.is_own(c.as_str()))
    }

    /// This engine's open orders.
    pub(crate) fn own_open_orders(&self) -> Vec<Order> {
        self.state.orders.open().into_iter().filter(|o| self.own_order(o)).collect()
    }

    /// What to cancel to leave nothing of this engine's working: its open orders by id, and
    /// placements not yet seen on the stream by client id.
    pub(crate) fn own_cancel_targets(&self) -> Vec<OrderRef> {
        let mut targets: Vec<OrderRef> =
            self.own_open_orders().into_iter().map(|o| OrderRef::OrderId(o.order_id.clone())).collect();
        let seen = |c: &String| self.state.orders.by_client_oid(c).is_some();
        targets.extend(self.flow.placed.iter().filter(|c| !seen(c)).map(|c| OrderRef::ClientOid(c.as_str().into())));
        targets
    }

    pub(crate) fn order_finished(&mut self, order: &Order) {
        let Some(c) = order.client_oid.as_ref() else { return };
        if self.is_this_run(c.as_str()) {
            match order.status {
                OrderStatus::Canceled => self.out.summary.cancelled += 1,
                OrderStatus::Filled => self.out.summary.filled += 1,
                _ => {}
            }
        }
        // Keeps the set of this run's orders bounded to those still working.
        self.flow.placed.remove(c.as_str());
    }

    pub(crate) fn fill_applied(&mut self, t: &Trade) {
        let label = crate::metrics::Instrument { instrument: t.instrument_name.to_string() };
        self.out.metrics.fills.get_or_create(&label).inc();
        let qty = rust_decimal::prelude::ToPrimitive::to_f64(&t.traded_quantity).unwrap_or(0.0);
        self.out.metrics.volume.get_or_create(&label).inc_by(qty);
        let Some(c) = t.client_oid.as_ref().map(|c| c.as_str()) else { return };
        if !self.is_own(c) {
            return;
        }
        self.flow.risk.on_own_fill(t.instrument_name.as_str(), &t.side, t.traded_quantity);
        if self.is_this_run(c) {
            self.out.summary.pnl.apply_trade(t);
        }
        if let Some(i) = self.strategy_of(c) {
            self.host.own_fill(i, t);
            if !self.host.started {
                self.host.pre_start_fills.push(t.clone());
            }
        }
    }

    /// A refusal of strategy `i`'s order; `counts` is false when the outcome is only unknown.
    pub(crate) fn count_refusal(&mut self, i: usize, counts: bool, reason: &str) {
        self.out.summary.refused += u64::from(counts);
        if !counts {
            return;
        }
        if let Some(why) = self.host.refused(i, reason) {
            self.halt(i, why);
        }
    }

    /// Stops strategy `i`: it gets no more callbacks (but news of its own orders) and its open
    /// orders are cancelled; returns how many cancels were sent.
    pub(crate) fn halt(&mut self, i: usize, why: String) -> usize {
        let mine: Vec<Intent> = self
            .own_open_orders()
            .into_iter()
            .filter(|o| o.client_oid.as_ref().and_then(|c| self.strategy_of(c.as_str())) == Some(i))
            .map(|o| Intent::Cancel(OrderRef::OrderId(o.order_id)))
            .collect();
        let n = mine.len();
        self.run_intents(None, mine);
        self.mark_halted(i, why);
        n
    }

    /// Strategy `i` is halted (its orders are someone else's to cancel): logged, counted in
    /// the run's figures and the metrics, and told to readers.
    pub(crate) fn mark_halted(&mut self, i: usize, why: String) {
        let name = self.host.name(i);
        tracing::error!(strategy = %name, reason = %why, "strategy halted");
        self.host.halt(i, &why);
        self.out.summary.halted.push((name.clone(), why.clone()));
        self.emit(EngineEvent::Halted { strategy: name, reason: why });
        self.publish_strategy_states();
    }

    /// Shutdown's cancels: send them, then follow the stream until the exchange confirms each
    /// (so the journal records them), then ask REST about any it did not confirm in time.
    pub(crate) async fn cancel_and_confirm(&mut self) {
        let targets = self.own_cancel_targets();
        if targets.is_empty() {
            return;
        }
        let cancels = targets.iter().cloned().map(|target| {
            let router = self.flow.router.clone();
            async move { (router.send(&CancelOrder(target.clone())).await, target) }
        });
        let results = futures::future::join_all(cancels).await;
        for (r, target) in &results {
            match r {
                // Closed before the cancel arrived (filled, or already cancelled): not an error.
                Err((Some(code), _)) if already_closed(*code) => {}
                Ok(()) => {}
                Err((_, e)) => tracing::warn!(?target, error = %e, "cancel at shutdown failed"),
            }
        }
        let until = tokio::time::Instant::now() + CONFIRM_WAIT;
        self.follow_until(until, |t| t.own_open_orders().is_empty()).await;
        for o in self.own_open_orders() {
            let detail: Result<Order, _> = self.rest.call(&GetOrderDetail(OrderRef::OrderId(o.order_id.clone()))).await;
            match detail {
                Ok(d) => self.apply_order(d),
                Err(e) => tracing::warn!(order_id = %o.order_id, error = %e, "could not confirm the cancel"),
            }
        }
    }

    /// The first reconciliation is done: give each strategy the venue's instruments' state of
    /// its past (if any), then start it.
    pub(crate) fn start_strategies(&mut self) {
        self.host.started = true;
        let earlier = std::mem::take(&mut self.host.earlier_fills);
        let recent = std::mem::take(&mut self.host.pre_start_fills);
        let open = self.own_open_orders();
        for i in 0..self.host.len() {
            let resumed = super::resume::resumed_for(self.host.tag(i), &earlier, &recent, &open);
            if resumed.open_orders.is_empty() && resumed.fills.is_empty() {
                continue;
            }
            tracing::info!(
                strategy = %self.host.tag(i), open = resumed.open_orders.len(), fills = resumed.fills.len(),
                "resuming from earlier runs"
            );
            // The host has counted these fills already (journal at boot, the gap as applied).
            let position = self.host.positions(i);
            self.dispatch_one(i, |s, ctx| s.on_resume(ctx, &resumed));
            let strategy = self.host.name(i);
            let (open_orders, fills) = (resumed.open_orders.len(), resumed.fills.len());
            self.emit(EngineEvent::Resumed { strategy, open_orders, fills, position });
        }
        self.dispatch(|s, ctx| s.on_start(ctx));
    }

    /// Market session events: data goes to the books and strategies; the rest says how the
    /// feed is doing, so a long-running command can show it.
    pub(crate) fn on_market(&mut self, ev: crate::ws::SessionEvent) {
        use crate::ws::SessionEvent as E;
        let detail = match ev {
            E::Push(p) => {
                let now = tokio::time::Instant::now();
                self.count_market_frame(&p.channel);
                self.last_market = Some(now);
                self.market_tick = Some(now);
                self.apply_market(&p);
                self.market_tick = None;
                if self.market_seen {
                    return;
                }
                self.market_seen = true;
                (true, "first market data received".to_owned())
            }
            E::Ready => {
                self.out.metrics.set_live(crate::metrics::Socket::Market, true);
                (true, "subscribed".to_owned())
            }
            E::Disconnected { reason, retry_in } => {
                self.count_drop(crate::metrics::Socket::Market, &reason);
                (false, format!("{reason}; reconnecting in {retry_in:?}"))
            }
            E::SubscriptionFailed { channel, error } => (false, format!("subscription to {channel} refused: {error}")),
            E::Malformed { error } => {
                tracing::warn!(%error, "malformed market frame skipped");
                return;
            }
            _ => return,
        };
        self.emit(EngineEvent::Feed { live: detail.0, detail: detail.1 });
    }
}
