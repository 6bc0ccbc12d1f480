//! Order flow: what the engine needs to send an order and to know it as its own: the risk
//! checks, the router, this run's client-id prefix and counter, the placements it made and
//! those still on their way, and the venue's ticks. It decides nothing about strategies and
//! must NOT apply state: the writer task does both and asks this part to check and send.

use std::collections::HashSet;
use std::sync::Arc;

use tokio::task::JoinSet;

use super::risk::{Risk, RiskRefusal};
use super::router::Router;
use super::venue::Listed;
use crate::protocol::ids::ClientOrderId;
use crate::protocol::requests::CreateOrder;
use crate::rest::RestClient;
use crate::ws::SessionHandle;

/// How long shutdown waits for sends still running (each has its own request timeout).
const SEND_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The order-flow part of the writer task.
pub(crate) struct OrderFlow {
    pub(crate) risk: Risk,
    pub(crate) router: Router,
    /// This run's prefix in client ids.
    pub(crate) prefix: String,
    pub(crate) next_oid: u64,
    /// Client ids this run routed (its own orders, for shutdown).
    pub(crate) placed: HashSet<String>,
    /// Placements sent and not yet answered.
    pub(crate) inflight: usize,
    /// The venue's instruments (ticks), for rounding strategy orders.
    pub(crate) listed: Listed,
    /// The tasks that send placements and cancels: joined at shutdown, none outlives the engine.
    sends: JoinSet<()>,
}

impl OrderFlow {
    pub(crate) fn new(risk: Risk, user: SessionHandle, rest: Arc<RestClient>, prefix: String, listed: Listed) -> Self {
        let router = Router::new(Some(user), rest);
        OrderFlow {
            risk,
            router,
            prefix,
            next_oid: 0,
            placed: HashSet::new(),
            inflight: 0,
            listed,
            sends: JoinSet::new(),
        }
    }

    /// Runs a send (a placement, a cancel) in a task of its own, kept for shutdown.
    pub(crate) fn spawn(&mut self, send: impl std::future::Future<Output = ()> + Send + 'static) {
        // Finished sends are reaped here, so the set holds only those still running.
        while self.sends.try_join_next().is_some() {}
        self.sends.spawn(send);
    }

    /// Waits (bounded) for the sends still running, then stops what is left.
    pub(crate) async fn finish_sends(&mut self) {
        let all = async { while self.sends.join_next().await.is_some() {} };
        if tokio::time::timeout(SEND_WAIT, all).await.is_err() {
            tracing::warn!(left = self.sends.len(), "sends still running at shutdown were stopped");
            self.sends.abort_all();
            while self.sends.join_next().await.is_some() {}
        }
    }

    /// A fresh client id for a handle's order: the run's prefix and a counter.
    pub(crate) fn new_oid(&mut self) -> ClientOrderId {
        self.next_oid += 1;
        ClientOrderId::from(super::oid::manual_oid(&self.prefix, self.next_oid))
    }

    /// Whether the client id is of this run: routed by it, a handle's (`{prefix}-{n}`), or a
    /// strategy's of this run (`{tag}-{prefix}-{n}`, when `tagged` says the tag is a strategy's;
    /// asked only then).
    pub(crate) fn is_this_run(&self, client_oid: &str, tagged: impl FnOnce() -> bool) -> bool {
        // No allocation per fill.
        let after_tag = client_oid.split_once('-').map_or("", |(_, rest)| rest);
        let is_run = |s: &str| s.strip_prefix(self.prefix.as_str()).is_some_and(|r| r.starts_with('-'));
        self.placed.contains(client_oid) || is_run(client_oid) || (is_run(after_tag) && tagged())
    }

    /// A placement goes out: remember it as this run's and count it in flight.
    pub(crate) fn sending(&mut self, order: &CreateOrder) -> Router {
        if let Some(c) = &order.client_oid {
            self.placed.insert(c.as_str().to_owned());
        }
        self.inflight += 1;
        self.router.clone()
    }

    /// A placement's outcome came back.
    pub(crate) fn landed(&mut self) {
        self.inflight = self.inflight.saturating_sub(1);
    }

    /// Puts a strategy's order on the venue's ticks (when the venue listed the instrument).
    pub(crate) fn on_ticks(&self, order: &mut CreateOrder) -> Result<(), RiskRefusal> {
        match self.listed.get(order.instrument_name.as_str()) {
            Some(inst) => super::venue::round_to_ticks(order, inst),
            None => Ok(()),
        }
    }
}
