//! The local exchange: REST, user WebSocket and market WebSocket on loopback, with real
//! signature checks, a matching engine, a synthetic market and fault injection.
//!
//! It verifies, it never trusts: it shares no code path with the client that could hide a
//! protocol bug (it has its own signature check and its own JSON handling).

pub mod exchange;
pub mod venue;
