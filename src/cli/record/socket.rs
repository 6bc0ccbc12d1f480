//! The recorder's connection loop: connect to the market WebSocket, fetch the instrument list,
//! wait the 1 s of §4.2, subscribe, answer every heartbeat the moment it is read (§4.3), and
//! hand every text frame to the writer with its receive time. A drop (close, error, 35 s
//! without a frame) becomes a `gap` line, then a reconnect with jittered back-off and a fresh
//! subscribe. The connection state goes to stderr as it changes.
//!
//! It must NOT write files or interpret market data: it reads only what it must answer
//! (heartbeats) or count (subscribe answers).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::{SinkExt, StreamExt};
use tokio::sync::watch;
use tokio::time::{sleep, sleep_until, Instant};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use cdc_engine::backoff::Backoff;
use cdc_engine::protocol::envelope::{heartbeat_reply, HEARTBEAT_METHOD};

use super::format::{parse, Parsed};
use super::subs::{Progress, Subs};
use super::writer::{Entry, Sink};

/// §4.2: requests in the socket's first second may meet the pro-rated limit (42901).
const CONNECT_PAUSE: Duration = Duration::from_secs(1);
/// A server silent this long (heartbeats come every 30 s) is presumed gone.
const READ_TIMEOUT: Duration = Duration::from_secs(35);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long subscribe answers may take before the recorder says which are missing.
const CONFIRM_WAIT: Duration = Duration::from_secs(10);
/// Pause before asking again for channels refused for a transient reason.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// Where and what to record.
pub(super) struct Target {
    pub url: String,
    pub rest_url: String,
    pub channels: Vec<String>,
    /// Whether any channel is a book (the subscribe then asks for deltas).
    pub books: bool,
    /// What `--metrics` serves.
    pub metrics: std::sync::Arc<super::metrics::RecorderMetrics>,
}

/// Why one connection ended.
enum End {
    Stopped,
    /// Dropped after it was established: a gap in the recording.
    Dropped(String),
    /// Recording cannot go on (every channel refused, the writer stopped).
    Fatal(anyhow::Error),
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Records until `stop` turns true; `Err` only when recording cannot go on.
pub(super) async fn record(t: &Target, out: Sink, mut stop: watch::Receiver<bool>) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .timeout(super::rest::TIMEOUT)
        .build()
        .map_err(|e| anyhow::anyhow!("cannot set up the HTTP client: {e}"))?;
    // The official CLI's policy (§4.6), from half a second: 0.5 s doubling to 30 s, jittered.
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    // Ids start at the clock so that they stay unique across restarts (as the engine's).
    let mut next_id = cdc_engine::clock::system_now_ms();
    loop {
        eprintln!("connecting to {}", t.url);
        let reason = match until_stop(&mut stop, connect(&t.url)).await {
            None => return Ok(()),
            // Nothing was connected, so nothing new is missing: no gap line for this attempt.
            Some(Err(reason)) => reason,
            Some(Ok(ws)) => {
                let connected = Instant::now();
                match until_stop(&mut stop, super::rest::instruments(&http, &t.rest_url)).await {
                    None => return Ok(()),
                    Some(Ok(data)) => out.send(Entry::Instruments { recv_us: now_us(), data })?,
                    Some(Err(e)) => eprintln!("warning: {e:#}; recording without it"),
                }
                match serve(ws, connected, t, &out, &mut stop, &mut next_id, &mut backoff).await {
                    End::Stopped => return Ok(()),
                    End::Fatal(e) => return Err(e),
                    End::Dropped(reason) => {
                        t.metrics.dropped();
                        out.send(Entry::Gap { recv_us: now_us(), reason: reason.clone() })?;
                        reason
                    }
                }
            }
        };
        let pause = backoff.next_delay();
        eprintln!("disconnected: {reason}; reconnecting in {:.1} s", pause.as_secs_f64());
        if until_stop(&mut stop, sleep(pause)).await.is_none() {
            return Ok(());
        }
    }
}

/// Runs `f` unless `stop` turns true first (`None` then).
async fn until_stop<F: std::future::Future>(stop: &mut watch::Receiver<bool>, f: F) -> Option<F::Output> {
    tokio::select! {
        _ = stop.wait_for(|s| *s) => None,
        v = f => Some(v),
    }
}

async fn connect(url: &str) -> Result<Ws, String> {
    let mut cfg = WebSocketConfig::default();
    // Book snapshots of 50 levels on many instruments stay far below this.
    cfg.max_message_size = Some(4 << 20);
    cfg.max_frame_size = Some(4 << 20);
    let connect = tokio_tungstenite::connect_async_with_config(url, Some(cfg), true);
    match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(e)) => Err(format!("connecting to {url} failed: {e}")),
        Err(_) => Err(format!("connecting to {url} timed out after {} s", CONNECT_TIMEOUT.as_secs())),
    }
}

/// Microseconds since the Unix epoch, by the wall clock.
pub(super) fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// One connection, from the pause after connecting until it ends.
async fn serve(
    ws: Ws,
    connected: Instant,
    t: &Target,
    out: &Sink,
    stop: &mut watch::Receiver<bool>,
    next_id: &mut u64,
    backoff: &mut Backoff,
) -> End {
    let (mut sink, mut stream) = ws.split();
    let mut subs = Subs::new();
    // What to ask for next, and when: everything after the pause, refused channels later.
    let mut ask: Option<(Instant, Vec<String>)> = Some((connected + CONNECT_PAUSE, t.channels.clone()));
    let mut confirm_by: Option<Instant> = None;
    let mut last_frame = Instant::now();
    loop {
        let ask_at = ask.as_ref().map_or(last_frame, |(at, _)| *at);
        let confirm_at = confirm_by.unwrap_or(last_frame);
        tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => {
                // Polite, and harmless if the server is already gone.
                let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(Message::Close(None))).await;
                return End::Stopped;
            }
            msg = stream.next() => {
                let recv_us = now_us();
                last_frame = Instant::now();
                let text = match msg {
                    None => return End::Dropped("the server closed the stream".into()),
                    Some(Err(e)) => return End::Dropped(format!("read error: {e}")),
                    Some(Ok(Message::Close(Some(f)))) => {
                        return End::Dropped(format!("closed by the server: code {} {}", u16::from(f.code), f.reason))
                    }
                    Some(Ok(Message::Close(None))) => return End::Dropped("closed by the server".into()),
                    Some(Ok(Message::Text(text))) => text.as_str().to_owned(),
                    // The exchange sends text; a binary frame is kept as text when it is UTF-8.
                    Some(Ok(Message::Binary(bytes))) => String::from_utf8_lossy(&bytes).into_owned(),
                    // Pings are answered by the WebSocket library.
                    Some(Ok(_)) => continue,
                };
                let head = match parse(&text) {
                    Parsed::Json(head) => Some(head),
                    Parsed::Bad => None,
                };
                if let Some(id) = head.as_ref().filter(|h| h.method.as_deref() == Some(HEARTBEAT_METHOD)).and_then(|h| h.id) {
                    // Answered before anything else is done with the frame (§4.3).
                    if let Err(e) = sink.send(Message::Text(heartbeat_reply(id).into())).await {
                        return End::Dropped(format!("write error answering a heartbeat: {e}"));
                    }
                }
                t.metrics.frame(recv_us);
                if let Err(e) = out.send(Entry::Frame { recv_us, text, json: head.is_some() }) {
                    return End::Fatal(e);
                }
                let progress = head.map_or(Progress::Waiting, |h| subs.on_answer(&h));
                match progress {
                    Progress::Waiting => {}
                    Progress::Retry(again) => {
                        eprintln!("the exchange refused {} channels for now (rate limit or busy); asking again in 1 s", again.len());
                        ask = Some((Instant::now() + RETRY_PAUSE, again));
                    }
                    Progress::Complete { confirmed, refused } => {
                        confirm_by = None;
                        if let Err(e) = report(confirmed, &refused, t.channels.len()) {
                            return End::Fatal(e);
                        }
                        t.metrics.subscribed.store(true, std::sync::atomic::Ordering::Relaxed);
                        // A connection that subscribed is a success: the next drop starts the
                        // back-off again from its base.
                        backoff.reset();
                    }
                }
            }
            _ = sleep_until(ask_at), if ask.is_some() => {
                let Some((_, channels)) = ask.take() else { continue };
                for req in subs.requests(&channels, t.books, next_id, cdc_engine::clock::system_now_ms()) {
                    if let Err(e) = sink.send(Message::Text(req.into())).await {
                        return End::Dropped(format!("write error subscribing: {e}"));
                    }
                }
                confirm_by = Some(Instant::now() + CONFIRM_WAIT);
            }
            _ = sleep_until(confirm_at), if confirm_by.is_some() => {
                confirm_by = None;
                let (confirmed, waiting) = subs.counts();
                eprintln!(
                    "warning: {confirmed} of {} channels confirmed after {} s, {waiting} unanswered; recording what arrives",
                    t.channels.len(),
                    CONFIRM_WAIT.as_secs()
                );
            }
            _ = sleep_until(last_frame + READ_TIMEOUT) => {
                return End::Dropped(format!("no frame for {} s", READ_TIMEOUT.as_secs()));
            }
        }
    }
}

/// Says how the subscribe went; an error when no channel at all could be subscribed, since
/// recording nothing but heartbeats helps nobody.
fn report(
    confirmed: usize,
    refused: &[(String, cdc_engine::protocol::ExchangeError)],
    wanted: usize,
) -> anyhow::Result<()> {
    for (channel, error) in refused {
        eprintln!("warning: not recording {channel}: {error}");
    }
    if confirmed == 0 && !refused.is_empty() {
        anyhow::bail!(
            "the exchange refused every channel ({}): check the names in --instruments (as public/get-instruments \
             lists them, e.g. BTC_USD or BTCUSD-PERP), --channels and --depth",
            refused.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    if refused.is_empty() {
        eprintln!("subscribed to {confirmed} channels");
    } else {
        eprintln!("subscribed to {confirmed} of {wanted} channels");
    }
    Ok(())
}
