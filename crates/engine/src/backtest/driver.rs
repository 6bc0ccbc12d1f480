//! The backtest's loop: records in data time; before each, whatever fell due (orders reaching
//! the venue, the venue's answers reaching the engine, timers, funding, samples), in time
//! order; then the record itself, shown to the venue first and the strategies second, through
//! the engine's own apply code. It must NOT read the wall clock: the only time is data time.

use std::collections::BinaryHeap;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::data::{Item, Record, Source};
use super::report::{DataCounts, Drawdown, Report, Sample};
use super::route::{Due, Queued};
use super::venue::Venue;
use super::{BacktestConfig, BacktestError};
use crate::engine::apply::{self, Applier};
use crate::engine::host::Host;
use crate::engine::risk::Risk;
use crate::engine::venue::Listed;
use crate::protocol::models::Instrument;
use crate::protocol::{Channel, Push, PushData};
use crate::state::book::Books;
use crate::state::State;
use crate::strategy::Strategy;

/// Runs `strategies` over `source`. `instruments` fills in what the data's own instrument list
/// lacks (a capture from another tool has none).
pub fn run(
    cfg: &BacktestConfig,
    mut strategies: Vec<Box<dyn Strategy>>,
    source: &mut dyn Source,
    instruments: Vec<Instrument>,
) -> Result<Report, BacktestError> {
    // The data's own instrument list comes first in a recording.
    let mut listed_from_data = Vec::new();
    let first = loop {
        if !source.advance()? {
            return Err(BacktestError::Empty(String::new()));
        }
        match &source.current().item {
            Item::Instruments(list) => listed_from_data.extend(list.iter().cloned()),
            _ => break source.current().clone(),
        }
    };
    let known: std::collections::HashSet<String> = listed_from_data.iter().map(|i| i.symbol.to_string()).collect();
    listed_from_data.extend(instruments.into_iter().filter(|i| !known.contains(i.symbol.as_str())));
    let listed = Listed::new(listed_from_data.clone());
    let ids: Vec<String> = strategies.iter().map(|s| s.id()).collect();
    if let Some(dup) = ids.iter().enumerate().find(|(i, id)| ids[..*i].contains(id)).map(|(_, id)| id) {
        return Err(BacktestError::DuplicateId(dup.clone()));
    }
    let mut traded = Vec::new();
    for s in strategies.iter_mut() {
        let found = listed.check(s.name(), &s.instruments())?;
        traded.extend(found.iter().map(|i| i.symbol.to_string()));
        s.configure(&found).map_err(|error| BacktestError::Strategy { strategy: s.name().to_owned(), error })?;
    }
    let mut d = Driver::new(cfg, strategies, listed, &listed_from_data, traded);
    d.step(&first);
    while source.advance()? {
        if d.past_end(source.current()) {
            break;
        }
        d.step(source.current());
    }
    d.counts.skipped = source.skipped();
    Ok(d.finish())
}

/// The loop's state.
pub(super) struct Driver {
    pub(super) cfg: BacktestConfig,
    pub(super) state: Arc<State>,
    pub(super) books: Books,
    /// The venue's books when market data reaches the strategy later than the venue.
    pub(super) venue_books: Option<Books>,
    pub(super) host: Host,
    pub(super) risk: Risk,
    pub(super) listed: Listed,
    pub(super) venue: Venue,
    pub(super) pending: BinaryHeap<Queued>,
    pub(super) seq: u64,
    pub(super) now_us: u64,
    pub(super) next_oid: u64,
    /// When the clock started (the first record), for the risk checks' rate window.
    pub(super) epoch: (u64, tokio::time::Instant),
    timers: Vec<Option<(u64, u64)>>,
    next_funding_us: u64,
    next_sample_us: u64,
    /// The earliest time anything (queued, timer, funding, sample) may be due.
    wakeup: u64,
    started: bool,
    pub(super) inflight: usize,
    pub(super) counts: DataCounts,
    pub(super) orders: super::report::OrderCounts,
    pub(super) drawdown: Drawdown,
    /// The last mid of each book, for valuing holdings while a book waits for a snapshot.
    pub(super) last_mids: std::collections::HashMap<String, Decimal>,
    pub(super) series: Vec<Sample>,
    pub(super) start_equity: Option<Decimal>,
    /// The instruments the strategies trade; the first is the one whose position is charted.
    pub(super) traded: Vec<String>,
    pub(super) currency: String,
    pub(super) halted: Vec<String>,
}

impl Driver {
    fn new(
        cfg: &BacktestConfig,
        strategies: Vec<Box<dyn Strategy>>,
        listed: Listed,
        all: &[Instrument],
        traded: Vec<String>,
    ) -> Self {
        let timers = strategies.iter().map(|s| s.timer_interval().map(|d| (d.as_micros().max(1) as u64, 0))).collect();
        let state = Arc::new(State::default());
        let venue = Venue::new(&cfg.balances, cfg.fees, all);
        // Valued in the quote currency of the first instrument traded, as the venue lists it.
        let currency = traded.first().map_or_else(|| "USD".to_owned(), |i| venue.pair(i).quote);
        Driver {
            cfg: cfg.clone(),
            state,
            books: Books::default(),
            venue_books: (cfg.feed_latency_us > 0).then(Books::default),
            host: Host::new(strategies, cfg.halt_after.max(1), Vec::new()),
            risk: Risk::new(cfg.limits.clone()),
            listed,
            venue,
            pending: BinaryHeap::new(),
            seq: 0,
            now_us: 0,
            next_oid: 0,
            epoch: (0, tokio::time::Instant::now()),
            timers,
            next_funding_us: u64::MAX,
            next_sample_us: u64::MAX,
            wakeup: 0,
            started: false,
            inflight: 0,
            counts: DataCounts::default(),
            orders: Default::default(),
            drawdown: Drawdown::default(),
            last_mids: Default::default(),
            series: Vec::new(),
            start_equity: None,
            traded,
            currency,
            halted: Vec::new(),
        }
    }

    fn past_end(&self, r: &Record) -> bool {
        self.cfg.to_ms.is_some_and(|to| r.recv_us / 1000 > to)
    }

    /// One record: what fell due before it, then the record, then what fell due at once.
    fn step(&mut self, r: &Record) {
        self.run_due(r.recv_us);
        self.now_us = self.now_us.max(r.recv_us);
        self.counts.records += 1;
        if !self.started && self.cfg.from_ms.is_none_or(|from| r.recv_us / 1000 >= from) && is_market(r) {
            // The first record only builds the books: the strategies start on a market they
            // can see, and the first sample values it.
            if let Item::Push(p) = &r.item {
                self.market(p);
            }
            return self.start();
        }
        match &r.item {
            Item::Push(p) => self.market(p),
            Item::Gap(why) => {
                self.counts.gaps += 1;
                tracing::info!(at_us = r.recv_us, %why, "gap in the recording");
                // As the engine when its feed drops: not live until a fresh snapshot.
                if self.state.is_live() {
                    self.state.set_live(false);
                    self.dispatch(|s, ctx| s.on_live(ctx, false));
                }
            }
            Item::Instruments(_) => {}
        }
        self.flush_venue();
        self.run_due(self.now_us);
    }

    fn start(&mut self) {
        self.started = true;
        let t = self.now_us;
        self.counts.first_ms = t / 1000;
        self.epoch.0 = t;
        for timer in self.timers.iter_mut().flatten() {
            timer.1 = t + timer.0;
        }
        let funding = self.cfg.funding_interval_ms.max(1) * 1000;
        self.next_funding_us = (t / funding + 1) * funding;
        self.venue.push_balance();
        for p in std::mem::take(&mut self.venue.out) {
            apply::apply_push(self, p);
        }
        self.sample();
        let every = self.cfg.sample_ms.max(1) * 1000;
        self.next_sample_us = (t / every + 1) * every;
        self.state.set_live(true);
        self.host.started = true;
        self.dispatch(|s, ctx| s.on_start(ctx));
        // As the engine after its first reconciliation: the state is live.
        self.dispatch(|s, ctx| s.on_live(ctx, true));
        self.flush_venue();
        self.wakeup = 0;
        self.run_due(t);
    }

    /// A market push: marks and funding rates to the venue, the rest through the engine.
    fn market(&mut self, p: &Push) {
        match &p.data {
            PushData::BookSnapshots(_) | PushData::BookDeltas(_) => self.counts.book_updates += 1,
            PushData::PublicTrades(list) => self.counts.trades += list.len() as u64,
            PushData::Other(raw) => {
                if let Channel::Other(name) = &p.channel {
                    self.perp_feed(name, raw);
                }
            }
            _ => {}
        }
        if let Some(books) = self.venue_books.as_mut() {
            // The venue's own view, ahead of the strategy's by the feed latency.
            if self.started {
                self.venue_sees(p);
                self.queue(self.now_us + self.cfg.feed_latency_us, Due::Market(Box::new(p.clone())));
                return;
            }
            books.on_push(p);
        }
        if self.started {
            self.engine_market(p);
        } else if let Some(channel) = self.books.on_push(p) {
            tracing::debug!(%channel, "book gap before the start");
        }
    }

    /// A market push reaches the engine and the strategies.
    pub(super) fn engine_market(&mut self, p: &Push) {
        apply::apply_market(self, p);
        if !self.state.is_live() && matches!(p.data, PushData::BookSnapshots(_)) {
            self.state.set_live(true);
            self.dispatch(|s, ctx| s.on_live(ctx, true));
        }
    }

    /// With a feed latency: the venue's books and queues take a push at once.
    fn venue_sees(&mut self, p: &Push) {
        let Some(books) = self.venue_books.as_mut() else { return };
        let ms = self.now_us / 1000;
        match (&p.data, &p.channel) {
            (PushData::BookSnapshots(_) | PushData::BookDeltas(_), Channel::Book { instrument, .. })
                // The guard applies the push whatever follows: every book change is applied.
                if books.apply(p) == Ok(true) && self.venue.has_open(instrument.as_str()) =>
            {
                if let Some(book) = books.get(instrument.as_str()) {
                    self.venue.on_book(instrument.as_str(), book, ms);
                }
            }
            (PushData::PublicTrades(list), _) => {
                for t in list {
                    if self.venue.has_open(t.instrument.as_str()) {
                        self.venue.on_trade(t.instrument.as_str(), t, ms);
                    }
                }
            }
            _ => {}
        }
        self.flush_venue();
    }

    /// `mark.{I}` and `funding.{I}`: the value `v` of the last row.
    fn perp_feed(&mut self, channel: &str, raw: &str) {
        let Some((kind, instrument)) = channel.split_once('.') else { return };
        #[derive(serde::Deserialize)]
        struct Row {
            #[serde(deserialize_with = "crate::protocol::num::decimal")]
            v: Decimal,
        }
        let Some(row) = serde_json::from_str::<Vec<Row>>(raw).ok().and_then(|v| v.into_iter().last()) else { return };
        match kind {
            "mark" => self.venue.on_mark(instrument, row.v),
            "funding" => self.venue.on_funding_rate(instrument, row.v),
            _ => {}
        }
    }

    /// Queues what the venue said, to reach the engine after the latency.
    pub(super) fn flush_venue(&mut self) {
        if self.venue.out.is_empty() {
            return;
        }
        let at = self.now_us + self.cfg.latency_us;
        for p in std::mem::take(&mut self.venue.out) {
            self.queue(at, Due::Deliver(p));
        }
    }

    /// Everything due at or before `t`, oldest first: queued events, then timers, funding and
    /// samples at the same time.
    fn run_due(&mut self, t: u64) {
        // Nearly every record comes before anything is due: one comparison then.
        if !self.started || t < self.wakeup {
            return;
        }
        loop {
            let queued = self.pending.peek().map_or(u64::MAX, |q| q.t);
            let timer = self.timers.iter().enumerate().filter_map(|(i, x)| x.map(|(_, n)| (n, i))).min();
            let next = queued.min(timer.map_or(u64::MAX, |x| x.0)).min(self.next_funding_us).min(self.next_sample_us);
            if next > t {
                self.wakeup = next;
                return;
            }
            self.now_us = self.now_us.max(next);
            if queued == next {
                if let Some(q) = self.pending.pop() {
                    self.handle(q.due);
                }
            } else if let Some((_, i)) = timer.filter(|x| x.0 == next) {
                if let Some(x) = self.timers[i].as_mut() {
                    x.1 += x.0;
                }
                // As the engine: no timer while the state is not live.
                if self.state.is_live() {
                    self.dispatch_one(i, |s, ctx| s.on_timer(ctx));
                }
            } else if self.next_funding_us == next {
                self.next_funding_us += self.cfg.funding_interval_ms.max(1) * 1000;
                self.venue.pay_funding(next / 1000);
            } else {
                self.sample();
                let every = self.cfg.sample_ms.max(1) * 1000;
                // An hour without data is one point, not thousands of equal ones.
                self.next_sample_us = (t.max(next) / every + 1) * every;
            }
            self.flush_venue();
        }
    }

    fn finish(mut self) -> Report {
        if self.started {
            self.dispatch(|s, ctx| s.on_stop(ctx));
            // What the strategies asked for at the end, and the answers, within the latency.
            let end = self.now_us + 2 * self.cfg.latency_us;
            self.run_due_queued(end);
            self.sample();
        }
        self.counts.last_ms = self.now_us / 1000;
        super::route::report(self)
    }

    /// Queued events up to `t` only (no timers: the run has ended).
    fn run_due_queued(&mut self, t: u64) {
        while let Some(q) = self.pending.peek().filter(|q| q.t <= t).map(|q| q.t) {
            self.now_us = self.now_us.max(q);
            if let Some(q) = self.pending.pop() {
                self.handle(q.due);
            }
            self.flush_venue();
        }
    }

    pub(super) fn queue(&mut self, t: u64, due: Due) {
        self.wakeup = self.wakeup.min(t);
        self.seq += 1;
        self.pending.push(Queued { t, seq: self.seq, due });
    }

    pub(super) fn start_equity(&self) -> Option<Decimal> {
        self.start_equity
    }

    pub(super) fn drawdown(&self) -> Decimal {
        self.drawdown.max
    }

    pub(super) fn take_series(&mut self) -> Vec<Sample> {
        std::mem::take(&mut self.series)
    }

    pub(super) fn currency(&self) -> &str {
        &self.currency
    }
}

fn is_market(r: &Record) -> bool {
    matches!(r.item, Item::Push(_))
}
