//! The `cdc-engine` command line's library: what the commands need beyond the engine, kept here
//! so that the integration tests can drive it: `doctor` (diagnosis of a failing set-up), the
//! terminal and JSON `output`, `paper` trading against a local simulator, and the `bench`
//! harness. The engine itself is the `cdc-engine` crate; see `docs/architecture.md`.
//!
//! It must NOT hold anything a strategy author needs: that belongs in the engine crate.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bench;
pub mod bus;
pub mod chart;
pub mod doctor;
pub mod ops;
pub mod output;
pub mod paper;
