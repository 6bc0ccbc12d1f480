//! The backtest benchmark's strategy: it sees every book update and trade, and every 1,000
//! events it either joins the best bid with a small order or cancels the order it has working,
//! so that the venue's queue model and the order path are in the timed loop. Not for trading.

use rust_decimal::Decimal;

use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::models::{Order, PublicTrade};
use cdc_engine::protocol::requests::{CreateOrder, OrderRef};
use cdc_engine::protocol::Channel;
use cdc_engine::state::book::OrderBook;
use cdc_engine::strategy::{Context, Strategy};

/// Places or cancels one order every `every` events.
#[derive(Debug)]
pub struct Pulse {
    instrument: String,
    every: u64,
    seen: u64,
    working: Option<cdc_engine::protocol::ids::ClientOrderId>,
    /// Orders placed and cancels sent.
    pub actions: u64,
}

impl Pulse {
    /// Acts every `every` events on `instrument`.
    pub fn new(instrument: &str, every: u64) -> Self {
        Pulse { instrument: instrument.to_owned(), every: every.max(1), seen: 0, working: None, actions: 0 }
    }

    fn tick(&mut self, ctx: &mut Context<'_>) {
        self.seen += 1;
        if !self.seen.is_multiple_of(self.every) {
            return;
        }
        self.actions += 1;
        match self.working.take() {
            Some(oid) => ctx.cancel(OrderRef::ClientOid(oid)),
            None => {
                let Some((bid, _)) = ctx.book(&self.instrument).and_then(|b| b.best_bid()) else { return };
                let order = CreateOrder::limit(&self.instrument, Side::Buy, bid, Decimal::new(1, 3), "");
                self.working = Some(ctx.submit(order));
            }
        }
    }
}

impl Strategy for Pulse {
    fn name(&self) -> &str {
        "pulse"
    }
    fn market_channels(&self) -> Vec<Channel> {
        vec![Channel::Book { instrument: self.instrument.as_str().into(), depth: 100 }]
    }
    fn on_book(&mut self, ctx: &mut Context<'_>, _instrument: &str, _book: &OrderBook) {
        self.tick(ctx)
    }
    fn on_public_trade(&mut self, ctx: &mut Context<'_>, _trade: &PublicTrade) {
        self.tick(ctx)
    }
    fn on_order(&mut self, _ctx: &mut Context<'_>, order: &Order) {
        // A filled order is no longer working: the next action places a new one.
        if order.status.is_terminal() && self.working.as_ref() == order.client_oid.as_ref() {
            self.working = None;
        }
    }
}
