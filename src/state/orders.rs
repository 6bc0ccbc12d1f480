//! Orders by `order_id` and by `client_oid`, written only by the engine task. Terminal orders
//! leave the maps after a while (they stay in the journal), so memory stays bounded however
//! many orders a run completes.

use std::collections::VecDeque;
use std::sync::Mutex;

use dashmap::DashMap;
use rust_decimal::Decimal;

use super::lifecycle::{merge, Merge};
use crate::protocol::ids::{ClientOrderId, OrderId};
use crate::protocol::models::Order;

/// What applying an update did.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// The update was older than what is known, or a duplicate.
    Stale,
    /// The order is new or changed; `filled` is the quantity newly filled.
    Changed {
        /// `cumulative_quantity` growth.
        filled: Decimal,
    },
}

/// The orders map.
#[derive(Debug)]
pub struct Orders {
    by_id: DashMap<OrderId, Order>,
    by_client: DashMap<ClientOrderId, OrderId>,
    terminal: Mutex<VecDeque<OrderId>>,
    keep_terminal: usize,
}

impl Orders {
    /// Keeps at most `keep_terminal` finished orders in memory.
    pub fn new(keep_terminal: usize) -> Self {
        Orders { by_id: DashMap::new(), by_client: DashMap::new(), terminal: Mutex::default(), keep_terminal }
    }

    /// Applies an update under the lifecycle rule (engine task only).
    pub(crate) fn apply(&self, update: &Order) -> Applied {
        let (order, filled) = match self.by_id.get(&update.order_id).map(|old| merge(&old, update)) {
            Some(Merge::Stale) => return Applied::Stale,
            Some(Merge::Accept { order, filled }) => (*order, filled),
            None => (update.clone(), update.cumulative_quantity),
        };
        let became_terminal =
            order.status.is_terminal() && !self.by_id.get(&order.order_id).is_some_and(|o| o.status.is_terminal());
        if let Some(c) = &order.client_oid {
            self.by_client.insert(c.clone(), order.order_id.clone());
        }
        let id = order.order_id.clone();
        self.by_id.insert(id.clone(), order);
        if became_terminal {
            self.retire(id);
        }
        Applied::Changed { filled }
    }

    fn retire(&self, id: OrderId) {
        let mut q = self.terminal.lock().unwrap_or_else(|p| p.into_inner());
        q.push_back(id);
        while q.len() > self.keep_terminal {
            if let Some(old) = q.pop_front() {
                if let Some((_, o)) = self.by_id.remove(&old) {
                    if let Some(c) = o.client_oid {
                        self.by_client.remove_if(&c, |_, v| *v == old);
                    }
                }
            }
        }
    }

    /// An order by its exchange id.
    pub fn get(&self, id: &str) -> Option<Order> {
        self.by_id.get(id).map(|o| o.clone())
    }

    /// An order by its client id.
    pub fn by_client_oid(&self, client_oid: &str) -> Option<Order> {
        let id = self.by_client.get(client_oid)?.clone();
        self.get(id.as_str())
    }

    /// Orders still working, in no particular order.
    pub fn open(&self) -> Vec<Order> {
        self.by_id.iter().filter(|o| o.status.is_open()).map(|o| o.clone()).collect()
    }

    /// How many orders are still working.
    pub fn open_count(&self) -> usize {
        self.by_id.iter().filter(|o| o.status.is_open()).count()
    }

    /// Orders held in memory (open and recently finished).
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether no order is held.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}
