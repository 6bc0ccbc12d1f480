//! Positions per instrument as the exchange last reported them, from pushes and from every
//! reconciliation, never going backwards: an update older than the one held (by
//! `update_timestamp_ms`) is ignored, and a position that went flat is kept as a flat entry
//! so that a late, older push cannot bring it back.
//!
//! It must not compute positions from fills (the engine's own PnL does that elsewhere).

use crate::protocol::ids::InstrumentName;
use crate::protocol::models::Position;

/// Positions by instrument.
#[derive(Debug, Default)]
pub struct Positions {
    map: super::Map<InstrumentName, Position>,
}

/// Whether `new` may replace `old`: not older. A side without a timestamp is taken as newer,
/// so a venue that omits it still updates.
fn not_older(old: &Position, new: &Position) -> bool {
    match (old.update_timestamp_ms, new.update_timestamp_ms) {
        (Some(o), Some(n)) => n >= o,
        _ => true,
    }
}

impl Positions {
    /// Merges a REST snapshot requested at `requested_ms` (the engine's clock): each listed
    /// position applies unless older than the one held; a held position missing from the list
    /// is flat, unless it changed after the request was sent (a push overtook the snapshot).
    /// Returns the positions that changed.
    pub(crate) fn merge_snapshot(&self, list: &[Position], requested_ms: u64) -> Vec<Position> {
        let mut changed: Vec<Position> = list.iter().filter(|p| self.apply(p)).cloned().collect();
        let listed: Vec<&InstrumentName> = list.iter().map(|p| &p.instrument_name).collect();
        let gone: Vec<InstrumentName> = self
            .map
            .iter()
            .filter(|e| !e.quantity.is_zero() && !listed.contains(&e.key()))
            .filter(|e| e.update_timestamp_ms.is_none_or(|t| t < requested_ms))
            .map(|e| e.key().clone())
            .collect();
        for name in gone {
            if let Some(mut p) = self.map.get_mut(&name) {
                p.quantity = rust_decimal::Decimal::ZERO;
                p.update_timestamp_ms = Some(requested_ms);
                changed.push(p.clone());
            }
        }
        changed
    }

    /// Applies one pushed or fetched position; false (and nothing changed) when it is older
    /// than the one held.
    pub(crate) fn apply(&self, p: &Position) -> bool {
        if self.map.get(&p.instrument_name).is_some_and(|old| !not_older(&old, p)) {
            return false;
        }
        self.map.insert(p.instrument_name.clone(), p.clone());
        true
    }

    /// One instrument's open position (`None` when flat or never held).
    pub fn get(&self, instrument: &str) -> Option<Position> {
        self.map.get(instrument).filter(|p| !p.quantity.is_zero()).map(|p| p.clone())
    }

    /// Every open position, sorted by instrument.
    pub fn all(&self) -> Vec<Position> {
        let mut v: Vec<Position> = self.map.iter().filter(|p| !p.quantity.is_zero()).map(|p| p.clone()).collect();
        v.sort_by(|a, b| a.instrument_name.cmp(&b.instrument_name));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(name: &str, qty: &str, ts: u64) -> Position {
        let json = format!(r#"{{"instrument_name":"{name}","quantity":"{qty}","update_timestamp_ms":{ts}}}"#);
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn an_older_update_never_overwrites_a_newer_one() {
        let p = Positions::default();
        assert!(p.apply(&pos("BTCUSD-PERP", "0.5", 200)));
        assert!(!p.apply(&pos("BTCUSD-PERP", "0.1", 100)), "a stale push");
        assert_eq!(p.get("BTCUSD-PERP").map(|x| x.quantity.to_string()), Some("0.5".into()));
        assert!(p.apply(&pos("BTCUSD-PERP", "0", 300)));
        assert_eq!(p.get("BTCUSD-PERP"), None, "flat");
        assert!(!p.apply(&pos("BTCUSD-PERP", "0.5", 250)), "a late push cannot reopen a closed position");
        assert!(p.all().is_empty());
    }

    #[test]
    fn a_snapshot_flattens_what_it_omits_unless_a_push_overtook_it() {
        let p = Positions::default();
        p.apply(&pos("BTCUSD-PERP", "1", 100));
        p.apply(&pos("ETHUSD-PERP", "-2", 900));
        // Requested at 500: BTC (last changed at 100) is gone; ETH changed after the request.
        let changed = p.merge_snapshot(&[], 500);
        assert_eq!(changed.len(), 1);
        assert_eq!(p.get("BTCUSD-PERP"), None);
        assert!(p.get("ETHUSD-PERP").is_some());
        // A snapshot row older than the held one is ignored.
        p.merge_snapshot(&[pos("ETHUSD-PERP", "-1", 800)], 1000);
        assert_eq!(p.get("ETHUSD-PERP").map(|x| x.quantity.to_string()), Some("-2".into()));
    }
}
