//! cdc-engine: a streaming trading engine for the Crypto.com Exchange (API v1), as the library a
//! strategy author depends on.
//!
//! It holds the WebSocket sessions ([`ws`]), the REST client ([`rest`]), the concurrent account
//! and market state ([`state`]), the engine's writer task with reconciliation, routing, risk and
//! the strategy host ([`engine`]), the journal ([`journal`]), configuration ([`config`]) and the
//! [`strategy::Strategy`] trait with its context. The wire types are the `cdc-protocol` crate,
//! re-exported as [`protocol`] (and its clock as [`clock`]) so one dependency is enough.
//!
//! It must NOT contain the simulator, the command line or any built-in strategy: those are
//! crates of their own that depend on this one (see `docs/architecture.md`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use cdc_protocol as protocol;
pub use cdc_protocol::clock;

pub mod backoff;
pub mod backtest;
pub mod config;
pub mod engine;
pub mod journal;
pub mod metrics;
pub mod pnl;
pub mod rest;
pub mod state;
pub mod strategy;
pub mod ws;
