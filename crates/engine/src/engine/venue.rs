//! What the venue lists, checked before a strategy trades: every instrument a strategy names
//! must be on `public/get-instruments` (else the run does not start, and the closest listed
//! names are suggested), and every order a strategy submits is put on the instrument's price
//! and quantity ticks, so it is never refused for them. Checks and arithmetic only: this module
//! must NOT send orders or hold a connection.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::protocol::enums::Side;
use crate::protocol::envelope::DataList;
use crate::protocol::models::Instrument;
use crate::protocol::requests::{CreateOrder, GetInstruments};
use crate::rest::{RestClient, RestError};

use super::risk::RiskRefusal;

/// The venue's instruments by name.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    by_name: HashMap<String, Instrument>,
}

impl Listed {
    /// A list as the venue returned it.
    pub fn new(list: Vec<Instrument>) -> Self {
        Listed { by_name: list.into_iter().map(|i| (i.symbol.to_string(), i)).collect() }
    }

    /// Fetches the list from the venue (public, unsigned).
    pub async fn fetch(rest: &RestClient) -> Result<Self, VenueError> {
        let list: DataList<Instrument> = rest.call(&GetInstruments).await.map_err(VenueError::Fetch)?;
        Ok(Listed::new(list.data))
    }

    /// One instrument.
    pub fn get(&self, name: &str) -> Option<&Instrument> {
        self.by_name.get(name)
    }

    /// Checks that every name is listed; the error names each unknown one with the closest
    /// listed names, so a typo or a wrong case (`btc_usd`) is fixed in one go.
    pub fn check(&self, who: &str, names: &[String]) -> Result<Vec<Instrument>, VenueError> {
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for n in names {
            match self.get(n) {
                Some(i) if i.tradable == Some(false) => problems.push(Unlisted::NotTradable { name: n.clone() }),
                Some(i) => found.push(i.clone()),
                None => problems.push(Unlisted::NotListed { name: n.clone(), closest: self.closest(n) }),
            }
        }
        if problems.is_empty() {
            return Ok(found);
        }
        Err(VenueError::Unlisted { strategy: who.to_owned(), problems })
    }

    /// The three listed names closest to `name` (none when the venue lists nothing).
    fn closest(&self, name: &str) -> Vec<String> {
        let mut names: Vec<&String> = self.by_name.keys().collect();
        let key = name.to_ascii_uppercase();
        names.sort_by_key(|n| (distance(&key, n), n.as_str()));
        names.into_iter().take(3).cloned().collect()
    }
}

/// Why the venue's list stops a run before anything is sent.
#[derive(Debug, thiserror::Error)]
pub enum VenueError {
    /// The list could not be read.
    #[error("could not read the instrument list (public/get-instruments): {0}")]
    Fetch(RestError),
    /// A strategy names instruments the venue does not offer for trading.
    #[error("strategy {strategy}: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Unlisted {
        /// The strategy whose instruments these are.
        strategy: String,
        /// One entry per instrument that cannot be traded.
        problems: Vec<Unlisted>,
    },
}

/// One instrument a strategy names that cannot be traded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unlisted {
    /// Listed, but the venue says it is not tradable now.
    NotTradable {
        /// The instrument.
        name: String,
    },
    /// Not on the venue's list; `closest` are the listed names nearest to it (a typo or the
    /// wrong case, `btc_usd`, is fixed in one go).
    NotListed {
        /// The name as configured.
        name: String,
        /// Up to three listed names, closest first; empty when the venue lists nothing.
        closest: Vec<String>,
    },
}

impl std::fmt::Display for Unlisted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unlisted::NotTradable { name } => write!(f, "{name} is listed but not tradable now"),
            Unlisted::NotListed { name, closest } if closest.is_empty() => {
                write!(f, "{name} is not listed by the venue (the venue lists no instrument)")
            }
            Unlisted::NotListed { name, closest } => {
                write!(f, "{name} is not listed by the venue (closest listed: {})", closest.join(", "))
            }
        }
    }
}

/// Edit distance (insertions, deletions, substitutions), for suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Puts `order` on `inst`'s ticks: a buy's price down and a sell's up (never more aggressive
/// than asked), the quantity down. `Err` when the quantity rounds to nothing.
pub fn round_to_ticks(order: &mut CreateOrder, inst: &Instrument) -> Result<(), RiskRefusal> {
    let (pt, qt) = (inst.price_tick_size, inst.qty_tick_size);
    if let Some(p) = order.price.filter(|_| pt > Decimal::ZERO) {
        let steps = p / pt;
        let steps = if order.side == Side::Sell { steps.ceil() } else { steps.floor() };
        order.price = Some((steps * pt).normalize());
    }
    // A trigger price goes to the nearest tick: neither direction is safer in general.
    if let Some(r) = order.ref_price.filter(|_| pt > Decimal::ZERO) {
        order.ref_price = Some(((r / pt).round() * pt).normalize());
    }
    if let Some(q) = order.quantity.filter(|_| qt > Decimal::ZERO) {
        let rounded = ((q / qt).floor() * qt).normalize();
        if rounded.is_zero() {
            return Err(RiskRefusal::BelowQtyTick { instrument: inst.symbol.to_string(), qty: q, tick: qt });
        }
        order.quantity = Some(rounded);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(name: &str) -> Instrument {
        serde_json::from_value(serde_json::json!({
            "symbol": name, "price_tick_size": "0.01", "qty_tick_size": "0.0001", "tradable": true
        }))
        .unwrap()
    }

    #[test]
    fn unknown_names_are_refused_with_the_closest_listed() {
        let l = Listed::new(vec![inst("BTC_USD"), inst("ETH_USD"), inst("CRO_USD"), inst("BTCUSD-PERP")]);
        assert_eq!(l.check("mm", &["BTC_USD".into()]).unwrap().len(), 1);
        let e = l.check("mm", &["btc_usd".into(), "FOO_BAR".into()]).unwrap_err().to_string();
        assert!(e.contains("btc_usd is not listed") && e.contains("closest listed: BTC_USD"), "{e}");
        assert!(e.contains("FOO_BAR is not listed"), "{e}");
        let e = Listed::default().check("mm", &["BTC_USD".into()]).unwrap_err().to_string();
        assert!(e.contains("lists no instrument"), "{e}");
    }

    #[test]
    fn orders_go_on_ticks_never_more_aggressive() {
        let i = inst("BTC_USD");
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let mut buy = CreateOrder::limit("BTC_USD", Side::Buy, d("100.019"), d("0.00019"), "x");
        round_to_ticks(&mut buy, &i).unwrap();
        assert_eq!((buy.price, buy.quantity), (Some(d("100.01")), Some(d("0.0001"))));
        let mut sell = CreateOrder::limit("BTC_USD", Side::Sell, d("100.011"), d("0.5"), "x");
        round_to_ticks(&mut sell, &i).unwrap();
        assert_eq!(sell.price, Some(d("100.02")));
        let mut tiny = CreateOrder::limit("BTC_USD", Side::Sell, d("100"), d("0.00005"), "x");
        assert!(round_to_ticks(&mut tiny, &i).unwrap_err().to_string().contains("smallest order is 0.0001"));
    }
}
