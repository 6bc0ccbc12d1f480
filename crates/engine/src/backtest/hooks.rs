//! The engine's apply rules, run on the backtest's state: the driver is an [`Applier`], like
//! the engine task, so orders, fills, balances and books follow the live code; its hooks let
//! the venue see each book change and trade before the strategies do. It must NOT journal or
//! broadcast: a backtest has neither.

use crate::engine::apply::Applier;
use crate::engine::events::EngineEvent;
use crate::journal::Journal;
use crate::protocol::models::{Order, PublicTrade, Trade};
use crate::protocol::Channel;
use crate::state::book::Books;
use crate::state::State;
use crate::strategy::{Context, Strategy};

use super::driver::Driver;

impl Applier for Driver {
    fn state(&self) -> &State {
        &self.state
    }
    fn journal(&self) -> Option<&Journal> {
        None
    }
    fn emit(&mut self, _ev: impl FnOnce() -> EngineEvent) {}
    fn dispatch(&mut self, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        self.dispatch_where(|_| true, f)
    }
    fn dispatch_owner(&mut self, client_oid: Option<&str>, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        if let Some(i) = client_oid.and_then(|c| self.host.owner(c)) {
            self.dispatch_one(i, f)
        }
    }
    fn books(&mut self) -> &mut Books {
        &mut self.books
    }
    fn dispatch_book(&mut self, instrument: &str) {
        let now_ms = self.now_us / 1000;
        let Some(book) = self.books.get(instrument) else { return };
        let seen = (&*self.state, &self.books, &self.listed);
        let pending = self.host.call(
            seen,
            ("bt", &mut self.next_oid),
            now_ms,
            |_| true,
            |s, ctx| s.on_book(ctx, instrument, book),
        );
        self.route_all(pending);
    }
    fn resubscribe(&self, channel: &Channel) {
        // A recording cannot be asked again: the book waits for the next snapshot in the data.
        tracing::debug!(%channel, "book gap in the data: waiting for its next snapshot");
    }
    fn order_finished(&mut self, order: &Order) {
        if order.status == crate::protocol::enums::OrderStatus::Filled
            && order.client_oid.as_ref().is_some_and(|c| self.host.owner(c.as_str()).is_some())
        {
            self.orders.filled += 1;
        }
    }
    fn fill_applied(&mut self, t: &Trade) {
        let Some(i) = t.client_oid.as_ref().and_then(|c| self.host.owner(c.as_str())) else { return };
        self.risk.on_own_fill(t.instrument_name.as_str(), &t.side, t.traded_quantity);
        self.host.own_fill(i, t);
        let (equity, _) = self.valuation();
        self.drawdown.see(equity);
    }
    fn book_applied(&mut self, instrument: &str) {
        // Most books change with nothing of the strategy's resting there: no lookup then. With
        // a feed latency the venue saw this change already, on its own books.
        if self.venue_books.is_some() || !self.venue.has_open(instrument) {
            return;
        }
        if let Some(book) = self.books.get(instrument) {
            let now_ms = self.now_us / 1000;
            self.venue.on_book(instrument, book, now_ms);
            self.flush_venue();
        }
    }
    fn market_trade(&mut self, t: &PublicTrade) {
        if self.venue_books.is_none() && self.venue.has_open(t.instrument.as_str()) {
            self.venue.on_trade(t.instrument.as_str(), t, self.now_us / 1000);
            self.flush_venue();
        }
    }
}
