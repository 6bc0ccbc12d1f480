//! Applying what the exchange says to the state, the journal, the event broadcast and the
//! strategies, in that order. Every path de-duplicates: an old order update or a repeated fill
//! changes nothing and reaches no one.

use super::events::EngineEvent;
use super::task::Task;
use crate::journal::{FillRecord, OrderRecord};
use crate::protocol::models::{BalanceSummary, Order, Trade};
use crate::protocol::{Push, PushData};
use crate::state::Applied;

impl Task {
    pub(crate) fn apply_push(&mut self, p: &Push) {
        match &p.data {
            PushData::Orders(list) => list.iter().for_each(|o| self.apply_order(o)),
            PushData::Trades(list) => list.iter().for_each(|t| self.apply_trade(t)),
            // Each balance push is a full summary; the newest one wins.
            PushData::Balances(list) => {
                if let Some(b) = list.last() {
                    self.apply_balance(b);
                }
            }
            PushData::Positions(list) => {
                for pos in list {
                    self.state.positions.apply(pos);
                    self.emit(EngineEvent::Position(Box::new(pos.clone())));
                    self.dispatch(|s, ctx| s.on_position(ctx, pos));
                }
            }
            _ => tracing::debug!(channel = %p.channel, "push ignored by the engine"),
        }
    }

    pub(crate) fn apply_order(&mut self, update: &Order) {
        if let Applied::Stale = self.state.orders.apply(update) {
            return;
        }
        let Some(order) = self.state.orders.get(update.order_id.as_str()) else { return };
        if order.status.is_terminal() {
            // Finished: no longer one to cancel at shutdown (keeps the set bounded too).
            if let Some(c) = &order.client_oid {
                self.placed.remove(c.as_str());
            }
        }
        if let Some(j) = &self.journal {
            j.append_order(OrderRecord::from_order(&order));
        }
        self.emit(EngineEvent::Order(Box::new(order.clone())));
        self.dispatch(|s, ctx| s.on_order(ctx, &order));
    }

    pub(crate) fn apply_trade(&mut self, t: &Trade) {
        if !self.state.fills.insert(t) {
            return;
        }
        if let Some(j) = &self.journal {
            j.append_fill(FillRecord::from_trade(t));
        }
        self.emit(EngineEvent::Fill(Box::new(t.clone())));
        self.dispatch(|s, ctx| s.on_fill(ctx, t));
    }

    pub(crate) fn apply_balance(&mut self, summary: &BalanceSummary) {
        for (currency, balance) in self.state.balances.set_summary(summary) {
            self.emit(EngineEvent::Balance { currency: currency.clone(), balance });
            self.dispatch(|s, ctx| s.on_balance(ctx, &currency, &balance));
        }
    }

    /// Market data: books (with gap recovery), tickers, public trades.
    pub(crate) fn on_market(&mut self, ev: crate::ws::SessionEvent) {
        let crate::ws::SessionEvent::Push(p) = ev else { return };
        match &p.data {
            PushData::BookSnapshots(_) | PushData::BookDeltas(_) => {
                if let Some(channel) = self.books.on_push(&p) {
                    if let Some(m) = &self.market {
                        m.resubscribe(vec![channel.to_string()]);
                    }
                    return;
                }
                let Some(instrument) = p.instrument_name.clone().or_else(|| match &p.channel {
                    crate::protocol::Channel::Book { instrument, .. } => Some(instrument.clone()),
                    _ => None,
                }) else {
                    return;
                };
                if let Some(book) = self.books.get(instrument.as_str()).filter(|b| b.is_valid()).cloned() {
                    self.dispatch(|s, ctx| s.on_book(ctx, instrument.as_str(), &book));
                }
            }
            PushData::Tickers(list) => list.iter().for_each(|t| self.dispatch(|s, ctx| s.on_ticker(ctx, t))),
            PushData::PublicTrades(list) => list.iter().for_each(|t| self.dispatch(|s, ctx| s.on_public_trade(ctx, t))),
            _ => {}
        }
    }
}
