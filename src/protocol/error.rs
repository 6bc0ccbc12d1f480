//! Errors of the protocol layer: a frame or payload that does not decode. Each keeps its source
//! and a trimmed copy of the raw text, so a log line shows what actually arrived.

/// Frames larger than this are refused before parsing. Real frames are a few kB; a megabyte of
/// JSON is an attack or a bug, and parsing it would stall the session's reader.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// How much raw text an error keeps.
const RAW_KEEP: usize = 300;

/// Why bytes from the exchange could not be turned into a typed value.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The frame is larger than [`MAX_FRAME_BYTES`].
    #[error("frame of {0} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")]
    TooLarge(usize),
    /// The frame is not UTF-8 text.
    #[error("frame is not valid UTF-8")]
    NotUtf8,
    /// The frame is not the JSON envelope we expect.
    #[error("malformed frame ({source}); raw: {raw}")]
    Envelope {
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
        /// The start of the raw text.
        raw: String,
    },
    /// The envelope decoded but its payload did not fit the expected type.
    #[error("{what} did not decode ({source}); raw: {raw}")]
    Payload {
        /// What was being decoded, e.g. `user.order data`.
        what: String,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
        /// The start of the raw text.
        raw: String,
    },
}

/// The first [`RAW_KEEP`] bytes of `s`, cut on a character boundary.
pub fn trimmed(s: &str) -> String {
    if s.len() <= RAW_KEEP {
        return s.to_owned();
    }
    let mut end = RAW_KEEP;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}
