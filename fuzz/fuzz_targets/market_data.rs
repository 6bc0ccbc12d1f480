//! The recorded-market readers on an arbitrary file: the plain form (JSON lines) from memory,
//! and whatever form `data::open` detects (compact, gzip, plain) from a file. Each record is
//! read or the file is refused with a `DataError`; nothing may panic.
#![no_main]

use std::io::Cursor;

use cdc_engine::backtest::data::{self, PlainReader, Source};
use libfuzzer_sys::fuzz_target;

/// Reads at most this many records (a small input cannot hold more).
const MAX_RECORDS: usize = 100_000;

fn drain(source: &mut dyn Source) {
    for _ in 0..MAX_RECORDS {
        match source.advance() {
            Ok(true) => drop(source.current()),
            _ => return,
        }
    }
}

fuzz_target!(|bytes: &[u8]| {
    drain(&mut PlainReader::from_reader("fuzz".into(), Box::new(Cursor::new(bytes.to_vec()))));
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("market.data");
    if std::fs::write(&path, bytes).is_ok() {
        if let Ok(mut source) = data::open(&path) {
            drain(source.as_mut());
        }
    }
});
