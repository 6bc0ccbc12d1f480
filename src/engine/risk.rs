//! Pre-trade risk checks: maximum order notional, maximum open orders, maximum position per
//! instrument, orders per second, and a kill switch that blocks every new order. Checks only;
//! sending and cancelling belong to the router.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::time::Instant;

use crate::protocol::enums::Side;
use crate::protocol::requests::CreateOrder;
use crate::state::State;

/// Limits; `None` means unlimited.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskLimits {
    /// Largest `price × quantity` (or notional) of one order, in quote currency.
    pub max_order_notional: Option<Decimal>,
    /// Most orders open at once.
    pub max_open_orders: Option<usize>,
    /// Largest absolute base-currency holding change an instrument may reach, by instrument
    /// (spot: the base currency's total; derivatives: the position).
    pub max_position: HashMap<String, Decimal>,
    /// Most new orders per second.
    pub max_orders_per_sec: Option<u32>,
}

/// The running checks.
#[derive(Debug, Default)]
pub struct Risk {
    limits: RiskLimits,
    killed: Option<String>,
    sent: VecDeque<Instant>,
}

impl Risk {
    /// Checks with these limits.
    pub fn new(limits: RiskLimits) -> Self {
        Risk { limits, killed: None, sent: VecDeque::new() }
    }

    /// Blocks every new order from now on.
    pub fn kill(&mut self, why: &str) {
        self.killed = Some(why.to_owned());
    }

    /// Whether the kill switch is on.
    pub fn is_killed(&self) -> bool {
        self.killed.is_some()
    }

    /// Checks a new order; `Err` says why it may not go out. `mid` prices a market order.
    pub fn check(&mut self, order: &CreateOrder, state: &State, mid: Option<Decimal>) -> Result<(), String> {
        if let Some(why) = &self.killed {
            return Err(format!("kill switch is on ({why}): no new orders"));
        }
        let l = &self.limits;
        if let Some(max) = l.max_order_notional {
            let price = order.price.or(mid);
            let notional = order.notional.or_else(|| Some(price? * order.quantity?));
            match notional {
                Some(n) if n > max => return Err(format!("order notional {n} exceeds the limit {max}")),
                None => return Err("cannot price the order to check max_order_notional".into()),
                _ => {}
            }
        }
        if let Some(max) = l.max_open_orders {
            let open = state.orders.open_count();
            if open >= max {
                return Err(format!("{open} orders already open, limit {max}"));
            }
        }
        if let Some(max) = l.max_position.get(order.instrument_name.as_str()) {
            let base = order.instrument_name.as_str().split('_').next().unwrap_or_default();
            let held = state
                .positions
                .get(order.instrument_name.as_str())
                .map(|p| p.quantity)
                .or_else(|| state.balances.get(base).map(|b| b.total));
            let qty = order.quantity.unwrap_or_default();
            let after = held.unwrap_or_default() + if order.side == Side::Buy { qty } else { -qty };
            if after.abs() > *max {
                return Err(format!("position in {} would reach {after}, limit {max}", order.instrument_name));
            }
        }
        if let Some(max) = l.max_orders_per_sec {
            let now = Instant::now();
            while self.sent.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
                self.sent.pop_front();
            }
            if self.sent.len() >= max as usize {
                return Err(format!("more than {max} orders in one second"));
            }
            self.sent.push_back(now);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn order(price: &str, qty: &str) -> CreateOrder {
        CreateOrder::limit(
            "BTC_USD",
            Side::Buy,
            Decimal::from_str(price).unwrap(),
            Decimal::from_str(qty).unwrap(),
            "x",
        )
    }

    #[tokio::test(start_paused = true)]
    async fn each_limit_refuses_with_a_reason() {
        let state = State::default();
        let mut r = Risk::new(RiskLimits { max_order_notional: Some(Decimal::from(1000)), ..Default::default() });
        assert!(r.check(&order("50000", "0.01"), &state, None).is_ok());
        assert!(r.check(&order("50000", "0.1"), &state, None).unwrap_err().contains("notional"));

        let mut r = Risk::new(RiskLimits { max_orders_per_sec: Some(2), ..Default::default() });
        assert!(r.check(&order("1", "1"), &state, None).is_ok() && r.check(&order("1", "1"), &state, None).is_ok());
        assert!(r.check(&order("1", "1"), &state, None).unwrap_err().contains("second"));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(r.check(&order("1", "1"), &state, None).is_ok());

        let mut limits = RiskLimits::default();
        limits.max_position.insert("BTC_USD".into(), Decimal::ONE);
        let mut r = Risk::new(limits);
        assert!(r.check(&order("1", "2"), &state, None).unwrap_err().contains("position"));

        let mut r = Risk::new(RiskLimits::default());
        r.kill("test");
        assert!(r.check(&order("1", "1"), &state, None).unwrap_err().contains("kill switch"));
    }
}
