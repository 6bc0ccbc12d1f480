//! cdc-engine: a streaming trading engine for the Crypto.com Exchange (API v1).
//!
//! The library holds every capability; the `cdc-engine` binary only wires commands to it.
//! See `docs/architecture.md` for the architecture and `docs/protocol.md` for the protocol notes
//! that comments cite as §N.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backoff;
pub mod bench;
pub mod clock;
pub mod config;
pub mod doctor;
pub mod engine;
pub mod journal;
pub mod output;
pub mod paper;
pub mod pnl;
pub mod protocol;
pub mod rest;
pub mod sim;
pub mod state;
pub mod strategy;
pub mod ws;
