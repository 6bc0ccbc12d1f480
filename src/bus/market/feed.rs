//! One connection of the gateway to the exchange's market WebSocket: wait the 1 s of §4.2,
//! subscribe (books as snapshot + deltas), answer each heartbeat the moment it is read
//! (§4.3), hand every data frame to the store and publish what it gives, and resubscribe a
//! book whose chain broke. Snapshot requests from relays are served between frames, so an
//! answer always sits at a precise place in the published stream.
//!
//! It must NOT reconnect (the gateway's loop does) or block on NATS before a heartbeat answer.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use anyhow::anyhow;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::watch;
use tokio::time::{sleep_until, Instant};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use cdc_engine::protocol::codes::CodeClass;
use cdc_engine::protocol::enums::BookSubscriptionType;
use cdc_engine::protocol::envelope::{heartbeat_reply, HEARTBEAT_METHOD};
use cdc_engine::protocol::requests::{ApiRequest, Subscribe, Unsubscribe};
use cdc_engine::protocol::ExchangeError;

use super::gateway::{End, Gateway};

/// A server silent this long (heartbeats come every 30 s) is presumed gone.
const READ_TIMEOUT: Duration = Duration::from_secs(35);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause before asking again for channels refused for a passing reason (42901).
const RETRY_PAUSE: Duration = Duration::from_secs(1);
/// Keeps requests small (§4.5).
const CHANNELS_PER_REQUEST: usize = 50;

pub(super) type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
type Sink = futures::stream::SplitSink<Ws, Message>;

/// Opens the socket, or says why not.
pub(super) async fn connect(url: &str) -> Result<Ws, String> {
    let mut cfg = WebSocketConfig::default();
    cfg.max_message_size = Some(4 << 20);
    cfg.max_frame_size = Some(4 << 20);
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async_with_config(url, Some(cfg), true))
        .await
    {
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(e)) => Err(format!("connecting to {url} failed: {e}")),
        Err(_) => Err(format!("connecting to {url} timed out after {} s", CONNECT_TIMEOUT.as_secs())),
    }
}

/// One connection's subscribe requests awaiting answers (one answer per channel, §4.4).
#[derive(Default)]
struct Pending {
    by_id: HashMap<i64, VecDeque<String>>,
    confirmed: usize,
}

impl Pending {
    /// The channel an answer to `id` is for: the one it names, else the first awaited.
    fn take(&mut self, id: i64, named: Option<&str>) -> Option<String> {
        let waiting = self.by_id.get_mut(&id)?;
        let pos = named.and_then(|n| waiting.iter().position(|c| c == n)).unwrap_or(0);
        let channel = waiting.remove(pos);
        if waiting.is_empty() {
            self.by_id.remove(&id);
        }
        channel
    }
}

/// What the loop does next about subscribing.
struct Conn {
    sink: Sink,
    pending: Pending,
    ask: Option<(Instant, Vec<String>)>,
    up: bool,
}

impl Gateway {
    /// Serves one connection until it drops, the gateway stops, or the exchange refuses a
    /// channel for good.
    pub(super) async fn serve(&mut self, ws: Ws, stop: &mut watch::Receiver<bool>) -> End {
        let (sink, mut stream) = ws.split();
        let all: Vec<String> = self.channels.iter().map(|c| c.name.clone()).collect();
        (self.cfg.report)(&format!("feed: connected; subscribing to {} channels", all.len()));
        let mut c = Conn {
            sink,
            pending: Pending::default(),
            ask: Some((Instant::now() + self.cfg.connect_pause, all)),
            up: false,
        };
        let mut last_frame = Instant::now();
        loop {
            let ask_at = c.ask.as_ref().map_or(last_frame, |(at, _)| *at);
            let step = tokio::select! {
                biased;
                _ = super::stopped(stop) => {
                    let _ = tokio::time::timeout(Duration::from_secs(1), c.sink.send(Message::Close(None))).await;
                    return End::Stopped;
                }
                msg = stream.next() => {
                    last_frame = Instant::now();
                    match msg {
                        None => Err(End::Dropped("the exchange closed the stream".into())),
                        Some(Err(e)) => Err(End::Dropped(format!("read error: {e}"))),
                        Some(Ok(Message::Close(f))) => Err(End::Dropped(match f {
                            Some(f) => format!("closed by the exchange: code {} {}", u16::from(f.code), f.reason),
                            None => "closed by the exchange".into(),
                        })),
                        Some(Ok(Message::Text(text))) => self.on_text(&mut c, text.as_str()).await,
                        Some(Ok(Message::Binary(b))) => self.on_text(&mut c, &String::from_utf8_lossy(&b)).await,
                        Some(Ok(_)) => Ok(()),
                    }
                }
                msg = self.requests.next() => self.on_request(msg).await.map_err(End::Fatal),
                _ = self.tick.tick() => self.housekeeping().await.map_err(End::Fatal),
                _ = sleep_until(ask_at), if c.ask.is_some() => self.subscribe(&mut c).await,
                _ = sleep_until(last_frame + READ_TIMEOUT) => Err(End::Dropped(format!("no frame for {} s", READ_TIMEOUT.as_secs()))),
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    async fn subscribe(&mut self, c: &mut Conn) -> Result<(), End> {
        let Some((_, channels)) = c.ask.take() else { return Ok(()) };
        for chunk in channels.chunks(CHANNELS_PER_REQUEST) {
            let id = self.next_id;
            self.next_id += 1;
            let books = chunk.iter().any(|n| n.starts_with("book."));
            let req = Subscribe {
                channels: chunk.to_vec(),
                // Deltas every 10 ms, the finest feed (§5.1): relays pass on what they get.
                book_subscription_type: books.then_some(BookSubscriptionType::SnapshotAndUpdate),
                book_update_frequency: books.then_some(10),
            };
            c.pending.by_id.insert(id as i64, chunk.iter().cloned().collect());
            let text = req.to_request(id, cdc_engine::clock::system_now_ms()).to_json();
            c.sink
                .send(Message::Text(text.into()))
                .await
                .map_err(|e| End::Dropped(format!("write error subscribing: {e}")))?;
        }
        Ok(())
    }

    /// A book lost continuity: unsubscribe and subscribe again for a fresh snapshot (§5.1).
    async fn resubscribe(&mut self, c: &mut Conn, channels: Vec<String>) -> Result<(), End> {
        let id = self.next_id;
        self.next_id += 1;
        let text =
            Unsubscribe { channels: channels.clone() }.to_request(id, cdc_engine::clock::system_now_ms()).to_json();
        c.sink.send(Message::Text(text.into())).await.map_err(|e| End::Dropped(format!("write error: {e}")))?;
        c.ask = Some((Instant::now(), channels));
        self.subscribe(c).await
    }

    async fn on_text(&mut self, c: &mut Conn, text: &str) -> Result<(), End> {
        let v: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, frame = %cut(text), "skipping a malformed frame from the exchange");
                return Ok(());
            }
        };
        let id = v.get("id").and_then(Value::as_i64).unwrap_or(-1);
        let method = v.get("method").and_then(Value::as_str).unwrap_or_default();
        if method == HEARTBEAT_METHOD {
            // Answered before anything else is done (§4.3).
            let reply = Message::Text(heartbeat_reply(id).into());
            return c
                .sink
                .send(reply)
                .await
                .map_err(|e| End::Dropped(format!("write error answering a heartbeat: {e}")));
        }
        if method != "subscribe" {
            return Ok(());
        }
        let code = v.get("code").and_then(Value::as_i64).unwrap_or(0);
        if id != -1 && c.pending.by_id.contains_key(&id) {
            self.on_answer(c, &v, id, code).await?;
        }
        let Some(result) = v.get("result").filter(|_| code == 0) else { return Ok(()) };
        let raw = (id == -1).then_some(text);
        match self.store.on_data(result, raw, cdc_engine::clock::system_now_ms()) {
            Ok(out) => {
                let again = out.resubscribe.clone();
                self.publish(out).await;
                if !again.is_empty() {
                    self.resubscribe(c, again).await?;
                }
            }
            Err(e) => tracing::warn!(error = %e, frame = %cut(text), "skipping a market frame"),
        }
        Ok(())
    }

    async fn on_answer(&mut self, c: &mut Conn, v: &Value, id: i64, code: i64) -> Result<(), End> {
        let named =
            v.get("result").and_then(|r| r.get("subscription")).or_else(|| v.get("channel")).and_then(Value::as_str);
        let Some(channel) = c.pending.take(id, named) else { return Ok(()) };
        if code == 0 {
            c.pending.confirmed += 1;
            if !c.up && c.pending.confirmed >= self.channels.len() {
                c.up = true;
                self.feed_up().await;
            }
            return Ok(());
        }
        let message = v.get("message").and_then(Value::as_str).map(str::to_owned);
        let error = ExchangeError::new("subscribe", code, message, None);
        if error.class() == CodeClass::Transient {
            (self.cfg.report)(&format!("feed: the exchange refused {channel} for now ({error}); asking again in 1 s"));
            let again = c.ask.get_or_insert_with(|| (Instant::now() + RETRY_PAUSE, Vec::new()));
            again.1.push(channel);
            return Ok(());
        }
        Err(End::Fatal(anyhow!(
            "the exchange refused {channel}: {error}; check --instruments (names as public/get-instruments lists them, \
             e.g. BTC_USD or BTCUSD-PERP), --channels and --depth"
        )))
    }
}

/// The start of a frame, for a log line.
fn cut(text: &str) -> &str {
    let mut end = text.len().min(200);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
