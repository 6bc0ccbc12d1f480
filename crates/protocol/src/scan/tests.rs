//! The hand-written decoder against serde's, on generated objects (every field in each of its
//! plain and odd forms, keys in any order, repeated or missing) and on mutated frames: where it
//! reads a frame it reads it as serde does, and it reads every frame made of plain forms only.

use proptest::prelude::*;

use super::decode_push;
use crate::frame::{decode_frame_serde, Frame, Push};

/// A field of a generated object: its key, the forms the fast path must read, and the forms it
/// may hand over (serde may accept or refuse them).
struct Field {
    key: &'static str,
    required: bool,
    plain: &'static [&'static str],
    odd: &'static [&'static str],
}

const ID: (&[&str], &[&str]) = (&[r#""6530219466236720401""#, r#""x""#, r#""""#], &["12", "null", r#""a\"b""#, "{}"]);
const DEC: (&[&str], &[&str]) =
    (&[r#""1.5""#, r#""-0.0010""#, r#""0""#, r#""1e3""#, r#"" 7 ""#], &["1.5", "2", "null", r#""""#, r#""abc""#]);
const OPT_DEC: (&[&str], &[&str]) = (&[r#""25000.00""#, r#""""#, "null", r#""-0""#], &["1.5", "3", r#""x""#, "[]"]);
const OPT_U64: (&[&str], &[&str]) = (
    &["1686870220684", r#""1686870220684""#, r#""""#, "null", r#"" 5 ""#],
    &["-3", "1.5", r#""x""#, "true", "18446744073709551616"],
);
const U64_OR_NONE: (&[&str], &[&str]) = (
    &[r#""1686870220684239675""#, "1686870220684239675", r#""soon""#, "null", "true"],
    &["-3", "1.5", "[1]", r#"{"a":1}"#],
);
const OPT_TEXT: (&[&str], &[&str]) = (&[r#""43012""#, r#""""#, "null"], &["43012", r#""\u0041""#, "[]"]);
const OPT_STRING: (&[&str], &[&str]) = (&[r#""BTC""#, r#""""#, "null"], &["1", r#""\n""#, "false"]);
const OPT_ENUM: (&[&str], &[&str]) = (&[r#""LIMIT""#, r#""MARKET""#, r#""""#, "null", r#""WEIRD""#], &["1", "[]"]);
const SIDE: (&[&str], &[&str]) = (&[r#""BUY""#, r#""SELL""#, r#""buy""#], &["null", "1", r#""""#]);
const STATUS: (&[&str], &[&str]) = (&[r#""ACTIVE""#, r#""FILLED""#, r#""CANCELED""#, r#""NEWER""#], &["null", "0"]);
const EXEC: (&[&str], &[&str]) =
    (&["[]", r#"["POST_ONLY"]"#, r#"["", "REDUCE_ONLY"]"#, "null"], &[r#""POST_ONLY""#, "[1]", "[null]"]);
const BOOL: (&[&str], &[&str]) = (&["true", "false", r#""true""#, r#"" 0 ""#, r#""""#, "null"], &["1", r#""maybe""#]);
const LEVELS: (&[&str], &[&str]) = (
    &["[]", r#"[["1","2","3"]]"#, r#"[["1.5","0"],["2","1"," 4 "]]"#, r#"[["1","2",3,"extra",{}]]"#],
    &["null", r#"[["1"]]"#, r#"[[1,"2","3"]]"#, r#"[["1","2",null]]"#, r#"[["1","2","-1"]]"#, "{}"],
);

const fn f(
    key: &'static str,
    required: bool,
    (plain, odd): (&'static [&'static str], &'static [&'static str]),
) -> Field {
    Field { key, required, plain, odd }
}

/// Keys no model reads, with values the fast path must skip or hand over.
const UNKNOWN: Field = f(
    "zz_unknown",
    false,
    (&[r#"{"deep":[1,-2.5e3,{"x":null}],"t":true}"#, "[]", r#""é""#], &["01", "[1,]", r#""\u00e9""#, "{,}"]),
);

const ORDER: &[Field] = &[
    f("account_id", false, OPT_STRING),
    f("order_id", true, ID),
    f("client_oid", false, (&[r#""bench-1""#, r#""""#, "null"], &["7", r#""\t""#])),
    f("order_type", false, OPT_ENUM),
    f("type", false, OPT_ENUM),
    f("time_in_force", false, OPT_ENUM),
    f("side", true, SIDE),
    f("exec_inst", false, EXEC),
    f("quantity", true, DEC),
    f("limit_price", false, OPT_DEC),
    f("price", false, OPT_DEC),
    f("order_value", false, OPT_DEC),
    f("maker_fee_rate", false, OPT_DEC),
    f("avg_price", false, OPT_DEC),
    f("cumulative_quantity", false, OPT_DEC),
    f("cumulative_fee", false, OPT_DEC),
    f("status", true, STATUS),
    f("reason", false, OPT_TEXT),
    f("reject_reason", false, OPT_TEXT),
    f("update_user_id", false, OPT_TEXT),
    f("order_date", false, OPT_STRING),
    f("instrument_name", true, (&[r#""BTC_USD""#, r#""ETHUSD-PERP""#], &["null", "1"])),
    f("fee_instrument_name", false, OPT_STRING),
    f("fee_currency", false, OPT_STRING),
    f("create_time", false, OPT_U64),
    f("create_time_ns", false, U64_OR_NONE),
    f("update_time", false, OPT_U64),
    f("transaction_time", false, OPT_U64),
];

const TRADE: &[Field] = &[
    f("trade_id", true, ID),
    f("order_id", true, ID),
    f("client_oid", false, (&[r#""bench-1""#, "null"], &["7"])),
    f("instrument_name", true, (&[r#""BTC_USD""#], &["null"])),
    f("side", true, SIDE),
    f("traded_price", true, DEC),
    f("traded_quantity", true, DEC),
    f("fees", false, OPT_DEC),
    f("fee_credits", false, OPT_DEC),
    f("fee_instrument_name", false, OPT_STRING),
    f("taker_side", false, (&[r#""MAKER""#, r#""TAKER""#, r#""""#, "null"], &["0"])),
    f("trade_match_id", false, OPT_TEXT),
    f("account_id", false, OPT_STRING),
    f("event_date", false, OPT_STRING),
    f("journal_type", false, OPT_STRING),
    f("create_time", false, OPT_U64),
    f("create_time_ns", false, OPT_TEXT),
    f("transact_time_ns", false, OPT_TEXT),
    f("transaction_time", false, OPT_U64),
];

const ROW: &str = r#"{"instrument_name":"BTC","quantity":"1.5","reserved_qty":"0.1","collateral_eligible":"true"}"#;
const SUMMARY: &[Field] = &[
    f("instrument_name", false, OPT_STRING),
    f("total_available_balance", false, OPT_DEC),
    f("total_margin_balance", false, OPT_DEC),
    f("total_cash_balance", false, OPT_DEC),
    f("total_session_realized_pnl", false, OPT_DEC),
    f("is_liquidating", false, BOOL),
    f("total_effective_leverage", false, OPT_DEC),
    f("position_balances", false, (&["[]"], &["null", r#"[{"quantity":"1"}]"#, "{}"])),
];

const POSITION_BALANCE: &[Field] = &[
    f("instrument_name", true, (&[r#""USD""#, r#""""#], &["null", "1"])),
    f("quantity", true, DEC),
    f("reserved_qty", false, OPT_DEC),
    f("market_value", false, OPT_DEC),
    f("collateral_eligible", false, BOOL),
    f("haircut", false, OPT_DEC),
    f("max_withdrawal_balance", false, OPT_DEC),
];

const SNAPSHOT: &[Field] = &[
    f("asks", false, LEVELS),
    f("bids", false, LEVELS),
    f("t", false, OPT_U64),
    f("tt", false, OPT_U64),
    f("u", false, OPT_U64),
];

const DELTA: &[Field] = &[
    f(
        "update",
        false,
        (
            &[r#"{"asks":[["1","2","3"]],"bids":[]}"#, "{}", r#"{"bids":[["5","0","0"]],"x":1}"#],
            &["null", r#"{"asks":null}"#, r#"{"asks":[],"asks":[]}"#],
        ),
    ),
    f("t", false, OPT_U64),
    f("u", false, OPT_U64),
    f("pu", false, OPT_U64),
];

/// A small deterministic generator (proptest picks the seed and shrinks it).
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// An object of `fields` in random forms and order; whether only plain forms went in, every
/// required field is there and no key repeats (the fast path must then read it).
fn object(rng: &mut Rng, fields: &[Field]) -> (String, bool) {
    let mut parts = Vec::new();
    let mut plain = true;
    // Half the objects hold plain forms only, so that both answers are exercised.
    let (odd_rate, repeat_rate) = if rng.chance(50) { (0, 0) } else { (10, 3) };
    for field in fields.iter().chain(std::iter::once(&UNKNOWN)) {
        if !rng.chance(if field.required { 97 } else { 60 }) {
            plain &= !field.required;
            continue;
        }
        let times = if rng.chance(repeat_rate) { 2 } else { 1 };
        plain &= times == 1;
        for _ in 0..times {
            let odd = rng.chance(odd_rate);
            plain &= !odd;
            let forms = if odd { field.odd } else { field.plain };
            parts.push(format!(r#""{}":{}"#, field.key, forms[rng.below(forms.len())]));
        }
    }
    for i in (1..parts.len()).rev() {
        parts.swap(i, rng.below(i + 1));
    }
    let sep = [",", " , ", ",\n\t"][rng.below(3)];
    (format!("{{{}}}", parts.join(sep)), plain)
}

fn frame(channel: &str, subscription: &str, data: &str) -> String {
    format!(
        r#"{{"id":-1,"method":"subscribe","code":0,"result":{{"instrument_name":"BTC_USD","subscription":"{subscription}","channel":"{channel}","data":[{data}]}}}}"#
    )
}

/// What serde's decoders make of `text`, if a push.
fn serde_push(text: &str) -> Option<Push> {
    match decode_frame_serde(text.as_bytes()) {
        Ok(Frame::Push(p)) => Some(p),
        _ => None,
    }
}

/// The fast path reads `text` as serde does, or hands it over; returns whether it read it.
fn agrees(text: &str) -> bool {
    match decode_push(text) {
        Some(fast) => {
            assert_eq!(Some(&fast), serde_push(text).as_ref(), "read differently: {text}");
            true
        }
        None => false,
    }
}

/// Checks one generated object; returns whether the fast path read it.
fn check_objects(seed: u64, fields: &[Field], wrap: impl Fn(&str) -> String) -> bool {
    let mut rng = Rng(seed | 1);
    let (obj, plain) = object(&mut rng, fields);
    let text = wrap(&obj);
    let read = agrees(&text);
    assert!(read || !plain, "a frame of plain forms was handed over: {text}");
    read
}

#[test]
fn the_generated_objects_exercise_both_answers() {
    let read = (0..2_000u64).filter(|&s| check_objects(s, ORDER, |o| frame("user.order", "user.order.X", o))).count();
    assert!((500..1_900).contains(&read), "{read} of 2000 read by hand");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn orders_read_as_serde_reads_them(seed in any::<u64>()) {
        check_objects(seed, ORDER, |o| frame("user.order", "user.order.BTC_USD", o));
    }

    #[test]
    fn fills_read_as_serde_reads_them(seed in any::<u64>()) {
        check_objects(seed, TRADE, |o| frame("user.trade", "user.trade.BTC_USD", o));
    }

    #[test]
    fn balances_read_as_serde_reads_them(seed in any::<u64>()) {
        check_objects(seed, SUMMARY, |o| frame("user.balance", "user.balance", o));
        let row = |o: &str| frame("user.balance", "user.balance", &format!(r#"{{"position_balances":[{ROW},{o}]}}"#));
        check_objects(seed, POSITION_BALANCE, row);
    }

    #[test]
    fn books_read_as_serde_reads_them(seed in any::<u64>()) {
        check_objects(seed, SNAPSHOT, |o| frame("book", "book.BTC_USD.10", o));
        check_objects(seed, DELTA, |o| frame("book.update", "book.BTC_USD.10", o));
    }

    #[test]
    fn mutated_frames_are_read_as_serde_reads_them_or_handed_over(
        which in 0..SAMPLES.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, 0..MUTANTS.len()), 1..4),
    ) {
        let mut text = SAMPLES[which].as_bytes().to_vec();
        for (at, op, b) in edits {
            let i = at.index(text.len() + 1);
            match op {
                0 if i < text.len() => text[i] = MUTANTS[b],
                1 => text.insert(i, MUTANTS[b]),
                _ if i < text.len() => drop(text.remove(i)),
                _ => {}
            }
        }
        if let Ok(text) = std::str::from_utf8(&text) {
            agrees(text);
        }
    }
}

const MUTANTS: &[u8] = b"\"\\{}[],: -.e0159ntfx\n\x01";

const SAMPLES: &[&str] = &[
    r#"{"id":-1,"method":"subscribe","code":0,"result":{"instrument_name":"BTC_USD","subscription":"user.order.BTC_USD","channel":"user.order","data":[{"order_id":"19","client_oid":"c-1","side":"BUY","exec_inst":["POST_ONLY"],"quantity":"0.5","limit_price":"25000.00","cumulative_quantity":"0.1","status":"ACTIVE","instrument_name":"BTC_USD","create_time":1686870220684,"create_time_ns":"1686870220684239675","update_time":1686870220690}]}}"#,
    r#"{"id":-1,"method":"subscribe","code":0,"result":{"subscription":"user.trade","channel":"user.trade","data":[{"trade_id":"38","order_id":"19","side":"SELL","traded_price":"51278.5","traded_quantity":"0.05","fees":"-1.02","taker_side":"MAKER","instrument_name":"BTCUSD-PERP","create_time_ns":"1613570791060123456"}]}}"#,
    r#"{"id":-1,"method":"subscribe","code":0,"result":{"subscription":"user.balance","channel":"user.balance","data":[{"total_available_balance":"99.5","is_liquidating":false,"position_balances":[{"instrument_name":"USD","quantity":"100","reserved_qty":"0.5"}]}]}}"#,
    r#"{"id":7,"method":"subscribe","code":0,"result":{"instrument_name":"BTC_USD","subscription":"book.BTC_USD.10","channel":"book","depth":10,"data":[{"asks":[["50000.5","1.25","3"]],"bids":[["49999","0.5","1"]],"t":1654780033786,"u":542048017824}]}}"#,
    r#"{"id":-1,"method":"subscribe","code":0,"result":{"instrument_name":"BTC_USD","subscription":"book.BTC_USD.10","channel":"book.update","depth":10,"data":[{"update":{"asks":[["50000.5","0","0"]],"bids":[]},"t":1654780033790,"u":542048017830,"pu":542048017824}]}}"#,
];

#[test]
fn the_usual_pushes_are_read_here() {
    for s in SAMPLES {
        assert!(agrees(s), "{s}");
    }
}

#[test]
fn what_is_not_a_subscription_s_data_is_handed_over() {
    for f in [
        r#"{"id":3,"method":"public/heartbeat"}"#,
        r#"{"id":3,"method":"private/create-order","code":0,"result":{"order_id":"1"}}"#,
        r#"{"id":-1,"method":"subscribe","code":40101,"result":{"channel":"user.order","data":[]}}"#,
        r#"{"id":-1,"method":"subscribe","result":{"channel":"user.order","data":[]},"code":0}"#,
        r#"{"id":-1,"method":"subscribe","code":0,"result":{"data":[],"channel":"user.order"}}"#,
        r#"{"id":-1,"method":"subscribe","code":0,"result":{"channel":"ticker","data":[{"i":"BTC_USD"}]}}"#,
        r#"{"id":-1,"method":"subscribe","code":0,"result":{"channel":"user.order","data":[]}} x"#,
        r#"{"id":-1,"method":"subscribe","code":0,"result":{"channel":"user.order","data":null}}"#,
    ] {
        assert!(decode_push(f).is_none(), "{f}");
    }
}
