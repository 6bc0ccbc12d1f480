//! The order lifecycle rule (§12.4): an update is accepted only if it does not move the order
//! backwards — in `cumulative_quantity`, in `update_time`, or out of a terminal state — except
//! that more filled quantity is always real (a late fill after a cancel is kept).

use rust_decimal::Decimal;

use crate::protocol::enums::OrderStatus;
use crate::protocol::models::Order;

/// How far along the lifecycle a status is.
fn rank(s: &OrderStatus) -> u8 {
    match s {
        OrderStatus::New | OrderStatus::Pending | OrderStatus::Unknown(_) => 0,
        OrderStatus::Active => 1,
        OrderStatus::Filled | OrderStatus::Canceled | OrderStatus::Rejected | OrderStatus::Expired => 2,
    }
}

/// The outcome of merging an update into the known order.
#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    /// The update is older than or equal to what is known; ignore it.
    Stale,
    /// The order's new state, and the quantity newly filled by this update.
    Accept {
        /// The state to keep.
        order: Box<Order>,
        /// `cumulative_quantity` growth.
        filled: Decimal,
    },
}

/// Merges `new` into `old` under the lifecycle rule.
pub fn merge(old: &Order, new: Order) -> Merge {
    let (oc, nc) = (old.cumulative_quantity, new.cumulative_quantity);
    if nc < oc {
        return Merge::Stale;
    }
    let (or, nr) = (rank(&old.status), rank(&new.status));
    if nc == oc {
        let (ot, nt) = (old.update_time.unwrap_or(0), new.update_time.unwrap_or(0));
        let older = nr < or || (nr == or && nt < ot);
        let same = nr == or && nt == ot && new.status == old.status;
        // Between two terminal states the first one stands (an order is not re-finished).
        if older || same || (or == 2 && new.status != old.status) {
            return Merge::Stale;
        }
        return Merge::Accept { order: Box::new(new), filled: Decimal::ZERO };
    }
    // More has filled: take the new cumulative fields, but a terminal status is never undone.
    let mut kept = new;
    if or == 2 && nr < 2 {
        kept.status = old.status.clone();
    }
    kept.update_time = kept.update_time.max(old.update_time);
    Merge::Accept { order: Box::new(kept), filled: nc - oc }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(status: OrderStatus, cum: i64, t: u64) -> Order {
        let raw = serde_json::json!({"order_id":"1","side":"BUY","quantity":"10","status":status.as_str(),
            "instrument_name":"BTC_USD","cumulative_quantity":cum.to_string(),"update_time":t});
        serde_json::from_value(raw).unwrap()
    }

    fn accepted(m: Merge) -> (OrderStatus, Decimal) {
        match m {
            Merge::Accept { order, filled } => (order.status, filled),
            Merge::Stale => panic!("expected accept"),
        }
    }

    #[test]
    fn never_backwards() {
        let active3 = order(OrderStatus::Active, 3, 100);
        assert_eq!(merge(&active3, order(OrderStatus::Active, 2, 200)), Merge::Stale, "cumulative went down");
        assert_eq!(merge(&active3, order(OrderStatus::Active, 3, 90)), Merge::Stale, "older update_time");
        assert_eq!(merge(&active3, order(OrderStatus::New, 3, 300)), Merge::Stale, "status went back");
        assert_eq!(merge(&active3, active3.clone()), Merge::Stale, "duplicate");
        assert_eq!(
            accepted(merge(&active3, order(OrderStatus::Active, 5, 150))),
            (OrderStatus::Active, Decimal::from(2))
        );
        let canceled = order(OrderStatus::Canceled, 3, 200);
        assert_eq!(merge(&canceled, order(OrderStatus::Active, 3, 300)), Merge::Stale, "terminal is final");
        assert_eq!(merge(&canceled, order(OrderStatus::Filled, 3, 300)), Merge::Stale, "first terminal stands");
    }

    #[test]
    fn a_late_fill_after_cancel_is_kept_and_the_order_stays_canceled() {
        let canceled = order(OrderStatus::Canceled, 3, 200);
        let (status, filled) = accepted(merge(&canceled, order(OrderStatus::Active, 4, 190)));
        assert_eq!((status, filled), (OrderStatus::Canceled, Decimal::ONE));
    }
}
