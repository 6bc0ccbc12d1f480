//! Wire protocol of the Crypto.com Exchange API v1: envelopes, typed models and requests,
//! channel names, request signing and reason codes.
//!
//! This layer does no I/O and must not depend on tokio: it turns bytes into types and back.

pub mod codes;
