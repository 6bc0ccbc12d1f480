//! Typed wire models of the objects the exchange sends (§5, §7, §8). Every price, quantity,
//! value and fee is a `Decimal`; every numeric field accepts a string or a number; unknown fields
//! are ignored. Models only decode and describe; they hold no business rules.

mod account;
mod ledger;
mod market;
mod order;
mod trade;

pub use account::{BalanceSummary, Position, PositionBalance};
pub use ledger::Transaction;
pub use market::{BookDelta, BookLevel, BookLevels, BookSnapshot, Candle, Instrument, PublicTrade, Ticker};
pub use order::Order;
pub use trade::Trade;
