//! Reading a strategy's parameters from a TOML table: typed getters with defaults, exact
//! decimals, and errors that name the parameter and say what to change; and [`Ticks`], the one
//! place where a strategy's price and quantity ticks are read, reconciled with the venue's and
//! applied. It must NOT hold any strategy's own logic; strategies validate their own ranges with
//! [`Params::check`].

use std::str::FromStr;

use cdc_engine::engine::oid::MAX_TAG;
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::models::Instrument;
use cdc_engine::strategy::ConfigError;
use rust_decimal::Decimal;

/// A strategy's parameter table, with the strategy's name (the default of its `id`).
pub struct Params<'a> {
    strategy: &'a str,
    table: &'a toml::Table,
}

impl<'a> Params<'a> {
    /// Wraps `table`; refuses keys outside `known`, since a misspelt key silently taking its
    /// default is the kind of mistake a person only notices after losing money.
    pub fn new(strategy: &'a str, table: &'a toml::Table, known: &[&str]) -> Result<Self, ConfigError> {
        if let Some(bad) = table.keys().find(|k| !known.contains(&k.as_str())) {
            let known = known.iter().map(|k| (*k).to_owned()).collect();
            return Err(ConfigError::UnknownParameter { key: bad.clone(), known });
        }
        Ok(Params { strategy, table })
    }

    /// The strategy's name (the default of its `id`).
    pub fn strategy(&self) -> &str {
        self.strategy
    }

    fn err(&self, key: &str, what: impl std::fmt::Display) -> ConfigError {
        ConfigError::parameter(key, what.to_string())
    }

    /// A decimal, or `None` when absent. TOML strings are parsed exactly; a float is read
    /// through its shortest display text, so `0.1` means exactly 0.1.
    pub fn opt_decimal(&self, key: &str) -> Result<Option<Decimal>, ConfigError> {
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
    pub fn decimal(&self, key: &str, default: Decimal) -> Result<Decimal, ConfigError> {
        Ok(self.opt_decimal(key)?.unwrap_or(default))
    }

    /// A decimal that must be given.
    pub fn required_decimal(&self, key: &str) -> Result<Decimal, ConfigError> {
        self.opt_decimal(key)?.ok_or_else(|| self.err(key, format!("is required, e.g. `{key} = \"0.01\"`")))
    }

    /// A text value with a default.
    pub fn text(&self, key: &str, default: &str) -> Result<String, ConfigError> {
        match self.table.get(key) {
            None => Ok(default.to_owned()),
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            Some(other) => Err(self.err(key, format!("must be a non-empty string, got {other}"))),
        }
    }

    /// `true` or `false` with a default.
    pub fn flag(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.table.get(key) {
            None => Ok(default),
            Some(toml::Value::Boolean(b)) => Ok(*b),
            Some(other) => Err(self.err(key, format!("must be true or false, got {other}"))),
        }
    }

    /// The strategy's id (`id`, default: the strategy's name): the tag of its client ids, by
    /// which a restart on the same journal finds its orders and fills. A new id starts afresh.
    pub fn id(&self) -> Result<String, ConfigError> {
        let id = self.text("id", self.strategy)?;
        let ok = id.len() <= MAX_TAG && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        self.check(ok, "id", &format!("be 1 to {MAX_TAG} characters of a-z, 0-9 and _"), format!("{id:?}"))?;
        Ok(id)
    }

    /// A whole number with a default.
    pub fn count(&self, key: &str, default: u32) -> Result<u32, ConfigError> {
        match self.table.get(key) {
            None => Ok(default),
            Some(toml::Value::Integer(i)) => {
                u32::try_from(*i).map_err(|_| self.err(key, format!("must be a whole number >= 0, got {i}")))
            }
            Some(other) => Err(self.err(key, format!("must be a whole number, got {other}"))),
        }
    }

    /// `BUY` or `SELL` (any case).
    pub fn side(&self, key: &str, default: Side) -> Result<Side, ConfigError> {
        match self.text(key, default.as_str())?.to_ascii_uppercase().as_str() {
            "BUY" => Ok(Side::Buy),
            "SELL" => Ok(Side::Sell),
            other => Err(self.err(key, format!("must be \"BUY\" or \"SELL\", got {other:?}"))),
        }
    }

    /// Fails with `key must <rule>, got <value>` unless `ok`.
    pub fn check(&self, ok: bool, key: &str, rule: &str, value: impl std::fmt::Display) -> Result<(), ConfigError> {
        if ok {
            Ok(())
        } else {
            Err(self.err(key, format!("must {rule}, got {value}")))
        }
    }
}

/// Where a tick came from; it decides whether values are checked against it and how an error
/// names it.
#[derive(Debug, Clone, PartialEq)]
enum Origin {
    /// The built-in guess: used for rounding only until the venue's definition arrives.
    Default,
    /// Set in the configuration (and, once configured, a whole multiple of the venue's).
    Config,
    /// The venue's, for this instrument.
    Venue(String),
}

/// A strategy's price and quantity ticks. They start as the `tick` and `qty_tick` parameters
/// (or built-in defaults) and are replaced by the venue's in [`Ticks::adopt`]. A tick set in the
/// configuration must be a whole multiple of the venue's (a coarser grid is still valid on the
/// venue, so it is kept); anything else is refused. Defaults are never used to refuse a value:
/// only a tick that was set, or the venue's, can say a value is off-tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    /// Price tick in use.
    pub price: Decimal,
    /// Quantity tick in use.
    pub qty: Decimal,
    price_from: Origin,
    qty_from: Origin,
}

impl Ticks {
    /// Reads `tick` and `qty_tick` (both must be > 0), with these defaults when absent.
    pub fn read(p: &Params, price_default: Decimal, qty_default: Decimal) -> Result<Self, ConfigError> {
        let given = |k: &str| p.opt_decimal(k);
        let (price, qty) = (given("tick")?, given("qty_tick")?);
        let from = |v: &Option<Decimal>| if v.is_some() { Origin::Config } else { Origin::Default };
        let t = Ticks {
            price_from: from(&price),
            qty_from: from(&qty),
            price: price.unwrap_or(price_default),
            qty: qty.unwrap_or(qty_default),
        };
        p.check(t.price > Decimal::ZERO, "tick", "be > 0", t.price)?;
        p.check(t.qty > Decimal::ZERO, "qty_tick", "be > 0", t.qty)?;
        Ok(t)
    }

    /// Takes the venue's ticks for `instrument` from `venue`. Returns whether the venue
    /// describes it (if not, the configured or default ticks stay). Refuses a configured tick
    /// that is not a whole multiple of the venue's, naming the venue's.
    pub fn adopt(&mut self, instrument: &str, venue: &[Instrument]) -> Result<bool, ConfigError> {
        let Some(def) = venue.iter().find(|i| i.symbol.as_str() == instrument) else { return Ok(false) };
        let (vp, vq) = (def.price_tick_size, def.qty_tick_size);
        if vp <= Decimal::ZERO || vq <= Decimal::ZERO {
            // A definition without usable ticks says nothing: keep what the config gave.
            return Ok(false);
        }
        let fit =
            |key: &str, what: &str, mine: Decimal, from: &Origin, theirs: Decimal| -> Result<Origin, ConfigError> {
                if *from == Origin::Config && mine != theirs {
                    if !on_tick(mine, theirs) {
                        return Err(ConfigError::parameter(
                            key,
                            format!(
                            "{} does not fit {instrument}'s {what} tick {}: set {key} = \"{}\" (or a whole multiple \
                             of it), or leave {key} out to use the venue's",
                            mine.normalize(),
                            theirs.normalize(),
                            theirs.normalize()
                        ),
                        ));
                    }
                    return Ok(Origin::Config);
                }
                Ok(Origin::Venue(instrument.to_owned()))
            };
        let price_from = fit("tick", "price", self.price, &self.price_from, vp)?;
        let qty_from = fit("qty_tick", "quantity", self.qty, &self.qty_from, vq)?;
        if let Origin::Venue(_) = price_from {
            self.price = vp;
        }
        if let Origin::Venue(_) = qty_from {
            self.qty = vq;
        }
        (self.price_from, self.qty_from) = (price_from, qty_from);
        Ok(true)
    }

    /// Refuses a configured quantity `value` (parameter `key`) off the quantity tick, naming
    /// the nearest valid values. Unchecked while the tick is only the default.
    pub fn check_qty(&self, key: &str, value: Decimal) -> Result<(), ConfigError> {
        self.check(key, value, self.qty, &self.qty_from, "qty_tick", "quantity")
    }

    /// Refuses a configured price `value` (parameter `key`) off the price tick, naming the
    /// nearest valid values. Unchecked while the tick is only the default.
    pub fn check_price(&self, key: &str, value: Decimal) -> Result<(), ConfigError> {
        self.check(key, value, self.price, &self.price_from, "tick", "price")
    }

    fn check(
        &self,
        key: &str,
        value: Decimal,
        tick: Decimal,
        from: &Origin,
        param: &str,
        what: &str,
    ) -> Result<(), ConfigError> {
        let name = match from {
            Origin::Default => return Ok(()),
            Origin::Config => format!("{param} {}", tick.normalize()),
            Origin::Venue(i) => format!("{i}'s {what} tick {}", tick.normalize()),
        };
        if on_tick(value, tick) {
            return Ok(());
        }
        let (lo, hi) = (floor_tick(value, tick).normalize(), ceil_tick(value, tick).normalize());
        let fix = if lo > Decimal::ZERO { format!("use {lo} or {hi}") } else { format!("use {hi}") };
        Err(ConfigError::parameter(key, format!("{} is not a multiple of {name}: {fix}", value.normalize())))
    }

    /// Whether the price tick is known (set or the venue's), so spacing checks can rely on it.
    pub fn price_known(&self) -> bool {
        self.price_from != Origin::Default
    }

    /// A price on the tick, rounded away from the market: buys down, sells up.
    pub fn price_for(&self, side: &Side, price: Decimal) -> Decimal {
        match side {
            Side::Sell => ceil_tick(price, nonzero(self.price)),
            _ => floor_tick(price, nonzero(self.price)),
        }
    }

    /// A quantity rounded down to the tick; `None` when that leaves nothing to send.
    pub fn qty_for(&self, qty: Decimal) -> Option<Decimal> {
        let q = floor_tick(qty, nonzero(self.qty));
        (q > Decimal::ZERO).then_some(q)
    }
}

/// `tick`, or 1 if it is not positive: `Ticks::read` refuses ticks <= 0 and `adopt` never takes
/// one, so this only keeps a division by zero impossible.
fn nonzero(tick: Decimal) -> Decimal {
    if tick > Decimal::ZERO {
        tick
    } else {
        Decimal::ONE
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
        assert!(p.decimal("e", Decimal::ZERO).unwrap_err().to_string().contains("e must be a decimal"));
        assert_eq!(p.decimal("zz", Decimal::TWO).unwrap(), Decimal::TWO);
        assert!(p.required_decimal("zz").unwrap_err().to_string().contains("zz is required"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let t = table("sped_bps = 3");
        let e = Params::new("market_maker", &t, &["spread_bps"]).err().unwrap().to_string();
        assert!(e.contains("unknown parameter `sped_bps`") && e.contains("spread_bps"), "{e}");
        let t = table("side = \"hold\"\nn = -2");
        let p = Params::new("twap", &t, &["side", "n"]).unwrap();
        assert!(p.side("side", Side::Buy).unwrap_err().to_string().contains("\"BUY\" or \"SELL\""));
        assert!(p.count("n", 1).unwrap_err().to_string().contains("got -2"));
        assert_eq!(
            p.check(false, "spread_bps", "be > 0", -3).unwrap_err(),
            ConfigError::parameter("spread_bps", "must be > 0, got -3")
        );
    }

    #[test]
    fn ticks_round_outwards() {
        let t = Decimal::new(1, 2);
        assert_eq!(floor_tick(Decimal::new(123_456, 3), t), Decimal::new(12_345, 2));
        assert_eq!(ceil_tick(Decimal::new(123_451, 3), t), Decimal::new(12_346, 2));
        assert!(on_tick(Decimal::new(5, 1), t) && !on_tick(Decimal::new(5, 3), t));
    }

    fn venue(price: &str, qty: &str) -> Vec<Instrument> {
        let v = serde_json::json!([{"symbol": "BTC_USD", "price_tick_size": price, "qty_tick_size": qty}]);
        serde_json::from_value(v).unwrap()
    }

    fn ticks(s: &str) -> Ticks {
        let t = table(s);
        Ticks::read(&Params::new("x", &t, &["tick", "qty_tick"]).unwrap(), Decimal::new(1, 2), Decimal::new(1, 4))
            .unwrap()
    }

    #[test]
    fn the_venues_ticks_replace_defaults_and_must_divide_configured_ones() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        let mut t = ticks("");
        assert_eq!(t.check_qty("q", d("0.00015")), Ok(()), "a default tick refuses nothing");
        assert_eq!(t.adopt("ETH_USD", &venue("1", "1")), Ok(false));
        assert_eq!((t.price, t.qty), (d("0.01"), d("0.0001")), "not listed: the defaults stay");
        assert_eq!(t.adopt("BTC_USD", &venue("0.5", "0.001")), Ok(true));
        assert_eq!((t.price, t.qty), (d("0.5"), d("0.001")));
        assert_eq!(
            t.check_qty("q", d("0.0004")),
            Err(ConfigError::parameter("q", "0.0004 is not a multiple of BTC_USD's quantity tick 0.001: use 0.001"))
        );
        // Equal or a whole multiple: kept; anything else names the venue's.
        let mut t = ticks("tick = \"1.5\"\nqty_tick = \"0.001\"");
        assert_eq!(t.adopt("BTC_USD", &venue("0.5", "0.001")), Ok(true));
        assert_eq!((t.price, t.qty), (d("1.5"), d("0.001")));
        assert!(t.check_price("p", d("2")).unwrap_err().to_string().contains("multiple of tick 1.5: use 1.5 or 3"));
        let e = ticks("tick = \"0.2\"").adopt("BTC_USD", &venue("0.5", "0.001")).unwrap_err().to_string();
        assert!(e.starts_with("tick 0.2 does not fit BTC_USD's price tick 0.5: set tick = \"0.5\""), "{e}");
        // A venue row without usable ticks says nothing.
        assert_eq!(ticks("").adopt("BTC_USD", &venue("0", "0.001")), Ok(false));
    }

    #[test]
    fn orders_round_away_from_the_market_and_never_to_zero() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        let mut t = ticks("");
        t.adopt("BTC_USD", &venue("0.5", "0.001")).unwrap();
        assert_eq!(t.price_for(&Side::Buy, d("100.7")), d("100.5"));
        assert_eq!(t.price_for(&Side::Sell, d("100.2")), d("100.5"));
        assert_eq!(t.price_for(&Side::Sell, d("100.5")), d("100.5"));
        assert_eq!(t.qty_for(d("0.0029")), Some(d("0.002")));
        assert_eq!(t.qty_for(d("0.0009")), None);
    }
}
