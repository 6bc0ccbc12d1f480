//! Strategies for the backtest tests: each does one thing whose result can be worked out by
//! hand.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdc_engine::protocol::enums::{OrderStatus, Side};
use cdc_engine::protocol::models::{Order, Trade};
use cdc_engine::protocol::requests::CreateOrder;
use cdc_engine::protocol::Channel;
use cdc_engine::state::book::OrderBook;
use cdc_engine::strategy::{Context, Strategy};
use rust_decimal::Decimal;

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn market(instrument: &str, side: Side, qty: Decimal) -> CreateOrder {
    let mut o = CreateOrder::limit(instrument, side, Decimal::ZERO, qty, "");
    o.order_type = cdc_engine::protocol::enums::OrderType::Market;
    o.price = None;
    o
}

/// Fills as a strategy learnt of them: (its clock, side, price).
pub type FillLog = Arc<Mutex<Vec<(u64, Side, Decimal)>>>;

/// Buys `qty` at market on the first book, sells it at market once bought.
pub struct RoundTrip {
    pub instrument: &'static str,
    pub qty: Decimal,
    /// Whether to sell it back once bought.
    pub close: bool,
    pub step: u8,
    /// (time the strategy learnt, side, price) of each fill.
    pub fills: FillLog,
}

impl Strategy for RoundTrip {
    fn name(&self) -> &str {
        "roundtrip"
    }
    fn market_channels(&self) -> Vec<Channel> {
        vec![Channel::Book { instrument: self.instrument.into(), depth: 10 }]
    }
    fn on_book(&mut self, ctx: &mut Context<'_>, _instrument: &str, _book: &OrderBook) {
        if self.step == 0 {
            self.step = 1;
            ctx.submit(market(self.instrument, Side::Buy, self.qty));
        }
    }
    fn on_fill(&mut self, ctx: &mut Context<'_>, fill: &Trade) {
        self.fills.lock().unwrap_or_else(|e| e.into_inner()).push((ctx.now_ms(), fill.side.clone(), fill.traded_price));
    }
    fn on_order(&mut self, ctx: &mut Context<'_>, order: &Order) {
        if self.close && self.step == 1 && order.side == Side::Buy && order.status == OrderStatus::Filled {
            self.step = 2;
            // A spot buy's fee is taken from the BTC received: sell what arrived.
            let fee_in_base =
                if self.instrument.contains('_') { order.cumulative_fee.unwrap_or_default() } else { Decimal::ZERO };
            ctx.submit(market(self.instrument, Side::Sell, order.cumulative_quantity - fee_in_base));
        }
    }
}

/// Bids `qty` at `price` on the first book and records its fills.
pub struct Bidder {
    pub instrument: &'static str,
    pub price: Decimal,
    pub qty: Decimal,
    pub placed: bool,
    pub fills: Arc<Mutex<Vec<Decimal>>>,
}

impl Strategy for Bidder {
    fn name(&self) -> &str {
        "bidder"
    }
    fn market_channels(&self) -> Vec<Channel> {
        vec![Channel::Book { instrument: self.instrument.into(), depth: 10 }]
    }
    fn on_book(&mut self, ctx: &mut Context<'_>, _instrument: &str, _book: &OrderBook) {
        if !self.placed {
            self.placed = true;
            ctx.submit(CreateOrder::limit(self.instrument, Side::Buy, self.price, self.qty, ""));
        }
    }
    fn on_fill(&mut self, _ctx: &mut Context<'_>, fill: &Trade) {
        self.fills.lock().unwrap_or_else(|e| e.into_inner()).push(fill.traded_quantity);
    }
}

/// Counts its timer in data time.
pub struct Ticker {
    pub instrument: &'static str,
    pub seen: Arc<Mutex<Vec<u64>>>,
}

impl Strategy for Ticker {
    fn name(&self) -> &str {
        "ticker"
    }
    fn market_channels(&self) -> Vec<Channel> {
        vec![Channel::Book { instrument: self.instrument.into(), depth: 10 }]
    }
    fn timer_interval(&self) -> Option<Duration> {
        Some(Duration::from_secs(1))
    }
    fn on_timer(&mut self, ctx: &mut Context<'_>) {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).push(ctx.now_ms());
    }
}
