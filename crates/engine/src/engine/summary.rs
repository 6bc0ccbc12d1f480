//! What a run did, as the engine saw it, for the line a person reads after stopping: orders
//! placed, cancelled, filled and refused, volume, fees and realised PnL per instrument from
//! this run's own fills, and whatever of its orders is still open. Counting only: this module
//! must NOT read the journal or talk to the exchange.

use std::fmt;

use crate::pnl::Pnl;
use crate::protocol::models::Order;

/// The figures of one run (this run's own orders only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSummary {
    /// Orders the exchange accepted.
    pub placed: u64,
    /// Orders that ended cancelled.
    pub cancelled: u64,
    /// Orders that ended fully filled.
    pub filled: u64,
    /// Orders refused by the risk checks or the exchange.
    pub refused: u64,
    /// Volume, fees and realised PnL per instrument from this run's fills.
    pub pnl: Pnl,
    /// This run's orders still open when the engine stopped (e.g. `keep_orders`).
    pub still_open: Vec<Order>,
    /// Strategies halted, with the reason.
    pub halted: Vec<(String, String)>,
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "summary: {} placed, {} cancelled, {} filled, {} refused",
            self.placed, self.cancelled, self.filled, self.refused
        )?;
        for (name, p) in &self.pnl.by_instrument {
            let fees: Vec<String> = p.fees.iter().map(|(c, v)| format!("{v} {c}")).collect();
            let fees = if fees.is_empty() { "none".to_owned() } else { fees.join(" + ") };
            writeln!(
                f,
                "  {name}: {} fills, volume {} (notional {}), fees {fees}, realised PnL {} (before fees), position {}",
                p.fills,
                p.volume.normalize(),
                p.notional.normalize(),
                p.realised.normalize(),
                p.position.normalize()
            )?;
        }
        if self.pnl.by_instrument.is_empty() {
            writeln!(f, "  no fills")?;
        }
        for (name, why) in &self.halted {
            writeln!(f, "  halted: {name}: {why}")?;
        }
        if self.still_open.is_empty() {
            writeln!(f, "  nothing of this run is open")
        } else {
            writeln!(f, "  still open ({}):", self.still_open.len())?;
            for o in &self.still_open {
                let price = o.price().map(|p| p.normalize().to_string()).unwrap_or_else(|| "market".into());
                writeln!(
                    f,
                    "    {} {} {} {} @ {price} ({})",
                    o.order_id,
                    o.instrument_name,
                    o.side.as_str(),
                    o.quantity.normalize(),
                    o.status.as_str()
                )?;
            }
            Ok(())
        }
    }
}

impl RunSummary {
    /// The figures as one JSON object (`"type": "summary"`, decimals as strings).
    pub fn to_json(&self) -> serde_json::Value {
        let instruments: serde_json::Map<String, serde_json::Value> = self
            .pnl
            .by_instrument
            .iter()
            .map(|(name, p)| {
                let fees: serde_json::Map<String, serde_json::Value> =
                    p.fees.iter().map(|(c, v)| (c.clone(), v.normalize().to_string().into())).collect();
                let v = serde_json::json!({
                    "fills": p.fills, "volume": p.volume.normalize().to_string(),
                    "notional": p.notional.normalize().to_string(), "fees": fees,
                    "realised_pnl": p.realised.normalize().to_string(), "position": p.position.normalize().to_string(),
                });
                (name.clone(), v)
            })
            .collect();
        let open: Vec<serde_json::Value> = self
            .still_open
            .iter()
            .map(|o| {
                serde_json::json!({"order_id": o.order_id.as_str(), "instrument_name": o.instrument_name.as_str(),
                "side": o.side.as_str(), "status": o.status.as_str(), "quantity": o.quantity.to_string()})
            })
            .collect();
        let halted: Vec<serde_json::Value> =
            self.halted.iter().map(|(s, r)| serde_json::json!({"strategy": s, "reason": r})).collect();
        serde_json::json!({
            "type": "summary", "placed": self.placed, "cancelled": self.cancelled, "filled": self.filled,
            "refused": self.refused, "instruments": instruments, "still_open": open, "halted": halted,
        })
    }
}
