//! Recorded market data for backtests: one [`Record`] at a time (a push with its receive time,
//! a gap in the recording, or the venue's instrument list), read from the plain form (JSON
//! lines, gzip or not: see `docs/backtest.md`) or from the compact form converted once from it.
//! Everything is streamed: a source holds one record, never the file. It must NOT interpret
//! the data (books, fills): the driver does that.

mod compact;
mod compact_writer;
mod merge;
mod plain;
mod varint;

use std::path::Path;

use crate::protocol::models::Instrument;
use crate::protocol::Push;

pub use compact::CompactReader;
pub use compact_writer::{convert, CompactWriter, Converted};
pub use merge::Merge;
pub use plain::{frame_line, PlainReader};

/// One recorded item and when it was received (µs since the Unix epoch).
#[derive(Debug, Clone)]
pub struct Record {
    /// Receive time, µs since the Unix epoch.
    pub recv_us: u64,
    /// What was received.
    pub item: Item,
}

/// What a record holds.
#[derive(Debug, Clone)]
pub enum Item {
    /// A channel push as the exchange sent it.
    Push(Push),
    /// The recording lost its connection here: data may be missing until the next snapshot.
    Gap(String),
    /// The venue's instruments, as `public/get-instruments` listed them.
    Instruments(Vec<Instrument>),
}

/// A stream of records in receive-time order.
pub trait Source {
    /// Moves to the next record; `false` at the end.
    fn advance(&mut self) -> Result<bool, DataError>;
    /// The record `advance` moved to (only valid after it returned `true`).
    fn current(&self) -> &Record;
    /// Lines or records skipped as malformed so far (each was logged).
    fn skipped(&self) -> u64 {
        0
    }
}

/// Why data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not in a form this reader knows, or is damaged beyond skipping.
    #[error("{path}: {why}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong, in words a person can act on.
        why: String,
    },
}

/// The compact form's first bytes.
pub const COMPACT_MAGIC: &[u8; 8] = b"CDCBT\x04\n\0";

/// Opens a data file, telling the form by its first bytes: the compact form, gzip (plain form
/// compressed), or plain JSON lines.
pub fn open(path: &Path) -> Result<Box<dyn Source>, DataError> {
    let io = |source| DataError::Io { path: path.display().to_string(), source };
    let mut head = [0u8; 8];
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(io)?;
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..]).map_err(io)? {
                0 => break,
                k => n += k,
            }
        }
        n
    };
    // Any version of the compact form goes to its reader, which names a version it cannot read.
    if n == head.len() && head[..5] == COMPACT_MAGIC[..5] {
        return Ok(Box::new(CompactReader::open(path)?));
    }
    Ok(Box::new(PlainReader::open(path, n >= 2 && head[..2] == [0x1f, 0x8b])?))
}

/// Opens every file and merges them by receive time (ties in the order given).
pub fn open_all(paths: &[impl AsRef<Path>]) -> Result<Merge, DataError> {
    let sources = paths.iter().map(|p| open(p.as_ref())).collect::<Result<Vec<_>, _>>()?;
    Ok(Merge::new(sources))
}
