//! Reading the market-data arguments `record` and `gateway` share: instrument names, channel
//! families and book depths, each refused with what to write instead. It parses; it must NOT
//! subscribe or check names against the venue (the venue's list does that).

use cdc_cli::bus::market::subjects::{valid_instrument, BOOK_DEPTHS, FAMILIES};

/// An instrument name as the exchange writes them (`BTC_USD`, `BTCUSD-PERP`).
pub fn parse_instrument(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("an empty instrument name: write names separated by commas, e.g. BTC_USD,BTCUSD-PERP".into());
    }
    if !valid_instrument(t) {
        return Err(format!("{t:?} is not an instrument name: write names as the exchange lists them, e.g. BTC_USD"));
    }
    Ok(t.to_owned())
}

/// A channel family (`book`, `trade`, `ticker`, ...), in any case.
pub fn parse_family(s: &str) -> Result<&'static str, String> {
    let t = s.trim();
    FAMILIES
        .iter()
        .copied()
        .find(|f| f.eq_ignore_ascii_case(t))
        .ok_or_else(|| format!("unknown channel {t:?}: accepted channels are {}", FAMILIES.join(", ")))
}

/// A book depth the exchange serves as deltas.
pub fn parse_depth(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(d) if BOOK_DEPTHS.contains(&d) => Ok(d),
        _ => Err(format!("the book depth must be 10 or 50 (the depths the exchange serves as deltas), not {s:?}")),
    }
}
