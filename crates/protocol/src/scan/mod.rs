//! The hand-written decoder of the pushes the engine lives on: orders, fills and balances on
//! the user socket, book snapshots and deltas on the market one. It reads the frame once, front
//! to back, matching keys on their text and borrowing every string until a model needs its own
//! copy; serde's machinery (a visitor per value, a field enum per key) cost 4× a SIMD parse of
//! the whole frame (issue 15, `benches/README.md`).
//!
//! It only answers "here is the push" or "not for me", like the serde one-pass decoder
//! ([`crate::frame_fast`]) it sits in front of. Another key order, an escape anywhere, a number
//! where the exchange sends a string, a duplicate key, any other channel: `None`, and the serde
//! decoders, which own every rule and error message, take the frame. It must NOT accept a frame
//! they refuse, nor read one differently (`tests` checks both on mutated frames).

mod balance;
mod book;
mod cursor;
mod order;
mod trade;
mod values;

#[cfg(test)]
mod tests;

use self::cursor::Cursor;
use self::values::{self as v, set};
use crate::channel::{data_kind, Channel, DataKind};
use crate::frame::{Push, PushData};
use crate::ids::InstrumentName;

/// The push in `text`, if it is one this decoder reads.
pub(crate) fn decode_push(text: &str) -> Option<Push> {
    let mut c = Cursor::new(text);
    let (mut id, mut method, mut code, mut push) = (None, None, None, None);
    c.object(|c, key| match key {
        "id" => set(&mut id, v::i64(c)),
        // Anything but a subscription's data is a response or a heartbeat: stop at once.
        "method" => set(&mut method, v::text(c).filter(|m| *m == "subscribe")),
        "code" => set(&mut code, v::i64(c)),
        // Only a successful subscribe carries channel data, and the serde decoder reads it in
        // one pass only when `method` and `code` came first.
        "result" if method.is_some() && code == Some(0) => set(&mut push, result(c)),
        "result" => None,
        _ => c.skip(),
    })?;
    c.end()?;
    let mut push = push?;
    let id = id.unwrap_or(-1);
    push.request_id = (id >= 0).then_some(id);
    Some(push)
}

/// The `result` object: which channel, then its data.
fn result(c: &mut Cursor<'_>) -> Option<Push> {
    let (mut subscription, mut channel, mut instrument, mut data) = (None, None, None, None);
    c.object(|c, key| match key {
        "subscription" => set(&mut subscription, v::text(c)),
        "channel" => set(&mut channel, v::text(c)),
        "instrument_name" => set(&mut instrument, v::text(c)),
        // The kind is final once `channel` is known (it wins over `subscription`).
        "data" if channel.is_some() => set(&mut data, data_of(c, data_kind(channel, subscription))),
        "data" => None,
        _ => c.skip(),
    })?;
    let name = subscription.or(channel).unwrap_or("");
    Some(Push {
        request_id: None,
        channel: Channel::parse(name),
        instrument_name: instrument.map(InstrumentName::from),
        data: data?,
    })
}

/// The `data` array of the kinds read here; any other kind is the serde decoder's.
fn data_of(c: &mut Cursor<'_>, kind: DataKind) -> Option<PushData> {
    Some(match kind {
        DataKind::Orders => PushData::Orders(v::list(c, order::order)?),
        DataKind::Trades => PushData::Trades(v::list(c, trade::trade)?),
        DataKind::Balances => PushData::Balances(v::list(c, balance::summary)?),
        DataKind::BookSnapshot => PushData::BookSnapshots(v::list(c, book::snapshot)?),
        DataKind::BookDelta => PushData::BookDeltas(v::list(c, book::delta)?),
        _ => return None,
    })
}
