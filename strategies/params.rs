//! Reading a strategy's parameters from a TOML table: typed getters with defaults, exact
//! decimals, and errors that name the parameter and say what to change. It must NOT hold any
//! strategy logic; strategies validate their own ranges with [`Params::check`].

use std::str::FromStr;

use cdc_engine::protocol::enums::Side;
use rust_decimal::Decimal;

/// A strategy's parameter table, with the strategy's name for error messages.
pub struct Params<'a> {
    strategy: &'a str,
    table: &'a toml::Table,
}

impl<'a> Params<'a> {
    /// Wraps `table`; refuses keys outside `known`, since a misspelt key silently taking its
    /// default is the kind of mistake a person only notices after losing money.
    pub fn new(strategy: &'a str, table: &'a toml::Table, known: &[&str]) -> Result<Self, String> {
        if let Some(bad) = table.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!("{strategy}: unknown parameter `{bad}`; known parameters: {}", known.join(", ")));
        }
        Ok(Params { strategy, table })
    }

    fn err(&self, key: &str, what: impl std::fmt::Display) -> String {
        format!("{}: {key} {what}", self.strategy)
    }

    /// A decimal, or `None` when absent. TOML strings are parsed exactly; a float is read
    /// through its shortest display text, so `0.1` means exactly 0.1.
    pub fn opt_decimal(&self, key: &str) -> Result<Option<Decimal>, String> {
        let parsed = match self.table.get(key) {
            None => return Ok(None),
            Some(toml::Value::String(s)) => Decimal::from_str_exact(s.trim()).map_err(|e| e.to_string()),
            Some(toml::Value::Integer(i)) => Ok(Decimal::from(*i)),
            Some(toml::Value::Float(f)) if f.is_finite() => Decimal::from_str_exact(&f.to_string())
                .or_else(|_| Decimal::from_str(&f.to_string()))
                .map_err(|e| e.to_string()),
            Some(other) => Err(format!("a {} is not a number", other.type_str())),
        };
        parsed.map(Some).map_err(|e| self.err(key, format!("must be a decimal number such as \"0.01\" ({e})")))
    }

    /// A decimal with a default.
    pub fn decimal(&self, key: &str, default: Decimal) -> Result<Decimal, String> {
        Ok(self.opt_decimal(key)?.unwrap_or(default))
    }

    /// A decimal that must be given.
    pub fn required_decimal(&self, key: &str) -> Result<Decimal, String> {
        self.opt_decimal(key)?.ok_or_else(|| self.err(key, format!("is required, e.g. `{key} = \"0.01\"`")))
    }

    /// A text value with a default.
    pub fn text(&self, key: &str, default: &str) -> Result<String, String> {
        match self.table.get(key) {
            None => Ok(default.to_owned()),
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            Some(other) => Err(self.err(key, format!("must be a non-empty string, got {other}"))),
        }
    }

    /// A whole number with a default.
    pub fn count(&self, key: &str, default: u32) -> Result<u32, String> {
        match self.table.get(key) {
            None => Ok(default),
            Some(toml::Value::Integer(i)) => {
                u32::try_from(*i).map_err(|_| self.err(key, format!("must be a whole number >= 0, got {i}")))
            }
            Some(other) => Err(self.err(key, format!("must be a whole number, got {other}"))),
        }
    }

    /// `BUY` or `SELL` (any case).
    pub fn side(&self, key: &str, default: Side) -> Result<Side, String> {
        match self.text(key, default.as_str())?.to_ascii_uppercase().as_str() {
            "BUY" => Ok(Side::Buy),
            "SELL" => Ok(Side::Sell),
            other => Err(self.err(key, format!("must be \"BUY\" or \"SELL\", got {other:?}"))),
        }
    }

    /// Fails with `key must <rule>, got <value>` unless `ok`.
    pub fn check(&self, ok: bool, key: &str, rule: &str, value: impl std::fmt::Display) -> Result<(), String> {
        if ok {
            Ok(())
        } else {
            Err(self.err(key, format!("must {rule}, got {value}")))
        }
    }

    /// The checks every strategy needs: both ticks positive, and `qty` (named `key`) positive
    /// and a multiple of `qty_tick`, so no order is refused with 213 for its quantity.
    pub fn check_ticks_and_qty(&self, tick: Decimal, qty_tick: Decimal, key: &str, qty: Decimal) -> Result<(), String> {
        self.check(tick > Decimal::ZERO, "tick", "be > 0", tick)?;
        self.check(qty_tick > Decimal::ZERO, "qty_tick", "be > 0", qty_tick)?;
        self.check(qty > Decimal::ZERO, key, "be > 0", qty)?;
        self.check(on_tick(qty, qty_tick), key, &format!("be a multiple of {qty_tick}"), qty)
    }
}

/// `x` rounded down to a multiple of `tick`.
pub fn floor_tick(x: Decimal, tick: Decimal) -> Decimal {
    (x / tick).floor() * tick
}

/// `x` rounded up to a multiple of `tick`.
pub fn ceil_tick(x: Decimal, tick: Decimal) -> Decimal {
    (x / tick).ceil() * tick
}

/// Whether `x` is a whole multiple of `tick`.
pub fn on_tick(x: Decimal, tick: Decimal) -> bool {
    (x % tick).is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> toml::Table {
        s.parse().unwrap()
    }

    #[test]
    fn decimals_are_exact_from_strings_integers_and_floats() {
        let t = table("a = \"0.1\"\nb = 3\nc = 0.1\nd = 1e-3\ne = true");
        let p = Params::new("x", &t, &["a", "b", "c", "d", "e"]).unwrap();
        assert_eq!(p.decimal("a", Decimal::ZERO).unwrap().to_string(), "0.1");
        assert_eq!(p.decimal("b", Decimal::ZERO).unwrap(), Decimal::from(3));
        assert_eq!(p.decimal("c", Decimal::ZERO).unwrap().to_string(), "0.1");
        assert_eq!(p.decimal("d", Decimal::ZERO).unwrap(), Decimal::new(1, 3));
        assert!(p.decimal("e", Decimal::ZERO).unwrap_err().contains("x: e must be a decimal"));
        assert_eq!(p.decimal("zz", Decimal::TWO).unwrap(), Decimal::TWO);
        assert!(p.required_decimal("zz").unwrap_err().contains("zz is required"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let t = table("sped_bps = 3");
        let e = Params::new("market_maker", &t, &["spread_bps"]).err().unwrap();
        assert!(e.contains("unknown parameter `sped_bps`") && e.contains("spread_bps"), "{e}");
        let t = table("side = \"hold\"\nn = -2");
        let p = Params::new("twap", &t, &["side", "n"]).unwrap();
        assert!(p.side("side", Side::Buy).unwrap_err().contains("\"BUY\" or \"SELL\""));
        assert!(p.count("n", 1).unwrap_err().contains("got -2"));
        assert_eq!(p.check(false, "spread_bps", "be > 0", -3).unwrap_err(), "twap: spread_bps must be > 0, got -3");
    }

    #[test]
    fn ticks_round_outwards() {
        let t = Decimal::new(1, 2);
        assert_eq!(floor_tick(Decimal::new(123_456, 3), t), Decimal::new(12_345, 2));
        assert_eq!(ceil_tick(Decimal::new(123_451, 3), t), Decimal::new(12_346, 2));
        assert!(on_tick(Decimal::new(5, 1), t) && !on_tick(Decimal::new(5, 3), t));
    }
}
