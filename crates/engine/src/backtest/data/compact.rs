//! The compact form: the plain form's records in a binary layout that reads without JSON, for
//! fast backtests. Converted once from a capture ([`convert`]); a backtest reads either form.
//!
//! Layout: [`super::COMPACT_MAGIC`], then records of `tag: u8, len: varint, payload[len]`.
//! Times are zigzag deltas from the previous record's µs; decimals are `scale: u8` and an 8-byte
//! little-endian mantissa (fixed width: it reads in one load; exact: values that do not fit 64 bits are refused at conversion). Books and public
//! trades are typed (tags 2–4); every other push keeps its frame's JSON text (tag 5). Unknown
//! tags are skipped, so that a newer file still reads. It must NOT change a value: a push read
//! back equals the push decoded from the frame.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, ErrorKind, Read, Write};
use std::path::Path;

use rust_decimal::Decimal;

use super::varint::{put_bytes, put_i64, put_u64, Cursor};
use super::{DataError, Item, PlainReader, Record, Source, COMPACT_MAGIC};
use crate::protocol::enums::Side;
use crate::protocol::ids::InstrumentName;
use crate::protocol::models::{BookDelta, BookLevel, BookLevels, BookSnapshot, Instrument, PublicTrade};
use crate::protocol::{decode_frame, Channel, Frame, Push, PushData};

const TAG_INSTRUMENT: u8 = 1;
const TAG_SNAPSHOT: u8 = 2;
const TAG_DELTA: u8 = 3;
const TAG_TRADES: u8 = 4;
const TAG_FRAME: u8 = 5;
const TAG_GAP: u8 = 6;
const TAG_INSTRUMENTS: u8 = 7;

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
                (Channel::Trade(instrument), PushData::PublicTrades(list)) => {
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
            put_u64(p, l.orders);
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

/// An instrument's channels as the file defines them.
struct Def {
    name: InstrumentName,
    depth: u32,
    /// The last `u` read on this channel (the next `pu` is relative to it).
    last_u: u64,
    /// The records handed out for it, by kind (snapshot, delta, trades), refilled in place.
    records: [Option<Record>; 3],
}

/// Which record `current` shows.
#[derive(Clone, Copy)]
enum Current {
    /// `CompactReader::other` (a gap, an instrument list, a push kept as JSON).
    Other,
    /// A typed push of a defined channel: (id, kind).
    Typed(usize, usize),
}

/// Reads the compact form, refilling one record per channel and kind in place, so that the
/// steady state allocates nothing.
pub struct CompactReader {
    path: String,
    /// Taken out while a record is decoded in place from its buffer.
    input: Option<BufReader<File>>,
    payload: Vec<u8>,
    defs: Vec<Def>,
    last_us: u64,
    other: Record,
    current: Current,
    skipped: u64,
}

impl CompactReader {
    /// Opens `path` (its magic is checked).
    pub fn open(path: &Path) -> Result<Self, DataError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| DataError::Io { path: name.clone(), source })?;
        let mut input = BufReader::with_capacity(1 << 20, file);
        let mut magic = [0u8; 8];
        input.read_exact(&mut magic).map_err(|source| DataError::Io { path: name.clone(), source })?;
        if &magic != COMPACT_MAGIC {
            return Err(DataError::Format {
                path: name,
                why: "not a compact backtest file of this version (convert the recording again)".into(),
            });
        }
        Ok(CompactReader {
            path: name,
            input: Some(input),
            payload: Vec::with_capacity(4096),
            defs: Vec::new(),
            last_us: 0,
            other: Record { recv_us: 0, item: Item::Gap(String::new()) },
            current: Current::Other,
            skipped: 0,
        })
    }

    /// Reads the next `tag, len, payload` into `payload` (a record that straddles the end of
    /// the read buffer); `None` at a clean end.
    fn next_raw(&mut self, input: &mut BufReader<File>) -> Result<Option<u8>, std::io::Error> {
        let mut tag = [0u8; 1];
        match input.read_exact(&mut tag) {
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(None),
            r => r?,
        }
        let mut len = 0u64;
        for shift in (0..64).step_by(7) {
            let mut b = [0u8; 1];
            input.read_exact(&mut b)?;
            len |= u64::from(b[0] & 0x7f) << shift;
            if b[0] & 0x80 == 0 {
                break;
            }
        }
        let len = usize::try_from(len).map_err(|_| std::io::Error::from(ErrorKind::InvalidData))?;
        if len > 64 << 20 {
            return Err(std::io::Error::new(ErrorKind::InvalidData, format!("a record of {len} bytes")));
        }
        self.payload.resize(len, 0);
        input.read_exact(&mut self.payload)?;
        Ok(Some(tag[0]))
    }

    /// Decodes a record held in `payload`.
    fn decode(&mut self, tag: u8) -> Option<bool> {
        let payload = std::mem::take(&mut self.payload);
        let out = self.decode_payload(tag, &payload);
        self.payload = payload;
        out
    }

    /// Decodes one record: `Some(true)` to hand out, `Some(false)` for a definition or an
    /// unknown tag, `None` if malformed.
    fn decode_payload(&mut self, tag: u8, payload: &[u8]) -> Option<bool> {
        let mut c = Cursor::new(payload);
        if tag == TAG_INSTRUMENT {
            let id = c.u64()?;
            let name = std::str::from_utf8(c.bytes()?).ok()?;
            let depth = u32::try_from(c.u64()?).ok()?;
            if id != self.defs.len() as u64 {
                return None;
            }
            self.defs.push(Def { name: name.into(), depth, last_u: 0, records: [None, None, None] });
            return Some(false);
        }
        let recv_us = self.last_us.checked_add_signed(c.i64()?)?;
        self.last_us = recv_us;
        let other = |item| Some(Record { recv_us, item });
        let item = match tag {
            TAG_GAP => Item::Gap(String::from_utf8_lossy(c.bytes()?).into_owned()),
            TAG_INSTRUMENTS => Item::Instruments(serde_json::from_slice::<Vec<Instrument>>(c.bytes()?).ok()?),
            TAG_FRAME => match decode_frame(c.bytes()?) {
                Ok(Frame::Push(p)) => Item::Push(p),
                _ => return None,
            },
            TAG_SNAPSHOT | TAG_DELTA | TAG_TRADES => {
                let id = usize::try_from(c.u64()?).ok()?;
                let kind = usize::from(tag - TAG_SNAPSHOT);
                let def = self.defs.get_mut(id)?;
                let record = match &mut def.records[kind] {
                    Some(r) => r,
                    empty => empty.insert(Record { recv_us, item: Item::Push(new_push(tag, &def.name, def.depth)) }),
                };
                record.recv_us = recv_us;
                let Item::Push(push) = &mut record.item else { return None };
                fill(tag, &mut c, push, &mut def.last_u, recv_us / 1000)?;
                self.current = Current::Typed(id, kind);
                return Some(true);
            }
            _ => return Some(false),
        };
        self.other = other(item)?;
        self.current = Current::Other;
        Some(true)
    }

    /// The next record to hand out, decoded in place from the read buffer when it lies whole
    /// in it (nearly always), else through `payload`.
    fn next_record(&mut self, input: &mut BufReader<File>) -> Result<bool, DataError> {
        let io = |path: &str, source| DataError::Io { path: path.to_owned(), source };
        loop {
            let buf = input.fill_buf().map_err(|e| io(&self.path, e))?;
            if buf.is_empty() {
                return Ok(false);
            }
            let decoded = match header(buf) {
                Some((tag, start, end)) if end <= buf.len() => {
                    let out = self.decode_payload(tag, &buf[start..end]);
                    input.consume(end);
                    (tag, out)
                }
                _ => {
                    let tag = match self.next_raw(input) {
                        Ok(Some(tag)) => tag,
                        Ok(None) => return Ok(false),
                        Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                            tracing::warn!(file = %self.path, "the file ends inside a record; replaying what came before");
                            return Ok(false);
                        }
                        Err(e) => return Err(io(&self.path, e)),
                    };
                    (tag, self.decode(tag))
                }
            };
            match decoded {
                (_, Some(true)) => return Ok(true),
                (_, Some(false)) => {}
                (tag, None) => {
                    self.skipped += 1;
                    tracing::warn!(file = %self.path, tag, "skipped a malformed record");
                }
            }
        }
    }
}

fn new_push(tag: u8, name: &InstrumentName, depth: u32) -> Push {
    let (channel, data) = match tag {
        TAG_SNAPSHOT => (Channel::Book { instrument: name.clone(), depth }, PushData::BookSnapshots(Vec::new())),
        TAG_DELTA => (Channel::Book { instrument: name.clone(), depth }, PushData::BookDeltas(Vec::new())),
        _ => (Channel::Trade(name.clone()), PushData::PublicTrades(Vec::new())),
    };
    Push { request_id: None, channel, instrument_name: Some(name.clone()), data }
}

/// A record's tag and the span of its payload in `buf`, if its header is whole there.
fn header(buf: &[u8]) -> Option<(u8, usize, usize)> {
    let mut c = Cursor::new(buf);
    let tag = c.u8()?;
    let len = usize::try_from(c.u64()?).ok()?;
    Some((tag, c.pos, c.pos.checked_add(len)?))
}

/// Fills a push's data in place from a typed record; `last_u` is the channel's last `u`.
fn fill(tag: u8, c: &mut Cursor<'_>, push: &mut Push, last_u: &mut u64, ms: u64) -> Option<()> {
    let Push { instrument_name, data, .. } = push;
    let n = usize::try_from(c.u64()?).ok()?;
    match data {
        PushData::BookSnapshots(list) if tag == TAG_SNAPSHOT => {
            resize_with(list, n, || BookSnapshot {
                asks: Vec::new(),
                bids: Vec::new(),
                time_ms: None,
                last_update_ms: None,
                update_id: None,
            });
            for s in list.iter_mut() {
                s.update_id = get_rel(c, *last_u)?;
                s.time_ms = get_rel(c, ms)?;
                get_levels(c, &mut s.bids)?;
                get_levels(c, &mut s.asks)?;
                *last_u = s.update_id.unwrap_or(*last_u);
            }
        }
        PushData::BookDeltas(list) if tag == TAG_DELTA => {
            resize_with(list, n, || BookDelta {
                update: BookLevels { asks: Vec::new(), bids: Vec::new() },
                time_ms: None,
                last_update_ms: None,
                update_id: None,
                previous_update_id: None,
            });
            for d in list.iter_mut() {
                d.previous_update_id = get_rel(c, *last_u)?;
                d.update_id = get_rel(c, d.previous_update_id.unwrap_or(*last_u))?;
                d.time_ms = get_rel(c, ms)?;
                get_levels(c, &mut d.update.bids)?;
                get_levels(c, &mut d.update.asks)?;
                *last_u = d.update_id.unwrap_or(*last_u);
            }
        }
        PushData::PublicTrades(list) if tag == TAG_TRADES => {
            list.truncate(n);
            for k in 0..n {
                let trade_id = std::str::from_utf8(c.bytes()?).ok()?;
                let time_ms = get_rel(c, ms)?;
                let (price, quantity) = (get_dec(c)?, get_dec(c)?);
                let side = if c.u8()? == 1 { Side::Sell } else { Side::Buy };
                let match_id = std::str::from_utf8(c.bytes()?).ok()?;
                let match_id = (c.u8()? == 1).then(|| match_id.to_owned());
                match list.get_mut(k) {
                    Some(t) => {
                        t.trade_id.clear();
                        t.trade_id.push_str(trade_id);
                        (t.time_ms, t.price, t.quantity, t.side, t.match_id) =
                            (time_ms, price, quantity, side, match_id);
                    }
                    None => list.push(PublicTrade {
                        trade_id: trade_id.to_owned(),
                        time_ms,
                        time_ns: None,
                        price,
                        quantity,
                        side,
                        instrument: instrument_name.clone().unwrap_or_else(|| "".into()),
                        match_id,
                    }),
                }
            }
        }
        _ => return None,
    }
    Some(())
}

fn resize_with<T>(v: &mut Vec<T>, n: usize, f: impl FnMut() -> T) {
    v.truncate(n);
    v.resize_with(n, f);
}

/// Reads what [`put_rel`] wrote.
fn get_rel(c: &mut Cursor<'_>, base: u64) -> Option<Option<u64>> {
    let Some(z) = c.u64()?.checked_sub(1) else { return Some(None) };
    let diff = ((z >> 1) as i64) ^ -((z & 1) as i64);
    Some(Some(base.wrapping_add(diff as u64)))
}

fn get_dec(c: &mut Cursor<'_>) -> Option<Decimal> {
    let scale = u32::from(c.u8()?);
    Decimal::try_new(c.fixed_i64()?, scale).ok()
}

fn get_levels(c: &mut Cursor<'_>, out: &mut Vec<BookLevel>) -> Option<()> {
    let n = usize::try_from(c.u64()?).ok()?;
    out.clear();
    for _ in 0..n {
        let (price, quantity) = (get_dec(c)?, get_dec(c)?);
        out.push(BookLevel { price, quantity, orders: c.u64()? });
    }
    Some(())
}

impl Source for CompactReader {
    fn advance(&mut self) -> Result<bool, DataError> {
        let Some(mut input) = self.input.take() else { return Ok(false) };
        let out = self.next_record(&mut input);
        self.input = Some(input);
        out
    }

    fn current(&self) -> &Record {
        match self.current {
            Current::Typed(id, kind) => match self.defs.get(id).and_then(|d| d.records[kind].as_ref()) {
                Some(r) => r,
                None => &self.other,
            },
            Current::Other => &self.other,
        }
    }

    fn skipped(&self) -> u64 {
        self.skipped
    }
}
