//! Config loading on an arbitrary file: a clear error or settings, never a panic. The file is
//! written owner-only, as a file holding a secret must be.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(mut file) = tempfile::Builder::new().suffix(".toml").tempfile() else { return };
    if file.write_all(bytes).and_then(|()| file.flush()).is_err() {
        return;
    }
    let no_env = |_: &str| None;
    if let Ok(raw) = cdc_engine::config::load_raw(Some(file.path()), None, &no_env) {
        let _ = format!("{raw:?}");
    }
    let _ = cdc_engine::config::load_raw(Some(file.path()), Some("live"), &no_env);
});
