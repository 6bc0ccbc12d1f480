//! Built-in strategies, written only against the library's public API, as a user would write
//! theirs: a market maker, a grid, a TWAP executor and position protection (OCO), built by
//! name from TOML parameters.
//! This registry only builds them; it must NOT run them or do any I/O (the engine runs them).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod grid;
pub mod market_maker;
pub mod params;
pub mod protect;
#[cfg(test)]
mod testkit;
pub mod twap;

use cdc_engine::strategy::{ConfigError, Strategy};

/// The names [`build`] accepts.
pub const NAMES: &[&str] = &["market_maker", "grid", "twap", "protect"];

/// Why [`build`] made no strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// No built-in strategy has this name.
    Unknown(String),
    /// The strategy refused its parameters.
    Config {
        /// The strategy's name.
        strategy: &'static str,
        /// What to change.
        error: ConfigError,
    },
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Unknown(name) => {
                write!(f, "unknown strategy `{name}`; built-in strategies: {}", NAMES.join(", "))
            }
            BuildError::Config { strategy, error } => write!(f, "{strategy}: {error}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Unknown(_) => None,
            BuildError::Config { error, .. } => Some(error),
        }
    }
}

/// Builds the strategy `name` from its parameter table; the error says what to change.
pub fn build(name: &str, params: &toml::Table) -> Result<Box<dyn Strategy>, BuildError> {
    let config = |strategy| move |error| BuildError::Config { strategy, error };
    match name {
        "market_maker" => Ok(Box::new(market_maker::MarketMaker::new(
            market_maker::MmParams::from_table(params).map_err(config("market_maker"))?,
        ))),
        "grid" => Ok(Box::new(grid::Grid::new(grid::GridParams::from_table(params).map_err(config("grid"))?))),
        "twap" => Ok(Box::new(twap::Twap::new(twap::TwapParams::from_table(params).map_err(config("twap"))?))),
        "protect" => {
            Ok(Box::new(protect::Protect::new(protect::ProtectParams::from_table(params).map_err(config("protect"))?)))
        }
        other => Err(BuildError::Unknown(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_each_name_and_refuses_unknown_ones() {
        let grid: toml::Table = "lower = 49000\nupper = 51000".parse().unwrap();
        let twap: toml::Table = "side = \"BUY\"\ntotal_qty = \"0.01\"".parse().unwrap();
        for (name, params) in
            [("market_maker", toml::Table::new()), ("grid", grid), ("twap", twap), ("protect", toml::Table::new())]
        {
            assert_eq!(build(name, &params).map(|s| s.name().to_owned()), Ok(name.to_owned()));
        }
        let e = build("momentum", &toml::Table::new()).err().unwrap().to_string();
        assert!(e.contains("unknown strategy `momentum`") && e.contains("market_maker, grid, twap, protect"), "{e}");
        let e = build("grid", &toml::Table::new()).err().unwrap();
        assert!(e.to_string().starts_with("grid: lower is required"), "{e}");
        assert!(
            matches!(e, BuildError::Config { error: ConfigError::Parameter { ref key, .. }, .. } if key == "lower")
        );
    }

    #[test]
    fn the_id_tagging_client_ids_defaults_to_the_name_and_can_be_set() {
        let twap = |extra: &str| build("twap", &format!("side = \"BUY\"\ntotal_qty = 1\n{extra}").parse().unwrap());
        assert_eq!(twap("").map(|s| s.id()), Ok("twap".to_owned()));
        assert_eq!(twap("id = \"twap_june\"").map(|s| s.id()), Ok("twap_june".to_owned()));
        let e = twap("id = \"Twap-June-2026\"").err().unwrap().to_string();
        assert!(e.contains("twap: id must be 1 to 12 characters of a-z, 0-9 and _"), "{e}");
        let mm: toml::Table = "id = \"mm_eth\"\ninstrument = \"ETH_USD\"".parse().unwrap();
        assert_eq!(build("market_maker", &mm).map(|s| s.id()), Ok("mm_eth".to_owned()));
    }
}
