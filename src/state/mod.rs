//! Live account and market state in concurrent maps: readers (strategies' views, tail, the
//! dashboard, metrics) read while the engine task writes. Writers are `pub(crate)`: nothing but
//! the engine task writes. Nothing here does I/O.

pub mod balances;
pub mod book;
pub mod fills;
pub mod lifecycle;
pub mod orders;

use std::sync::atomic::{AtomicBool, Ordering};

pub use balances::{Balance, Balances, Positions};
pub use fills::Fills;
pub use orders::{Applied, Orders};

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
