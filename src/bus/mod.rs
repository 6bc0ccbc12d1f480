//! The engine's side of NATS: the connection ([`connect`]), publishing the account's events to
//! JetStream ([`publish`]), reading them back through a durable consumer ([`consume`]), and the
//! shared market data of one gateway per machine ([`market`]). Nothing here trades or decides:
//! it carries what the engine and the gateway already produced.

pub mod connect;
pub mod consume;
pub mod market;
pub mod publish;
