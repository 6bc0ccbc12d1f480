//! Live account and market state in concurrent maps: readers (strategies' views, tail, the
//! dashboard, metrics) read while the engine task writes. Writers are `pub(crate)`: nothing but
//! the engine task writes. Nothing here does I/O.

pub mod account_pnl;
pub mod balances;
pub mod book;
pub mod fills;
mod ladder;
pub mod lifecycle;
pub mod orders;
pub mod positions;

use std::sync::atomic::{AtomicBool, Ordering};

/// The hasher of the state's maps. Their keys are ids the exchange assigns (or we do), not
/// input an attacker picks per request, so SipHash's flooding resistance buys nothing here,
/// and it was 3 % of the user path's profile (issue 7).
pub(crate) type IdHasher = foldhash::fast::RandomState;

/// A concurrent map with the state's hasher.
pub(crate) type Map<K, V> = dashmap::DashMap<K, V, IdHasher>;

pub use account_pnl::AccountPnl;
pub use balances::{Balance, Balances};
pub use fills::Fills;
pub use orders::{Applied, Orders};
pub use positions::Positions;

/// Everything the engine knows about the account.
#[derive(Debug)]
pub struct State {
    /// Orders by id and client id.
    pub orders: Orders,
    /// Fills and the de-duplication window.
    pub fills: Fills,
    /// Balances by currency.
    pub balances: Balances,
    /// Positions by instrument.
    pub positions: Positions,
    /// The engine's own PnL from the fills and funding it saw.
    pub pnl: AccountPnl,
    live: AtomicBool,
}

impl State {
    /// Empty state keeping `keep_terminal` finished orders and `fill_window` recent fills.
    pub fn new(keep_terminal: usize, fill_window: usize) -> Self {
        State {
            orders: Orders::new(keep_terminal),
            fills: Fills::new(fill_window),
            balances: Balances::default(),
            positions: Positions::default(),
            pnl: AccountPnl::default(),
            live: AtomicBool::new(false),
        }
    }

    /// Whether the state is reconciled and following the stream. False from a disconnect until
    /// the reconciliation after the next connect completes.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    pub(crate) fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
    }
}

impl Default for State {
    fn default() -> Self {
        State::new(2_000, 50_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::models::{Order, Trade};

    fn order(id: u64, status: &str, cum: &str) -> Order {
        serde_json::from_value(serde_json::json!({"order_id": id.to_string(), "client_oid": format!("c-{id}"),
            "side":"BUY","quantity":"1","status":status,"instrument_name":"BTC_USD",
            "cumulative_quantity":cum,"update_time": id}))
        .unwrap()
    }

    fn fill(id: u64) -> Trade {
        serde_json::from_value(serde_json::json!({"trade_id": id.to_string(), "order_id": id.to_string(),
            "instrument_name":"BTC_USD","side":"BUY","traded_price":"1","traded_quantity":"1","fees":"-0.001",
            "create_time": 1_700_000_000_000u64 + id}))
        .unwrap()
    }

    #[test]
    fn memory_stays_bounded_across_100k_completed_orders() {
        let state = State::new(1_000, 5_000);
        for id in 0..100_000u64 {
            state.orders.apply(&order(id, "ACTIVE", "0"));
            assert!(state.fills.insert(&std::sync::Arc::new(fill(id))));
            state.orders.apply(&order(id, "FILLED", "1"));
            // What is held never grows with the number of orders completed.
            assert!(state.orders.len() <= 1_001, "{} orders held after {id}", state.orders.len());
        }
        assert_eq!(state.fills.total(), 100_000);
        assert_eq!(state.fills.recent().len(), 5_000);
        assert!(state.orders.by_client_oid("c-99999").is_some() && state.orders.by_client_oid("c-5").is_none());
        // A fill inside the window is still recognised as seen.
        assert!(!state.fills.insert(&std::sync::Arc::new(fill(99_999))));
    }
}
