//! The fast reading of a fill (`user.trade`, §7.2) into [`Trade`], with the same field rules
//! as its serde form. A missing required field, a repeated one, or any value outside the plain
//! forms gives `None` (serde decides).

use super::cursor::Cursor;
use super::values::{self as v, set};
use crate::enums::{Side, TakerSide};
use crate::ids::{ClientOrderId, InstrumentName, OrderId, TradeId};
use crate::models::Trade;

/// One fill object.
pub(crate) fn trade(c: &mut Cursor<'_>) -> Option<Trade> {
    let (mut trade_id, mut order_id, mut client_oid, mut instrument_name, mut side) = (None, None, None, None, None);
    let (mut traded_price, mut traded_quantity, mut fees, mut fee_credits) = (None, None, None, None);
    let (mut fee_instrument_name, mut taker_side, mut trade_match_id, mut account_id) = (None, None, None, None);
    let (mut event_date, mut journal_type, mut create_time, mut create_time_ns) = (None, None, None, None);
    let (mut transact_time_ns, mut transaction_time) = (None, None);
    c.object(|c, key| match key {
        "trade_id" => set(&mut trade_id, v::text(c).map(TradeId::from)),
        "order_id" => set(&mut order_id, v::text(c).map(OrderId::from)),
        "client_oid" => set(&mut client_oid, v::opt_of(c, ClientOrderId::from)),
        "instrument_name" => set(&mut instrument_name, v::text(c).map(InstrumentName::from)),
        "side" => set(&mut side, v::text(c).map(Side::from_wire)),
        "traded_price" => set(&mut traded_price, v::decimal(c)),
        "traded_quantity" => set(&mut traded_quantity, v::decimal(c)),
        "fees" => set(&mut fees, v::decimal_or_zero(c)),
        "fee_credits" => set(&mut fee_credits, v::opt_decimal(c)),
        "fee_instrument_name" => set(&mut fee_instrument_name, v::opt_string(c)),
        "taker_side" => set(&mut taker_side, v::opt_enum(c, TakerSide::from_wire)),
        "trade_match_id" => set(&mut trade_match_id, v::opt_text(c)),
        "account_id" => set(&mut account_id, v::opt_string(c)),
        "event_date" => set(&mut event_date, v::opt_string(c)),
        "journal_type" => set(&mut journal_type, v::opt_string(c)),
        "create_time" => set(&mut create_time, v::opt_u64(c)),
        "create_time_ns" => set(&mut create_time_ns, v::opt_text(c)),
        "transact_time_ns" => set(&mut transact_time_ns, v::opt_text(c)),
        "transaction_time" => set(&mut transaction_time, v::opt_u64(c)),
        _ => c.skip(),
    })?;
    Some(Trade {
        trade_id: trade_id?,
        order_id: order_id?,
        client_oid: client_oid.flatten(),
        instrument_name: instrument_name?,
        side: side?,
        traded_price: traded_price?,
        traded_quantity: traded_quantity?,
        fees: fees.unwrap_or_default(),
        fee_credits: fee_credits.flatten(),
        fee_instrument_name: fee_instrument_name.flatten(),
        taker_side: taker_side.flatten(),
        trade_match_id: trade_match_id.flatten(),
        account_id: account_id.flatten(),
        event_date: event_date.flatten(),
        journal_type: journal_type.flatten(),
        create_time: create_time.flatten(),
        create_time_ns: create_time_ns.flatten(),
        transact_time_ns: transact_time_ns.flatten(),
        transaction_time: transaction_time.flatten(),
    })
}
