//! The small strategies the benchmarks dispatch to through the real [`Strategy`] trait: one
//! that keeps a little book-keeping on every user event (so dispatch is not optimised away),
//! and one that submits an order on book changes (the tick-to-order path). Not for trading.

use std::collections::HashMap;

use rust_decimal::Decimal;

use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::models::{Order, Trade};
use cdc_engine::protocol::requests::CreateOrder;
use cdc_engine::state::book::OrderBook;
use cdc_engine::state::Balance;
use cdc_engine::strategy::{Context, Strategy};

/// Tracks net filled quantity per instrument and counts what it saw.
#[derive(Debug, Default)]
pub struct Tally {
    /// Net filled quantity (buys minus sells) by instrument.
    pub net: HashMap<String, Decimal>,
    /// Order updates seen.
    pub orders: u64,
    /// Fills seen.
    pub fills: u64,
    /// Balance changes seen.
    pub balances: u64,
    /// Book updates seen, and the last mid.
    pub books: u64,
    /// The last mid price seen.
    pub last_mid: Option<Decimal>,
}

impl Strategy for Tally {
    fn name(&self) -> &str {
        "tally"
    }
    fn on_order(&mut self, _ctx: &mut Context<'_>, order: &Order) {
        self.orders += u64::from(order.status.is_open());
    }
    fn on_fill(&mut self, _ctx: &mut Context<'_>, fill: &Trade) {
        self.fills += 1;
        let q = if fill.side == Side::Buy { fill.traded_quantity } else { -fill.traded_quantity };
        match self.net.get_mut(fill.instrument_name.as_str()) {
            Some(n) => *n += q,
            None => {
                self.net.insert(fill.instrument_name.as_str().to_owned(), q);
            }
        }
    }
    fn on_balance(&mut self, _ctx: &mut Context<'_>, _currency: &str, balance: &Balance) {
        self.balances += u64::from(!balance.total.is_zero());
    }
    fn on_book(&mut self, _ctx: &mut Context<'_>, _instrument: &str, book: &OrderBook) {
        self.books += 1;
        self.last_mid = book.mid();
    }
}

/// Submits a far-from-market limit buy each time the best bid changes (the tick-to-order
/// strategy): far away so that nothing fills, small so that the balance lasts.
#[derive(Debug)]
pub struct QuoteOnTick {
    instrument: String,
    last_bid: Option<Decimal>,
}

impl QuoteOnTick {
    /// A strategy quoting `instrument`.
    pub fn new(instrument: &str) -> Self {
        QuoteOnTick { instrument: instrument.to_owned(), last_bid: None }
    }
}

impl Strategy for QuoteOnTick {
    fn name(&self) -> &str {
        "quote-on-tick"
    }
    fn on_book(&mut self, ctx: &mut Context<'_>, instrument: &str, book: &OrderBook) {
        let Some((bid, _)) = book.best_bid() else { return };
        if instrument != self.instrument || self.last_bid == Some(bid) {
            return;
        }
        self.last_bid = Some(bid);
        let price = (bid / Decimal::TWO).round_dp(2);
        ctx.submit(CreateOrder::limit(instrument, Side::Buy, price, Decimal::new(1, 4), ""));
    }
}
