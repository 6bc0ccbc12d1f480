//! [`ConfigError`]: why a strategy cannot run with the settings it was given, as a type the engine
//! and the command line can tell apart, with a message that names what to change. It must NOT
//! carry the strategy's name: whoever holds the strategy (the engine, a registry) adds it once.

/// Why a strategy refuses its configuration, from [`Strategy::configure`](super::Strategy::configure)
/// or from reading its parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A parameter the strategy does not read: a misspelt key would otherwise silently take its
    /// default.
    #[error("unknown parameter `{key}`; known parameters: {}", known.join(", "))]
    UnknownParameter {
        /// The key as written.
        key: String,
        /// Every key the strategy reads.
        known: Vec<String>,
    },
    /// A parameter whose value cannot be used (wrong type, out of range, off the tick, missing).
    #[error("{key} {problem}")]
    Parameter {
        /// The parameter to change.
        key: String,
        /// What is wrong and the value that would be accepted, e.g. `must be > 0, got -1`.
        problem: String,
    },
    /// The venue's definition of an instrument does not suit the strategy (not listed, no usable
    /// ticks).
    #[error("{instrument}: {problem}")]
    Instrument {
        /// The instrument as the strategy names it.
        instrument: String,
        /// What is wrong and what to choose instead.
        problem: String,
    },
}

impl ConfigError {
    /// A [`ConfigError::Parameter`].
    pub fn parameter(key: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigError::Parameter { key: key.into(), problem: problem.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_names_what_to_change() {
        let unknown =
            ConfigError::UnknownParameter { key: "sprd".into(), known: vec!["spread_bps".into(), "qty".into()] };
        assert_eq!(unknown.to_string(), "unknown parameter `sprd`; known parameters: spread_bps, qty");
        let bad = ConfigError::parameter("qty", "must be > 0, got -1");
        assert_eq!(bad.to_string(), "qty must be > 0, got -1");
        let inst = ConfigError::Instrument { instrument: "FOO".into(), problem: "has no usable ticks".into() };
        assert_eq!(inst.to_string(), "FOO: has no usable ticks");
    }
}
