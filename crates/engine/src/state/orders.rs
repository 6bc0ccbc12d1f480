//! Orders by `order_id` and by `client_oid`, written only by the engine task. Terminal orders
//! leave the maps after a while (they stay in the journal), so memory stays bounded however
//! many orders a run completes.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

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
    // Boxed behind an Arc: the table stays small (an order is ~600 bytes inline), and the
    // engine hands the kept order to the journal, readers and strategies without a deep copy.
    by_id: super::Map<OrderId, Arc<Order>>,
    by_client: super::Map<ClientOrderId, OrderId>,
    terminal: Mutex<VecDeque<OrderId>>,
    keep_terminal: usize,
}

impl Orders {
    /// Keeps at most `keep_terminal` finished orders in memory.
    pub fn new(keep_terminal: usize) -> Self {
        Orders {
            by_id: super::Map::default(),
            by_client: super::Map::default(),
            terminal: Mutex::default(),
            keep_terminal,
        }
    }

    /// Applies an update under the lifecycle rule (engine task only).
    #[cfg(test)]
    pub(crate) fn apply(&self, update: &Order) -> Applied {
        match self.apply_kept(update.clone()) {
            Some((_, filled)) => Applied::Changed { filled },
            None => Applied::Stale,
        }
    }

    /// [`Orders::apply`], returning the order as kept and the quantity newly filled; `None`
    /// when the update is stale (engine task only).
    pub(crate) fn apply_kept(&self, update: Order) -> Option<(Arc<Order>, Decimal)> {
        // One lookup; the guard is released at the end of this statement, before any write.
        let (order, filled, was_terminal, same_client) = match self.by_id.get(&update.order_id) {
            Some(old) => match merge(&old, update) {
                Merge::Stale => return None,
                Merge::Accept { mut order, filled } => {
                    let same = old.client_oid == order.client_oid;
                    // Share the kept ids' text (the maps' keys) rather than hold a second copy.
                    order.order_id = old.order_id.clone();
                    if same {
                        order.client_oid = old.client_oid.clone();
                    }
                    (Arc::new(*order), filled, old.status.is_terminal(), same)
                }
            },
            None => {
                let filled = update.cumulative_quantity;
                (Arc::new(update), filled, false, false)
            }
        };
        if let (Some(c), false) = (&order.client_oid, same_client) {
            self.by_client.insert(c.clone(), order.order_id.clone());
        }
        self.by_id.insert(order.order_id.clone(), order.clone());
        if order.status.is_terminal() && !was_terminal {
            self.retire(order.order_id.clone());
        }
        Some((order, filled))
    }

    fn retire(&self, id: OrderId) {
        let mut q = self.terminal.lock().unwrap_or_else(|p| p.into_inner());
        q.push_back(id);
        while q.len() > self.keep_terminal {
            if let Some(old) = q.pop_front() {
                if let Some((_, o)) = self.by_id.remove(&old) {
                    if let Some(c) = &o.client_oid {
                        self.by_client.remove_if(c, |_, v| *v == old);
                    }
                }
            }
        }
    }

    /// An order by its exchange id.
    pub fn get(&self, id: &str) -> Option<Order> {
        self.by_id.get(id).map(|o| Order::clone(&o))
    }

    /// An order by its client id.
    pub fn by_client_oid(&self, client_oid: &str) -> Option<Order> {
        let id = self.by_client.get(client_oid)?.clone();
        self.get(id.as_str())
    }

    /// Orders still working, in no particular order.
    pub fn open(&self) -> Vec<Order> {
        self.by_id.iter().filter(|o| o.status.is_open()).map(|o| Order::clone(o.value())).collect()
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
