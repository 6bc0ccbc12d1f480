//! Wire protocol of the Crypto.com Exchange API v1: envelopes, typed models and requests,
//! channel names, request signing and reason codes.
//!
//! This crate does no I/O and must not depend on tokio: it turns bytes into types and back (CI
//! checks its dependency tree, `.ci/check-deps`). Its one read of the outside world is the wall
//! clock for nonces ([`clock`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod channel;
pub mod clock;
pub mod code_names;
pub mod codes;
pub mod enums;
pub mod envelope;
pub mod error;
pub mod frame;
mod frame_fast;
pub mod ids;
pub mod models;
pub mod num;
pub mod requests;
mod scan;
pub mod sign;
pub mod utc;

pub use channel::Channel;
pub use envelope::Request;
pub use error::{DecodeError, ExchangeError};
pub use frame::{decode_frame, decode_response, Frame, Push, PushData, Response};
pub use sign::{Credentials, CredentialsError};
