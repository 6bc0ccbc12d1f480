//! Order routing (§12.3): over the user socket first, over REST when the socket is down. A
//! timeout or a disconnect is never a rejection: the order is looked up by `client_oid` before
//! any retry, and a 204 DUPLICATE_CLORDID means it is already placed. So no `client_oid` is ever
//! placed twice, whatever is lost on the way.
//!
//! Whether orders sent over the socket count against the REST per-method limits (§10) is not
//! documented. We assume they do: every state-changing request sent over the socket first
//! takes a permit of its method from the REST client's limiter, held until its answer, so the
//! socket and REST together never send more than the REST limit of a method. If the exchange
//! counts them apart, this only costs throughput above 150 orders a second.

use std::sync::Arc;

use super::risk::RiskRefusal;
use crate::protocol::code_names::{DUPLICATE_CLORDID, NOT_FOUND};
use crate::protocol::codes::CodeClass;
use crate::protocol::envelope::OrderAck;
use crate::protocol::models::Order;
use crate::protocol::requests::{ApiRequest, CreateOrder, GetOrderDetail, OrderRef};
use crate::protocol::{ExchangeError, Response};
use crate::rest::{RestClient, RestError};
use crate::ws::{SessionHandle, WsError};

/// How we know an order was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Acknowledged over the user socket.
    WebSocket,
    /// Acknowledged over REST.
    Rest,
    /// Found by its `client_oid` after a lost answer or a 204.
    Lookup,
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Via::WebSocket => "ws",
            Via::Rest => "rest",
            Via::Lookup => "lookup",
        })
    }
}

/// How an order placement ended.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaceOutcome {
    /// The exchange has the order (acknowledged, or found by `client_oid`).
    Placed {
        /// Its exchange id, when known.
        order_id: Option<String>,
        /// How we know.
        via: Via,
    },
    /// The engine's checks refused it; nothing was sent.
    Refused(RiskRefusal),
    /// The exchange refused it.
    Rejected(Box<ExchangeError>),
    /// It could not be delivered, and the exchange does not have it (looked up by client id).
    NotPlaced(String),
    /// We could not learn the outcome; reconciliation will.
    Unknown(String),
}

enum Lookup {
    Found(Box<Order>),
    NotFound,
    Unknown(String),
}

/// Sends orders and cancels.
#[derive(Clone)]
pub struct Router {
    ws: Option<SessionHandle>,
    rest: Arc<RestClient>,
}

impl Router {
    /// Routes over `ws` when given and connected, else over `rest`.
    pub fn new(ws: Option<SessionHandle>, rest: Arc<RestClient>) -> Self {
        Router { ws, rest }
    }

    /// Places an order, which must carry a `client_oid`.
    pub async fn place(&self, order: &CreateOrder) -> PlaceOutcome {
        let Some(oid) = order.client_oid.as_ref().map(|c| c.as_str().to_owned()) else {
            return PlaceOutcome::Unknown("an order without client_oid cannot be routed safely".into());
        };
        if let Some(ws) = &self.ws {
            match self.over_ws(ws, order).await {
                Ok(resp) => {
                    let ack: Option<OrderAck> = resp.result().ok();
                    return PlaceOutcome::Placed { order_id: ack.and_then(|a| a.order_id), via: Via::WebSocket };
                }
                Err(WsError::Exchange(e)) if e.code == DUPLICATE_CLORDID => return self.confirm(&oid).await,
                Err(WsError::Exchange(e)) if e.class() != CodeClass::Transient => return PlaceOutcome::Rejected(e),
                // Nothing was sent: REST takes over.
                Err(WsError::NotConnected | WsError::Closed) => {}
                // Sent, outcome unknown: look before sending again.
                Err(e) => match self.lookup(&oid).await {
                    Lookup::Found(o) => return placed(o),
                    Lookup::NotFound => {
                        tracing::info!(client_oid = %oid, error = %e, "not at the exchange; placing over REST")
                    }
                    Lookup::Unknown(why) => return PlaceOutcome::Unknown(why),
                },
            }
        }
        self.place_rest(order, &oid).await
    }

    async fn place_rest(&self, order: &CreateOrder, oid: &str) -> PlaceOutcome {
        // At most two sends; every one after the first follows a lookup that found nothing.
        for attempt in 0..2 {
            let err = match self.rest.send_once(order.method(), order.params()).await {
                Ok(a) if a.response.is_ok() => {
                    let ack: Option<OrderAck> = a.response.result().ok();
                    return PlaceOutcome::Placed { order_id: ack.and_then(|a| a.order_id), via: Via::Rest };
                }
                Ok(a) if a.response.code == DUPLICATE_CLORDID => return self.confirm(oid).await,
                Ok(a) => {
                    let e = ExchangeError::new(order.method(), a.response.code, a.response.message, Some(a.status));
                    if e.class() != CodeClass::Transient {
                        return PlaceOutcome::Rejected(Box::new(e));
                    }
                    RestError::from(e)
                }
                Err(e) => e,
            };
            match self.lookup(oid).await {
                Lookup::Found(o) => return placed(o),
                Lookup::NotFound if attempt == 0 => {
                    tracing::warn!(client_oid = %oid, error = %err, "placement failed and the order is not at the exchange; sending once more")
                }
                Lookup::NotFound => return PlaceOutcome::NotPlaced(err.to_string()),
                Lookup::Unknown(why) => return PlaceOutcome::Unknown(why),
            }
        }
        PlaceOutcome::Unknown("placement attempts exhausted".into())
    }

    /// A 204: the order exists; find its id.
    async fn confirm(&self, oid: &str) -> PlaceOutcome {
        match self.lookup(oid).await {
            Lookup::Found(o) => placed(o),
            Lookup::NotFound => PlaceOutcome::Unknown(format!(
                "DUPLICATE_CLORDID ({}) for {oid}, yet no such order",
                crate::protocol::code_names::DUPLICATE_CLORDID
            )),
            Lookup::Unknown(why) => PlaceOutcome::Unknown(why),
        }
    }

    async fn lookup(&self, oid: &str) -> Lookup {
        match self.rest.call::<_, Order>(&GetOrderDetail(OrderRef::ClientOid(oid.into()))).await {
            Ok(o) => Lookup::Found(Box::new(o)),
            Err(RestError::Exchange(e)) if e.code == NOT_FOUND => Lookup::NotFound,
            Err(e) => Lookup::Unknown(format!("could not look up {oid}: {e}")),
        }
    }

    /// Sends any request that changes state (cancel, cancel-all, amend): socket first, REST when
    /// the socket is down. Not retried: a cancel's effect shows on `user.order`. The error
    /// carries the exchange's code when there is one.
    pub async fn send<R: ApiRequest>(&self, req: &R) -> Result<(), (Option<i64>, String)> {
        if let Some(ws) = &self.ws {
            match self.over_ws(ws, req).await {
                Ok(_) => return Ok(()),
                Err(WsError::NotConnected | WsError::Closed) => {}
                Err(WsError::Exchange(e)) => return Err((Some(e.code), e.to_string())),
                Err(e) => return Err((None, e.to_string())),
            }
        }
        self.rest.send(req.method(), req.params()).await.map(|_| ()).map_err(|e| (e.code(), e.to_string()))
    }

    /// One request over the socket, within the REST budget of its method (see the module
    /// docs). A request that never left gives its permit back at once.
    async fn over_ws<R: ApiRequest>(&self, ws: &SessionHandle, req: &R) -> Result<Response, WsError> {
        let permit = self.rest.limiter().acquire(req.method()).await;
        let result = ws.call(req).await;
        if matches!(result, Err(WsError::NotConnected | WsError::Closed)) {
            permit.unused();
        }
        result
    }
}

fn placed(o: Box<Order>) -> PlaceOutcome {
    PlaceOutcome::Placed { order_id: Some(o.order_id.to_string()), via: Via::Lookup }
}
