//! The REST side (§2.3, §10): a signed client with per-method rate limits, used for snapshots,
//! recovery and order entry when the socket is down. It holds no business state and never
//! retries an order placement blindly.

mod client;
mod error;
pub mod limits;

pub use client::{Answer, RestClient};
pub use error::RestError;
