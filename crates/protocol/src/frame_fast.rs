//! The one-pass decoder of a live push, the hot path of every session. The general decoder
//! ([`super::frame::decode_frame`]) reads a frame three times (the envelope keeping `result`
//! raw, then `result` keeping `data` raw, then `data`); here, when the frame comes in the
//! exchange's usual order (`method` and `code` before `result`, `channel` before `data`), the
//! typed data is decoded straight from the envelope in one pass.
//!
//! It only ever answers "here is the push" or "not for me": anything unusual (another key
//! order, escapes in names, duplicates, a bad value, a response, a heartbeat) gives `None`, and
//! the general decoder, which owns every rule and error message, decodes the frame. It must
//! NOT accept anything the general decoder would refuse.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::channel::{data_kind, Channel, DataKind};
use super::frame::{Push, PushData};
use super::ids::InstrumentName;
use super::num;

/// The push in `text`, if it is one in the usual shape; `None` sends it to the general decoder.
pub(crate) fn decode_push(text: &str) -> Option<Push> {
    serde_json::from_str::<FastPush>(text).ok().map(|f| f.0)
}

struct FastPush(Push);

fn not_mine<E: de::Error>() -> E {
    E::custom("not a push in the usual shape")
}

struct I64(i64);
impl<'de> Deserialize<'de> for I64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        num::i64(d).map(I64)
    }
}

struct OptI64(Option<i64>);
impl<'de> Deserialize<'de> for OptI64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        num::opt_i64(d).map(OptI64)
    }
}

impl<'de> Deserialize<'de> for FastPush {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = FastPush;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a push envelope")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FastPush, A::Error> {
        let (mut id, mut method, mut code, mut push): (Option<i64>, Option<&'de str>, Option<Option<i64>>, _) =
            (None, None, None, None);
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "id" if id.is_none() => id = Some(map.next_value::<I64>()?.0),
                "method" if method.is_none() => method = Some(map.next_value::<&'de str>()?),
                "code" if code.is_none() => code = Some(map.next_value::<OptI64>()?.0),
                // Only a successful subscribe carries channel data.
                "result" if push.is_none() && method == Some("subscribe") && code == Some(Some(0)) => {
                    push = Some(map.next_value::<FastResult>()?.0)
                }
                "message" | "original" => {
                    map.next_value::<Option<String>>()?;
                }
                "id" | "method" | "code" | "result" => return Err(not_mine()),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let mut push: Push = push.ok_or_else(not_mine)?;
        let id = id.unwrap_or(-1);
        push.request_id = (id >= 0).then_some(id);
        Ok(FastPush(push))
    }
}

struct FastResult(Push);

impl<'de> Deserialize<'de> for FastResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ResultVisitor)
    }
}

struct ResultVisitor;

impl<'de> Visitor<'de> for ResultVisitor {
    type Value = FastResult;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a subscription result")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FastResult, A::Error> {
        let (mut subscription, mut channel, mut instrument, mut data) = (None, None, None, None);
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "subscription" if subscription.is_none() => subscription = Some(map.next_value::<&'de str>()?),
                "channel" if channel.is_none() => channel = Some(map.next_value::<&'de str>()?),
                "instrument_name" if instrument.is_none() => instrument = Some(map.next_value::<&'de str>()?),
                // The kind is final once `channel` is known (it wins over `subscription`).
                "data" if data.is_none() && channel.is_some() => {
                    let kind = data_kind(channel, subscription);
                    data = Some(map.next_value_seed(DataSeed(kind))?);
                }
                "subscription" | "channel" | "instrument_name" | "data" => return Err(not_mine()),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let data = data.ok_or_else(not_mine)?;
        let name = subscription.or(channel).unwrap_or("");
        Ok(FastResult(Push {
            request_id: None,
            channel: Channel::parse(name),
            instrument_name: instrument.map(InstrumentName::from),
            data,
        }))
    }
}

struct DataSeed(DataKind);

impl<'de> DeserializeSeed<'de> for DataSeed {
    type Value = PushData;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<PushData, D::Error> {
        fn list<'de, T: DeserializeOwned, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
            Vec::<T>::deserialize(d)
        }
        Ok(match self.0 {
            DataKind::Orders => PushData::Orders(list(d)?),
            DataKind::Trades => PushData::Trades(list(d)?),
            DataKind::Balances => PushData::Balances(list(d)?),
            DataKind::Positions => PushData::Positions(list(d)?),
            DataKind::BookSnapshot => PushData::BookSnapshots(list(d)?),
            DataKind::BookDelta => PushData::BookDeltas(list(d)?),
            DataKind::Tickers => PushData::Tickers(list(d)?),
            DataKind::PublicTrades => PushData::PublicTrades(list(d)?),
            DataKind::Candles => PushData::Candles(list(d)?),
            DataKind::Transactions => PushData::Transactions(list(d)?),
            // A null `data` is a pure ack to the general decoder, not a push.
            DataKind::Other => match <&RawValue>::deserialize(d)?.get() {
                "null" => return Err(not_mine()),
                raw => PushData::Other(raw.to_owned()),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::frame::{decode_frame, Frame};
    use super::*;

    /// What `decode_frame` answers (fast path included).
    fn general(text: &str) -> Option<Push> {
        match decode_frame(text.as_bytes()) {
            Ok(Frame::Push(p)) => Some(p),
            _ => None,
        }
    }

    #[test]
    fn fast_and_general_agree_on_usual_pushes() {
        let frames = [
            r#"{"id":-1,"method":"subscribe","code":0,"result":{"instrument_name":"BTC_USD","subscription":"user.order.BTC_USD","channel":"user.order","data":[{"order_id":"1","side":"BUY","quantity":"1","status":"ACTIVE","instrument_name":"BTC_USD","cumulative_quantity":"0"}]}}"#,
            r#"{"id":7,"method":"subscribe","code":0,"result":{"subscription":"book.BTC_USD.10","channel":"book.update","depth":10,"data":[{"update":{"asks":[["1","2","3"]],"bids":[]},"t":1,"u":5,"pu":4}]}}"#,
            r#"{"id":"-1","method":"subscribe","code":"0","result":{"channel":"something.new","data":[{"x":1}]}}"#,
        ];
        for f in frames {
            let fast = decode_push(f).expect("usual shape");
            assert_eq!(Some(fast.clone()), general(f), "{f}");
            // The same frame with `method` last takes the three-pass path: same push.
            let moved = f.replacen(r#""method":"subscribe","#, "", 1);
            let reordered = format!(r#"{},"method":"subscribe"}}"#, &moved[..moved.len() - 1]);
            assert!(decode_push(&reordered).is_none());
            assert_eq!(Some(fast), general(&reordered), "{reordered}");
        }
    }

    #[test]
    fn unusual_shapes_go_to_the_general_decoder() {
        for f in [
            // data before channel, result before code, a response, a heartbeat, a duplicate.
            r#"{"id":-1,"method":"subscribe","code":0,"result":{"data":[],"channel":"user.order"}}"#,
            r#"{"id":-1,"method":"subscribe","result":{"channel":"user.order","data":[]},"code":0}"#,
            r#"{"id":3,"method":"private/create-order","code":0,"result":{"order_id":"1"}}"#,
            r#"{"id":3,"method":"public/heartbeat"}"#,
            r#"{"id":-1,"method":"subscribe","code":0,"code":1,"result":{"channel":"user.order","data":[]}}"#,
            r#"{"id":-1,"method":"subscribe","code":0,"result":{"channel":"user.order","data":[{"bad":1}]}}"#,
            r#"{"id":-1,"method":"subscribe","code":0,"result":{"channel":"user.order","data":[]}} x"#,
            r#"{"id":-1,"method":"sub\u0073cribe","code":0,"result":{"channel":"user.order","data":[]}}"#,
            r#"{"id":-1,"method":"subscribe","code":0,"result":{"channel":"something.new","data":null}}"#,
            r#"{"id":-1,"method":"subscribe","code":null,"result":{"channel":"user.order","data":[]}}"#,
        ] {
            assert!(decode_push(f).is_none(), "{f}");
        }
    }

    #[test]
    fn what_the_general_decoder_refuses_the_fast_path_refuses_too() {
        let order = |id: &str, tail: &str| {
            format!(
                r#"{{"id":-1,"method":"subscribe","code":0,"result":{{"channel":"user.order","data":[{{"order_id":{id},"side":"BUY","quantity":"1","status":"ACTIVE","instrument_name":"BTC_USD"}}]}}}}{tail}"#
            )
        };
        for f in [
            order(r#""1""#, " x"),
            order(r#""1""#, "}"),
            order(r#""\ud800""#, ""),
            order(r#""\x41""#, ""),
            order("01", ""),
            order("1.", ""),
            order("-", ""),
            order("\"1\u{1}\"", ""),
            order(r#""1""#, "\u{0}"),
        ] {
            let general = super::super::frame::decode_frame(f.as_bytes());
            assert!(!matches!(general, Ok(Frame::Push(_))), "the general decoder accepted {f}");
            assert!(decode_push(&f).is_none(), "the fast path accepted {f}");
        }
        assert!(decode_push(&order(r#""1""#, "")).is_some());
    }
}
