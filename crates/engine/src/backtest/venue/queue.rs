//! The fill model. On arrival an order takes the recorded book's displayed quantity, best price
//! first, up to its limit; a GTC remainder rests at the back of its level, with the level's
//! displayed quantity ahead of it. A resting order then fills only:
//! - from a recorded trade at its price, with the part of the trade's quantity left once the
//!   quantity ahead is used up (the queue ahead shrinks by each trade at that price);
//! - in full, at its price, when a recorded trade prints through it (a sell below a bid, a buy
//!   above an ask) or the opposite side of the book moves through it.
//!
//! The quantity ahead also shrinks to the level's displayed quantity when that falls (orders
//! ahead were cancelled). Touching the price is never enough. It must NOT move the recorded
//! book, and each order is judged against the market alone, not against the strategy's other
//! orders.

use rust_decimal::Decimal;

use super::wire;
use super::{codes, Resting, Venue};
use crate::protocol::enums::{OrderStatus, Side};
use crate::protocol::models::PublicTrade;
use crate::state::book::OrderBook;

impl Venue {
    /// Matches a new (or re-priced) order against the book and rests or ends what is left.
    pub(super) fn execute(&mut self, mut r: Resting, book: &OrderBook, post_only: bool, now_ms: u64) {
        let (buy, limit) = (r.facts.buy, r.facts.price);
        let crosses = |p: Decimal| limit.is_none_or(|l| if buy { p <= l } else { p >= l });
        // The side it takes from: asks for a buy.
        let takes_bids = !buy;
        let best = book.levels(takes_bids).next().map(|(p, _)| p);
        if post_only && best.is_some_and(crosses) {
            return self.finish(r, OrderStatus::Rejected, Some(codes::POST_ONLY), now_ms);
        }
        if r.facts.tif == "FILL_OR_KILL" {
            let there: Decimal = book.levels(takes_bids).take_while(|(p, _)| crosses(*p)).map(|(_, q)| q).sum();
            if there < r.facts.remaining() {
                return self.finish(r, OrderStatus::Canceled, Some(codes::FILL_OR_KILL), now_ms);
            }
        }
        let takes: Vec<(Decimal, Decimal)> = book.levels(takes_bids).take_while(|(p, _)| crosses(*p)).collect();
        for (p, q) in takes {
            let qty = q.min(r.facts.remaining());
            if qty <= Decimal::ZERO {
                break;
            }
            self.fill(&mut r, p, qty, false, now_ms);
        }
        if r.facts.remaining() <= Decimal::ZERO {
            return self.finish(r, OrderStatus::Filled, None, now_ms);
        }
        match (r.facts.tif, limit) {
            ("GOOD_TILL_CANCEL", Some(price)) => {
                r.queue = book.quantity_at(buy, price);
                r.facts.updated_ms = r.facts.updated_ms.max(now_ms);
                self.out.extend(wire::order_push(&r.facts));
                self.out.extend(wire::balance_push(&self.account));
                self.open.push(r);
            }
            _ => self.finish(r, OrderStatus::Canceled, Some(codes::IMMEDIATE_OR_CANCEL), now_ms),
        }
    }

    /// Books one fill of `r`: the account, the order's figures, the trade push.
    fn fill(&mut self, r: &mut Resting, price: Decimal, qty: Decimal, maker: bool, now_ms: u64) {
        let pair = self.pair(&r.facts.instrument);
        let rate = if maker { self.account.fees.maker } else { self.account.fees.taker };
        if !pair.perp {
            // Spot: give back the part of the reservation this fill used.
            let (ccy, used) = match r.facts.buy {
                true => (&pair.quote, r.facts.price.map_or(price * qty, |l| l * qty)),
                false => (&pair.base, qty),
            };
            let used = used.min(r.reserved);
            self.account.release(ccy, used);
            r.reserved -= used;
        }
        let s = self.account.settle(&pair, &r.facts.instrument, r.facts.buy, (price, qty), rate, now_ms);
        let f = &mut r.facts;
        f.cum_qty += qty;
        f.cum_value += price * qty;
        f.cum_fee += s.fee;
        f.updated_ms = f.updated_ms.max(now_ms);
        self.next_trade += 1;
        self.stats.fills += 1;
        self.out.extend(wire::trade_push(f, self.next_trade, price, qty, s.fee, &s.fee_ccy, maker, now_ms));
        if pair.perp {
            let mark = self.marks.get(&f.instrument).copied();
            self.out.extend(wire::position_push(&self.account, &f.instrument, mark));
        }
    }

    /// Ends an order: its reservation released, its last state and the balance pushed.
    pub(super) fn finish(&mut self, mut r: Resting, status: OrderStatus, reason: Option<i64>, now_ms: u64) {
        if matches!(status, OrderStatus::Canceled) {
            self.stats.cancelled += 1;
        }
        if matches!(status, OrderStatus::Rejected) {
            self.stats.rejected += 1;
        }
        if r.reserved > Decimal::ZERO {
            let pair = self.pair(&r.facts.instrument);
            let ccy = if r.facts.buy { pair.quote } else { pair.base };
            self.account.release(&ccy, r.reserved);
            r.reserved = Decimal::ZERO;
        }
        r.facts.status = status;
        r.facts.reason = reason;
        r.facts.updated_ms = r.facts.updated_ms.max(now_ms);
        self.out.extend(wire::order_push(&r.facts));
        self.out.extend(wire::balance_push(&self.account));
    }

    /// The limit price of open order `k`, if it rests on `instrument`.
    fn resting_price(&self, k: usize, instrument: &str) -> Option<Decimal> {
        let r = &self.open[k];
        r.facts.price.filter(|_| r.facts.instrument == instrument)
    }

    /// The book of `instrument` changed: the queues ahead shrink to what is displayed, and an
    /// order the other side moved through fills at its price.
    pub fn on_book(&mut self, instrument: &str, book: &OrderBook, now_ms: u64) {
        let (best_bid, best_ask) = (book.best_bid().map(|b| b.0), book.best_ask().map(|a| a.0));
        let mut k = 0;
        while k < self.open.len() {
            let Some(price) = self.resting_price(k, instrument) else {
                k += 1;
                continue;
            };
            let r = &mut self.open[k];
            let through = match r.facts.buy {
                true => best_ask.is_some_and(|a| a < price),
                false => best_bid.is_some_and(|b| b > price),
            };
            if through {
                let mut r = self.open.remove(k);
                let qty = r.facts.remaining();
                self.fill(&mut r, price, qty, true, now_ms);
                self.finish(r, OrderStatus::Filled, None, now_ms);
                continue;
            }
            r.queue = r.queue.min(book.quantity_at(r.facts.buy, price));
            k += 1;
        }
    }

    /// A recorded trade: orders at its price use it once the queue ahead is gone; orders it
    /// printed through fill in full.
    pub fn on_trade(&mut self, instrument: &str, t: &PublicTrade, now_ms: u64) {
        let mut k = 0;
        while k < self.open.len() {
            let Some(price) = self.resting_price(k, instrument) else {
                k += 1;
                continue;
            };
            let r = &mut self.open[k];
            // A sell taker hits bids; a buy taker lifts asks.
            let hits_us = match (&t.side, r.facts.buy) {
                (Side::Sell, true) => t.price <= price,
                (Side::Buy, false) => t.price >= price,
                _ => false,
            };
            if !hits_us {
                k += 1;
                continue;
            }
            let qty = if t.price != price {
                r.facts.remaining()
            } else {
                let past_queue = t.quantity - r.queue;
                r.queue = (r.queue - t.quantity).max(Decimal::ZERO);
                past_queue.min(r.facts.remaining())
            };
            if qty <= Decimal::ZERO {
                k += 1;
                continue;
            }
            let mut r = self.open.remove(k);
            self.fill(&mut r, price, qty, true, now_ms);
            if r.facts.remaining() <= Decimal::ZERO {
                self.finish(r, OrderStatus::Filled, None, now_ms);
            } else {
                self.out.extend(wire::order_push(&r.facts));
                self.out.extend(wire::balance_push(&self.account));
                self.open.insert(k, r);
                k += 1;
            }
        }
    }

    /// A recorded mark price.
    pub fn on_mark(&mut self, instrument: &str, mark: Decimal) {
        self.marks.insert(instrument.to_owned(), mark);
    }

    /// A recorded funding rate (applied at the next funding time).
    pub fn on_funding_rate(&mut self, instrument: &str, rate: Decimal) {
        self.funding_rates.insert(instrument.to_owned(), rate);
    }

    /// Pays funding on every open perpetual position at its last mark and rate.
    pub fn pay_funding(&mut self, now_ms: u64) {
        let due: Vec<(String, Decimal, Decimal)> = self
            .account
            .positions
            .iter()
            .filter(|(_, p)| !p.qty.is_zero())
            .filter_map(|(i, _)| Some((i.clone(), *self.marks.get(i)?, *self.funding_rates.get(i)?)))
            .collect();
        for (instrument, mark, rate) in due {
            let quote = self.pair(&instrument).quote;
            if let Some(amount) = self.account.fund(&instrument, &quote, mark, rate) {
                self.next_journal += 1;
                self.out.extend(wire::funding_push(self.next_journal, &instrument, amount, now_ms));
                self.out.extend(wire::balance_push(&self.account));
            }
        }
    }

    /// Closes a perpetual position with a reduce-only order placed by the venue (no client id,
    /// as the exchange's close-position order has none of the strategy's).
    pub fn close_position(&mut self, instrument: &str, price: Option<Decimal>, book: &OrderBook, now_ms: u64) {
        let qty = self.account.positions.get(instrument).map_or(Decimal::ZERO, |p| p.qty);
        if qty.is_zero() {
            return;
        }
        let side = if qty > Decimal::ZERO { Side::Sell } else { Side::Buy };
        let mut o =
            crate::protocol::requests::CreateOrder::limit(instrument, side, price.unwrap_or_default(), qty.abs(), "");
        o.client_oid = None;
        if price.is_none() {
            o.order_type = crate::protocol::enums::OrderType::Market;
            o.price = None;
        }
        o.exec_inst.push(crate::protocol::enums::ExecInst::ReduceOnly);
        let _ = self.place(&o, Some(book), now_ms);
    }
}
