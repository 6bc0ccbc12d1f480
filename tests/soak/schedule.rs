//! The soak's plan (which fault happens in which simulated minute, how many orders a minute)
//! and its trader (places, fills some, cancels the rest, counts outcomes). It only drives the
//! engine and the simulator; what must hold is asserted by the test.

use std::fmt;
use std::str::FromStr;

use cdc_engine::engine::{EngineHandle, PlaceOutcome};
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::requests::{CreateOrder, OrderRef};
use cdc_sim::exchange::Exchange;
use cdc_sim::SimHandle;
use rust_decimal::Decimal;

/// One fault, made at the start of a minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Every socket dropped without a close frame.
    Drop,
    /// The simulator closes everything with 1013 and listens again (state kept).
    Restart,
    /// Every request answered 42901 for 20 s (REST and socket alike). A time-limited storm, as
    /// a rate limit's window is: a count of refusals would be stretched by the engine's own
    /// back-off (150 of them took 58 simulated minutes of one-at-a-time placing).
    Storm,
    /// The next 40 requests answered 50001 (HTTP 500 on REST).
    ServerErrors,
    /// The engine's wall clock jumps two minutes ahead, and the sockets drop.
    ClockAhead,
    /// The clock is right again.
    ClockBack,
}

/// How long the soak runs and what happens when.
pub struct Plan {
    pub minutes: usize,
    pub orders: usize,
    pub orders_per_minute: usize,
    /// Minutes before memory, tasks and sockets are first sampled.
    pub warm_up: usize,
}

impl Plan {
    pub fn new(minutes: usize, orders: usize) -> Self {
        let minutes = minutes.max(20);
        Plan { minutes, orders, orders_per_minute: orders.div_ceil(minutes), warm_up: minutes / 4 }
    }

    /// The faults of minute `m`: a drop every 4 minutes, and once each (in the second quarter
    /// onward, after the warm-up, so the samples see their aftermath) a restart, a storm, 5xx
    /// answers and a clock jump that lasts 3 minutes.
    pub fn faults_at(&self, m: usize) -> Vec<Fault> {
        let q = self.minutes / 8;
        let mut f = Vec::new();
        if m % 4 == 3 {
            f.push(Fault::Drop);
        }
        for (at, fault) in [
            (2 * q, Fault::Restart),
            (3 * q, Fault::Storm),
            (4 * q, Fault::ServerErrors),
            (5 * q, Fault::ClockAhead),
            (5 * q + 3, Fault::ClockBack),
        ] {
            if m == at {
                f.push(fault);
            }
        }
        f
    }
}

/// Places orders through the engine and keeps the counts.
#[derive(Default)]
pub struct Trader {
    pub placed: usize,
    pub not_placed: usize,
    pub cancels: usize,
    pub takes: usize,
    seq: usize,
}

impl Trader {
    /// `n` resting orders, alternately a bid at 40,000 and an offer at 60,000; every tenth is
    /// taken by another participant at once (a fill), and the rest are cancelled at the end.
    pub async fn trade_a_minute(&mut self, engine: &EngineHandle, sim: &SimHandle<Exchange>, n: usize) {
        let qty = Decimal::from_str("0.0001").unwrap();
        let mut resting = Vec::new();
        for _ in 0..n {
            self.seq += 1;
            let buy = self.seq.is_multiple_of(2);
            let (side, price) = if buy { (Side::Buy, 40_000) } else { (Side::Sell, 60_000) };
            let oid = format!("soak-{}", self.seq);
            let order = CreateOrder::limit("BTC_USD", side, Decimal::from(price), qty, &oid);
            match engine.place(order).await {
                PlaceOutcome::Placed { .. } => {
                    self.placed += 1;
                    if self.seq.is_multiple_of(10) {
                        super::support::take(sim, !buy, qty);
                        self.takes += 1;
                    } else {
                        resting.push(oid);
                    }
                }
                _ => self.not_placed += 1,
            }
        }
        for oid in resting {
            engine.cancel(OrderRef::ClientOid(oid.as_str().into()));
            self.cancels += 1;
        }
    }
}

impl fmt::Display for Trader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "orders placed {}, not placed {}, taken {}, cancels sent {}",
            self.placed, self.not_placed, self.takes, self.cancels
        )
    }
}
