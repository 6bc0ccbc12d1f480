//! Journal recovery on a damaged file: a real journal (a few fills and orders), truncated and
//! overwritten where the input says. Every reader, and the engine's own open-and-recover, gives
//! the journal's records or a `JournalError`, never a panic. (Random bytes alone would never
//! get past SQLite's header check, so the input edits a valid file.)
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use cdc_engine::journal::{read_fills, read_orders, summarize, FillRecord, Filter, Journal, OrderRecord};
use cdc_engine::protocol::{decode_frame, Frame, PushData};
use libfuzzer_sys::fuzz_target;

const TRADE: &[u8] = include_bytes!("../../crates/protocol/tests/fixtures/user_trade.json");
const ORDER: &[u8] = include_bytes!("../../crates/protocol/tests/fixtures/user_order.json");

/// The bytes of a small valid journal, made once.
fn valid() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("seed.sqlite");
        let (journal, _) = Journal::open(&path).expect("a fresh journal");
        for frame in [TRADE, ORDER] {
            let Ok(Frame::Push(p)) = decode_frame(frame) else { panic!("fixture") };
            match p.data {
                PushData::Trades(list) => list.iter().for_each(|t| journal.append_fill(FillRecord::from_trade(t))),
                PushData::Orders(list) => list.iter().for_each(|o| journal.append_order(OrderRecord::from_order(o))),
                _ => {}
            }
        }
        journal.close().expect("closed");
        std::fs::read(&path).expect("the journal's bytes")
    })
}

fn read_all(path: &Path) {
    let _ = read_fills(path).map_err(|e| e.to_string());
    let _ = read_orders(path).map_err(|e| e.to_string());
    let _ = summarize(path, &Filter::default()).map_err(|e| e.to_string());
    if let Ok((journal, recovered)) = Journal::open(path) {
        let _ = format!("{recovered:?}");
        let _ = journal.close();
    }
}

fuzz_target!(|input: &[u8]| {
    let mut file = valid().to_vec();
    // Two bytes say where to cut the file, then each three bytes overwrite one byte of it.
    let (cut, edits) = input.split_at(input.len().min(2));
    if let [hi, lo] = *cut {
        let keep = usize::from(u16::from_be_bytes([hi, lo])) * file.len() / usize::from(u16::MAX);
        file.truncate(keep.max(1));
    }
    for e in edits.chunks_exact(3) {
        let at = usize::from(u16::from_be_bytes([e[0], e[1]])) % file.len();
        file[at] = e[2];
    }
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("journal.sqlite");
    if std::fs::write(&path, &file).is_ok() {
        read_all(&path);
    }
});
