//! Robustness of the decoders: malformed, hostile or odd input gives an `Err` (or, for unknown
//! fields and enum values, a lenient `Ok`) and never a panic. Proptest feeds random bytes and
//! random mutations of the fixtures to `decode_frame`.
//!
//! These tests must not depend on decoding details beyond the public API's contract.

#[path = "fixtures/support.rs"]
mod support;

use cdc_protocol::enums::{ExecInst, OrderStatus, OrderType, Side, TakerSide, TimeInForce};
use cdc_protocol::envelope::{DataList, ListResult, OrderAck};
use cdc_protocol::error::MAX_FRAME_BYTES;
use cdc_protocol::models::{Instrument, Order};
use cdc_protocol::{decode_frame, decode_response, DecodeError, Frame, PushData};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::{fx, push};

/// Fixtures used as seeds for truncation and mutation.
const SEEDS: [&str; 8] = [
    "user_order",
    "user_trade_numbers",
    "user_balance_strings",
    "book_snapshot",
    "book_delta",
    "heartbeat",
    "create_order_list_response",
    "get_order_detail",
];

fn value(name: &str) -> Value {
    serde_json::from_slice(&fx(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("serialise")
}

/// The `user_order` push with its first order edited by `edit`.
fn order_push_with(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Vec<u8> {
    let mut v = value("user_order");
    let order = v["result"]["data"][0].as_object_mut().expect("order object");
    edit(order);
    bytes(&v)
}

fn first_order(frame: &[u8]) -> Order {
    match decode_frame(frame) {
        Ok(Frame::Push(p)) => match p.data {
            PushData::Orders(mut o) => o.remove(0),
            other => panic!("expected orders, got {other:?}"),
        },
        other => panic!("expected a push, got {other:?}"),
    }
}

fn assert_err(frame: &[u8], what: &str) {
    let r = decode_frame(frame);
    assert!(r.is_err(), "{what}: expected Err, got {r:?}");
}

// ---------------------------------------------------------------- truncation and framing

#[test]
fn every_prefix_of_a_fixture_is_an_error() {
    for name in SEEDS {
        let raw = fx(name);
        let full = raw.trim_ascii_end();
        assert!(decode_frame(full).is_ok(), "{name} itself must decode");
        for n in 0..full.len() {
            assert!(decode_frame(&full[..n]).is_err(), "{name}: prefix of {n} bytes decoded");
            assert!(decode_response(&full[..n]).is_err(), "{name}: prefix of {n} bytes decoded as a response");
        }
    }
}

#[test]
fn empty_and_blank_input() {
    assert_err(b"", "empty");
    assert_err(b"   \n\t", "blank");
    assert!(decode_response(b"").is_err());
}

#[test]
fn scalars_at_top_level_are_errors() {
    for raw in [&b"null"[..], b"0", b"\"subscribe\"", b"true", b"-1"] {
        assert_err(raw, &String::from_utf8_lossy(raw));
    }
}

/// BUG (crates/protocol/src/frame.rs): `Envelope` derives `Deserialize`, and serde's derived structs also
/// accept a JSON array (fields by position, missing ones defaulted). So `[]` decodes as a
/// successful response with an empty method and `[1,"public/heartbeat"]` as a heartbeat.
#[test]
fn json_array_at_top_level_is_an_error() {
    assert_err(b"[]", "empty array");
    assert_err(b"[1,\"public/heartbeat\",0]", "positional heartbeat");
    assert_err(b"[{\"id\":1,\"method\":\"public/auth\",\"code\":0}]", "wrapped response");
    assert!(decode_response(b"[]").is_err(), "decode_response([])");
}

#[test]
fn non_utf8_bytes_are_refused() {
    assert!(matches!(decode_frame(&[0xff, 0xfe, 0x00, 0x7b]), Err(DecodeError::NotUtf8)));
    let mut frame = br#"{"id":1,"method":"public/auth","code":0,"message":"X"}"#.to_vec();
    let at = frame.iter().position(|&b| b == b'X').expect("marker");
    frame[at] = 0xc3; // a lone UTF-8 lead byte inside a string
    assert!(matches!(decode_frame(&frame), Err(DecodeError::NotUtf8)));
    assert!(matches!(decode_response(&frame), Err(DecodeError::NotUtf8)));
}

#[test]
fn frames_over_the_size_limit_are_refused_before_parsing() {
    let head = br#"{"id":1,"method":"public/auth","code":0,"message":""#;
    let tail = br#""}"#;
    let sized = |total: usize| {
        let mut f = head.to_vec();
        f.resize(total - tail.len(), b'a');
        f.extend_from_slice(tail);
        f
    };
    let at_limit = sized(MAX_FRAME_BYTES);
    assert!(matches!(decode_frame(&at_limit), Ok(Frame::Response(_))), "a frame at the limit is accepted");
    let over = sized(MAX_FRAME_BYTES + 1);
    assert!(matches!(decode_frame(&over), Err(DecodeError::TooLarge(n)) if n == MAX_FRAME_BYTES + 1));
    assert!(matches!(decode_response(&over), Err(DecodeError::TooLarge(_))));
    // Too large wins even when the bytes are garbage.
    assert!(matches!(decode_frame(&vec![0xff; 2 * MAX_FRAME_BYTES]), Err(DecodeError::TooLarge(_))));
}

#[test]
fn deep_nesting_below_the_size_limit_does_not_overflow_the_stack() {
    let depth = MAX_FRAME_BYTES / 2 - 64;
    let nest = |open: &str, close: &str| format!("{}{}", open.repeat(depth), close.repeat(depth));
    // Unbalanced and balanced nesting at top level.
    assert_err("[".repeat(MAX_FRAME_BYTES - 1).as_bytes(), "open brackets");
    assert_err(nest("[", "]").as_bytes(), "balanced brackets");
    // Inside a response result (kept raw, then decoded on demand) and inside push data.
    let resp = format!(r#"{{"id":1,"method":"private/get-open-orders","code":0,"result":{}}}"#, nest("[", "]"));
    if let Ok(Frame::Response(r)) = decode_frame(resp.as_bytes()) {
        assert!(r.result::<DataList<Order>>().is_err());
    }
    let data = format!(
        r#"{{"id":-1,"method":"subscribe","code":0,"result":{{"channel":"user.order","data":{}}}}}"#,
        nest("[", "]")
    );
    assert_err(data.as_bytes(), "nested push data");
    // Deep nesting in an unknown field is skipped or refused, never a crash.
    let objects = format!("{}1{}", "{\"a\":".repeat(depth / 3), "}".repeat(depth / 3));
    let field = format!(r#"{{"id":-1,"method":"subscribe","code":0,"x":{objects}}}"#);
    let _ = decode_frame(field.as_bytes());
}

// ---------------------------------------------------------------- wrong types

#[test]
fn wrong_json_types_are_errors() {
    let push = |result: Value| bytes(&json!({"id": -1, "method": "subscribe", "code": 0, "result": result}));
    assert_err(&push(json!({"channel": "user.order", "data": {"order_id": "1"}})), "object where array expected");
    assert_err(&push(json!({"channel": "user.trade", "data": "trades"})), "string where array expected");
    assert_err(&push(json!({"channel": "user.order", "data": ["order"]})), "string where order expected");
    assert_err(&push(json!({"channel": "book", "data": [{"asks": [{"price": "1"}]}]})), "object as a level");
    assert_err(&push(json!({"channel": "book", "data": [{"asks": [["1"]]}]})), "level without quantity");
    assert_err(&push(json!("user.order")), "string where result object expected");
    assert_err(&bytes(&json!({"id": "abc", "method": "x", "code": 0})), "id not a number");
    assert_err(&bytes(&json!({"id": 1.5, "method": "x", "code": 0})), "fractional id");
    assert_err(&bytes(&json!({"id": 1, "method": 5, "code": 0})), "method a number");
    assert_err(&bytes(&json!({"id": 1, "method": "x", "code": {"c": 0}})), "code an object");
    assert_err(&order_push_with(|o| drop(o.insert("exec_inst".into(), json!("POST_ONLY")))), "exec_inst a string");
    assert_err(&order_push_with(|o| drop(o.insert("side".into(), json!(1)))), "side a number");
    assert_err(&order_push_with(|o| drop(o.insert("quantity".into(), json!(true)))), "quantity a bool");

    let r =
        decode_response(br#"{"id":1,"method":"private/create-order","code":0,"result":"18342311"}"#).expect("envelope");
    assert!(r.result::<OrderAck>().is_err());
    assert!(r.result::<DataList<Order>>().is_err());
    assert!(r.result::<ListResult>().is_err());
    let r =
        decode_response(br#"{"id":1,"method":"public/get-instruments","code":0,"result":{"data":{}}}"#).expect("env");
    assert!(r.result::<DataList<Instrument>>().is_err());
}

#[test]
fn missing_required_fields_are_errors() {
    for field in ["order_id", "side", "status", "quantity", "instrument_name"] {
        assert_err(&order_push_with(|o| drop(o.remove(field))), &format!("order without {field}"));
    }
    for field in ["trade_id", "order_id", "side", "traded_price", "traded_quantity", "instrument_name"] {
        let mut v = value("user_trade");
        v["result"]["data"][0].as_object_mut().expect("trade").remove(field);
        assert_err(&bytes(&v), &format!("trade without {field}"));
    }
    let mut v = value("user_positions");
    v["result"]["data"][0].as_object_mut().expect("position").remove("quantity");
    assert_err(&bytes(&v), "position without quantity");
    let mut v = value("get_instruments");
    v["result"]["data"][0].as_object_mut().expect("instrument").remove("price_tick_size");
    let r = decode_response(&bytes(&v)).expect("envelope");
    assert!(r.result::<DataList<Instrument>>().is_err(), "instrument without price_tick_size");
}

// ---------------------------------------------------------------- absurd numbers

const FORTY_DIGITS: &str = "1234567890123456789012345678901234567890";

#[test]
fn forty_digit_numbers_are_errors() {
    let big: Value = serde_json::from_str(FORTY_DIGITS).expect("a JSON number");
    for field in ["quantity", "limit_price", "cumulative_quantity", "order_id", "create_time", "update_time"] {
        assert_err(&order_push_with(|o| drop(o.insert(field.into(), big.clone()))), &format!("{field} as number"));
    }
    for field in ["quantity", "limit_price", "create_time"] {
        assert_err(
            &order_push_with(|o| drop(o.insert(field.into(), json!(FORTY_DIGITS)))),
            &format!("{field} as string"),
        );
    }
    for key in ["id", "code"] {
        for v in [big.clone(), json!(FORTY_DIGITS)] {
            let mut env = json!({"id": 1, "method": "public/auth", "code": 0});
            env[key] = v;
            assert_err(&bytes(&env), &format!("40-digit {key}"));
        }
    }
    let mut v = value("book_snapshot");
    v["result"]["data"][0]["asks"][0][0] = big;
    assert_err(&bytes(&v), "40-digit level price");
}

#[test]
fn nan_and_infinite_decimals_are_errors() {
    for text in
        ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e999", "-1e999", "1e99999999999999999999", "", " ", "1.2.3"]
    {
        if text.trim().is_empty() {
            // Empty means absent for optional fields, but `quantity` is required.
            assert_err(&order_push_with(|o| drop(o.insert("quantity".into(), json!(text)))), "blank quantity");
            continue;
        }
        assert_err(&order_push_with(|o| drop(o.insert("quantity".into(), json!(text)))), text);
        assert_err(&order_push_with(|o| drop(o.insert("limit_price".into(), json!(text)))), text);
    }
    // Bare NaN / 1e999 are not JSON a serde parser accepts as finite numbers.
    let raw =
        String::from_utf8(fx("user_order")).expect("utf-8").replace(r#""quantity": "0.0500""#, r#""quantity": NaN"#);
    assert_err(raw.as_bytes(), "bare NaN");
    let raw = raw.replace(r#""quantity": NaN"#, r#""quantity": 1e999"#);
    assert_err(raw.as_bytes(), "bare 1e999");
}

/// BUG (crates/protocol/src/num.rs): a decimal sent as a JSON number reaches `DecimalVisitor::visit_f64`
/// as an f64, so anything past ~17 significant digits is silently changed instead of refused.
/// Live captures send decimals as numbers (§2.2), so this is money arithmetic on a rounded value.
#[test]
fn decimals_sent_as_numbers_are_exact_or_refused() {
    for text in ["12345678901234567890123", "0.12345678901234567891", "9007199254740993.5"] {
        let frame = order_push_with(|o| drop(o.insert("quantity".into(), serde_json::from_str(text).expect("number"))));
        if let Ok(Frame::Push(p)) = decode_frame(&frame) {
            let PushData::Orders(o) = p.data else { panic!("orders") };
            assert_eq!(o[0].quantity, support::dec(text), "{text} decoded to a different value");
        }
    }
}

/// BUG (crates/protocol/src/envelope.rs): `code` defaults to 0 when absent, so a response that lost its
/// code (or `{}`) reads as success; a create-order acknowledgement must never be assumed.
#[test]
fn response_without_code_is_not_success() {
    for raw in [&br#"{"id":5,"method":"private/create-order"}"#[..], b"{}"] {
        if let Ok(Frame::Response(r)) = decode_frame(raw) {
            assert!(!r.is_ok(), "{}: decoded as success", String::from_utf8_lossy(raw));
        }
    }
}

// ---------------------------------------------------------------- leniency that must hold

#[test]
fn unknown_fields_are_ignored_everywhere() {
    let want = push("user_order");
    let mut v = value("user_order");
    v["detail_code"] = json!("0");
    v["result"]["future_field"] = json!({"nested": [1, 2, {"x": null}]});
    for (i, order) in v["result"]["data"].as_array_mut().expect("data").iter_mut().enumerate() {
        order["brand_new_field"] = json!(i);
        order["another"] = json!([[["deep"]]]);
    }
    assert_eq!(
        match decode_frame(&bytes(&v)) {
            Ok(Frame::Push(p)) => p,
            other => panic!("unknown fields broke decoding: {other:?}"),
        },
        want
    );

    let mut v = value("create_order_response");
    v["result"]["new"] = json!(true);
    v["details"] = json!("https://status.crypto.com");
    let ack: OrderAck = decode_response(&bytes(&v)).expect("envelope").result().expect("ack");
    assert_eq!(ack.order_id.as_deref(), Some("18342311"));
}

#[test]
fn unknown_enum_values_decode_to_unknown() {
    let o = first_order(&order_push_with(|o| {
        o.insert("status".into(), json!("PARTIALLY_FILLED"));
        o.insert("side".into(), json!("HOLD"));
        o.insert("order_type".into(), json!("ICEBERG"));
        o.insert("time_in_force".into(), json!("GOOD_TILL_DATE"));
        o.insert("exec_inst".into(), json!(["POST_ONLY", "HIDDEN"]));
    }));
    assert_eq!(o.status, OrderStatus::Unknown("PARTIALLY_FILLED".into()));
    assert_eq!(o.side, Side::Unknown("HOLD".into()));
    assert_eq!(o.order_type, Some(OrderType::Unknown("ICEBERG".into())));
    assert_eq!(o.time_in_force, Some(TimeInForce::Unknown("GOOD_TILL_DATE".into())));
    assert_eq!(o.exec_inst, vec![ExecInst::PostOnly, ExecInst::Unknown("HIDDEN".into())]);
    assert!(!o.status.is_open() && !o.status.is_terminal());

    let mut v = value("user_trade");
    v["result"]["data"][0]["taker_side"] = json!("RETAIL");
    let Ok(Frame::Push(p)) = decode_frame(&bytes(&v)) else { panic!("trade push") };
    let PushData::Trades(t) = p.data else { panic!("trades") };
    assert_eq!(t[0].taker_side, Some(TakerSide::Unknown("RETAIL".into())));
}

/// BUG (crates/protocol/src/models/trade.rs): §7.2 says `taker_side` may be empty. Every other optional
/// field maps `""` to `None` (`num::Opt*`), but `taker_side` becomes `Some(Unknown(""))`.
#[test]
fn empty_taker_side_is_none() {
    let mut v = value("user_trade");
    v["result"]["data"][0]["taker_side"] = json!("");
    let Ok(Frame::Push(p)) = decode_frame(&bytes(&v)) else { panic!("trade push") };
    let PushData::Trades(t) = p.data else { panic!("trades") };
    assert_eq!(t[0].taker_side, None);
}

// ---------------------------------------------------------------- property tests

fn seed_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(SEEDS.to_vec()).prop_map(fx)
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 1..64usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1..64usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(buf: &mut Vec<u8>, m: &Mutation) {
    if buf.is_empty() {
        return;
    }
    let at = |i: usize, len: usize| i % len;
    match m {
        Mutation::Flip(i, b) => {
            let i = at(*i, buf.len());
            buf[i] = *b;
        }
        Mutation::Delete(i, n) => {
            let i = at(*i, buf.len());
            let end = (i + n).min(buf.len());
            buf.drain(i..end);
        }
        Mutation::Insert(i, bytes) => {
            let i = at(*i, buf.len() + 1);
            buf.splice(i..i, bytes.iter().copied());
        }
        Mutation::Duplicate(i, n) => {
            let i = at(*i, buf.len());
            let end = (i + n).min(buf.len());
            let copy = buf[i..end].to_vec();
            buf.splice(end..end, copy);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode_frame(&raw);
        let _ = decode_response(&raw);
    }

    #[test]
    fn random_ascii_json_alphabet_never_panics(raw in "[\\[\\]{}\",:0-9a-z.eE+\\- ]{0,512}") {
        let _ = decode_frame(raw.as_bytes());
    }

    #[test]
    fn mutated_fixtures_never_panic(seed in seed_strategy(), muts in prop::collection::vec(mutation(), 1..6)) {
        let mut buf = seed;
        for m in &muts {
            apply(&mut buf, m);
        }
        if let Ok(Frame::Response(r)) = decode_frame(&buf) {
            // A surviving response must also survive the typed second pass.
            let _ = r.result::<DataList<Order>>();
            let _ = r.result::<ListResult>();
            let _ = r.result::<Order>();
        }
        let _ = decode_response(&buf);
    }
}
