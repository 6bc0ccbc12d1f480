//! The listed instruments (spot pairs and USD-margined perpetual swaps), their tick rules and
//! the decimal rendering they imply.
//!
//! Static reference data only: this module must not hold books, balances or positions.
//! Every number below that the reference does not state is an assumption about the live
//! listing, kept here so that one edit corrects it.

use rust_decimal::Decimal;
use serde_json::{json, Value};

/// What kind of product an instrument is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// A spot pair (`CCY_PAIR`): fills move the base and quote holdings.
    Spot,
    /// A USD-margined perpetual swap: fills move a position and the USD cash (fees, realised
    /// PnL), never the base currency.
    Perp {
        /// Base units per contract (quantity is in contracts).
        contract_size: Decimal,
        /// The most leverage a position may use.
        max_leverage: Decimal,
        /// The index symbol, e.g. `BTCUSD-INDEX`.
        index: &'static str,
        /// The spot pair whose mid the simulator uses as the index.
        index_spot: &'static str,
    },
}

/// One instrument the sim lists.
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
    /// Spot or perpetual.
    pub kind: Kind,
}

impl Instrument {
    /// Whether it is a perpetual swap.
    pub fn is_perp(&self) -> bool {
        matches!(self.kind, Kind::Perp { .. })
    }

    /// Base units per contract (1 for spot).
    pub fn contract_size(&self) -> Decimal {
        match self.kind {
            Kind::Perp { contract_size, .. } => contract_size,
            Kind::Spot => Decimal::ONE,
        }
    }
}

/// The listed instruments: three spot pairs, then two perpetuals. The perpetuals' ticks,
/// decimals and leverage follow what the live exchange lists for them (ASSUMED where the
/// reference is silent: BTCUSD-PERP tick 0.1 and quantity step 0.0001, ETHUSD-PERP tick 0.01
/// and quantity step 0.001, contract size 1, maximum leverage 100 and 50).
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
            kind: Kind::Spot,
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
            kind: Kind::Spot,
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
            kind: Kind::Spot,
        },
        Instrument {
            symbol: "BTCUSD-PERP",
            base: "BTC",
            quote: "USD",
            quote_decimals: 1,
            quantity_decimals: 4,
            price_tick: Decimal::new(1, 1),
            qty_tick: Decimal::new(1, 4),
            min_qty: Decimal::new(1, 4),
            initial_mid: Decimal::new(50_000, 0),
            spacing: Decimal::new(5, 1),
            lot_range: (10, 5_000),
            kind: Kind::Perp {
                contract_size: Decimal::ONE,
                max_leverage: Decimal::from(100),
                index: "BTCUSD-INDEX",
                index_spot: "BTC_USD",
            },
        },
        Instrument {
            symbol: "ETHUSD-PERP",
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
            kind: Kind::Perp {
                contract_size: Decimal::ONE,
                max_leverage: Decimal::from(50),
                index: "ETHUSD-INDEX",
                index_spot: "ETH_USD",
            },
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
        if let Kind::Perp { contract_size, max_leverage, index, .. } = self.kind {
            return json!({
                "symbol": self.symbol,
                "inst_type": "PERPETUAL_SWAP",
                "display_name": format!("{}{} Perpetual", self.base, self.quote),
                "base_ccy": self.base,
                "quote_ccy": self.quote,
                "quote_decimals": self.quote_decimals,
                "quantity_decimals": self.quantity_decimals,
                "price_tick_size": self.price_tick.normalize().to_string(),
                "qty_tick_size": self.qty_tick.normalize().to_string(),
                "max_leverage": max_leverage.normalize().to_string(),
                "tradable": true,
                "expiry_timestamp_ms": 0,
                "underlying_symbol": index,
                "contract_size": contract_size.normalize().to_string(),
                "margin_buy_enabled": false,
                "margin_sell_enabled": false,
                "beta_product": false,
                "product_type": "PERPETUAL_SWAP",
            });
        }
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
