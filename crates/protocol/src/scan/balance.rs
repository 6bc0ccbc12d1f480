//! The fast reading of a balance summary (`user.balance`, §7.3) and its per-currency rows,
//! with the same field rules as their serde forms. A missing required field, a repeated one,
//! or any value outside the plain forms gives `None` (serde decides).

use super::cursor::Cursor;
use super::values::{self as v, set};
use crate::models::{BalanceSummary, PositionBalance};

/// One currency's row of `position_balances`.
fn row(c: &mut Cursor<'_>) -> Option<PositionBalance> {
    let (mut instrument_name, mut quantity, mut reserved_qty, mut market_value) = (None, None, None, None);
    let (mut collateral_eligible, mut haircut, mut collateral_amount, mut max_withdrawal_balance) =
        (None, None, None, None);
    c.object(|c, key| match key {
        "instrument_name" => set(&mut instrument_name, v::text(c).map(str::to_owned)),
        "quantity" => set(&mut quantity, v::decimal(c)),
        "reserved_qty" => set(&mut reserved_qty, v::decimal_or_zero(c)),
        "market_value" => set(&mut market_value, v::opt_decimal(c)),
        "collateral_eligible" => set(&mut collateral_eligible, v::opt_bool(c)),
        "haircut" => set(&mut haircut, v::opt_decimal(c)),
        "collateral_amount" => set(&mut collateral_amount, v::opt_decimal(c)),
        "max_withdrawal_balance" => set(&mut max_withdrawal_balance, v::opt_decimal(c)),
        _ => c.skip(),
    })?;
    Some(PositionBalance {
        instrument_name: instrument_name?,
        quantity: quantity?,
        reserved_qty: reserved_qty.unwrap_or_default(),
        market_value: market_value.flatten(),
        collateral_eligible: collateral_eligible.flatten(),
        haircut: haircut.flatten(),
        collateral_amount: collateral_amount.flatten(),
        max_withdrawal_balance: max_withdrawal_balance.flatten(),
    })
}

/// One balance summary.
pub(crate) fn summary(c: &mut Cursor<'_>) -> Option<BalanceSummary> {
    let (mut instrument_name, mut available, mut margin, mut initial, mut maintenance) = (None, None, None, None, None);
    let (mut position_cost, mut cash, mut collateral, mut unrealized, mut realized) = (None, None, None, None, None);
    let (mut is_liquidating, mut leverage, mut rows) = (None, None, None);
    c.object(|c, key| match key {
        "instrument_name" => set(&mut instrument_name, v::opt_string(c)),
        "total_available_balance" => set(&mut available, v::opt_decimal(c)),
        "total_margin_balance" => set(&mut margin, v::opt_decimal(c)),
        "total_initial_margin" => set(&mut initial, v::opt_decimal(c)),
        "total_maintenance_margin" => set(&mut maintenance, v::opt_decimal(c)),
        "total_position_cost" => set(&mut position_cost, v::opt_decimal(c)),
        "total_cash_balance" => set(&mut cash, v::opt_decimal(c)),
        "total_collateral_value" => set(&mut collateral, v::opt_decimal(c)),
        "total_session_unrealized_pnl" => set(&mut unrealized, v::opt_decimal(c)),
        "total_session_realized_pnl" => set(&mut realized, v::opt_decimal(c)),
        "is_liquidating" => set(&mut is_liquidating, v::opt_bool(c)),
        "total_effective_leverage" => set(&mut leverage, v::opt_decimal(c)),
        "position_balances" => set(&mut rows, v::list(c, row)),
        _ => c.skip(),
    })?;
    Some(BalanceSummary {
        instrument_name: instrument_name.flatten(),
        total_available_balance: available.flatten(),
        total_margin_balance: margin.flatten(),
        total_initial_margin: initial.flatten(),
        total_maintenance_margin: maintenance.flatten(),
        total_position_cost: position_cost.flatten(),
        total_cash_balance: cash.flatten(),
        total_collateral_value: collateral.flatten(),
        total_session_unrealized_pnl: unrealized.flatten(),
        total_session_realized_pnl: realized.flatten(),
        is_liquidating: is_liquidating.flatten(),
        total_effective_leverage: leverage.flatten(),
        position_balances: rows.unwrap_or_default(),
    })
}
