//! Balances (§7.3) and positions (§7.4).

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::ids::InstrumentName;
use crate::num;

/// One currency's holding inside a balance summary. Free = `quantity − reserved_qty`.
///
/// ```json
/// {"instrument_name":"BTC","quantity":"0.00500000","reserved_qty":"0.00100000",
///  "market_value":"150.00","collateral_eligible":"true","haircut":"0.5","max_withdrawal_balance":"0.004"}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PositionBalance {
    /// Currency, e.g. `BTC`.
    pub instrument_name: String,
    /// Total holding.
    #[serde(deserialize_with = "num::decimal")]
    pub quantity: Decimal,
    /// Locked in orders.
    #[serde(default, deserialize_with = "num::decimal_or_zero")]
    pub reserved_qty: Decimal,
    /// What the holding is worth at the current price, in USD.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub market_value: Option<Decimal>,
    /// Usable as collateral.
    #[serde(default, deserialize_with = "num::opt_bool")]
    pub collateral_eligible: Option<bool>,
    /// The share of the market value not counted as collateral (0.1 is 10 %).
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub haircut: Option<Decimal>,
    /// What the holding counts for as collateral, in USD: its market value less the haircut.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub collateral_amount: Option<Decimal>,
    /// Withdrawable.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub max_withdrawal_balance: Option<Decimal>,
}

impl PositionBalance {
    /// What is free for new orders.
    pub fn available(&self) -> Decimal {
        self.quantity - self.reserved_qty
    }
}

/// The account's balance summary: one aggregate row with a row per currency.
///
/// ```json
/// {"instrument_name":"USD","total_available_balance":"4721.05","total_margin_balance":"7595.42",
///  "total_initial_margin":"2874.37","total_maintenance_margin":"1437.18",
///  "total_position_cost":"1000","total_cash_balance":"7595.42","is_liquidating":false,
///  "position_balances":[{"instrument_name":"CRO","quantity":"24422.72","reserved_qty":"0"}]}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BalanceSummary {
    /// The valuation currency, usually `USD`.
    #[serde(default)]
    pub instrument_name: Option<String>,
    /// What can be used for new orders.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub total_available_balance: Option<Decimal>,
    /// Margin balance.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub total_margin_balance: Option<Decimal>,
    /// Initial margin.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub total_initial_margin: Option<Decimal>,
    /// Maintenance margin.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub total_maintenance_margin: Option<Decimal>,
    /// Position cost.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub total_position_cost: Option<Decimal>,
    /// Cash balance.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub total_cash_balance: Option<Decimal>,
    /// Collateral value.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub total_collateral_value: Option<Decimal>,
    /// Unrealised session PnL.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub total_session_unrealized_pnl: Option<Decimal>,
    /// Realised session PnL.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub total_session_realized_pnl: Option<Decimal>,
    /// Whether the account is being liquidated.
    #[serde(default, deserialize_with = "num::opt_bool")]
    pub is_liquidating: Option<bool>,
    /// Effective leverage.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub total_effective_leverage: Option<Decimal>,
    /// Per-currency rows.
    #[serde(default)]
    pub position_balances: Vec<PositionBalance>,
}

/// A derivatives position; `quantity` is signed (negative = short).
///
/// ```json
/// {"account_id":"…","quantity":"-0.1984","cost":"-10159.573500","open_position_pnl":"-497.743736",
///  "open_pos_cost":"-10159.352200","session_pnl":"2.236145","update_timestamp_ms":1613552240770,
///  "instrument_name":"BTCUSD-PERP","type":"PERPETUAL_SWAP"}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Position {
    /// Instrument.
    pub instrument_name: InstrumentName,
    /// Signed quantity.
    #[serde(deserialize_with = "num::decimal")]
    pub quantity: Decimal,
    /// Instrument type, e.g. `PERPETUAL_SWAP`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// What the position cost to build, in the settlement currency.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub cost: Option<Decimal>,
    /// Unrealised PnL of the open position, in the settlement currency.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub open_position_pnl: Option<Decimal>,
    /// Open position cost.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub open_pos_cost: Option<Decimal>,
    /// PnL since the exchange's current settlement session began.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub session_pnl: Option<Decimal>,
    /// Last update, ms.
    #[serde(default, deserialize_with = "num::opt_u64")]
    pub update_timestamp_ms: Option<u64>,
    /// Account UUID.
    #[serde(default)]
    pub account_id: Option<String>,
    /// Mark price (WS extra).
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub mark_price: Option<Decimal>,
    /// Liquidation price (WS extra).
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub liquidation_price: Option<Decimal>,
    /// Unrealised PnL of the session (WS extra).
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub session_unrealized_pnl: Option<Decimal>,
    /// Initial margin the position holds (WS extra).
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub pos_initial_margin: Option<Decimal>,
    /// Maintenance margin of the position (WS extra).
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub pos_maintenance_margin: Option<Decimal>,
    /// Signed value at the mark (WS extra).
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub market_value: Option<Decimal>,
    /// The leverage the position uses (WS extra).
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub leverage: Option<Decimal>,
}
