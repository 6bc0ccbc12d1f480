//! The registry of live WebSocket connections and their outbound queues.
//!
//! Fan-out writes into these queues; each connection's task drains them. The hub must NOT
//! touch sockets or the venue.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use dashmap::DashMap;
use serde_json::Value;
use tokio::sync::mpsc;

use super::books::BookSub;
use super::venue::ConnId;

/// Pushes a slow client may leave unread before the simulator drops it, as an exchange would.
const PUSH_QUEUE: usize = 65_536;

/// Which server a connection is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The User API (`/exchange/v1/user`).
    User,
    /// The Market Data API (`/exchange/v1/market`).
    Market,
}

/// A frame queued for a connection.
#[derive(Debug)]
pub enum Out {
    /// A response (or an injected raw frame): never duplicated or reordered.
    Frame(String),
    /// A subscription push: subject to the duplicate/reorder faults.
    Push(String),
}

/// An order to a connection's task, served before any queued frame.
#[derive(Debug)]
pub enum Ctrl {
    /// Send a close frame with this code and reason, then end.
    Close(u16, &'static str),
    /// End at once without a close frame (an abrupt disconnect).
    Drop,
}

/// One subscription on a connection.
#[derive(Debug)]
pub struct Sub {
    /// Book state for `book.*` channels.
    pub book: Option<BookSub>,
}

/// One live connection as the rest of the server sees it.
#[derive(Debug)]
pub struct Conn {
    /// Its id (for cancel-on-disconnect).
    pub id: ConnId,
    /// Which server.
    pub kind: Kind,
    /// Whether `public/auth` succeeded on it.
    pub authed: AtomicBool,
    /// Subscriptions by full name.
    pub subs: Mutex<HashMap<String, Sub>>,
    out_tx: mpsc::Sender<Out>,
    ctrl_tx: mpsc::UnboundedSender<Ctrl>,
}

/// Locks a std mutex, recovering the data if a panicking holder poisoned it.
pub fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Conn {
    /// Whether the connection is an authenticated user connection.
    pub fn is_authed(&self) -> bool {
        self.authed.load(Ordering::Acquire)
    }

    /// Queues a push; a client too slow to drain its queue is dropped.
    pub fn push(&self, value: &Value) {
        self.enqueue(Out::Push(value.to_string()));
    }

    /// Queues a response or raw frame behind earlier frames.
    pub fn frame(&self, text: String) {
        self.enqueue(Out::Frame(text));
    }

    fn enqueue(&self, out: Out) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.out_tx.try_send(out) {
            tracing::warn!(conn = self.id, "outbound queue full; dropping slow connection");
            self.control(Ctrl::Drop);
        }
    }

    /// Sends an order to the connection's task.
    pub fn control(&self, ctrl: Ctrl) {
        // The task may already be gone; then there is nothing to order.
        let _ = self.ctrl_tx.send(ctrl);
    }
}

/// All live connections.
#[derive(Debug, Default)]
pub struct Hub {
    conns: DashMap<ConnId, Arc<Conn>>,
    next_id: AtomicU64,
}

/// The receiving ends a connection task drains.
pub struct ConnQueues {
    /// Responses and pushes.
    pub out_rx: mpsc::Receiver<Out>,
    /// Priority orders.
    pub ctrl_rx: mpsc::UnboundedReceiver<Ctrl>,
}

impl Hub {
    /// Registers a new connection.
    pub fn register(&self, kind: Kind) -> (Arc<Conn>, ConnQueues) {
        let (out_tx, out_rx) = mpsc::channel(PUSH_QUEUE);
        let (ctrl_tx, ctrl_rx) = mpsc::unbounded_channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let conn = Arc::new(Conn {
            id,
            kind,
            authed: AtomicBool::new(false),
            subs: Mutex::new(HashMap::new()),
            out_tx,
            ctrl_tx,
        });
        self.conns.insert(id, conn.clone());
        (conn, ConnQueues { out_rx, ctrl_rx })
    }

    /// Forgets a connection.
    pub fn unregister(&self, id: ConnId) {
        self.conns.remove(&id);
    }

    /// A snapshot of the live connections (no map guard is held afterwards).
    pub fn all(&self) -> Vec<Arc<Conn>> {
        self.conns.iter().map(|e| e.value().clone()).collect()
    }

    /// How many connections are live.
    pub fn count(&self) -> usize {
        self.conns.len()
    }
}
