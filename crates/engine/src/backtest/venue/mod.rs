//! The backtest venue: the strategy's orders against the recorded market. An order that can
//! take liquidity takes the displayed quantity of the recorded book at its arrival; what rests
//! joins the back of its price level and fills only once the quantity ahead of it has traded
//! (see `queue.rs` and `docs/backtest.md` for the fill model). Fees, reservations, reduce-only,
//! post-only, IOC and FOK follow the simulator's rules and reason codes. Everything it decides
//! comes out as the exchange's user pushes, in `out`. It must NOT change the recorded book:
//! the strategy's own trades do not move the market it replays.

pub mod account;
mod queue;
pub(crate) mod wire;

use std::collections::HashMap;

use rust_decimal::Decimal;

use self::account::{Account, FeeRates, Pair};
use self::wire::{pair_of_name, OrderFacts};
use crate::protocol::enums::{ExecInst, OrderStatus, OrderType, Side, TimeInForce};
use crate::protocol::models::Instrument;
use crate::protocol::requests::{AmendOrder, CreateOrder, OrderRef};
use crate::protocol::Push;
use crate::state::book::OrderBook;

/// The exchange's reason codes the venue answers with.
pub mod codes {
    /// Not enough available balance.
    pub const INSUFFICIENT_BALANCE: i64 = 306;
    /// A reduce-only order with nothing to reduce.
    pub const REDUCE_ONLY: i64 = 1110;
    /// A FOK that could not fill completely.
    pub const FILL_OR_KILL: i64 = 43003;
    /// An IOC (or market) remainder.
    pub const IMMEDIATE_OR_CANCEL: i64 = 43004;
    /// A post-only order that would have taken liquidity.
    pub const POST_ONLY: i64 = 43005;
    /// An execution instruction the instrument does not take (reduce-only on spot).
    pub const INVALID_EXECINST: i64 = 219;
    /// A parameter the venue cannot take.
    pub const BAD_PARAMS: i64 = 40004;
    /// No such order.
    pub const NOT_FOUND: i64 = 316;
}

/// A resting order and the quantity ahead of it at its price.
#[derive(Debug, Clone)]
pub(crate) struct Resting {
    pub(crate) facts: OrderFacts,
    /// Displayed quantity ahead of it in the queue at its price.
    pub(crate) queue: Decimal,
    /// Balance still set aside for it (spot).
    pub(crate) reserved: Decimal,
}

/// What the venue did, for the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct VenueStats {
    /// Orders accepted.
    pub placed: u64,
    /// Orders cancelled (by request, IOC remainders, reduce-only with nothing to reduce).
    pub cancelled: u64,
    /// Orders refused or rejected by the venue.
    pub rejected: u64,
    /// Fills.
    pub fills: u64,
}

/// The venue.
pub struct Venue {
    pub(crate) account: Account,
    pairs: HashMap<String, Pair>,
    pub(crate) open: Vec<Resting>,
    pub(crate) marks: HashMap<String, Decimal>,
    pub(crate) funding_rates: HashMap<String, Decimal>,
    next_order: u64,
    next_trade: u64,
    pub(crate) next_journal: u64,
    /// The user pushes it produced, oldest first; the driver takes them.
    pub out: Vec<Push>,
    /// Counts for the report.
    pub stats: VenueStats,
}

impl Venue {
    /// A venue with `balances` to start from, these fee rates and the instruments' currencies.
    pub fn new(balances: &[(String, Decimal)], fees: FeeRates, instruments: &[Instrument]) -> Self {
        let mut account = Account { fees, ..Default::default() };
        for (ccy, amount) in balances {
            account.credit(ccy, *amount);
        }
        let pairs = instruments
            .iter()
            .map(|i| {
                let guess = pair_of_name(i.symbol.as_str());
                let perp = i.inst_type.as_deref().map_or(guess.perp, |t| t.contains("PERP"));
                let base = i.base_ccy.clone().unwrap_or(guess.base);
                let quote = i.quote_ccy.clone().unwrap_or(guess.quote);
                (i.symbol.to_string(), Pair { base, quote, perp })
            })
            .collect();
        Venue {
            account,
            pairs,
            open: Vec::new(),
            marks: HashMap::new(),
            funding_rates: HashMap::new(),
            next_order: 1_000_000,
            next_trade: 5_000_000,
            next_journal: 9_000_000,
            out: Vec::new(),
            stats: VenueStats::default(),
        }
    }

    pub(crate) fn pair(&self, instrument: &str) -> Pair {
        self.pairs.get(instrument).cloned().unwrap_or_else(|| pair_of_name(instrument))
    }

    /// The balance summary as it stands, pushed (the driver sends one at the start).
    pub fn push_balance(&mut self) {
        self.out.extend(wire::balance_push(&self.account));
    }

    /// A new order arrives. `Err` is the reason code of a refusal (nothing was created).
    pub fn place(&mut self, o: &CreateOrder, book: Option<&OrderBook>, now_ms: u64) -> Result<(), i64> {
        let market = match o.order_type {
            OrderType::Limit => false,
            OrderType::Market => true,
            // The driver refuses trigger orders before they get here.
            _ => return self.refuse(codes::BAD_PARAMS),
        };
        let (Some(mut qty), Some(book)) = (o.quantity, book) else { return self.refuse(codes::BAD_PARAMS) };
        if qty <= Decimal::ZERO || (!market && o.price.is_none_or(|p| p <= Decimal::ZERO)) {
            return self.refuse(codes::BAD_PARAMS);
        }
        let buy = match o.side {
            Side::Buy => true,
            Side::Sell => false,
            Side::Unknown(_) => return self.refuse(codes::BAD_PARAMS),
        };
        let instrument = o.instrument_name.as_str();
        let pair = self.pair(instrument);
        let reduce_only = o.is_reduce_only();
        if reduce_only && !pair.perp {
            // As the simulator: a spot pair has no position to reduce.
            return self.refuse(codes::INVALID_EXECINST);
        }
        if reduce_only {
            qty = qty.min(self.reducible(instrument, buy));
        }
        let reserve = if pair.perp { None } else { Some(self.spot_need(&pair, o, buy, qty, book)) };
        if let Some((ccy, need)) = &reserve {
            if self.account.available(ccy) < *need {
                return self.refuse(codes::INSUFFICIENT_BALANCE);
            }
        }
        self.next_order += 1;
        let tif = match (market, o.time_in_force.as_ref()) {
            (true, _) | (_, Some(TimeInForce::ImmediateOrCancel)) => "IMMEDIATE_OR_CANCEL",
            (_, Some(TimeInForce::FillOrKill)) => "FILL_OR_KILL",
            _ => "GOOD_TILL_CANCEL",
        };
        let post_only = o.exec_inst.contains(&ExecInst::PostOnly);
        let mut exec_inst = Vec::new();
        exec_inst.extend(post_only.then_some("POST_ONLY"));
        exec_inst.extend(reduce_only.then_some("REDUCE_ONLY"));
        let facts = OrderFacts {
            id: self.next_order,
            client_oid: o.client_oid.as_ref().map(|c| c.to_string()),
            instrument: instrument.to_owned(),
            buy,
            market,
            tif,
            exec_inst,
            price: if market { None } else { o.price },
            quantity: o.quantity.unwrap_or(qty),
            cum_qty: Decimal::ZERO,
            cum_value: Decimal::ZERO,
            cum_fee: Decimal::ZERO,
            status: OrderStatus::Active,
            reason: None,
            created_ms: now_ms,
            updated_ms: now_ms,
        };
        self.stats.placed += 1;
        let mut r = Resting { facts, queue: Decimal::ZERO, reserved: Decimal::ZERO };
        if reduce_only && qty.is_zero() {
            self.finish(r, OrderStatus::Canceled, Some(codes::REDUCE_ONLY), now_ms);
            return Ok(());
        }
        // A reduce-only order shrinks to what it can reduce.
        r.facts.quantity = qty;
        if let Some((ccy, need)) = reserve {
            self.account.reserve(&ccy, need);
            r.reserved = need;
        }
        self.execute(r, book, post_only, now_ms);
        Ok(())
    }

    fn refuse(&mut self, code: i64) -> Result<(), i64> {
        self.stats.rejected += 1;
        Err(code)
    }

    /// What a spot order must set aside: the quote for a buy (at its limit, or what the book
    /// asks for a market buy), the base for a sell.
    fn spot_need(&self, pair: &Pair, o: &CreateOrder, buy: bool, qty: Decimal, book: &OrderBook) -> (String, Decimal) {
        match (buy, o.price.filter(|_| o.order_type == OrderType::Limit)) {
            (false, _) => (pair.base.clone(), qty),
            (true, Some(limit)) => (pair.quote.clone(), limit * qty),
            (true, None) => {
                let mut left = qty;
                let mut cost = Decimal::ZERO;
                for (p, q) in book.levels(false) {
                    let take = q.min(left);
                    cost += p * take;
                    left -= take;
                    if left.is_zero() {
                        break;
                    }
                }
                (pair.quote.clone(), cost)
            }
        }
    }

    /// How much an order on `side` can reduce the position of `instrument`.
    fn reducible(&self, instrument: &str, buy: bool) -> Decimal {
        let qty = self.account.positions.get(instrument).map_or(Decimal::ZERO, |p| p.qty);
        match buy {
            true if qty < Decimal::ZERO => -qty,
            false if qty > Decimal::ZERO => qty,
            _ => Decimal::ZERO,
        }
    }

    /// Cancels one order; false if it is not open.
    pub fn cancel(&mut self, target: &OrderRef, now_ms: u64) -> bool {
        let Some(k) = self.find(target) else { return false };
        let r = self.open.remove(k);
        self.finish(r, OrderStatus::Canceled, None, now_ms);
        true
    }

    /// Cancels every open order (of one instrument, or all); returns how many.
    pub fn cancel_all(&mut self, instrument: Option<&str>, now_ms: u64) -> usize {
        let (gone, kept): (Vec<Resting>, Vec<Resting>) = std::mem::take(&mut self.open)
            .into_iter()
            .partition(|r| instrument.is_none_or(|i| r.facts.instrument == i));
        self.open = kept;
        let n = gone.len();
        gone.into_iter().for_each(|r| self.finish(r, OrderStatus::Canceled, None, now_ms));
        n
    }

    /// Amends an open order's price and quantity. It keeps its place in the queue only if the
    /// price is the same and the quantity did not grow (the exchange's rule for amends).
    pub fn amend(&mut self, a: &AmendOrder, book: Option<&OrderBook>, now_ms: u64) -> Result<(), i64> {
        let (Some(k), Some(book)) = (self.find(&a.target), book) else { return Err(codes::NOT_FOUND) };
        if a.new_quantity <= self.open[k].facts.cum_qty || a.new_price <= Decimal::ZERO {
            return Err(codes::BAD_PARAMS);
        }
        let mut r = self.open.remove(k);
        let keeps_place = r.facts.price == Some(a.new_price) && a.new_quantity <= r.facts.quantity;
        let pair = self.pair(&r.facts.instrument);
        if !pair.perp {
            let remaining = a.new_quantity - r.facts.cum_qty;
            let need = if r.facts.buy { a.new_price * remaining } else { remaining };
            let ccy = if r.facts.buy { &pair.quote } else { &pair.base };
            if self.account.available(ccy) + r.reserved < need {
                self.open.insert(k, r);
                return Err(codes::INSUFFICIENT_BALANCE);
            }
            self.account.release(ccy, r.reserved);
            self.account.reserve(ccy, need);
            r.reserved = need;
        }
        r.facts.price = Some(a.new_price);
        r.facts.quantity = a.new_quantity;
        // A later update time, so that the engine takes the amend as news.
        r.facts.updated_ms = now_ms.max(r.facts.updated_ms + 1);
        if keeps_place {
            self.out.extend(wire::order_push(&r.facts));
            self.open.insert(k, r);
            return Ok(());
        }
        let post_only = r.facts.exec_inst.contains(&"POST_ONLY");
        self.execute(r, book, post_only, now_ms);
        Ok(())
    }

    fn find(&self, target: &OrderRef) -> Option<usize> {
        self.open.iter().position(|r| match target {
            OrderRef::OrderId(id) => r.facts.id.to_string() == id.as_str(),
            OrderRef::ClientOid(c) => r.facts.client_oid.as_deref() == Some(c.as_str()),
        })
    }

    /// The instrument of an open order.
    pub fn instrument_of(&self, target: &OrderRef) -> Option<String> {
        self.find(target).map(|k| self.open[k].facts.instrument.clone())
    }

    /// Whether any order of `instrument` is open (the market path skips the queue otherwise).
    pub fn has_open(&self, instrument: &str) -> bool {
        self.open.iter().any(|r| r.facts.instrument == instrument)
    }

    /// Open orders, for the report.
    pub fn open_orders(&self) -> usize {
        self.open.len()
    }

    /// The account's balances: (total, reserved) by currency.
    pub fn balances(&self) -> impl Iterator<Item = (&String, &(Decimal, Decimal))> {
        self.account.balances.iter()
    }

    /// The last recorded mark of `instrument`.
    pub fn mark(&self, instrument: &str) -> Option<Decimal> {
        self.marks.get(instrument).copied()
    }
}
