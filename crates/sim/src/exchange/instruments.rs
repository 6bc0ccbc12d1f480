//! The listed spot instruments, their tick rules and the decimal rendering they imply.
//!
//! Static reference data only: this module must not hold books or balances.

use rust_decimal::Decimal;
use serde_json::{json, Value};

/// One spot pair the sim lists.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instrument {
    /// e.g. `BTC_USD`.
    pub symbol: &'static str,
    /// Base currency, e.g. `BTC`.
    pub base: &'static str,
    /// Quote currency, e.g. `USD`.
    pub quote: &'static str,
    /// Decimals shown for prices.
    pub quote_decimals: u32,
    /// Decimals shown for quantities.
    pub quantity_decimals: u32,
    /// Price increment.
    pub price_tick: Decimal,
    /// Quantity increment.
    pub qty_tick: Decimal,
    /// Smallest order quantity (415 below it).
    pub min_qty: Decimal,
    /// Where the synthetic market starts.
    pub initial_mid: Decimal,
    /// Distance between the synthetic participants' ladder rungs, and the random-walk step.
    pub spacing: Decimal,
    /// Participants' quote sizes, in quantity ticks (min, max).
    pub lot_range: (u64, u64),
}

/// The three listed pairs.
pub(crate) fn listed() -> Vec<Instrument> {
    vec![
        Instrument {
            symbol: "BTC_USD",
            base: "BTC",
            quote: "USD",
            quote_decimals: 2,
            quantity_decimals: 4,
            price_tick: Decimal::new(1, 2),
            qty_tick: Decimal::new(1, 4),
            min_qty: Decimal::new(1, 4),
            initial_mid: Decimal::new(50_000, 0),
            spacing: Decimal::new(50, 2),
            lot_range: (10, 5_000),
        },
        Instrument {
            symbol: "ETH_USD",
            base: "ETH",
            quote: "USD",
            quote_decimals: 2,
            quantity_decimals: 3,
            price_tick: Decimal::new(1, 2),
            qty_tick: Decimal::new(1, 3),
            min_qty: Decimal::new(1, 3),
            initial_mid: Decimal::new(3_000, 0),
            spacing: Decimal::new(5, 2),
            lot_range: (10, 5_000),
        },
        Instrument {
            symbol: "CRO_USD",
            base: "CRO",
            quote: "USD",
            quote_decimals: 5,
            quantity_decimals: 0,
            price_tick: Decimal::new(1, 5),
            qty_tick: Decimal::ONE,
            min_qty: Decimal::ONE,
            initial_mid: Decimal::new(1, 1),
            spacing: Decimal::new(1, 5),
            lot_range: (100, 50_000),
        },
    ]
}

/// `d` rounded (half away from zero) and shown with exactly `dp` decimals.
pub(crate) fn fixed(d: Decimal, dp: u32) -> String {
    let mut r = d.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    r.rescale(dp);
    r.to_string()
}

/// Whether `d` is a whole number of `tick`s.
pub(crate) fn on_tick(d: Decimal, tick: Decimal) -> bool {
    !tick.is_zero() && (d % tick).is_zero()
}

/// `d` rounded down to a whole number of `tick`s.
pub(crate) fn floor_tick(d: Decimal, tick: Decimal) -> Decimal {
    if tick.is_zero() {
        return d;
    }
    (d / tick).floor() * tick
}

/// `d` rounded up to a whole number of `tick`s.
pub(crate) fn ceil_tick(d: Decimal, tick: Decimal) -> Decimal {
    if tick.is_zero() {
        return d;
    }
    (d / tick).ceil() * tick
}

impl Instrument {
    /// A price as the wire shows it.
    pub fn price(&self, d: Decimal) -> String {
        fixed(d, self.quote_decimals)
    }

    /// A quantity as the wire shows it.
    pub fn qty(&self, d: Decimal) -> String {
        fixed(d, self.quantity_decimals)
    }

    /// A price × quantity value, shown exactly (price and quantity decimals added).
    pub fn value(&self, d: Decimal) -> String {
        fixed(d, self.quote_decimals + self.quantity_decimals)
    }

    /// The `public/get-instruments` row (§8).
    pub fn row_json(&self) -> Value {
        json!({
            "symbol": self.symbol,
            "inst_type": "CCY_PAIR",
            "display_name": format!("{}/{}", self.base, self.quote),
            "base_ccy": self.base,
            "quote_ccy": self.quote,
            "quote_decimals": self.quote_decimals,
            "quantity_decimals": self.quantity_decimals,
            "price_tick_size": self.price_tick.normalize().to_string(),
            "qty_tick_size": self.qty_tick.normalize().to_string(),
            "max_leverage": "1",
            "tradable": true,
            "expiry_timestamp_ms": 0,
            "underlying_symbol": self.symbol,
            "contract_size": "1",
            "margin_buy_enabled": false,
            "margin_sell_enabled": false,
            "beta_product": false,
            "product_type": "SPOT",
        })
    }
}
