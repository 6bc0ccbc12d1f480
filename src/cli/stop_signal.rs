//! The request to stop, as a person or a service manager sends it: Ctrl-C (SIGINT) or SIGTERM.
//! Made once per command and polled in its loop: a signal that arrives while the loop is busy
//! printing is kept for the next poll rather than lost (a fresh `ctrl_c()` per iteration would
//! miss it). It only listens; it must NOT stop anything itself.

use tokio::signal::unix::{signal, Signal, SignalKind};

/// Listens for SIGINT and SIGTERM from creation on.
pub struct StopSignal {
    int: Option<Signal>,
    term: Option<Signal>,
}

impl StopSignal {
    /// Starts listening now. A signal that cannot be listened for is logged and ignored (the
    /// default action, ending the process, then applies to it).
    pub fn new() -> Self {
        let listen = |kind: SignalKind, name: &str| match signal(kind) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(signal = name, error = %e, "cannot listen for the signal");
                None
            }
        };
        StopSignal { int: listen(SignalKind::interrupt(), "SIGINT"), term: listen(SignalKind::terminate(), "SIGTERM") }
    }

    /// Resolves when either signal has arrived since creation (or the last resolve).
    pub async fn recv(&mut self) {
        async fn one(s: &mut Option<Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = one(&mut self.int) => {}
            _ = one(&mut self.term) => {}
        }
    }
}
