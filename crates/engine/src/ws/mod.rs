//! WebSocket sessions (§4): one task owns each socket; it connects, pauses, authenticates,
//! subscribes, answers heartbeats, paces requests within the per-connection limit, checks
//! cancel-on-disconnect, correlates requests by id and reconnects with back-off. It hands out
//! typed events and holds no business state.

mod cod;
mod config;
mod dispatch;
mod error;
mod events;
mod handle;
mod link;
mod pace;
mod session;
mod subs;
mod trace;

/// The reconnect back-off, the crate-wide policy (re-exported where sessions are configured).
pub use crate::backoff::Backoff;
pub use config::{SessionConfig, SessionKind};
pub use error::WsError;
pub use events::SessionEvent;
pub use handle::SessionHandle;
pub use session::spawn;
pub use trace::WireTrace;
