//! One engine connection to the relay. One task owns the socket: it answers `subscribe` and
//! `unsubscribe` as the exchange does (one answer per channel, carrying the request's id,
//! §4.4), sends `public/heartbeat` every 30 s and closes at the third unanswered one (§4.3),
//! and writes the frames of each channel's forwarder in the order they come. Frames of a
//! channel unsubscribed (or subscribed again) are dropped, so after a resubscribe the engine
//! sees the fresh snapshot before any delta of it.
//!
//! It must NOT read market data: forwarders hand it text to send.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{interval_at, Instant, Interval};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::forward::{self, Forward};
use super::upstream::Upstream;
use crate::bus::market::subjects::{Kind, MarketChannel};

/// §4.3: about every 30 s; the socket closes at the third unanswered one.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);
const MAX_MISSED: u32 = 3;
/// Frames waiting for the socket; a forwarder waits when the engine reads this far behind.
const OUT_QUEUE: usize = 4096;
/// §4.5: subscriptions per market connection.
const MAX_SUBSCRIPTIONS: usize = 400;
/// Reason codes as the exchange sends them (§11).
const BAD_REQUEST: i64 = 40001;
const METHOD_NOT_FOUND: i64 = 40002;
const INVALID_REQUEST: i64 = 40003;
const EXCEED_MAX_SUBSCRIPTIONS: i64 = 40107;

/// A frame for the socket from the forwarder of subscription `generation`.
pub(super) struct Out {
    pub generation: u64,
    pub text: String,
}

type Sink = SplitSink<WebSocketStream<TcpStream>, Message>;

struct Conn {
    sink: Sink,
    nats: async_nats::Client,
    out_tx: mpsc::Sender<Out>,
    /// Live subscriptions: channel → (generation, forwarder).
    subs: HashMap<String, (u64, JoinHandle<()>)>,
    live: HashSet<u64>,
    next_generation: u64,
    beat: Interval,
    /// The heartbeat awaiting its answer, and how many went unanswered in a row.
    outstanding: Option<i64>,
    missed: u32,
}

/// Serves one connection until it closes, the relay stops, or the source goes down.
pub(super) async fn serve(
    stream: TcpStream,
    nats: async_nats::Client,
    mut up: watch::Receiver<Upstream>,
    mut stop: watch::Receiver<bool>,
) {
    let mut cfg = WebSocketConfig::default();
    cfg.max_message_size = Some(1 << 20);
    let accepted =
        tokio::time::timeout(Duration::from_secs(10), tokio_tungstenite::accept_async_with_config(stream, Some(cfg)));
    let Ok(Ok(ws)) = accepted.await else { return };
    let downs = up.borrow_and_update().downs;
    let (sink, mut source) = ws.split();
    let (out_tx, mut out_rx) = mpsc::channel(OUT_QUEUE);
    let beat = interval_at(Instant::now() + HEARTBEAT_EVERY, HEARTBEAT_EVERY);
    let mut c = Conn {
        sink,
        nats,
        out_tx,
        subs: HashMap::new(),
        live: HashSet::new(),
        next_generation: 1,
        beat,
        outstanding: None,
        missed: 0,
    };
    let mut watching = true;
    loop {
        let step: Result<(), ()> = tokio::select! {
            biased;
            _ = crate::bus::market::stopped(&mut stop) => c.close(CloseCode::Away, "going away").await,
            changed = up.changed(), if watching => match changed {
                Err(_) => { watching = false; Ok(()) }
                Ok(()) if up.borrow().downs > downs => {
                    let reason = format!("market data source down: {}", up.borrow().reason);
                    c.close(CloseCode::Again, &reason).await
                }
                Ok(()) => Ok(()),
            },
            _ = c.beat.tick() => c.heartbeat().await,
            msg = source.next() => match msg {
                Some(Ok(Message::Text(text))) => c.on_request(text.as_str()).await,
                Some(Ok(Message::Binary(b))) => c.on_request(&String::from_utf8_lossy(&b)).await,
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Err(()),
                // Pings are answered by the WebSocket library.
                Some(Ok(_)) => Ok(()),
            },
            Some(out) = out_rx.recv() => {
                if c.live.contains(&out.generation) { c.send(out.text).await } else { Ok(()) }
            }
        };
        if step.is_err() {
            break;
        }
    }
    for (_, (_, task)) in c.subs.drain() {
        task.abort();
    }
}

impl Conn {
    async fn send(&mut self, text: String) -> Result<(), ()> {
        self.sink.send(Message::Text(text.into())).await.map_err(|_| ())
    }

    async fn reply(&mut self, v: Value) -> Result<(), ()> {
        self.send(v.to_string()).await
    }

    /// Sends a close frame; the connection ends either way.
    async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), ()> {
        let frame = CloseFrame { code, reason: reason.chars().take(120).collect::<String>().into() };
        let _ = tokio::time::timeout(Duration::from_secs(1), self.sink.send(Message::Close(Some(frame)))).await;
        Err(())
    }

    async fn heartbeat(&mut self) -> Result<(), ()> {
        if self.outstanding.take().is_some() {
            self.missed += 1;
            if self.missed >= MAX_MISSED {
                return self.close(CloseCode::Normal, "heartbeat not answered").await;
            }
        }
        let id = cdc_engine::clock::system_now_ms() as i64;
        self.outstanding = Some(id);
        self.reply(json!({"id": id, "method": "public/heartbeat", "code": 0})).await
    }

    async fn on_request(&mut self, text: &str) -> Result<(), ()> {
        let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let (Some(id), Some(method)) = (v.get("id").cloned(), v.get("method").and_then(Value::as_str)) else {
            // §4.7: a request without id or method comes back in `original`.
            tracing::warn!(frame = %text.chars().take(200).collect::<String>(), "the market relay got a malformed request");
            let original: String = text.chars().take(4096).collect();
            return self.reply(json!({"id": -1, "method": "ERROR", "code": BAD_REQUEST, "message": "BAD_REQUEST", "original": original})).await;
        };
        let params = v.get("params");
        match method {
            "public/respond-heartbeat" => {
                if self.outstanding.is_some() && self.outstanding == id.as_i64() {
                    self.outstanding = None;
                    self.missed = 0;
                }
                Ok(())
            }
            "subscribe" => self.on_subscribe(&id, params).await,
            "unsubscribe" => {
                for name in channels(params) {
                    self.drop_sub(&name);
                }
                self.reply(json!({"id": id, "method": "unsubscribe", "code": 0})).await
            }
            other => {
                let message =
                    format!("METHOD_NOT_FOUND: the market relay serves subscribe and unsubscribe, not {other}");
                self.reply(json!({"id": id, "method": other, "code": METHOD_NOT_FOUND, "message": message})).await
            }
        }
    }

    async fn on_subscribe(&mut self, id: &Value, params: Option<&Value>) -> Result<(), ()> {
        if params.and_then(|p| p.get("channels")).and_then(Value::as_array).is_none() {
            let message = "INVALID_REQUEST: subscribe needs params.channels";
            return self
                .reply(json!({"id": id, "method": "subscribe", "code": INVALID_REQUEST, "message": message}))
                .await;
        }
        let deltas =
            params.and_then(|p| p.get("book_subscription_type")).and_then(Value::as_str) == Some("SNAPSHOT_AND_UPDATE");
        for name in channels(params) {
            let refusal = match MarketChannel::parse(&name) {
                None => Some((INVALID_REQUEST, "not a channel a gateway carries (book.I.10|50, trade.I, ticker.I, mark.I, index.I, funding.I, estimatedfunding.I, settlement.I)")),
                Some(c) if matches!(c.kind(), Kind::Book { .. }) && !deltas => {
                    Some((INVALID_REQUEST, "the relay serves books as SNAPSHOT_AND_UPDATE only"))
                }
                Some(_) if !self.subs.contains_key(&name) && self.subs.len() >= MAX_SUBSCRIPTIONS => {
                    Some((EXCEED_MAX_SUBSCRIPTIONS, "EXCEED_MAX_SUBSCRIPTIONS"))
                }
                Some(c) => {
                    self.start(id, c);
                    None
                }
            };
            if let Some((code, why)) = refusal {
                let message = format!("{why}: {name}");
                self.reply(json!({"id": id, "method": "subscribe", "code": code, "message": message, "channel": name}))
                    .await?;
            }
        }
        Ok(())
    }

    /// Starts (or restarts) a channel's forwarder; its first frame answers request `id`.
    fn start(&mut self, id: &Value, channel: MarketChannel) {
        self.drop_sub(&channel.name);
        let generation = self.next_generation;
        self.next_generation += 1;
        let name = channel.name.clone();
        let f = Forward {
            channel,
            request_id: id.clone(),
            generation,
            out_tx: self.out_tx.clone(),
            nats: self.nats.clone(),
        };
        self.live.insert(generation);
        self.subs.insert(name, (generation, tokio::spawn(forward::run(f))));
    }

    fn drop_sub(&mut self, name: &str) {
        if let Some((generation, task)) = self.subs.remove(name) {
            self.live.remove(&generation);
            task.abort();
        }
    }
}

/// The channel names of a request's params.
fn channels(params: Option<&Value>) -> Vec<String> {
    params
        .and_then(|p| p.get("channels"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}
