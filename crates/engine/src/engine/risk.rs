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
    /// Most orders open at once on the account, counting this engine's placements still on
    /// their way.
    pub max_open_orders: Option<usize>,
    /// Largest absolute position an instrument may reach, by instrument, counting this engine's
    /// working orders on the same side as if they filled. The position is, for an instrument
    /// the exchange reports a position for (derivatives), that position; for spot, the net
    /// base quantity this engine's own orders bought minus sold (the journal carries it across
    /// restarts; without a journal it counts from the start of the run), so coins that were on
    /// the account before are not counted. An order that brings the position closer to zero is
    /// always let through.
    pub max_position: HashMap<String, Decimal>,
    /// Most new orders per second.
    pub max_orders_per_sec: Option<u32>,
    /// Largest account leverage a new order may bring: Σ |position value at the mark| plus the
    /// order's own value, over the margin balance the exchange last reported. Reduce-only
    /// orders are never held back by it.
    pub max_leverage: Option<Decimal>,
    /// The automatic kill-switch triggers (daily loss, drawdown, refusal storm, stale data).
    pub triggers: super::triggers::TriggerLimits,
}

/// Why an order may not go out: the engine's own refusal, before anything is sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RiskRefusal {
    /// The kill switch is on.
    #[error("kill switch is on ({0}): no new orders")]
    KillSwitch(String),
    /// `price × quantity` over `max_order_notional`.
    #[error("order notional {notional} exceeds the limit {max}")]
    Notional {
        /// The order's notional.
        notional: Decimal,
        /// The limit.
        max: Decimal,
    },
    /// A market order with no book to price it, under `max_order_notional`.
    #[error("cannot price the order to check max_order_notional")]
    Unpriced,
    /// `max_open_orders` reached.
    #[error("{open} orders already open or on their way, limit max_open_orders = {max}")]
    OpenOrders {
        /// Open and in flight.
        open: usize,
        /// The limit.
        max: usize,
    },
    /// `max_position` would be exceeded.
    #[error(
        "position in {instrument} is {held} and would reach {after} with this order and the working ones, limit {max}"
    )]
    Position {
        /// The instrument whose position limit it would break.
        instrument: String,
        /// The position now.
        held: Decimal,
        /// With this order and the working ones filled.
        after: Decimal,
        /// The limit.
        max: Decimal,
    },
    /// `max_leverage` would be exceeded.
    #[error("account leverage would reach {after} with this order, limit max_leverage = {max}")]
    Leverage {
        /// Exposure over margin balance with the order.
        after: Decimal,
        /// The limit.
        max: Decimal,
    },
    /// `max_leverage` is set but the exchange has not reported a margin balance yet.
    #[error("no margin balance reported yet to check max_leverage against")]
    NoMarginBalance,
    /// `max_orders_per_sec` reached.
    #[error("more than {max} orders in one second")]
    Rate {
        /// The limit.
        max: u32,
    },
    /// The quantity is below the instrument's quantity tick.
    #[error("quantity {qty} is below {instrument}'s quantity tick {tick}: the smallest order is {tick}")]
    BelowQtyTick {
        /// The instrument whose tick it is.
        instrument: String,
        /// The quantity asked for.
        qty: Decimal,
        /// The instrument's quantity tick: the smallest order it takes.
        tick: Decimal,
    },
}

/// The running checks.
#[derive(Debug, Default)]
pub struct Risk {
    limits: RiskLimits,
    killed: Option<String>,
    sent: VecDeque<Instant>,
    /// Spot: net base quantity of this engine's own fills, by instrument.
    own_net: HashMap<String, Decimal>,
}

/// What a check needs besides the order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exposure {
    /// Mid of the instrument, to price a market order.
    pub mid: Option<Decimal>,
    /// This engine's placements sent and not yet answered.
    pub inflight: usize,
    /// Remaining quantity of this engine's working orders on the order's side.
    pub working_same_side: Decimal,
}

impl Risk {
    /// Checks with these limits.
    pub fn new(limits: RiskLimits) -> Self {
        Risk { limits, ..Default::default() }
    }

    /// Blocks every new order from now on.
    pub fn kill(&mut self, why: &str) {
        self.killed = Some(why.to_owned());
    }

    /// Lifts the kill switch (an operator's resume).
    pub fn unkill(&mut self) {
        self.killed = None;
    }

    /// Why the kill switch is on, if it is.
    pub fn killed_because(&self) -> Option<&str> {
        self.killed.as_deref()
    }

    /// Whether the kill switch is on.
    pub fn is_killed(&self) -> bool {
        self.killed.is_some()
    }

    /// The limits in force.
    pub fn limits(&self) -> &RiskLimits {
        &self.limits
    }

    /// Counts a fill of one of this engine's own orders into the spot position.
    pub fn on_own_fill(&mut self, instrument: &str, side: &Side, qty: Decimal) {
        let q = if *side == Side::Sell { -qty } else { qty };
        *self.own_net.entry(instrument.to_owned()).or_default() += q;
    }

    /// The position the limits apply to (see [`RiskLimits::max_position`]).
    pub fn position(&self, instrument: &str, state: &State) -> Decimal {
        match state.positions.get(instrument) {
            Some(p) => p.quantity,
            None => self.own_net.get(instrument).copied().unwrap_or_default(),
        }
    }

    /// Checks a new order; `Err` says why it may not go out.
    pub fn check(&mut self, order: &CreateOrder, state: &State, x: Exposure) -> Result<(), RiskRefusal> {
        self.check_at(order, state, x, Instant::now())
    }

    /// [`Risk::check`] at the time `now` (a backtest's clock): the rate limit counts from it.
    pub fn check_at(
        &mut self,
        order: &CreateOrder,
        state: &State,
        x: Exposure,
        now: Instant,
    ) -> Result<(), RiskRefusal> {
        if let Some(why) = &self.killed {
            return Err(RiskRefusal::KillSwitch(why.clone()));
        }
        let l = &self.limits;
        if let Some(max) = l.max_order_notional {
            let price = order.price.or(x.mid);
            let notional = order.notional.or_else(|| Some(price? * order.quantity?));
            match notional {
                Some(n) if n > max => return Err(RiskRefusal::Notional { notional: n, max }),
                None => return Err(RiskRefusal::Unpriced),
                _ => {}
            }
        }
        if let Some(max) = l.max_open_orders {
            let open = state.orders.open_count() + x.inflight;
            if open >= max {
                return Err(RiskRefusal::OpenOrders { open, max });
            }
        }
        // A reduce-only order can only shrink a position: position and leverage limits exist
        // to stop the opposite, so they never hold it back.
        if let Some(max) = l.max_position.get(order.instrument_name.as_str()).filter(|_| !order.is_reduce_only()) {
            self.check_position(order, state, x, *max)?;
        }
        if let Some(max) = l.max_leverage.filter(|_| !order.is_reduce_only()) {
            check_leverage(order, state, x, max)?;
        }
        if let Some(max) = l.max_orders_per_sec {
            while self.sent.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
                self.sent.pop_front();
            }
            if self.sent.len() >= max as usize {
                return Err(RiskRefusal::Rate { max });
            }
            self.sent.push_back(now);
        }
        Ok(())
    }

    fn check_position(&self, order: &CreateOrder, state: &State, x: Exposure, max: Decimal) -> Result<(), RiskRefusal> {
        let held = self.position(order.instrument_name.as_str(), state);
        let qty = order.quantity.unwrap_or_default() + x.working_same_side;
        let after = held + if order.side == Side::Buy { qty } else { -qty };
        // Reducing exposure is what a limit is for: never block it.
        if after.abs() > max && after.abs() > held.abs() {
            return Err(RiskRefusal::Position { instrument: order.instrument_name.to_string(), held, after, max });
        }
        Ok(())
    }
}

/// The leverage limit (see [`RiskLimits::max_leverage`]).
fn check_leverage(order: &CreateOrder, state: &State, x: Exposure, max: Decimal) -> Result<(), RiskRefusal> {
    let balance = state.balances.margin().and_then(|m| m.total_margin_balance).filter(|b| *b > Decimal::ZERO);
    let Some(balance) = balance else { return Err(RiskRefusal::NoMarginBalance) };
    let held: Decimal = state
        .positions
        .all()
        .iter()
        .map(|p| match (p.market_value, p.mark_price) {
            (Some(v), _) => v.abs(),
            (None, Some(m)) => (p.quantity * m).abs(),
            (None, None) => p.cost.unwrap_or_default().abs(),
        })
        .sum();
    let price = order.price.or(order.ref_price).or(x.mid);
    let own = order.notional.or_else(|| Some(price? * order.quantity?));
    let Some(own) = own else { return Err(RiskRefusal::Unpriced) };
    let after = (held + own) / balance;
    if after > max {
        return Err(RiskRefusal::Leverage { after: after.round_dp(4), max });
    }
    Ok(())
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

    fn x() -> Exposure {
        Exposure::default()
    }

    #[tokio::test(start_paused = true)]
    async fn each_limit_refuses_with_a_reason() {
        let state = State::default();
        let mut r = Risk::new(RiskLimits { max_order_notional: Some(Decimal::from(1000)), ..Default::default() });
        assert!(r.check(&order("50000", "0.01"), &state, x()).is_ok());
        assert!(r.check(&order("50000", "0.1"), &state, x()).unwrap_err().to_string().contains("notional"));

        let mut r = Risk::new(RiskLimits { max_orders_per_sec: Some(2), ..Default::default() });
        assert!(r.check(&order("1", "1"), &state, x()).is_ok() && r.check(&order("1", "1"), &state, x()).is_ok());
        assert!(r.check(&order("1", "1"), &state, x()).unwrap_err().to_string().contains("second"));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(r.check(&order("1", "1"), &state, x()).is_ok());

        let mut limits = RiskLimits::default();
        limits.max_position.insert("BTC_USD".into(), Decimal::ONE);
        let mut r = Risk::new(limits);
        assert!(r.check(&order("1", "2"), &state, x()).unwrap_err().to_string().contains("position"));

        let mut r = Risk::new(RiskLimits { max_open_orders: Some(2), ..Default::default() });
        assert!(r.check(&order("1", "1"), &state, Exposure { inflight: 1, ..x() }).is_ok());
        let e = r.check(&order("1", "1"), &state, Exposure { inflight: 2, ..x() }).unwrap_err().to_string();
        assert!(e.contains("max_open_orders = 2"), "{e}");

        let mut r = Risk::new(RiskLimits::default());
        r.kill("test");
        assert!(r.check(&order("1", "1"), &state, x()).unwrap_err().to_string().contains("kill switch"));
    }
}

#[cfg(test)]
mod position_tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn order(side: Side, qty: &str) -> CreateOrder {
        CreateOrder::limit("BTC_USD", side, d("100"), d(qty), "x")
    }

    #[test]
    fn spot_position_is_own_fills_and_reducing_orders_pass() {
        let state = State::default();
        let mut limits = RiskLimits::default();
        limits.max_position.insert("BTC_USD".into(), d("0.5"));
        let mut r = Risk::new(limits);
        // A spot balance the account already held is not a position: nothing counted yet.
        assert!(r.check(&order(Side::Buy, "0.5"), &state, Exposure::default()).is_ok());
        r.on_own_fill("BTC_USD", &Side::Buy, d("0.5"));
        let e = r.check(&order(Side::Buy, "0.001"), &state, Exposure::default()).unwrap_err().to_string();
        assert!(e.contains("would reach 0.501") && e.contains("limit 0.5"), "{e}");
        assert!(r.check(&order(Side::Sell, "0.2"), &state, Exposure::default()).is_ok());
        // Working orders on the same side count as if filled.
        r.on_own_fill("BTC_USD", &Side::Sell, d("0.3"));
        let busy = Exposure { working_same_side: d("0.3"), ..Exposure::default() };
        assert!(r.check(&order(Side::Buy, "0.1"), &state, busy).unwrap_err().to_string().contains("would reach 0.6"));
        // Over the limit (e.g. limits lowered between runs), a reducing order still passes.
        r.on_own_fill("BTC_USD", &Side::Buy, d("0.7"));
        assert!(r.check(&order(Side::Sell, "0.1"), &state, Exposure::default()).is_ok());
        assert!(r.check(&order(Side::Buy, "0.1"), &state, Exposure::default()).is_err());
    }
}

#[cfg(test)]
mod perp_tests {
    use super::*;
    use crate::protocol::models::{BalanceSummary, Position};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_else(|_| panic!("{s}"))
    }

    fn state_long_one_btc(margin_balance: &str) -> State {
        let state = State::default();
        let p: Position = serde_json::from_str(
            r#"{"instrument_name":"BTCUSD-PERP","quantity":"1","market_value":"50000","update_timestamp_ms":1}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        state.positions.apply(&p);
        let json = format!(r#"{{"total_margin_balance":"{margin_balance}","position_balances":[]}}"#);
        let b: BalanceSummary = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        state.balances.set_summary(&b);
        state
    }

    fn buy(qty: &str) -> CreateOrder {
        CreateOrder::limit("BTCUSD-PERP", Side::Buy, d("50000"), d(qty), "x")
    }

    #[test]
    fn reduce_only_orders_pass_the_position_and_leverage_limits() {
        let state = state_long_one_btc("20000");
        let mut limits = RiskLimits { max_leverage: Some(d("3")), ..Default::default() };
        limits.max_position.insert("BTCUSD-PERP".into(), d("1"));
        let mut r = Risk::new(limits);
        // Long 1 at the limit: another buy breaks max_position.
        let e = r.check(&buy("0.1"), &state, Exposure::default()).unwrap_err();
        assert!(matches!(e, RiskRefusal::Position { .. }), "{e}");
        // A protective stop (reduce-only) is not new exposure.
        let stop = CreateOrder::trigger(
            "BTCUSD-PERP",
            Side::Sell,
            crate::protocol::enums::OrderType::StopLoss,
            d("1"),
            d("45000"),
            None,
            "x",
        )
        .reduce_only();
        assert!(r.check(&stop, &state, Exposure::default()).is_ok());
        assert!(r.check(&buy("0.1").reduce_only(), &state, Exposure::default()).is_ok());
    }

    #[test]
    fn max_leverage_counts_positions_at_their_value_and_the_new_order() {
        let state = state_long_one_btc("20000");
        let mut r = Risk::new(RiskLimits { max_leverage: Some(d("3")), ..Default::default() });
        // 50000 held + 5000 ordered over 20000 = 2.75.
        assert!(r.check(&buy("0.1"), &state, Exposure::default()).is_ok());
        // 50000 + 15000 over 20000 = 3.25.
        let e = r.check(&buy("0.3"), &state, Exposure::default()).unwrap_err();
        assert_eq!(e, RiskRefusal::Leverage { after: d("3.25"), max: d("3") });
        let mut fresh = Risk::new(RiskLimits { max_leverage: Some(d("3")), ..Default::default() });
        assert_eq!(fresh.check(&buy("0.1"), &State::default(), Exposure::default()), Err(RiskRefusal::NoMarginBalance));
    }
}
