//! The doctor's reading of a pasted capture (request lines, headers, bodies, prose around
//! them) on arbitrary text. Nothing may panic.
//!
//! The parser is one file that needs only `std`, so this target compiles that very file as its
//! own module instead of depending on the CLI crate: the fuzz build then instruments the
//! engine, the simulator and the protocol, not the CLI's other 120 crates (about two minutes of
//! CI's build).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../src/doctor/request.rs"]
#[allow(dead_code)]
mod request;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let _ = request::parse_capture(&text);
    let _ = request::parse_captured(&text);
});
