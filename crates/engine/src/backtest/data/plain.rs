//! The plain form: JSON lines, each a receive time (`recv_us`, or `recv_ms`) with one of
//! `frame` (the frame exactly as the exchange sent it), `gap` (the recording lost its
//! connection) or `instruments` (the venue's list); gzip-compressed or not. A malformed line is
//! logged and skipped; a gzip stream cut short (a recorder that crashed) ends the data with a
//! warning, keeping every line before the cut. It must NOT hold more than one line.

use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{DataError, Item, Record, Source};
use crate::protocol::models::Instrument;
use crate::protocol::{decode_frame, Frame};

/// One line, borrowed from the line buffer.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(default)]
    recv_us: Option<u64>,
    #[serde(default)]
    recv_ms: Option<u64>,
    #[serde(default, borrow)]
    frame: Option<&'a RawValue>,
    #[serde(default)]
    gap: Option<String>,
    #[serde(default, borrow)]
    instruments: Option<&'a RawValue>,
}

/// Reads the plain form.
pub struct PlainReader {
    path: String,
    input: Box<dyn BufRead>,
    line: Vec<u8>,
    line_no: u64,
    record: Record,
    skipped: u64,
    /// Where the current record's frame lies in `line`, for the compact converter.
    frame_span: Option<(usize, usize)>,
}

impl PlainReader {
    /// Opens `path`; `gzip` says whether it is compressed (any number of gzip members).
    pub fn open(path: &Path, gzip: bool) -> Result<Self, DataError> {
        let file = File::open(path).map_err(|source| DataError::Io { path: path.display().to_string(), source })?;
        let input: Box<dyn BufRead> = if gzip {
            Box::new(BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(BufReader::new(file))))
        } else {
            Box::new(BufReader::with_capacity(1 << 16, file))
        };
        Ok(Self::from_reader(path.display().to_string(), input))
    }

    /// Reads lines from `input` (named `path` in messages).
    pub fn from_reader(path: String, input: Box<dyn BufRead>) -> Self {
        let record = Record { recv_us: 0, item: Item::Gap(String::new()) };
        PlainReader { path, input, line: Vec::with_capacity(4096), line_no: 0, record, skipped: 0, frame_span: None }
    }

    fn skip(&mut self, why: impl std::fmt::Display) {
        self.skipped += 1;
        tracing::warn!(file = %self.path, line = self.line_no, "skipped a malformed line: {why}");
    }

    /// Parses the current line; `None` when it holds nothing to replay (a heartbeat, a
    /// response, an empty line) or is malformed (logged).
    fn parse(&mut self) -> Option<Record> {
        self.frame_span = None;
        let text = self.line.trim_ascii();
        if text.is_empty() {
            return None;
        }
        let line: Line<'_> = match serde_json::from_slice(text) {
            Ok(l) => l,
            Err(e) => {
                self.skip(e);
                return None;
            }
        };
        let Some(recv_us) = line.recv_us.or(line.recv_ms.map(|ms| ms.saturating_mul(1000))) else {
            self.skip("no recv_us or recv_ms");
            return None;
        };
        let item = if let Some(frame) = line.frame {
            let start = frame.get().as_ptr() as usize - self.line.as_ptr() as usize;
            self.frame_span = Some((start, start + frame.get().len()));
            match decode_frame(frame.get().as_bytes()) {
                Ok(Frame::Push(p)) => Item::Push(p),
                // Heartbeats, subscribe answers: the recording keeps them, a replay needs none.
                Ok(_) => return None,
                Err(e) => {
                    self.skip(format!("frame: {e}"));
                    return None;
                }
            }
        } else if let Some(reason) = line.gap {
            Item::Gap(reason)
        } else if let Some(list) = line.instruments {
            match serde_json::from_str::<Vec<Instrument>>(list.get()) {
                Ok(v) => Item::Instruments(v),
                Err(e) => {
                    self.skip(format!("instruments: {e}"));
                    return None;
                }
            }
        } else {
            return None;
        };
        Some(Record { recv_us, item })
    }

    /// The current record's frame as it was recorded (none for gaps and instrument lists).
    pub fn raw_frame(&self) -> Option<&[u8]> {
        let (a, b) = self.frame_span?;
        self.line.get(a..b)
    }
}

impl Source for PlainReader {
    fn advance(&mut self) -> Result<bool, DataError> {
        loop {
            self.line.clear();
            match self.input.read_until(b'\n', &mut self.line) {
                Ok(0) => return Ok(false),
                Ok(_) => {}
                // A gzip stream without its end: the recorder stopped without closing the file.
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                    tracing::warn!(file = %self.path, line = self.line_no, "the file ends mid-stream (the recorder did not close it); replaying what was written");
                    return Ok(false);
                }
                Err(source) => return Err(DataError::Io { path: self.path.clone(), source }),
            }
            self.line_no += 1;
            if let Some(r) = self.parse() {
                self.record = r;
                return Ok(true);
            }
        }
    }

    fn current(&self) -> &Record {
        &self.record
    }

    fn skipped(&self) -> u64 {
        self.skipped
    }
}

/// Writes one plain-form line for a frame received at `recv_us`: the frame's bytes verbatim,
/// raw line breaks (JSON whitespace) turned into spaces so that the line stays one line.
pub fn frame_line(recv_us: u64, frame: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"recv_us\":");
    out.extend_from_slice(recv_us.to_string().as_bytes());
    out.extend_from_slice(b",\"frame\":");
    out.extend(frame.iter().map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }));
    out.extend_from_slice(b"}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &str) -> PlainReader {
        PlainReader::from_reader("t".into(), Box::new(std::io::Cursor::new(text.as_bytes().to_vec())))
    }

    #[test]
    fn pushes_gaps_and_instruments_are_read_and_the_rest_skipped() {
        let trade = r#"{"id":-1,"method":"subscribe","code":0,"result":{"instrument_name":"BTC_USD","subscription":"trade.BTC_USD","channel":"trade","data":[{"d":"1","t":1,"p":"100","q":"2","s":"BUY","i":"BTC_USD"}]}}"#;
        let text = format!(
            "{{\"recv_us\":5,\"frame\":{trade}}}\nnot json\n{{\"recv_ms\":7,\"gap\":\"eof\"}}\n\n{{\"recv_us\":9,\"frame\":{{\"id\":1,\"method\":\"public/heartbeat\"}}}}\n{{\"frame\":{trade}}}\n"
        );
        let mut r = reader(&text);
        assert!(r.advance().unwrap());
        assert_eq!(r.current().recv_us, 5);
        assert!(
            matches!(&r.current().item, Item::Push(p) if matches!(p.data, crate::protocol::PushData::PublicTrades(_)))
        );
        assert!(r.advance().unwrap());
        assert!(matches!(&r.current().item, Item::Gap(g) if g == "eof"));
        assert_eq!(r.current().recv_us, 7000, "recv_ms is scaled");
        assert!(!r.advance().unwrap(), "the heartbeat and the line without a time give nothing");
        assert_eq!(r.skipped(), 2, "the bad line and the timeless one");
    }

    #[test]
    fn frame_lines_stay_one_line() {
        let mut out = Vec::new();
        frame_line(42, b"{\"a\":\n1}", &mut out);
        assert_eq!(out, b"{\"recv_us\":42,\"frame\":{\"a\": 1}}\n");
    }
}
