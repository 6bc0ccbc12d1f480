//! The state every part of the server shares, and the fan-out of venue events.
//!
//! Every venue call goes through [`Shared::run`], which takes the venue's events while still
//! holding its lock and queues them on the subscribed connections, so pushes leave in the order
//! the core produced them. Nothing here awaits or touches a socket.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::books::BookMode;
use super::envelope::push;
use super::faults::FaultSwitches;
use super::hub::{lock, Conn, Hub, Kind};
use super::limits::Limits;
use super::server::ServerTask;
use super::venue::{Level, SimEvent, Venue};
use super::SimConfig;
use cdc_protocol::clock::system_now_ms;

/// Bids and asks, best first.
type Sides = (Vec<Level>, Vec<Level>);

/// Everything the server's tasks share.
pub struct Shared {
    /// The configuration it was started with.
    pub cfg: SimConfig,
    /// The address it listens on (kept across restarts).
    pub addr: SocketAddr,
    /// The exchange core.
    pub venue: Arc<Mutex<dyn Venue>>,
    /// Live WebSocket connections.
    pub hub: Hub,
    /// Fault switches.
    pub faults: FaultSwitches,
    /// Rate limits and counters.
    pub limits: Limits,
    /// Wakes REST requests parked by the "drop acks" fault when connections are dropped.
    pub rest_kill: Notify,
    /// The running HTTP server, replaced on restart.
    pub server: tokio::sync::Mutex<Option<ServerTask>>,
    /// The market loop.
    pub market_task: Mutex<Option<JoinHandle<()>>>,
    seq: AtomicU64,
}

impl Shared {
    /// New shared state for a server listening on `addr`.
    pub fn new(cfg: SimConfig, addr: SocketAddr, venue: Arc<Mutex<dyn Venue>>) -> Self {
        Shared {
            cfg,
            addr,
            venue,
            hub: Hub::default(),
            faults: FaultSwitches::default(),
            limits: Limits::default(),
            rest_kill: Notify::new(),
            server: tokio::sync::Mutex::new(None),
            market_task: Mutex::new(None),
            // Start high, as a real feed's sequence numbers are.
            seq: AtomicU64::new(system_now_ms() * 1000),
        }
    }

    /// The next book sequence number. One counter serves every subscription, so each
    /// subscriber sees `u` rise by varying steps, as on the exchange (§5.1: never assume +1).
    pub fn next_u(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Runs `f` on the venue, then fans out whatever events it produced.
    pub fn run<R>(&self, f: impl FnOnce(&mut dyn Venue) -> R) -> R {
        let mut venue = lock(&self.venue);
        let out = f(&mut *venue);
        let events = venue.take_events();
        self.dispatch(&*venue, events);
        out
    }

    /// Queues each event on the connections subscribed to its channel.
    pub fn dispatch(&self, venue: &dyn Venue, events: Vec<SimEvent>) {
        if events.is_empty() {
            return;
        }
        let conns = self.hub.all();
        let mut books_done: Vec<String> = Vec::new();
        let mut candles_done: Vec<String> = Vec::new();
        for event in events {
            match event {
                SimEvent::UserOrder { instrument, order } => {
                    user_push(&conns, "user.order", Some(&instrument), vec![order])
                }
                SimEvent::UserTrade { instrument, trade } => {
                    user_push(&conns, "user.trade", Some(&instrument), vec![trade])
                }
                SimEvent::UserBalance { balance } => user_push(&conns, "user.balance", None, vec![balance]),
                SimEvent::User { family, instrument, data } => user_push(&conns, family, instrument.as_deref(), data),
                SimEvent::Market { channel, family, instrument, data } => {
                    named_push(&conns, &channel, family, &instrument, None, data)
                }
                SimEvent::PublicTrade { instrument, trade } => {
                    market_push(&conns, "trade", &instrument, trade);
                    if !candles_done.contains(&instrument) {
                        candle_pushes(&conns, venue, &instrument);
                        candles_done.push(instrument);
                    }
                }
                SimEvent::Ticker { instrument, ticker } => market_push(&conns, "ticker", &instrument, ticker),
                SimEvent::BookChanged { instrument } => {
                    // Deltas carry the current levels, so one diff per batch says everything.
                    if !books_done.contains(&instrument) {
                        self.book_deltas(&conns, venue, &instrument, false);
                        books_done.push(instrument);
                    }
                }
            }
        }
    }

    /// Sends each delta subscriber of `instrument` what changed since its last message.
    fn book_deltas(&self, conns: &[Arc<Conn>], venue: &dyn Venue, instrument: &str, only_quiet: bool) {
        let now = system_now_ms();
        let mut cache: HashMap<usize, Option<Sides>> = HashMap::new();
        for conn in conns.iter().filter(|c| c.kind == Kind::Market) {
            let mut subs = lock(&conn.subs);
            for (name, sub) in subs.iter_mut() {
                let Some(book) = sub.book.as_mut().filter(|b| b.mode == BookMode::Delta && b.instrument == instrument)
                else {
                    continue;
                };
                let quiet = book.last_sent.elapsed() >= self.cfg.book_quiet_interval;
                if only_quiet && !quiet {
                    continue;
                }
                let levels = cache.entry(book.depth).or_insert_with(|| venue.book_levels(instrument, book.depth));
                let Some((bids, asks)) = levels.clone() else {
                    continue;
                };
                if let Some(result) = book.delta(name, bids, asks, self.next_u(), now, quiet) {
                    conn.push(&push(result));
                }
            }
        }
    }

    /// One beat of the market loop: step the market if due, fan out, then send the timed book
    /// messages (SNAPSHOT-mode snapshots, empty deltas on quiet books).
    pub fn market_tick(&self, step: bool) {
        let mut venue = lock(&self.venue);
        if step {
            venue.step_market(system_now_ms());
        }
        let events = venue.take_events();
        self.dispatch(&*venue, events);
        let conns = self.hub.all();
        let mut instruments: Vec<String> = Vec::new();
        let now = system_now_ms();
        for conn in conns.iter().filter(|c| c.kind == Kind::Market) {
            let mut subs = lock(&conn.subs);
            for (name, sub) in subs.iter_mut() {
                let Some(book) = sub.book.as_mut() else {
                    continue;
                };
                match book.mode {
                    BookMode::Delta => {
                        if !instruments.contains(&book.instrument) {
                            instruments.push(book.instrument.clone());
                        }
                    }
                    BookMode::Snapshot if book.last_sent.elapsed() >= book.interval => {
                        let (bids, asks) = venue.book_levels(&book.instrument, book.depth).unwrap_or_default();
                        let result = book.snapshot(name, bids, asks, self.next_u(), now);
                        conn.push(&push(result));
                    }
                    BookMode::Snapshot => {}
                }
            }
        }
        for instrument in instruments {
            self.book_deltas(&conns, &*venue, &instrument, true);
        }
    }

    /// Spawns the loop that steps the market every `market_interval`.
    pub fn spawn_market_loop(self: &Arc<Self>) {
        let shared = self.clone();
        // Book timers need a finer beat than the market step when the step is slow.
        let beat = self.cfg.market_interval.min(Duration::from_millis(100)).max(Duration::from_millis(1));
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(beat);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut last_step = Instant::now();
            loop {
                ticker.tick().await;
                let step = last_step.elapsed() >= shared.cfg.market_interval;
                if step {
                    last_step = Instant::now();
                }
                shared.market_tick(step);
            }
        });
        *lock(&self.market_task) = Some(task);
    }
}

/// Pushes a user event to authenticated user connections subscribed to the family or to its
/// per-instrument channel.
fn user_push(conns: &[Arc<Conn>], family: &str, instrument: Option<&str>, data: Vec<Value>) {
    let per_instrument = instrument.map(|i| format!("{family}.{i}"));
    for conn in conns.iter().filter(|c| c.kind == Kind::User && c.is_authed()) {
        let subs = lock(&conn.subs);
        if subs.contains_key(family) {
            conn.push(&push(json!({"subscription": family, "channel": family, "data": &data})));
        }
        if let (Some(name), Some(instr)) = (&per_instrument, instrument) {
            if subs.contains_key(name) {
                conn.push(&push(
                    json!({"instrument_name": instr, "subscription": name, "channel": family, "data": &data}),
                ));
            }
        }
    }
}

/// Pushes to market connections subscribed to exactly `channel`.
fn named_push(
    conns: &[Arc<Conn>],
    channel: &str,
    family: &str,
    instrument: &str,
    interval: Option<&str>,
    data: Vec<Value>,
) {
    let mut result = json!({"instrument_name": instrument, "subscription": channel, "channel": family, "data": data});
    if let Some(i) = interval {
        result["interval"] = json!(i);
    }
    let frame = push(result);
    for conn in conns.iter().filter(|c| c.kind == Kind::Market) {
        if lock(&conn.subs).contains_key(channel) {
            conn.push(&frame);
        }
    }
}

/// After trades on `instrument`: each subscribed `candlestick.{interval}.{instrument}` gets
/// its current candle.
fn candle_pushes(conns: &[Arc<Conn>], venue: &dyn Venue, instrument: &str) {
    let suffix = format!(".{instrument}");
    let mut intervals: Vec<String> = Vec::new();
    for conn in conns.iter().filter(|c| c.kind == Kind::Market) {
        for name in lock(&conn.subs).keys() {
            if let Some(iv) = name.strip_prefix("candlestick.").and_then(|r| r.strip_suffix(&suffix)) {
                if !intervals.iter().any(|i| i == iv) {
                    intervals.push(iv.to_string());
                }
            }
        }
    }
    let now = system_now_ms();
    for iv in intervals {
        if let Some(data) = venue.channel_data("candlestick", Some(instrument), Some(&iv), now) {
            let channel = format!("candlestick.{iv}.{instrument}");
            named_push(conns, &channel, "candlestick", instrument, Some(&iv), data);
        }
    }
}

/// Pushes a public event to market connections subscribed to `family.instrument`.
fn market_push(conns: &[Arc<Conn>], family: &str, instrument: &str, data: Value) {
    let name = format!("{family}.{instrument}");
    for conn in conns.iter().filter(|c| c.kind == Kind::Market) {
        if lock(&conn.subs).contains_key(&name) {
            conn.push(&push(
                json!({"instrument_name": instrument, "subscription": name, "channel": family, "data": [&data]}),
            ));
        }
    }
}
