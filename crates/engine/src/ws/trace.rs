//! An optional wire-timing hook for measurement: when set on a [`super::SessionConfig`], the
//! session reports the instant each frame was read off the socket, and when each frame it
//! writes begins and finishes writing. Unset (the default) it costs one `Option` check per frame. It must NOT be used to
//! change behaviour: it observes only.

use std::time::Instant;

/// Receives wire timings from a session's task. Calls are made on the session task, inline:
/// keep them short.
pub trait WireTrace: Send + Sync {
    /// A frame was read from the socket at `at` (before it is decoded).
    fn frame_read(&self, at: Instant) {
        let _ = at;
    }
    /// `text` is about to be written to the socket, at `at`: where the engine's own part of
    /// tick-to-order ends and the socket's begins.
    fn frame_writing(&self, text: &str, at: Instant) {
        let _ = (text, at);
    }
    /// `text` finished writing to the socket at `at`.
    fn frame_written(&self, text: &str, at: Instant) {
        let _ = (text, at);
    }
}
