//! Tests that need a real service on PATH: `nats-server` (JetStream) and `promtool`. Built only
//! with `--features services` (`.ci/run` installs the Debian packages and runs this target).

// One copy of the shared test helpers for every file here (`super::support`).
#[path = "../support/mod.rs"]
mod support;

mod gateway;
mod promtool;
mod publish;
mod server;
mod slow_reader;
