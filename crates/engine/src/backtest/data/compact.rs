//! The compact form: the plain form's records in a binary layout that reads without JSON, for
//! fast backtests. Converted once from a capture ([`convert`]); a backtest reads either form.
//!
//! Layout: [`super::COMPACT_MAGIC`], then records of `tag: u8, len: varint, payload[len]`.
//! Times are zigzag deltas from the previous record's µs; decimals are `scale: u8` and an 8-byte
//! little-endian mantissa (fixed width: it reads in one load; exact: values that do not fit 64 bits are refused at conversion). Books and public
//! trades are typed (tags 2–4); every other push keeps its frame's JSON text (tag 5). Unknown
//! tags are skipped. Kept: every field of a book push and of a public trade the engine models,
//! except `tt` (books) and `tn` (trades), which nothing reads; a trade's instrument comes from
//! its channel. It must NOT change a value it keeps; a trade whose side it does not know keeps
//! its frame's JSON instead.

use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::Path;

use rust_decimal::Decimal;

use super::varint::Cursor;
use super::{DataError, Item, Record, Source, COMPACT_MAGIC};
use crate::protocol::enums::Side;
use crate::protocol::ids::InstrumentName;
use crate::protocol::models::{BookDelta, BookLevel, BookLevels, BookSnapshot, Instrument, PublicTrade};
use crate::protocol::{decode_frame, Channel, Frame, Push, PushData};

pub(super) const TAG_INSTRUMENT: u8 = 1;
pub(super) const TAG_SNAPSHOT: u8 = 2;
pub(super) const TAG_DELTA: u8 = 3;
pub(super) const TAG_TRADES: u8 = 4;
pub(super) const TAG_FRAME: u8 = 5;
pub(super) const TAG_GAP: u8 = 6;
pub(super) const TAG_INSTRUMENTS: u8 = 7;

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
    // Each item takes at least a byte of the record: a larger count is a damaged file, and
    // sizing the list by it first would abort on the allocation.
    if n > c.remaining() {
        return None;
    }
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

/// One level's bytes: price and quantity (scale, 8-byte mantissa each), 4-byte order count.
const LEVEL_BYTES: usize = 22;

fn get_levels(c: &mut Cursor<'_>, out: &mut Vec<BookLevel>) -> Option<()> {
    let n = usize::try_from(c.u64()?).ok()?;
    let bytes = c.take(n.checked_mul(LEVEL_BYTES)?)?;
    out.clear();
    out.reserve(n);
    for l in bytes.chunks_exact(LEVEL_BYTES) {
        let dec = |at: usize| {
            let m = i64::from_le_bytes(l[at + 1..at + 9].try_into().ok()?);
            Decimal::try_new(m, u32::from(l[at])).ok()
        };
        let orders = u32::from_le_bytes(l[18..22].try_into().ok()?);
        out.push(BookLevel { price: dec(0)?, quantity: dec(9)?, orders: u64::from(orders) });
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

#[cfg(test)]
mod tests {
    use super::super::varint::put_u64;
    use super::*;

    #[test]
    fn a_count_larger_than_its_record_is_damage_not_an_allocation() {
        for (tag, data) in [
            (TAG_SNAPSHOT, PushData::BookSnapshots(Vec::new())),
            (TAG_DELTA, PushData::BookDeltas(Vec::new())),
            (TAG_TRADES, PushData::PublicTrades(Vec::new())),
        ] {
            let mut push =
                Push { request_id: None, channel: Channel::book("BTC_USD", 10), instrument_name: None, data };
            for n in [1u64 << 40, u64::from(u32::MAX), 5] {
                let mut bytes = Vec::new();
                put_u64(&mut bytes, n);
                bytes.extend_from_slice(&[1, 1, 1]);
                assert_eq!(fill(tag, &mut Cursor::new(&bytes), &mut push, &mut 0, 0), None, "tag {tag}, count {n}");
            }
        }
    }
}
