//! The engine's metrics in Prometheus's model (prometheus-client does the registry and the
//! text format): counters and histograms the writer task updates as things happen, and gauges
//! read from the state at scrape time ([`Scrape`]). Updating is an atomic add on a counter the
//! task looked up once; nothing here allocates per frame, takes a lock the hot path waits on,
//! or decides anything.

mod labels;
mod scrape;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

pub use labels::{
    reconnect_cause, Channel, Halt, Instrument, Kind, Method, Outcome, Socket, SocketCause, SocketLabel, SocketName,
    StrategyName,
};
pub use scrape::Scrape;

/// Rate-limit waits by method, for the whole process: the REST limiter is below any one
/// engine's reach, and a process runs one engine (a test process's engines share the count).
pub fn rate_limit_waits() -> &'static Family<Method, Counter> {
    static WAITS: OnceLock<Family<Method, Counter>> = OnceLock::new();
    WAITS.get_or_init(Family::default)
}

/// One engine's metrics and their registry.
#[derive(Debug)]
pub struct EngineMetrics {
    registry: Registry,
    /// Pushes read, by socket and channel (instrument left out: one series per channel kind).
    pub frames: Family<Channel, Counter>,
    /// Events handed to readers, by kind.
    pub events: Family<Kind, Counter>,
    /// Fills by instrument.
    pub fills: Family<Instrument, Counter>,
    /// Filled quantity by instrument (base units).
    pub volume: Family<Instrument, Counter<f64, AtomicU64>>,
    /// Placements by outcome (placed, rejected, refused, not_placed, unknown).
    pub orders: Family<Outcome, Counter>,
    /// Disconnects by socket and cause.
    pub reconnects: Family<SocketCause, Counter>,
    /// From the socket's `Ready` to the state being live again.
    pub reconciliation_seconds: Histogram,
    /// From sending `private/create-order` to its answer.
    pub order_round_trip_seconds: Histogram,
    /// From a market push reaching the writer task to the order it caused being handed to the
    /// router.
    pub tick_to_order_seconds: Histogram,
    /// Automatic triggers that fired, by trigger.
    pub triggers: Family<Kind, Counter>,
    /// Whether each socket is live (user: reconciled and following the stream).
    pub(crate) live: [AtomicBool; 2],
    /// Whether this engine has a market socket at all.
    pub(crate) has_market: AtomicBool,
    /// Strategy state: (name, halted reason), set by the writer task.
    pub(crate) strategies: Mutex<Vec<(String, Option<String>)>>,
    /// The kill switch's reason while it is on.
    pub(crate) killed: Mutex<Option<String>>,
    /// Scrape-time sources (the state, the sessions, the journal), set once at start.
    pub(crate) scrape: OnceLock<Scrape>,
    /// Entries queued to the journal and not yet committed.
    pub(crate) journal_pending: OnceLock<Arc<AtomicU64>>,
}

fn histogram(start: f64) -> Histogram {
    Histogram::new(exponential_buckets(start, 2.0, 16))
}

impl Default for EngineMetrics {
    fn default() -> Self {
        let mut m = EngineMetrics {
            registry: Registry::with_prefix("cdc"),
            frames: Family::default(),
            events: Family::default(),
            fills: Family::default(),
            volume: Family::default(),
            orders: Family::default(),
            reconnects: Family::default(),
            reconciliation_seconds: histogram(0.001),
            order_round_trip_seconds: histogram(0.000_05),
            tick_to_order_seconds: histogram(0.000_001),
            triggers: Family::default(),
            live: [AtomicBool::new(false), AtomicBool::new(false)],
            has_market: AtomicBool::new(false),
            strategies: Mutex::new(Vec::new()),
            killed: Mutex::new(None),
            scrape: OnceLock::new(),
            journal_pending: OnceLock::new(),
        };
        m.register();
        m
    }
}

impl EngineMetrics {
    fn register(&mut self) {
        let r = &mut self.registry;
        r.register("frames", "Pushes read from the exchange, by socket and channel", self.frames.clone());
        r.register("events", "Events the engine handed to its readers, by kind", self.events.clone());
        r.register("fills", "Fills applied (each trade_id once), by instrument", self.fills.clone());
        r.register("fill_volume", "Filled quantity in base units, by instrument", self.volume.clone());
        r.register("orders", "Order placements by outcome", self.orders.clone());
        r.register("reconnects", "Socket drops by socket and cause", self.reconnects.clone());
        r.register(
            "reconciliation_seconds",
            "Time from a socket's subscriptions confirmed to the state reconciled and live",
            self.reconciliation_seconds.clone(),
        );
        r.register(
            "order_round_trip_seconds",
            "Time from sending private/create-order to its acknowledgement",
            self.order_round_trip_seconds.clone(),
        );
        r.register(
            "tick_to_order_seconds",
            "Time from a market push reaching the engine to the order it caused being sent",
            self.tick_to_order_seconds.clone(),
        );
        r.register("triggers", "Automatic kill-switch triggers that fired, by trigger", self.triggers.clone());
        r.register(
            "rate_limit_waits",
            "Requests held back by the client-side rate limiter, by method",
            rate_limit_waits().clone(),
        );
    }

    /// Marks socket `s` live or not (for `/readyz` and `cdc_live`).
    pub fn set_live(&self, s: Socket, live: bool) {
        self.live[s as usize].store(live, Ordering::Relaxed);
    }

    /// Whether every socket the engine has is live and the user state reconciled.
    pub fn ready(&self) -> bool {
        let market_ok =
            !self.has_market.load(Ordering::Relaxed) || self.live[Socket::Market as usize].load(Ordering::Relaxed);
        self.live[Socket::User as usize].load(Ordering::Relaxed) && market_ok
    }

    /// What `/readyz` says when not ready: which socket is not live.
    pub fn not_ready_because(&self) -> Option<String> {
        let mut why = Vec::new();
        if !self.live[Socket::User as usize].load(Ordering::Relaxed) {
            why.push("user socket not live or not reconciled");
        }
        if self.has_market.load(Ordering::Relaxed) && !self.live[Socket::Market as usize].load(Ordering::Relaxed) {
            why.push("market socket not live");
        }
        (!why.is_empty()).then(|| why.join("; "))
    }

    /// The metrics in the Prometheus text format (version 0.0.4), gauges read now.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Encoding into a String cannot fail; an error would be a bug in the encoder.
        if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        let mut gauges = Registry::with_prefix("cdc");
        self.gauges(&mut gauges);
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &gauges);
        out
    }

    fn gauges(&self, r: &mut Registry) {
        let live: Family<SocketLabel, Gauge> = Family::default();
        live.get_or_create(&Socket::User.label()).set(i64::from(self.live[0].load(Ordering::Relaxed)));
        if self.has_market.load(Ordering::Relaxed) {
            live.get_or_create(&Socket::Market.label()).set(i64::from(self.live[1].load(Ordering::Relaxed)));
        }
        r.register("live", "1 while the socket is live (user: reconciled and following the stream)", live);
        let killed: Gauge = Gauge::default();
        killed.set(i64::from(self.killed.lock().map(|k| k.is_some()).unwrap_or(false)));
        r.register("kill_switch", "1 while the kill switch blocks every new order", killed);
        let running: Family<StrategyName, Gauge> = Family::default();
        let halted: Family<Halt, Gauge> = Family::default();
        for (name, why) in self.strategies.lock().map(|s| s.clone()).unwrap_or_default() {
            running.get_or_create(&StrategyName { strategy: name.clone() }).set(i64::from(why.is_none()));
            if let Some(reason) = why {
                halted.get_or_create(&Halt { strategy: name, reason }).set(1);
            }
        }
        r.register("strategy_running", "1 while the strategy runs, 0 once halted", running);
        r.register("strategy_halted", "1 for a halted strategy, with the reason", halted);
        if let Some(q) = self.journal_pending.get() {
            let pending: Gauge = Gauge::default();
            pending.set(i64::try_from(q.load(Ordering::Relaxed)).unwrap_or(i64::MAX));
            r.register("journal_pending_entries", "Fills and order transitions queued and not yet committed", pending);
        }
        if let Some(s) = self.scrape.get() {
            s.gauges(r);
        }
    }
}

/// The kind of a channel, without its instrument: the `channel` label of `cdc_frames`.
pub fn channel_kind(c: &crate::protocol::Channel) -> &'static str {
    use crate::protocol::Channel as C;
    match c {
        C::UserOrder(_) => "user.order",
        C::UserAdvanceOrder(_) => "user.advance.order",
        C::UserTrade(_) => "user.trade",
        C::UserBalance => "user.balance",
        C::UserPositions => "user.positions",
        C::UserPositionBalance => "user.position_balance",
        C::UserAccountRisk => "user.account_risk",
        C::UserTransactions => "user.transactions",
        C::Book { .. } => "book",
        C::Ticker(_) => "ticker",
        C::Trade(_) => "trade",
        C::Candlestick { .. } => "candlestick",
        C::Other(_) => "other",
    }
}

/// Counters the writer task has looked up once, by a small key (a channel kind, an event
/// kind), so that counting is a short scan and an atomic add, never a label built per frame.
#[derive(Debug)]
pub struct CounterCache<K> {
    seen: Vec<(K, Counter)>,
}

impl<K> Default for CounterCache<K> {
    fn default() -> Self {
        CounterCache { seen: Vec::new() }
    }
}

impl<K: PartialEq + Copy> CounterCache<K> {
    /// Counts one under `key`; `lookup` finds the family's counter the first time.
    pub fn count(&mut self, key: K, lookup: impl FnOnce() -> Counter) {
        if let Some((_, c)) = self.seen.iter().find(|(k, _)| *k == key) {
            c.inc();
            return;
        }
        let c = lookup();
        c.inc();
        self.seen.push((key, c));
    }
}

/// Counts one frame of `kind` on `socket` in `cdc_frames_total`.
pub fn count_frame(
    cache: &mut CounterCache<(Socket, &'static str)>,
    m: &EngineMetrics,
    socket: Socket,
    kind: &'static str,
) {
    cache.count((socket, kind), || {
        m.frames.get_or_create_owned(&Channel { socket: socket.label().socket, channel: kind.to_owned() })
    });
}
