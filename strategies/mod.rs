//! Built-in strategies, written only against the library's public API, as a user would write
//! theirs: a market maker, a grid and a TWAP executor, built by name from TOML parameters.
//! This registry only builds them; it must NOT run them or do any I/O (the engine runs them).

pub mod grid;
pub mod market_maker;
pub mod own_orders;
pub mod params;
#[cfg(test)]
mod testkit;
pub mod twap;

use cdc_engine::strategy::Strategy;

/// The names [`build`] accepts.
pub const NAMES: &[&str] = &["market_maker", "grid", "twap"];

/// Builds the strategy `name` from its parameter table; the error says what to change.
pub fn build(name: &str, params: &toml::Table) -> Result<Box<dyn Strategy>, String> {
    match name {
        "market_maker" => Ok(Box::new(market_maker::MarketMaker::new(market_maker::MmParams::from_table(params)?))),
        "grid" => Ok(Box::new(grid::Grid::new(grid::GridParams::from_table(params)?))),
        "twap" => Ok(Box::new(twap::Twap::new(twap::TwapParams::from_table(params)?))),
        other => Err(format!("unknown strategy `{other}`; built-in strategies: {}", NAMES.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_each_name_and_refuses_unknown_ones() {
        let grid: toml::Table = "lower = 49000\nupper = 51000".parse().unwrap();
        let twap: toml::Table = "side = \"BUY\"\ntotal_qty = \"0.01\"".parse().unwrap();
        for (name, params) in [("market_maker", toml::Table::new()), ("grid", grid), ("twap", twap)] {
            assert_eq!(build(name, &params).map(|s| s.name().to_owned()), Ok(name.to_owned()));
        }
        let e = build("momentum", &toml::Table::new()).err().unwrap();
        assert!(e.contains("unknown strategy `momentum`") && e.contains("market_maker, grid, twap"), "{e}");
        assert!(build("grid", &toml::Table::new()).err().unwrap().contains("lower is required"));
    }
}
