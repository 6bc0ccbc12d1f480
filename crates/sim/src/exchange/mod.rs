//! The simulator's synchronous exchange core: accounts, books and matching, the order
//! lifecycle, every private and public method's result as the exchange renders it, and a
//! seeded synthetic market.
//!
//! No I/O, no clocks, no tokio: time comes in as `now_ms`, and everything that happened goes
//! out as [`SimEvent`]s for the server to push. It must not use the client's `protocol` types
//! (the sim verifies, it never trusts), so params are read from raw JSON here.

mod account;
mod batch;
mod book;
mod clock;
mod codes;
mod create;
mod dispatch;
mod fills;
mod funding;
mod instruments;
mod ledger;
mod lists;
mod manage;
mod margin;
mod market;
mod matching;
mod orders;
mod params;
mod perps;
mod position;
mod public;
mod queries;
mod request;
mod reserve;
mod streams;
mod tape;
#[cfg(test)]
mod tests;
mod triggers;
mod wallet;

use self::account::Account;
use self::book::Book;
use self::funding::Schedule;
use self::instruments::Instrument;
use self::ledger::Txn;
use self::market::Rng;
use self::orders::{Order, RenderCtx, UserFill};
pub use self::position::Position;
use self::tape::Tape;
use crate::venue::{ConnId, Level, Reject, SimEvent, Venue};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};

/// How the simulated exchange starts.
#[derive(Debug, Clone)]
pub struct ExchangeConfig {
    /// Starting holdings per currency, e.g. `("USD", 100000)`.
    pub balances: Vec<(String, Decimal)>,
    /// Seed of the synthetic market (same seed, same calls: same market).
    pub seed: u64,
    /// Fee rate on the traded value when the user's order was resting.
    pub maker_fee_rate: Decimal,
    /// Fee rate on the traded value when the user's order took liquidity.
    pub taker_fee_rate: Decimal,
    /// The account's UUID, shown on orders and fills.
    pub account_id: String,
    /// Whether participants quote and trade.
    pub synthetic_market: bool,
    /// How often perpetual positions pay funding, in ms (an hour on the exchange; tests run
    /// it faster).
    pub funding_interval_ms: u64,
    /// How often the perpetuals' session settles, in ms.
    pub settlement_interval_ms: u64,
    /// A fixed funding rate per interval instead of the premium-based one.
    pub funding_rate: Option<Decimal>,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        ExchangeConfig {
            balances: vec![
                ("USD".to_string(), Decimal::from(100_000)),
                ("BTC".to_string(), Decimal::from(2)),
                ("ETH".to_string(), Decimal::from(20)),
                ("CRO".to_string(), Decimal::from(100_000)),
            ],
            seed: 42,
            maker_fee_rate: Decimal::new(1, 3),
            taker_fee_rate: Decimal::new(2, 3),
            account_id: "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b".to_string(),
            synthetic_market: true,
            funding_interval_ms: 3_600_000,
            settlement_interval_ms: 86_400_000,
            funding_rate: None,
        }
    }
}

/// The first order id handed out; ids then increase by one (orders of the user and of the
/// participants share the sequence).
const FIRST_ORDER_ID: u64 = 5_755_600_460_443_882_762;
/// Trade ids count up from here (ids shaped like the exchange's 19-digit ones).
const FIRST_TRADE_ID: u64 = 5_755_600_460_443_000_001;
/// Match ids count up from here.
const FIRST_MATCH_ID: u64 = 4_611_686_018_427_387_904;

/// The simulated exchange: one account, the listed spot pairs, and their markets.
pub struct Exchange {
    cfg: ExchangeConfig,
    instruments: Vec<Instrument>,
    books: Vec<Book>,
    tapes: Vec<Tape>,
    /// Where each synthetic market quotes around (also the USD valuation price).
    mids: Vec<Decimal>,
    /// Instruments whose mid follows an outside reference (paper trading) instead of walking.
    pinned: Vec<bool>,
    account: Account,
    orders: HashMap<u64, Order>,
    /// Ids of the user's open orders, oldest first.
    open: BTreeSet<u64>,
    /// Every client_oid the user ever used (uniqueness is over all orders ever).
    by_client_oid: HashMap<String, u64>,
    accepted: HashMap<String, u32>,
    attempts: HashMap<String, u32>,
    /// The user's fills, oldest first (their `ns` strictly increases).
    fills: Vec<UserFill>,
    /// Connections that set cancel-on-disconnect.
    cod: HashSet<ConnId>,
    events: Vec<SimEvent>,
    /// Instruments whose book or tape changed during the current call.
    dirty: BTreeSet<usize>,
    next_order: u64,
    next_trade: u64,
    next_match: u64,
    last_ns: u64,
    /// While set, every stamp is this one (see [`Exchange::pin_time`]).
    pinned_ns: Option<u64>,
    rng: Rng,
    /// Perpetual positions, by instrument index (spot entries stay flat).
    positions: Vec<Position>,
    /// Positions changed since the last `user.positions` push.
    positions_dirty: BTreeSet<usize>,
    /// A perpetual position moved during the current call (reduce-only orders are checked).
    perp_moved: bool,
    /// The account's leverage setting.
    leverage: Decimal,
    /// Set while the liquidator closes positions.
    is_liquidating: bool,
    /// Funding and settlement times, and what the perpetual channels last carried.
    sched: Schedule,
    /// Trigger orders and OTO legs waiting (may hold ids no longer pending; pruned lazily).
    pending: BTreeSet<u64>,
    /// Orders that ended during the current call, for the lists to react to.
    ended: Vec<u64>,
    /// OCO legs that fired during the current call.
    fired_legs: Vec<u64>,
    /// List legs that filled (partly or wholly) during the current call.
    filled_legs: Vec<u64>,
    /// Each contingent list's orders, in placement order.
    lists: HashMap<u64, Vec<u64>>,
    /// The account's ledger, oldest first.
    txns: Vec<Txn>,
    next_txn: u64,
}

impl Exchange {
    /// An exchange with `cfg`'s balances and, if enabled, a seeded market already quoting.
    pub fn new(cfg: ExchangeConfig) -> Self {
        let instruments = instruments::listed();
        let n = instruments.len();
        let mut ex = Exchange {
            account: Account::new(&cfg.balances),
            rng: Rng::new(cfg.seed),
            mids: instruments.iter().map(|i| i.initial_mid).collect(),
            pinned: vec![false; n],
            books: (0..n).map(|_| Book::default()).collect(),
            tapes: (0..n).map(|_| Tape::default()).collect(),
            instruments,
            cfg,
            orders: HashMap::new(),
            open: BTreeSet::new(),
            by_client_oid: HashMap::new(),
            accepted: HashMap::new(),
            attempts: HashMap::new(),
            fills: Vec::new(),
            cod: HashSet::new(),
            events: Vec::new(),
            dirty: BTreeSet::new(),
            next_order: FIRST_ORDER_ID,
            next_trade: FIRST_TRADE_ID,
            next_match: FIRST_MATCH_ID,
            last_ns: 0,
            pinned_ns: None,
            positions: vec![Position::default(); n],
            positions_dirty: BTreeSet::new(),
            perp_moved: false,
            leverage: margin::DEFAULT_LEVERAGE,
            is_liquidating: false,
            sched: Schedule::new(n),
            pending: BTreeSet::new(),
            ended: Vec::new(),
            fired_legs: Vec::new(),
            filled_legs: Vec::new(),
            lists: HashMap::new(),
            txns: Vec::new(),
            next_txn: 0,
        };
        if ex.cfg.synthetic_market {
            for i in 0..n {
                ex.quote_ladder(i, 0);
            }
        }
        ex.dirty.clear();
        ex.events.clear();
        ex
    }

    /// The account's position in a perpetual (flat if never traded; `None` if not listed).
    pub fn position(&self, instrument: &str) -> Option<Position> {
        self.inst_index(instrument).map(|i| self.positions[i])
    }

    /// The account's total holding of a currency (cash, for USD).
    pub fn holding(&self, ccy: &str) -> Decimal {
        self.account.holding(ccy).quantity
    }

    /// Pays funding now, as if the interval had elapsed (for tests that cannot wait).
    pub fn pay_funding_now(&mut self, now_ms: u64) {
        self.pay_funding(now_ms);
        self.flush_market(now_ms);
    }

    /// All the user's fills so far as trade objects, oldest first.
    pub fn user_trades(&self) -> Vec<Value> {
        self.fills.iter().map(|f| self.fill_json(f)).collect()
    }

    /// How many fills the user has had (what `user_trades().len()` says, without building them).
    pub fn user_fill_count(&self) -> usize {
        self.fills.len()
    }

    /// How many create-order requests were accepted per client_oid (never above 1 while
    /// 204 holds; the chaos harness checks it).
    pub fn accepted_per_client_oid(&self) -> &HashMap<String, u32> {
        &self.accepted
    }

    /// How many create-order requests arrived per client_oid, refused ones included (a
    /// client that retries blindly shows up here as a count above 1).
    pub fn create_attempts_per_client_oid(&self) -> &HashMap<String, u32> {
        &self.attempts
    }

    fn inst_index(&self, name: &str) -> Option<usize> {
        self.instruments.iter().position(|i| i.symbol == name)
    }

    /// The required `instrument_name` param; unknown or missing is 40004.
    fn inst_param(&self, p: &Value) -> Result<usize, Reject> {
        params::text(p, "instrument_name").and_then(|n| self.inst_index(&n)).ok_or_else(codes::invalid_instrument)
    }

    /// The optional `instrument_name` param; present but unknown is 40004.
    fn inst_filter(&self, p: &Value) -> Result<Option<usize>, Reject> {
        match params::present(p, "instrument_name") {
            true => self.inst_param(p).map(Some),
            false => Ok(None),
        }
    }

    /// Stops the clock for fills and order updates: until [`Exchange::unpin_time`], every one
    /// gets the same fresh `create_time_ns`/`update_time`, as when one match event fills many
    /// orders at once. Returns that time in ns. For tests of paging by time.
    pub fn pin_time(&mut self, now_ms: u64) -> u64 {
        self.pinned_ns = None;
        let ns = self.stamp(now_ms);
        self.pinned_ns = Some(ns);
        ns
    }

    /// Lets the clock run again after [`Exchange::pin_time`].
    pub fn unpin_time(&mut self) {
        self.pinned_ns = None;
    }

    /// A fresh timestamp in ns: `now_ms` in ns, but strictly after every earlier one so that
    /// fills and orders are totally ordered by it (unless the time is pinned; then ties).
    fn stamp(&mut self, now_ms: u64) -> u64 {
        if let Some(ns) = self.pinned_ns {
            return ns;
        }
        let ns = now_ms.saturating_mul(1_000_000).max(self.last_ns + 1);
        self.last_ns = ns;
        ns
    }

    fn new_order_id(&mut self) -> u64 {
        self.next_order += 1;
        self.next_order - 1
    }

    fn new_trade_id(&mut self) -> u64 {
        self.next_trade += 1;
        self.next_trade - 1
    }

    fn new_match_id(&mut self) -> u64 {
        self.next_match += 1;
        self.next_match - 1
    }

    fn ctx(&self) -> RenderCtx<'_> {
        RenderCtx {
            account_id: &self.cfg.account_id,
            maker_rate: self.cfg.maker_fee_rate,
            taker_rate: self.cfg.taker_fee_rate,
        }
    }

    fn order_json(&self, o: &Order) -> Value {
        o.json(&self.instruments[o.inst], &self.ctx())
    }

    fn fill_json(&self, f: &UserFill) -> Value {
        f.json(&self.instruments[f.inst], &self.cfg.account_id)
    }

    /// Pushes an order on `user.order`, and trigger and list orders on `user.advance.order`
    /// too (ASSUMED: the exchange shows them on both; a client de-duplicates by update time).
    fn emit_order(&mut self, id: u64) {
        if let Some(o) = self.orders.get(&id) {
            let order = self.order_json(o);
            let instrument = self.instruments[o.inst].symbol.to_string();
            if o.trigger.is_some() || o.list.is_some() {
                let data = vec![order.clone()];
                self.events.push(SimEvent::User {
                    family: "user.advance.order",
                    instrument: Some(instrument.clone()),
                    data,
                });
            }
            self.events.push(SimEvent::UserOrder { instrument, order });
        }
    }

    fn emit_balance(&mut self) {
        let balance = self.balance_row();
        self.events.push(SimEvent::UserBalance { balance });
    }

    fn balance_row(&self) -> Value {
        self.account.summary_json(|ccy| self.usd_price(ccy), &self.totals(), self.is_liquidating)
    }

    /// USD value of one unit of `ccy`, at the synthetic mid of its spot pair.
    fn usd_price(&self, ccy: &str) -> Decimal {
        if ccy == "USD" {
            return Decimal::ONE;
        }
        self.instruments
            .iter()
            .position(|i| i.base == ccy && i.quote == "USD" && !i.is_perp())
            .map_or(Decimal::ZERO, |i| self.mids[i])
    }

    /// Runs what follows every call (triggers, lists, reduce-only, liquidation), then pushes
    /// BookChanged and Ticker for every instrument changed by the current call.
    fn flush_market(&mut self, now_ms: u64) {
        self.run_contingencies(now_ms);
        self.emit_positions();
        for i in std::mem::take(&mut self.dirty) {
            let instrument = self.instruments[i].symbol.to_string();
            let ticker = self.ticker(i, now_ms, true);
            self.events.push(SimEvent::BookChanged { instrument: instrument.clone() });
            self.events.push(SimEvent::Ticker { instrument, ticker });
        }
    }
}

impl Venue for Exchange {
    fn private(&mut self, method: &str, params: &Value, conn: Option<ConnId>, now_ms: u64) -> Result<Value, Reject> {
        let out = self.dispatch_private(method, params, conn, now_ms);
        self.flush_market(now_ms);
        out
    }

    fn public(&mut self, method: &str, params: &Value, now_ms: u64) -> Result<Value, Reject> {
        self.dispatch_public(method, params, now_ms)
    }

    fn connection_closed(&mut self, conn: ConnId, now_ms: u64) {
        self.cancel_for_connection(conn, now_ms);
        self.flush_market(now_ms);
    }

    fn step_market(&mut self, now_ms: u64) {
        if self.cfg.synthetic_market {
            self.market_step(now_ms);
        }
        self.perp_tick(now_ms);
        self.flush_market(now_ms);
    }

    fn book_levels(&self, instrument: &str, depth: usize) -> Option<(Vec<Level>, Vec<Level>)> {
        let i = self.inst_index(instrument)?;
        let inst = &self.instruments[i];
        let book = &self.books[i];
        Some((book.levels(book::Side::Buy, depth, inst), book.levels(book::Side::Sell, depth, inst)))
    }

    fn open_orders_json(&self, instrument: Option<&str>) -> Vec<Value> {
        let filter = instrument.map(|n| self.inst_index(n));
        self.open_orders(filter.map(|f| f.unwrap_or(usize::MAX)))
    }

    fn balance_json(&self, _now_ms: u64) -> Value {
        self.balance_row()
    }

    fn recent_public_trades(&self, instrument: &str, n: usize) -> Vec<Value> {
        let Some(i) = self.inst_index(instrument) else {
            return Vec::new();
        };
        self.tapes[i].recent(n, 0, u64::MAX).iter().map(|t| self.public_trade_json(i, t, false)).collect()
    }

    fn ticker_json(&self, instrument: &str, now_ms: u64) -> Option<Value> {
        self.inst_index(instrument).map(|i| self.ticker(i, now_ms, true))
    }

    fn is_instrument(&self, instrument: &str) -> bool {
        self.inst_index(instrument).is_some()
    }

    fn channel_data(
        &self,
        family: &str,
        instrument: Option<&str>,
        interval: Option<&str>,
        now_ms: u64,
    ) -> Option<Vec<Value>> {
        self.channel_snapshot(family, instrument, interval, now_ms)
    }

    fn take_events(&mut self) -> Vec<SimEvent> {
        std::mem::take(&mut self.events)
    }
}
