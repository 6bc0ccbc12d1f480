//! Behaviour tests of the exchange core, driven through its public API.
