//! The session task: one task owns the socket. It connects, pauses 1 s, authenticates (user),
//! subscribes, answers heartbeats the moment they are read, paces requests (see `pace`),
//! correlates answers by id, drops a server silent for the liveness period, and on any drop
//! fails pending requests at once and reconnects with jittered back-off.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep_until, Instant};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::config::{SessionConfig, SessionKind};
use super::error::WsError;
use super::events::SessionEvent;
use super::handle::{Command, SessionHandle};
use super::subs::Subscriptions;
use crate::backoff::Backoff;
use crate::protocol::requests::{ApiRequest, PublicAuth};
use crate::protocol::Response;

pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
pub(crate) type Sink = SplitSink<Ws, Message>;
pub(crate) type Reply = oneshot::Sender<Result<Response, WsError>>;

/// Why a connection ended.
pub(crate) enum End {
    Shutdown,
    Dropped(String),
    AuthFailed(Box<crate::protocol::ExchangeError>),
}

/// Starts a session task; returns its handle and the stream of its events.
pub fn spawn(cfg: SessionConfig) -> (SessionHandle, mpsc::Receiver<SessionEvent>) {
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::channel(cfg.event_capacity.max(1));
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let shed = Arc::new(AtomicU64::new(0));
    let last_frame_ms = Arc::new(AtomicU64::new(0));
    // Ids start at the clock so that they stay unique across restarts of the process.
    let ids = Arc::new(AtomicU64::new(cfg.clock.now_ms()));
    let cod_active = Arc::new(AtomicBool::new(false));
    let (ended_tx, ended) = tokio::sync::watch::channel(false);
    let handle = SessionHandle {
        cmd_tx,
        ids: ids.clone(),
        timeout: cfg.request_timeout,
        cod_active: cod_active.clone(),
        ended,
        stop: Arc::new(stop),
        shed: shed.clone(),
        last_frame_ms: last_frame_ms.clone(),
    };
    let session = Session {
        backoff: Backoff::new(cfg.backoff_base, cfg.backoff_cap),
        auth_backoff: Backoff::new(cfg.auth_backoff_base, cfg.auth_backoff_cap),
        subs: Subscriptions::new(&super::handle::names(&cfg.channels)),
        cfg,
        cmd_rx,
        ev_tx,
        ids,
        cod_active,
        connections: 0,
        retry: Vec::new(),
        retry_at: None,
        overflow: VecDeque::new(),
        stop: stop_rx,
        shed,
        last_frame_ms,
    };
    tokio::spawn(async move {
        session.run().await;
        let _ = ended_tx.send(true);
    });
    (handle, ev_rx)
}

/// The task's state across connections.
pub(crate) struct Session {
    pub(crate) cfg: SessionConfig,
    pub(crate) cmd_rx: mpsc::UnboundedReceiver<Command>,
    pub(crate) ev_tx: mpsc::Sender<SessionEvent>,
    pub(crate) ids: Arc<AtomicU64>,
    /// Whether the exchange confirmed cancel-on-disconnect on the current connection.
    pub(crate) cod_active: Arc<AtomicBool>,
    pub(crate) subs: Subscriptions,
    pub(crate) backoff: Backoff,
    pub(crate) auth_backoff: Backoff,
    pub(crate) connections: u64,
    /// Channels refused for a transient reason (42901), subscribed again at `retry_at`.
    pub(crate) retry: Vec<String>,
    pub(crate) retry_at: Option<Instant>,
    /// Events that found the reader's queue full, in order; sent before anything else is read.
    overflow: VecDeque<SessionEvent>,
    stop: tokio::sync::watch::Receiver<bool>,
    shed: Arc<AtomicU64>,
    /// Wall-clock ms of the last frame read (heartbeats included), for the metrics' age gauge.
    last_frame_ms: Arc<AtomicU64>,
}

impl Session {
    async fn run(mut self) {
        loop {
            let end = self.connect_and_serve().await;
            let retry_in = match end {
                End::Shutdown => return,
                End::Dropped(reason) => {
                    let retry_in = self.backoff.next_delay();
                    tracing::info!(url = %self.cfg.url, %reason, ?retry_in, "disconnected");
                    self.emit(SessionEvent::Disconnected { reason, retry_in });
                    self.drain().await;
                    retry_in
                }
                End::AuthFailed(error) => {
                    // Auth and clock errors are configuration problems: report and wait long,
                    // never a reconnect storm.
                    let retry_in = self.auth_backoff.next_delay();
                    tracing::error!(url = %self.cfg.url, %error, ?retry_in, "authentication failed");
                    self.emit(SessionEvent::AuthFailed { error, retry_in });
                    self.drain().await;
                    retry_in
                }
            };
            if !self.wait_offline(retry_in).await {
                return;
            }
        }
    }

    /// Hands an event to the reader. With the reader's queue full, a market push is dropped
    /// (counted) and anything else waits in order in `overflow`, which [`Session::drain`]
    /// sends before the next frame is read: back-pressure, never a lost fill.
    pub(crate) fn emit(&mut self, ev: SessionEvent) {
        let sheddable = matches!(self.cfg.kind, SessionKind::Market) && matches!(ev, SessionEvent::Push(_));
        if !self.overflow.is_empty() {
            if sheddable {
                self.shed.fetch_add(1, Ordering::Relaxed);
            } else {
                self.overflow.push_back(ev);
            }
            return;
        }
        match self.ev_tx.try_send(ev) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) if sheddable => {
                if self.shed.fetch_add(1, Ordering::Relaxed) == 0 {
                    tracing::warn!(url = %self.cfg.url, "market data reader lags: dropping pushes until it catches up");
                }
            }
            Err(mpsc::error::TrySendError::Full(ev)) => self.overflow.push_back(ev),
            // The owner may have gone; the session then just keeps the connection healthy.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Waits until the reader took every held-back event (or the session is told to stop, or
    /// the reader is gone).
    pub(crate) async fn drain(&mut self) {
        while let Some(ev) = self.overflow.pop_front() {
            let mut stop = self.stop.clone();
            tokio::select! {
                sent = self.ev_tx.send(ev) => if sent.is_err() { self.overflow.clear() },
                _ = stop.wait_for(|s| *s) => self.overflow.clear(),
            }
        }
    }

    /// Waits out a back-off pause while still serving commands; false on shutdown.
    async fn wait_offline(&mut self, pause: std::time::Duration) -> bool {
        let deadline = Instant::now() + pause;
        loop {
            tokio::select! {
                _ = sleep_until(deadline) => return true,
                cmd = self.cmd_rx.recv() => if !self.offline(cmd) { return false },
            }
        }
    }

    /// A command while there is no connection: a request fails at once with `NotConnected`
    /// (nothing was sent); `false` means stop.
    fn offline(&mut self, cmd: Option<Command>) -> bool {
        match cmd {
            None | Some(Command::Shutdown) => return false,
            Some(Command::Request { reply, .. }) => {
                let _ = reply.send(Err(WsError::NotConnected));
            }
            Some(Command::Subscribe(ch)) => {
                self.subs.add(ch);
            }
            Some(Command::Unsubscribe(ch)) => self.subs.remove(&ch),
            Some(Command::Resubscribe(_) | Command::Forget(_) | Command::Reconnect) => {}
        }
        true
    }

    async fn connect_and_serve(&mut self) -> End {
        let mut ws_cfg = WebSocketConfig::default();
        ws_cfg.max_message_size = Some(4 << 20);
        ws_cfg.max_frame_size = Some(4 << 20);
        let url = self.cfg.url.clone();
        // Commands are answered while the connect is under way, so a request made meanwhile
        // fails at once with `NotConnected` instead of waiting out a hanging connect.
        let ws = {
            let connect = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(ws_cfg), true);
            let connect = tokio::time::timeout(self.cfg.connect_timeout, connect);
            tokio::pin!(connect);
            loop {
                tokio::select! {
                    r = &mut connect => match r {
                        Ok(Ok((ws, _))) => break ws,
                        Ok(Err(e)) => return End::Dropped(format!("connecting to {url} failed: {e}")),
                        Err(_) => return End::Dropped(format!("connecting to {url} timed out")),
                    },
                    cmd = self.cmd_rx.recv() => if !self.offline(cmd) { return End::Shutdown },
                }
            }
        };
        self.connections += 1;
        // A new connection is unprotected until the exchange confirms it again.
        self.cod_active.store(false, Ordering::Release);
        self.emit(SessionEvent::Connected { connection: self.connections });
        let (sink, stream) = ws.split();
        let mut link = super::link::Link::new(sink, &self.cfg);
        self.subs.on_connect();
        self.retry.clear();
        self.retry_at = None;
        let end = self.serve(&mut link, stream).await;
        self.cod_active.store(false, Ordering::Release);
        link.fail_pending();
        end
    }

    async fn serve(&mut self, link: &mut super::link::Link, mut stream: SplitStream<Ws>) -> End {
        let mut last_frame = Instant::now();
        loop {
            if !self.overflow.is_empty() {
                self.drain().await;
                // Time spent waiting for the reader is not the server's silence.
                last_frame = Instant::now();
            }
            let liveness = last_frame + self.cfg.liveness;
            let phase_deadline = link.phase_deadline();
            let pace_wake = link.pace_wake();
            let cod_deadline = link.cod_deadline();
            let step = tokio::select! {
                biased;
                msg = stream.next() => {
                    last_frame = Instant::now();
                    if let Some(t) = &self.cfg.wire_trace {
                        t.frame_read(std::time::Instant::now());
                    }
                    self.on_message(link, msg).await
                }
                cmd = self.cmd_rx.recv() => self.on_command(link, cmd).await,
                _ = sleep_until(self.retry_at.unwrap_or(liveness)), if self.retry_at.is_some() && link.is_live() => self.retry_subscriptions(link).await,
                _ = sleep_until(phase_deadline.unwrap_or(liveness)), if phase_deadline.is_some() => self.on_phase_deadline(link).await,
                _ = sleep_until(pace_wake.unwrap_or(liveness)), if pace_wake.is_some() => link.flush().await,
                _ = sleep_until(cod_deadline.unwrap_or(liveness)), if cod_deadline.is_some() => {
                    link.give_up_cod();
                    self.cod_unconfirmed(None, format!("no answer within {:?}", self.cfg.request_timeout));
                    Ok(())
                }
                // A silent server (no data, no heartbeat) is presumed gone (§4.3).
                _ = sleep_until(liveness) => Err(End::Dropped(format!("no frame for {:?}", self.cfg.liveness))),
            };
            if let Err(end) = step {
                if matches!(end, End::Shutdown) {
                    let _ = link.sink.send(Message::Close(None)).await;
                }
                return end;
            }
        }
    }

    async fn on_message(
        &mut self,
        link: &mut super::link::Link,
        msg: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> Result<(), End> {
        if matches!(msg, Some(Ok(_))) {
            self.last_frame_ms.store(self.cfg.clock.now_ms(), Ordering::Relaxed);
        }
        match msg {
            None => Err(End::Dropped("the server closed the stream".into())),
            Some(Err(e)) => Err(End::Dropped(format!("read error: {e}"))),
            Some(Ok(Message::Close(frame))) => Err(End::Dropped(match frame {
                Some(f) => format!("closed by the server: code {} {}", u16::from(f.code), f.reason),
                None => "closed by the server".into(),
            })),
            Some(Ok(Message::Text(text))) => self.on_frame(link, text.as_bytes()).await,
            Some(Ok(Message::Binary(bytes))) => self.on_frame(link, &bytes).await,
            Some(Ok(_)) => Ok(()),
        }
    }

    /// The 1 s pause is over (send auth or subscribe), or auth took too long.
    async fn on_phase_deadline(&mut self, link: &mut super::link::Link) -> Result<(), End> {
        if link.is_authenticating() {
            return Err(End::Dropped("no answer to public/auth in time".into()));
        }
        match &self.cfg.kind {
            SessionKind::User { creds, .. } => {
                let id = self.next_id();
                let mut req = PublicAuth.to_request(id, self.cfg.clock.now_ms());
                req.sign(creds);
                link.start_auth(id as i64, &self.cfg);
                link.request(id, req.to_json(), None).await
            }
            SessionKind::Market => self.go_live(link).await,
        }
    }

    pub(crate) fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

pub(crate) type Pending = HashMap<u64, Reply>;
