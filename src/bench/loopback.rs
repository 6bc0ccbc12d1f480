//! End-to-end measurements over real loopback sockets: tick-to-order against the simulator (a
//! market frame is read off the socket, decoded, applied to the book, a strategy submits, and
//! the create-order frame is written on the user socket), and sustained user-event throughput
//! over a real WebSocket. Timings come from the sessions' [`WireTrace`] hook. It must NOT
//! touch anything but 127.0.0.1.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message;

use super::inproc::replayer;
use super::stats::Percentiles;
use super::strategy::QuoteOnTick;
use crate::engine::replay::Replayer;
use crate::protocol::enums::BookSubscriptionType;
use crate::protocol::Credentials;
use crate::sim::exchange::{Exchange, ExchangeConfig};
use crate::sim::SimConfig;
use crate::strategy::{Intent, Strategy};
use crate::ws::{self, SessionConfig, SessionEvent, WireTrace};

/// The loopback figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoopbackFigures {
    /// Tick-to-order latency, ns.
    pub tick_to_order_ns: Percentiles,
    /// Unambiguous samples taken.
    pub samples: usize,
    /// User events per second applied from a real WebSocket.
    pub ws_events_per_s: f64,
}

/// Wire instants of one session.
#[derive(Default)]
struct Probe {
    last_read: Mutex<Option<Instant>>,
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
    fn frame_written(&self, text: &str, at: Instant) {
        if text.contains("private/create-order") {
            *lock(&self.written) = Some(at);
            self.wrote.notify_one();
        }
    }
}

const KEY: &str = "bench_key_0001";
const SECRET: &str = "bench_secret_0001";

async fn wait_ready(rx: &mut mpsc::UnboundedReceiver<SessionEvent>, what: &str) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(SessionEvent::Ready)) => return Ok(()),
            Ok(Some(SessionEvent::AuthFailed { error, .. })) => return Err(format!("{what}: {error}")),
            Ok(Some(_)) => {}
            Ok(None) => return Err(format!("{what} session ended")),
            Err(_) => return Err(format!("{what} session not ready within 10 s")),
        }
    }
}

/// Tick-to-order against an in-process simulator stepping its market every 20 ms: `samples`
/// submissions, each timed from the market frame's read to the create-order frame's write.
pub async fn tick_to_order(samples: usize) -> Result<(Percentiles, usize), String> {
    let mut sim_cfg = SimConfig::new(KEY, SECRET);
    sim_cfg.market_interval = Duration::from_millis(20);
    let core = Exchange::new(ExchangeConfig { synthetic_market: true, ..ExchangeConfig::default() });
    let sim = crate::sim::start(sim_cfg, core).await.map_err(|e| format!("sim: {e}"))?;
    let creds = Credentials::new(KEY, SECRET).map_err(|e| e.to_string())?;
    let (market_probe, user_probe) = (Arc::new(Probe::default()), Arc::new(Probe::default()));
    let mut m = SessionConfig::market(&sim.market_ws_url(), vec!["book.BTC_USD.10".into()]);
    m.book_subscription_type = Some(BookSubscriptionType::SnapshotAndUpdate);
    m.connect_pause = Duration::from_millis(10);
    m.wire_trace = Some(market_probe.clone());
    let mut u = SessionConfig::user(&sim.user_ws_url(), creds);
    u.channels.clear();
    u.connect_pause = Duration::from_millis(10);
    u.wire_trace = Some(user_probe.clone());
    let (user, mut user_rx) = ws::spawn(u);
    let (market, mut market_rx) = ws::spawn(m);
    wait_ready(&mut user_rx, "user").await?;
    let mut r = Replayer::new(vec![Box::new(QuoteOnTick::new("BTC_USD")) as Box<dyn Strategy>]);
    let mut taken = Vec::with_capacity(samples);
    let deadline = Instant::now() + Duration::from_secs(30 + samples as u64 / 20);
    while taken.len() < samples && Instant::now() < deadline {
        let Ok(Some(ev)) = tokio::time::timeout(Duration::from_secs(5), market_rx.recv()).await else { break };
        let SessionEvent::Push(p) = ev else { continue };
        // A frame read while an earlier one waits in the queue cannot be told apart: skip it.
        let ambiguous = !market_rx.is_empty();
        let read = *lock(&market_probe.last_read);
        r.apply_push(&p);
        for intent in r.take_intents() {
            let Intent::Submit(order) = intent else { continue };
            *lock(&user_probe.written) = None;
            let handle = user.clone();
            // As the engine's router does: the request runs in its own task.
            tokio::spawn(async move { handle.call(&order).await });
            let wrote = tokio::time::timeout(Duration::from_secs(2), user_probe.wrote.notified()).await;
            if let (Ok(()), Some(read), Some(written), false) = (wrote, read, *lock(&user_probe.written), ambiguous) {
                taken.push(written.saturating_duration_since(read).as_nanos() as u64);
            }
        }
    }
    user.shutdown();
    market.shutdown();
    sim.shutdown().await;
    let n = taken.len();
    Ok((Percentiles::of(&mut taken), n))
}

/// Sends `frames` from a loopback WebSocket server as fast as it can and applies them on the
/// client through a session and the full path; returns events applied per second.
pub async fn ws_throughput(frames: Arc<Vec<Vec<u8>>>) -> Result<f64, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let to_send = frames.clone();
    let server = tokio::spawn(async move {
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
    });
    let mut cfg = SessionConfig::market(&format!("ws://{addr}/"), Vec::new());
    cfg.connect_pause = Duration::from_millis(1);
    let (session, mut rx) = ws::spawn(cfg);
    let mut r = replayer();
    let (mut applied, mut first) = (0usize, None);
    while applied < frames.len() {
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(SessionEvent::Push(p))) => {
                first.get_or_insert_with(Instant::now);
                r.apply_push(&p);
                applied += 1;
            }
            Ok(Some(SessionEvent::Disconnected { reason, .. })) => return Err(format!("disconnected: {reason}")),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Err(format!("stream stalled after {applied} events")),
        }
    }
    let secs = first.map_or(0.0, |t| t.elapsed().as_secs_f64());
    session.shutdown();
    server.abort();
    // The first event starts the clock, so it is not counted.
    Ok((applied.saturating_sub(1)) as f64 / secs.max(1e-9))
}

/// Both loopback measurements.
pub async fn run(samples: usize, frames: Arc<Vec<Vec<u8>>>) -> Result<LoopbackFigures, String> {
    let (tick_to_order_ns, samples) = tick_to_order(samples).await?;
    let ws_events_per_s = ws_throughput(frames).await?;
    Ok(LoopbackFigures { tick_to_order_ns, samples, ws_events_per_s })
}
