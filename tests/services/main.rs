//! Tests that need a real service on PATH: `nats-server` (JetStream) and `promtool`. Built only
//! with `--features services` (`.ci/run` installs the Debian packages and runs this target).

mod gateway;
mod promtool;
mod publish;
mod server;
