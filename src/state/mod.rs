//! Live account and market state, in maps that readers can read while the engine task writes.
//! Nothing here does I/O; nothing but the engine task writes.

pub mod book;
