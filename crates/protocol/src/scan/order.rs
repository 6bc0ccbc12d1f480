//! The fast reading of an order object (`user.order`, §7.1) into [`Order`], with the same
//! field rules as its serde form, the legacy names folded in the same way. A missing required
//! field, a repeated one, or any value outside the plain forms gives `None` (serde decides).

use super::cursor::Cursor;
use super::values::{self as v, set};
use crate::enums::{ExecInst, OrderStatus, OrderType, Side, TimeInForce};
use crate::ids::{ClientOrderId, InstrumentName, OrderId};
use crate::models::Order;

/// `exec_inst`: `null` is none, a list of strings is read, empty strings dropped.
fn exec_inst(c: &mut Cursor<'_>) -> Option<Vec<ExecInst>> {
    let mut list = Vec::new();
    if c.null() {
        return Some(list);
    }
    c.array(|c| {
        match c.str()? {
            "" => {}
            s => list.push(ExecInst::from_wire(s)),
        }
        Some(())
    })?;
    Some(list)
}

/// One order object.
pub(crate) fn order(c: &mut Cursor<'_>) -> Option<Order> {
    let (mut account_id, mut order_id, mut client_oid, mut order_type, mut time_in_force) =
        (None, None, None, None, None);
    let (mut side, mut exec, mut quantity, mut limit_price, mut order_value) = (None, None, None, None, None);
    let (mut maker_fee_rate, mut taker_fee_rate, mut avg_price, mut cumulative_quantity) = (None, None, None, None);
    let (mut cumulative_value, mut cumulative_fee, mut status, mut reason, mut update_user_id) =
        (None, None, None, None, None);
    let (mut order_date, mut instrument_name, mut fee_instrument_name) = (None, None, None);
    let (mut create_time, mut create_time_ns, mut update_time, mut transaction_time) = (None, None, None, None);
    let (mut legacy_type, mut legacy_price, mut reject_reason, mut fee_currency) = (None, None, None, None);
    c.object(|c, key| match key {
        "account_id" => set(&mut account_id, v::opt_string(c)),
        "order_id" => set(&mut order_id, v::text(c).map(OrderId::from)),
        "client_oid" => set(&mut client_oid, v::opt_of(c, ClientOrderId::from)),
        "order_type" => set(&mut order_type, v::opt_enum(c, OrderType::from_wire)),
        "time_in_force" => set(&mut time_in_force, v::opt_enum(c, TimeInForce::from_wire)),
        "side" => set(&mut side, v::text(c).map(Side::from_wire)),
        "exec_inst" => set(&mut exec, exec_inst(c)),
        "quantity" => set(&mut quantity, v::decimal(c)),
        "limit_price" => set(&mut limit_price, v::opt_decimal(c)),
        "order_value" => set(&mut order_value, v::opt_decimal(c)),
        "maker_fee_rate" => set(&mut maker_fee_rate, v::opt_decimal(c)),
        "taker_fee_rate" => set(&mut taker_fee_rate, v::opt_decimal(c)),
        "avg_price" => set(&mut avg_price, v::opt_decimal(c)),
        "cumulative_quantity" => set(&mut cumulative_quantity, v::decimal_or_zero(c)),
        "cumulative_value" => set(&mut cumulative_value, v::opt_decimal(c)),
        "cumulative_fee" => set(&mut cumulative_fee, v::opt_decimal(c)),
        "status" => set(&mut status, v::text(c).map(OrderStatus::from_wire)),
        "reason" => set(&mut reason, v::opt_text(c)),
        "update_user_id" => set(&mut update_user_id, v::opt_text(c)),
        "order_date" => set(&mut order_date, v::opt_string(c)),
        "instrument_name" => set(&mut instrument_name, v::text(c).map(InstrumentName::from)),
        "fee_instrument_name" => set(&mut fee_instrument_name, v::opt_string(c)),
        "create_time" => set(&mut create_time, v::opt_u64(c)),
        "create_time_ns" => set(&mut create_time_ns, v::opt_u64_or_none(c)),
        "update_time" => set(&mut update_time, v::opt_u64(c)),
        "transaction_time" => set(&mut transaction_time, v::opt_u64(c)),
        "type" => set(&mut legacy_type, v::opt_enum(c, OrderType::from_wire)),
        "price" => set(&mut legacy_price, v::opt_decimal(c)),
        "reject_reason" => set(&mut reject_reason, v::opt_text(c)),
        "fee_currency" => set(&mut fee_currency, v::opt_string(c)),
        _ => c.skip(),
    })?;
    // The current name wins when both are present, as in the serde form.
    use v::either as or;
    Some(Order {
        account_id: account_id.flatten(),
        order_id: order_id?,
        client_oid: client_oid.flatten(),
        order_type: or(order_type, legacy_type),
        time_in_force: time_in_force.flatten(),
        side: side?,
        exec_inst: exec.unwrap_or_default(),
        quantity: quantity?,
        limit_price: or(limit_price, legacy_price),
        order_value: order_value.flatten(),
        maker_fee_rate: maker_fee_rate.flatten(),
        taker_fee_rate: taker_fee_rate.flatten(),
        avg_price: avg_price.flatten(),
        cumulative_quantity: cumulative_quantity.unwrap_or_default(),
        cumulative_value: cumulative_value.flatten(),
        cumulative_fee: cumulative_fee.flatten(),
        status: status?,
        reason: reason.flatten().or(reject_reason.flatten()),
        update_user_id: update_user_id.flatten(),
        order_date: order_date.flatten(),
        instrument_name: instrument_name?,
        fee_instrument_name: fee_instrument_name.flatten().or(fee_currency.flatten()),
        create_time: create_time.flatten(),
        create_time_ns: create_time_ns.flatten(),
        update_time: update_time.flatten(),
        transaction_time: transaction_time.flatten(),
    })
}
