//! CI's ccxt check cannot be skipped (issue 10): when ccxt cannot be installed,
//! `tests/external/run_ccxt.sh` fails and says why, instead of passing quietly.

use std::process::Command;

#[test]
fn run_ccxt_fails_with_the_reason_when_ccxt_cannot_be_installed() {
    let root = env!("CARGO_MANIFEST_DIR");
    let target = tempfile::tempdir().unwrap();
    let no_wheels = tempfile::tempdir().unwrap();
    // A fresh target dir (so no venv with ccxt exists) and a pip that can reach no index.
    let out = Command::new("bash")
        .arg(format!("{root}/tests/external/run_ccxt.sh"))
        .env("CARGO_TARGET_DIR", target.path())
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", no_wheels.path())
        .env_remove("CCXT_REQUIRED")
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "passed without ccxt:\n{stdout}\n{stderr}");
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");
    assert!(
        stderr.contains("could not install ccxt") || stderr.contains("could not create a Python venv"),
        "the reason is given: {stderr}"
    );
}
