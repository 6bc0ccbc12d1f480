//! End-to-end measurements over real loopback sockets: tick-to-order against the simulator (a
//! market frame is read off the socket, decoded, applied to the book, a strategy submits, and
//! the create-order frame is written on the user socket), and sustained user-event throughput
//! over a real WebSocket. Timings come from the sessions' [`WireTrace`] hook. The far side
//! (simulator, frame server) runs on its own thread and runtime, so that the engine side gets
//! the caller's runtime to itself: one core, as issue 7 allows the engine. (`run` itself uses a
//! multi-threaded runtime today.) It must NOT touch anything but 127.0.0.1.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message;

use super::inproc::replayer;
use super::stats::Percentiles;
use super::strategy::QuoteOnTick;
use cdc_engine::engine::replay::Replayer;
use cdc_engine::protocol::enums::BookSubscriptionType;
use cdc_engine::protocol::Credentials;
use cdc_engine::strategy::{Intent, Strategy};
use cdc_engine::ws::{self, SessionConfig, SessionEvent, WireTrace};
use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::SimConfig;

/// Tick-to-order latency and its legs, ns.
#[derive(Debug, Clone, Copy, Default)]
pub struct TickFigures {
    /// Socket read of the market frame to the create-order frame written.
    pub total: Percentiles,
    /// Socket read to the push in the engine side's hands (decode + hand-over).
    pub to_engine: Percentiles,
    /// Apply to the book and the strategy's decision.
    pub decide: Percentiles,
    /// Submission to the frame written (request built, handed to the user session, written).
    pub to_wire: Percentiles,
    /// The engine's own part: the market frame read complete to the order frame's write
    /// beginning (the socket's write excluded).
    pub internal: Percentiles,
    /// Unambiguous samples taken.
    pub samples: usize,
}

/// What the loopback runs measured: tick-to-order percentiles and socket throughput.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoopbackFigures {
    /// Tick-to-order latency and its legs.
    pub tick: TickFigures,
    /// User events per second applied from a real WebSocket.
    pub ws_events_per_s: f64,
}

/// Wire instants of one session.
#[derive(Default)]
struct Probe {
    last_read: Mutex<Option<Instant>>,
    writing: Mutex<Option<Instant>>,
    written: Mutex<Option<Instant>>,
    wrote: Notify,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl WireTrace for Probe {
    fn frame_read(&self, at: Instant) {
        *lock(&self.last_read) = Some(at);
    }
    fn frame_writing(&self, text: &str, at: Instant) {
        if text.contains("private/create-order") {
            *lock(&self.writing) = Some(at);
        }
    }
    fn frame_written(&self, text: &str, at: Instant) {
        if text.contains("private/create-order") {
            *lock(&self.written) = Some(at);
            self.wrote.notify_one();
        }
    }
}

const KEY: &str = "bench_key_0001";
const SECRET: &str = "bench_secret_0001";

/// Why a loopback measurement could not run: the part that failed, and how.
#[derive(Debug, thiserror::Error)]
#[error("{part}: {cause}")]
pub struct LoopbackError {
    /// The part of the set-up or the run that failed (`sim`, `user session`, `stream`, ...).
    pub part: &'static str,
    /// What went wrong.
    pub cause: String,
}

pub(super) fn fail(part: &'static str, cause: impl std::fmt::Display) -> LoopbackError {
    LoopbackError { part, cause: cause.to_string() }
}

async fn wait_ready(rx: &mut mpsc::Receiver<SessionEvent>, what: &'static str) -> Result<(), LoopbackError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(SessionEvent::Ready)) => return Ok(()),
            Ok(Some(SessionEvent::AuthFailed { error, .. })) => return Err(fail(what, error)),
            Ok(Some(_)) => {}
            Ok(None) => return Err(fail(what, "the session ended")),
            Err(_) => return Err(fail(what, "the session was not ready within 10 s")),
        }
    }
}

/// The far side of a measurement, running on its own thread until dropped.
pub(super) struct FarSide {
    stop_tx: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for FarSide {
    fn drop(&mut self) {
        if let Some(tx) = self.stop_tx.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs `serve` on a new thread with its own single-threaded runtime; `serve` reports its
/// address (or why it could not start) and then runs until the stop signal.
pub(super) async fn far_side<T, F, Fut>(serve: F) -> Result<(T, FarSide), LoopbackError>
where
    T: Send + 'static,
    F: FnOnce(tokio::sync::oneshot::Sender<Result<T, LoopbackError>>, tokio::sync::oneshot::Receiver<()>) -> Fut
        + Send
        + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let thread = std::thread::spawn(move || {
        super::pin::far_side();
        match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt.block_on(serve(ready_tx, stop_rx)),
            Err(e) => drop(ready_tx.send(Err(fail("runtime", e)))),
        }
    });
    let side = FarSide { stop_tx: Some(stop_tx), thread: Some(thread) };
    let ready = ready_rx.await.map_err(|_| fail("far side", "it ended before it was ready"))??;
    Ok((ready, side))
}

/// The simulator (market stepping every `market_interval`) on its own thread; its user and
/// market URLs.
async fn start_sim(market_interval: Duration) -> Result<((String, String), FarSide), LoopbackError> {
    far_side(move |ready, stop| async move {
        let mut sim_cfg = SimConfig::new(KEY, SECRET);
        sim_cfg.market_interval = market_interval;
        let core = Exchange::new(ExchangeConfig { synthetic_market: true, ..ExchangeConfig::default() });
        match cdc_sim::start(sim_cfg, core).await {
            Ok(sim) => {
                let _ = ready.send(Ok((sim.user_ws_url(), sim.market_ws_url())));
                let _ = stop.await;
                sim.shutdown().await;
            }
            Err(e) => drop(ready.send(Err(fail("sim", e)))),
        }
    })
    .await
}

/// Tick-to-order against a simulator stepping its market every `market_interval`: `samples` submissions,
/// each timed from the market frame's read to the create-order frame's write.
pub async fn tick_to_order(samples: usize, market_interval: Duration) -> Result<TickFigures, LoopbackError> {
    let ((user_url, market_url), sim) = start_sim(market_interval).await?;
    let creds = Credentials::new(KEY, SECRET).map_err(|e| fail("credentials", e))?;
    let (market_probe, user_probe) = (Arc::new(Probe::default()), Arc::new(Probe::default()));
    let mut m = SessionConfig::market(&market_url, vec!["book.BTC_USD.10".into()]);
    m.book_subscription_type = Some(BookSubscriptionType::SnapshotAndUpdate);
    m.connect_pause = Duration::from_millis(10);
    m.wire_trace = Some(market_probe.clone());
    let mut u = SessionConfig::user(&user_url, creds);
    u.channels.clear();
    u.connect_pause = Duration::from_millis(10);
    u.wire_trace = Some(user_probe.clone());
    let (user, mut user_rx) = ws::spawn(u);
    let (market, mut market_rx) = ws::spawn(m);
    wait_ready(&mut user_rx, "user session").await?;
    let mut r = Replayer::new(vec![Box::new(QuoteOnTick::new("BTC_USD")) as Box<dyn Strategy>]);
    let (mut taken, mut legs) = (Vec::with_capacity(samples), [Vec::new(), Vec::new(), Vec::new()]);
    let mut internal = Vec::with_capacity(samples);
    let deadline = Instant::now() + Duration::from_secs(30 + samples as u64 / 20);
    while taken.len() < samples && Instant::now() < deadline {
        let Ok(Some(ev)) = tokio::time::timeout(Duration::from_secs(5), market_rx.recv()).await else { break };
        let SessionEvent::Push(p) = ev else { continue };
        // A frame read while an earlier one waits in the queue cannot be told apart: skip it.
        let ambiguous = !market_rx.is_empty();
        let read = *lock(&market_probe.last_read);
        let got = Instant::now();
        r.apply_push(*p);
        let decided = Instant::now();
        for intent in r.take_intents() {
            let Intent::Submit(order) = intent else { continue };
            *lock(&user_probe.written) = None;
            *lock(&user_probe.writing) = None;
            let handle = user.clone();
            // As the engine's router does: the request runs in its own task.
            tokio::spawn(async move { handle.call(&order).await });
            let wrote = tokio::time::timeout(Duration::from_secs(2), user_probe.wrote.notified()).await;
            let writing = *lock(&user_probe.writing);
            if let (Ok(()), Some(read), Some(written), Some(writing), false) =
                (wrote, read, *lock(&user_probe.written), writing, ambiguous)
            {
                let ns = |a: Instant, b: Instant| b.saturating_duration_since(a).as_nanos() as u64;
                taken.push(ns(read, written));
                internal.push(ns(read, writing));
                for (leg, (a, b)) in legs.iter_mut().zip([(read, got), (got, decided), (decided, written)]) {
                    leg.push(ns(a, b));
                }
            }
        }
    }
    user.shutdown();
    market.shutdown();
    drop(sim);
    let [mut to_engine, mut decide, mut to_wire] = legs;
    Ok(TickFigures {
        samples: taken.len(),
        total: Percentiles::of(&mut taken),
        to_engine: Percentiles::of(&mut to_engine),
        decide: Percentiles::of(&mut decide),
        to_wire: Percentiles::of(&mut to_wire),
        internal: Percentiles::of(&mut internal),
    })
}

/// Sends `frames` from a loopback WebSocket server as fast as it can and applies them on the
/// client through a session and the full path; returns events applied per second.
pub async fn ws_throughput(frames: Arc<Vec<Vec<u8>>>) -> Result<f64, LoopbackError> {
    let to_send = frames.clone();
    let (addr, server) = far_side(|ready, stop| async move {
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => return drop(ready.send(Err(fail("listen", e)))),
        };
        let _ = ready.send(listener.local_addr().map_err(|e| fail("listen", e)));
        let blast = async {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { return };
            for f in to_send.iter() {
                let text = String::from_utf8_lossy(f).into_owned();
                if ws.feed(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            let _ = ws.flush().await;
            // Hold the connection open until the client leaves.
            while let Some(Ok(_)) = ws.next().await {}
        };
        tokio::select! { _ = blast => {}, _ = stop => {} }
    })
    .await?;
    let mut cfg = SessionConfig::market(&format!("ws://{addr}/"), Vec::new());
    cfg.connect_pause = Duration::from_millis(1);
    // Throughput of the whole path, every frame counted: a queue that holds them all, so none
    // is dropped for a reader that lags behind the blast.
    cfg.event_capacity = frames.len() + 16;
    let (session, mut rx) = ws::spawn(cfg);
    let mut r = replayer();
    let (mut applied, mut first) = (0usize, None);
    while applied < frames.len() {
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(SessionEvent::Push(p))) => {
                first.get_or_insert_with(Instant::now);
                r.apply_push(*p);
                applied += 1;
            }
            Ok(Some(SessionEvent::Disconnected { reason, .. })) => {
                return Err(fail("stream", format!("disconnected: {reason}")))
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Err(fail("stream", format!("stalled after {applied} events"))),
        }
    }
    let secs = first.map_or(0.0, |t| t.elapsed().as_secs_f64());
    session.shutdown();
    drop(server);
    // The first event starts the clock, so it is not counted.
    Ok((applied.saturating_sub(1)) as f64 / secs.max(1e-9))
}

/// Both loopback measurements.
pub async fn run(
    samples: usize,
    market_interval: Duration,
    frames: Arc<Vec<Vec<u8>>>,
) -> Result<LoopbackFigures, LoopbackError> {
    let tick = tick_to_order(samples, market_interval).await?;
    let ws_events_per_s = ws_throughput(frames).await?;
    Ok(LoopbackFigures { tick, ws_events_per_s })
}
