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

/// The first `RAW_KEEP` bytes of `s`, cut on a character boundary.
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

/// The exchange answered, and said no: a non-zero reason code with its explanation (§11).
/// Distinct from "could not reach the exchange", which the transport layers report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeError {
    /// The method that was refused.
    pub method: String,
    /// The reason code.
    pub code: i64,
    /// The server's message text, if any.
    pub message: Option<String>,
    /// The HTTP status, for REST answers.
    pub http_status: Option<u16>,
    /// Name, class, meaning and hint of the code.
    pub explanation: crate::codes::Explanation,
}

impl ExchangeError {
    /// Builds the error, looking the code up.
    pub fn new(method: &str, code: i64, message: Option<String>, http_status: Option<u16>) -> Self {
        let explanation = crate::codes::explain(code, http_status);
        ExchangeError { method: method.to_owned(), code, message, http_status, explanation }
    }

    /// The class of failure, which decides what to do.
    pub fn class(&self) -> crate::codes::CodeClass {
        self.explanation.class
    }
}

impl std::fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} refused: {}", self.method, self.explanation)?;
        if let Some(m) = self.message.as_deref().filter(|m| !m.is_empty() && *m != self.explanation.name) {
            write!(f, " (server said: {})", trimmed(m))?;
        }
        let causes = self.explanation.likely_causes();
        if !causes.is_empty() {
            f.write_str(" Usual causes:")?;
            for (i, c) in causes.iter().enumerate() {
                write!(f, " ({}) {}", i + 1, c)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ExchangeError {}
