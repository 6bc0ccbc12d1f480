//! Writing the compact form (see `compact.rs` for the layout) and converting plain-form files
//! into it. It must NOT drop a record it can keep: pushes without a typed layout keep their
//! frame's JSON.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use rust_decimal::Decimal;

use super::compact::{TAG_DELTA, TAG_FRAME, TAG_GAP, TAG_INSTRUMENT, TAG_INSTRUMENTS, TAG_SNAPSHOT, TAG_TRADES};
use super::varint::{put_bytes, put_i64, put_u64};
use super::{DataError, Item, PlainReader, Record, Source, COMPACT_MAGIC};
use crate::protocol::enums::Side;
use crate::protocol::models::BookLevel;
use crate::protocol::{Channel, PushData};

/// Writes the compact form.
pub struct CompactWriter<W: Write> {
    out: W,
    ids: HashMap<(String, u32), u64>,
    /// The last `u` written on each channel id: the next `pu` is stored relative to it.
    last_u: HashMap<u64, u64>,
    last_us: u64,
    buf: Vec<u8>,
    /// Records written.
    pub records: u64,
}

impl<W: Write> CompactWriter<W> {
    /// Starts a file on `out`.
    pub fn new(mut out: W) -> std::io::Result<Self> {
        out.write_all(COMPACT_MAGIC)?;
        Ok(CompactWriter { out, ids: HashMap::new(), last_u: HashMap::new(), last_us: 0, buf: Vec::new(), records: 0 })
    }

    /// Writes one record; `raw` is the frame's text, kept for pushes without a typed layout.
    pub fn write(&mut self, r: &Record, raw: Option<&[u8]>) -> Result<(), String> {
        let dt = r.recv_us as i64 - self.last_us as i64;
        self.last_us = r.recv_us;
        let mut p = Vec::new();
        put_i64(&mut p, dt);
        let ms = r.recv_us / 1000;
        let tag = match &r.item {
            Item::Gap(why) => {
                put_bytes(&mut p, why.as_bytes());
                TAG_GAP
            }
            Item::Instruments(list) => {
                put_bytes(&mut p, serde_json::to_string(list).map_err(|e| e.to_string())?.as_bytes());
                TAG_INSTRUMENTS
            }
            Item::Push(push) => match (&push.channel, &push.data) {
                (Channel::Book { instrument, depth }, PushData::BookSnapshots(list)) => {
                    let id = self.id(instrument.as_str(), *depth)?;
                    put_u64(&mut p, id);
                    put_u64(&mut p, list.len() as u64);
                    for s in list {
                        put_rel(&mut p, s.update_id, self.last_u.get(&id).copied().unwrap_or(0));
                        put_rel(&mut p, s.time_ms, ms);
                        put_levels(&mut p, &s.bids, &s.asks)?;
                        if let Some(u) = s.update_id {
                            self.last_u.insert(id, u);
                        }
                    }
                    TAG_SNAPSHOT
                }
                (Channel::Book { instrument, depth }, PushData::BookDeltas(list)) => {
                    let id = self.id(instrument.as_str(), *depth)?;
                    put_u64(&mut p, id);
                    put_u64(&mut p, list.len() as u64);
                    for d in list {
                        let last = self.last_u.get(&id).copied().unwrap_or(0);
                        put_rel(&mut p, d.previous_update_id, last);
                        put_rel(&mut p, d.update_id, d.previous_update_id.unwrap_or(last));
                        put_rel(&mut p, d.time_ms, ms);
                        put_levels(&mut p, &d.update.bids, &d.update.asks)?;
                        if let Some(u) = d.update_id {
                            self.last_u.insert(id, u);
                        }
                    }
                    TAG_DELTA
                }
                (Channel::Trade(instrument), PushData::PublicTrades(list))
                    if list.iter().all(|t| matches!(t.side, Side::Buy | Side::Sell)) =>
                {
                    put_u64(&mut p, self.id(instrument.as_str(), 0)?);
                    put_u64(&mut p, list.len() as u64);
                    for t in list {
                        put_bytes(&mut p, t.trade_id.as_bytes());
                        put_rel(&mut p, t.time_ms, ms);
                        put_dec(&mut p, t.price)?;
                        put_dec(&mut p, t.quantity)?;
                        p.push(u8::from(t.side == Side::Sell));
                        put_bytes(&mut p, t.match_id.as_deref().unwrap_or("").as_bytes());
                        p.push(u8::from(t.match_id.is_some()));
                    }
                    TAG_TRADES
                }
                _ => {
                    let raw = raw.ok_or("a push without a typed layout needs its frame's text")?;
                    put_bytes(&mut p, raw);
                    TAG_FRAME
                }
            },
        };
        self.emit(tag, &p).map_err(|e| e.to_string())?;
        self.records += 1;
        Ok(())
    }

    /// The id of an instrument's channel, defined in the file on first use.
    fn id(&mut self, name: &str, depth: u32) -> Result<u64, String> {
        if let Some(id) = self.ids.get(&(name.to_owned(), depth)) {
            return Ok(*id);
        }
        let id = self.ids.len() as u64;
        self.ids.insert((name.to_owned(), depth), id);
        let mut p = Vec::new();
        put_u64(&mut p, id);
        put_bytes(&mut p, name.as_bytes());
        put_u64(&mut p, u64::from(depth));
        self.emit(TAG_INSTRUMENT, &p).map_err(|e| e.to_string())?;
        Ok(id)
    }

    fn emit(&mut self, tag: u8, payload: &[u8]) -> std::io::Result<()> {
        self.buf.clear();
        self.buf.push(tag);
        put_u64(&mut self.buf, payload.len() as u64);
        self.buf.extend_from_slice(payload);
        self.out.write_all(&self.buf)
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// An optional value relative to `base` (sequence numbers to the last one, times to the
/// receive time), so that it takes a byte or two: 0 is "absent", else the zigzag difference
/// plus one.
fn put_rel(p: &mut Vec<u8>, v: Option<u64>, base: u64) {
    let Some(v) = v else { return put_u64(p, 0) };
    let diff = v.wrapping_sub(base) as i64;
    put_u64(p, (((diff << 1) ^ (diff >> 63)) as u64).wrapping_add(1));
}

fn put_dec(p: &mut Vec<u8>, d: Decimal) -> Result<(), String> {
    let m = i64::try_from(d.mantissa()).map_err(|_| format!("{d} does not fit the compact form"))?;
    p.push(d.scale() as u8);
    p.extend_from_slice(&m.to_le_bytes());
    Ok(())
}

fn put_levels(p: &mut Vec<u8>, bids: &[BookLevel], asks: &[BookLevel]) -> Result<(), String> {
    for side in [bids, asks] {
        put_u64(p, side.len() as u64);
        for l in side {
            put_dec(p, l.price)?;
            put_dec(p, l.quantity)?;
            // Fixed width like the decimals: a level is 22 bytes, read in one bounds check.
            let orders = u32::try_from(l.orders)
                .map_err(|_| format!("{} orders at one level do not fit the compact form", l.orders))?;
            p.extend_from_slice(&orders.to_le_bytes());
        }
    }
    Ok(())
}

/// What a conversion wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Converted {
    /// Records written.
    pub records: u64,
    /// Malformed input lines skipped.
    pub skipped: u64,
}

/// Converts plain-form files (merged by receive time) into one compact file.
pub fn convert(inputs: &[impl AsRef<Path>], output: &Path) -> Result<Converted, DataError> {
    let fmt = |why: String| DataError::Format { path: output.display().to_string(), why };
    let io = |source| DataError::Io { path: output.display().to_string(), source };
    let mut readers = Vec::new();
    for path in inputs {
        let path = path.as_ref();
        let mut head = [0u8; 2];
        let gz = File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|source| DataError::Io { path: path.display().to_string(), source })?
            == 2
            && head == [0x1f, 0x8b];
        readers.push(PlainReader::open(path, gz)?);
    }
    let mut w = CompactWriter::new(BufWriter::new(File::create(output).map_err(io)?)).map_err(io)?;
    // The same merge as `super::Merge`, on the concrete readers: the converter needs each
    // record's frame text.
    let mut ready: Vec<bool> = Vec::with_capacity(readers.len());
    for r in &mut readers {
        ready.push(r.advance()?);
    }
    while let Some(k) = (0..readers.len()).filter(|&k| ready[k]).min_by_key(|&k| (readers[k].current().recv_us, k)) {
        w.write(readers[k].current(), readers[k].raw_frame()).map_err(fmt)?;
        ready[k] = readers[k].advance()?;
    }
    let records = w.records;
    w.finish().map_err(io)?;
    Ok(Converted { records, skipped: readers.iter().map(|r| r.skipped()).sum() })
}
