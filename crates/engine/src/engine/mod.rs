//! The engine: one writer task that applies the user stream to the state, reconciles after every
//! connect (§12), journals fills and order transitions, runs strategies and routes their orders
//! through the risk checks. It parses no JSON itself: sessions and the REST client hand it types.

pub(crate) mod apply;
mod config;
pub mod control;
pub mod events;
mod flow;
mod handle;
pub(crate) mod host;
mod intents;
pub mod oid;
mod outputs;
mod own;
pub mod reconcile;
mod reconciliation;
#[doc(hidden)]
pub mod replay;
mod resume;
pub mod risk;
pub mod router;
mod sessions;
pub mod summary;
mod task;
mod triggers;
pub mod venue;

pub use config::EngineConfig;
pub use control::{Control, ControlReply, StrategyStatus};
pub use events::EngineEvent;
pub use handle::{start, EngineError, EngineHandle, KillScope};
pub use risk::{RiskLimits, RiskRefusal};
pub use router::{PlaceOutcome, Via};
pub use summary::RunSummary;
pub use triggers::{Fired, TriggerLimits};
pub use venue::{Unlisted, VenueError};
