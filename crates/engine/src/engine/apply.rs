//! Applying what the exchange says to the state, the journal, the event broadcast and the
//! strategies, in that order. Every path de-duplicates: an old order update or a repeated fill
//! changes nothing and reaches no one.
//!
//! The rules live in free functions over [`Applier`], so that the engine task and the replay
//! harness ([`super::replay::Replayer`]) run the very same code. Nothing here does I/O or
//! parses JSON.

use super::events::EngineEvent;
use super::task::Task;
use crate::journal::{FillRecord, Journal, OrderRecord};
use crate::protocol::models::{BalanceSummary, Order, PublicTrade, Trade};
use crate::protocol::{Channel, Push, PushData};
use crate::state::book::Books;
use crate::state::State;
use crate::strategy::{Context, Strategy};

/// What the apply rules need from whoever owns the state: the engine task, or the replayer.
pub(crate) trait Applier {
    fn state(&self) -> &State;
    fn journal(&self) -> Option<&Journal>;
    /// Broadcasts the event `ev` builds; it is built only when someone listens.
    fn emit(&mut self, ev: impl FnOnce() -> EngineEvent);
    fn dispatch(&mut self, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>));
    /// Calls `f` on the strategy whose order `client_oid` is (by the tag in it); an order no
    /// strategy placed (by hand, another program) reaches none.
    fn dispatch_owner(&mut self, client_oid: Option<&str>, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>));
    fn books(&mut self) -> &mut Books;
    /// A book had a gap: ask the market session for a fresh snapshot of `channel`.
    fn resubscribe(&self, channel: &Channel);
    /// An order finished (nothing to cancel at shutdown any more).
    fn order_finished(&mut self, _order: &Order) {}
    /// A new fill was applied (each `trade_id` once).
    fn fill_applied(&mut self, _fill: &Trade) {}
    /// A valid book changed, before the strategies hear of it (a backtest's venue looks first,
    /// as the exchange sees its book before a client does).
    fn book_applied(&mut self, _instrument: &str) {}
    /// Calls `on_book` on every strategy with the book of `instrument` as it stands (borrowed
    /// beside the strategies, not shared through a reference count: this runs on every delta).
    fn dispatch_book(&mut self, instrument: &str);
    /// A public trade arrived, before the strategies hear of it (as above).
    fn market_trade(&mut self, _trade: &PublicTrade) {}
}

/// A user push: orders, fills, balances, positions. Taken by value: the decoded orders and
/// fills become the kept ones without a copy.
pub(crate) fn apply_push<A: Applier>(a: &mut A, p: Push) {
    match p.data {
        PushData::Orders(list) => list.into_iter().for_each(|o| apply_order(a, o)),
        PushData::Trades(list) => list.into_iter().for_each(|t| apply_trade(a, t)),
        // Each balance push is a full summary; the newest one wins.
        PushData::Balances(list) => {
            if let Some(b) = list.last() {
                apply_balance(a, b);
            }
        }
        PushData::Positions(list) => {
            for pos in &list {
                // A push older than what a reconciliation already showed is no news.
                if !a.state().positions.apply(pos) {
                    continue;
                }
                a.emit(|| EngineEvent::Position(Box::new(pos.clone())));
                a.dispatch(|s, ctx| s.on_position(ctx, pos));
            }
        }
        PushData::Transactions(list) => {
            for t in &list {
                a.state().pnl.apply_transaction(t);
            }
        }
        _ => tracing::debug!(channel = %p.channel, "push ignored by the engine"),
    }
}

pub(crate) fn apply_order<A: Applier>(a: &mut A, update: Order) {
    let Some((order, _)) = a.state().orders.apply_kept(update) else { return };
    if order.status.is_terminal() {
        a.order_finished(&order);
    }
    if let Some(j) = a.journal() {
        j.append_order(OrderRecord::from_order(&order));
    }
    a.emit(|| EngineEvent::Order(Box::new(Order::clone(&order))));
    a.dispatch_owner(order.client_oid.as_ref().map(|c| c.as_str()), |s, ctx| s.on_order(ctx, &order));
}

pub(crate) fn apply_trade<A: Applier>(a: &mut A, t: Trade) {
    let t = std::sync::Arc::new(t);
    if !a.state().fills.insert(&t) {
        return;
    }
    let t: &Trade = &t;
    a.state().pnl.apply_trade(t);
    if let Some(j) = a.journal() {
        j.append_fill(FillRecord::from_trade(t));
    }
    a.fill_applied(t);
    a.emit(|| EngineEvent::Fill(Box::new(t.clone())));
    a.dispatch_owner(t.client_oid.as_ref().map(|c| c.as_str()), |s, ctx| s.on_fill(ctx, t));
}

pub(crate) fn apply_balance<A: Applier>(a: &mut A, summary: &BalanceSummary) {
    for (currency, balance) in a.state().balances.set_summary(summary) {
        a.emit(|| EngineEvent::Balance { currency: currency.clone(), balance });
        a.dispatch(|s, ctx| s.on_balance(ctx, &currency, &balance));
    }
}

/// Market data: books (with gap recovery), tickers, public trades.
pub(crate) fn apply_market<A: Applier>(a: &mut A, p: &Push) {
    match &p.data {
        PushData::BookSnapshots(_) | PushData::BookDeltas(_) => {
            let changed = match a.books().apply(p) {
                Ok(changed) => changed,
                Err(channel) => return a.resubscribe(&channel),
            };
            let instrument = match (&p.instrument_name, &p.channel) {
                (Some(i), _) => i.as_str(),
                (None, Channel::Book { instrument, .. }) => instrument.as_str(),
                _ => return,
            };
            // Only valid books (snapshot and no gap since) reach the strategies.
            if changed {
                a.book_applied(instrument);
                a.dispatch_book(instrument);
            }
        }
        PushData::Tickers(list) => list.iter().for_each(|t| a.dispatch(|s, ctx| s.on_ticker(ctx, t))),
        PushData::PublicTrades(list) => list.iter().for_each(|t| {
            a.market_trade(t);
            a.dispatch(|s, ctx| s.on_public_trade(ctx, t))
        }),
        _ => {}
    }
}

impl Applier for Task {
    fn state(&self) -> &State {
        &self.state
    }
    fn journal(&self) -> Option<&Journal> {
        self.out.journal.as_ref()
    }
    fn emit(&mut self, ev: impl FnOnce() -> EngineEvent) {
        // With no reader a send fails anyway; skip building (and cloning into) the event.
        if self.out.has_readers() {
            Task::emit(self, ev())
        }
    }
    fn dispatch(&mut self, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        Task::dispatch(self, f)
    }
    fn dispatch_owner(&mut self, client_oid: Option<&str>, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        if let Some(i) = client_oid.and_then(|c| self.strategy_of(c)) {
            self.dispatch_owner_of(i, f)
        }
    }
    fn books(&mut self) -> &mut Books {
        &mut self.books
    }
    fn dispatch_book(&mut self, instrument: &str) {
        Task::dispatch_book(self, instrument)
    }
    fn resubscribe(&self, channel: &Channel) {
        if let Some(m) = &self.io.market {
            m.resubscribe(vec![channel.clone()]);
        }
    }
    fn order_finished(&mut self, order: &Order) {
        Task::order_finished(self, order)
    }
    fn fill_applied(&mut self, fill: &Trade) {
        Task::fill_applied(self, fill)
    }
}

impl Task {
    pub(crate) fn apply_push(&mut self, p: Push) {
        apply_push(self, p)
    }

    pub(crate) fn apply_order(&mut self, update: Order) {
        apply_order(self, update)
    }

    pub(crate) fn apply_trade(&mut self, t: Trade) {
        apply_trade(self, t)
    }

    pub(crate) fn apply_balance(&mut self, summary: &BalanceSummary) {
        apply_balance(self, summary)
    }

    pub(crate) fn apply_market(&mut self, p: &Push) {
        apply_market(self, p)
    }
}
