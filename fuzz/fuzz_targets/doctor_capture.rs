//! The doctor's reading of a pasted capture (request lines, headers, bodies, prose around
//! them) on arbitrary text. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let _ = cdc_cli::doctor::parse_capture(&text);
    let _ = cdc_cli::doctor::parse_captured(&text);
});
