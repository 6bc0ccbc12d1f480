//! Reason codes the core answers with (§11), and the refusals built from them.
//!
//! Only the codes the core actually uses live here; it must not invent codes the reference
//! does not list.

use crate::venue::Reject;
use serde_json::Value;

/// Success, used in per-leg list results.
pub(crate) const OK: i64 = 0;
/// 204 DUPLICATE_CLORDID.
pub(crate) const DUPLICATE_CLORDID: i64 = 204;
/// 212 INVALID_ORDERID.
pub(crate) const INVALID_ORDERID: i64 = 212;
/// 213 INVALID_ORDERQTY.
pub(crate) const INVALID_ORDERQTY: i64 = 213;
/// 218 INVALID_ORDTYPE.
pub(crate) const INVALID_ORDTYPE: i64 = 218;
/// 219 INVALID_EXECINST.
pub(crate) const INVALID_EXECINST: i64 = 219;
/// 220 INVALID_SIDE.
pub(crate) const INVALID_SIDE: i64 = 220;
/// 221 INVALID_TIF.
pub(crate) const INVALID_TIF: i64 = 221;
/// 306 INSUFFICIENT_AVAILABLE_BALANCE.
pub(crate) const INSUFFICIENT_BALANCE: i64 = 306;
/// 307 INVALID_ORDSTATUS.
pub(crate) const INVALID_ORDSTATUS: i64 = 307;
/// 308 INVALID_PRICE.
pub(crate) const INVALID_PRICE: i64 = 308;
/// 316 NO_ACTIVE_ORDER.
pub(crate) const NO_ACTIVE_ORDER: i64 = 316;
/// 415 BELOW_MIN_ORDER_SIZE.
pub(crate) const BELOW_MIN_ORDER_SIZE: i64 = 415;
/// 201 NO_POSITION: close-position on a flat instrument.
pub(crate) const NO_POSITION: i64 = 201;
/// 226 INVALID_LEVERAGE: leverage outside 1..=the allowed maximum.
pub(crate) const INVALID_LEVERAGE: i64 = 226;
/// 229 INVALID_REF_PRICE: a trigger price missing, off tick, or on the wrong side.
pub(crate) const INVALID_REF_PRICE: i64 = 229;
/// 230 INVALID_REF_PRICE_TYPE.
pub(crate) const INVALID_REF_PRICE_TYPE: i64 = 230;
/// 1110 REDUCE_ONLY_REJECTED: a reduce-only order that would open or grow a position.
pub(crate) const REDUCE_ONLY_REJECTED: i64 = 1110;
/// 40001 BAD_REQUEST.
pub(crate) const BAD_REQUEST: i64 = 40001;
/// 40002 METHOD_NOT_FOUND.
pub(crate) const METHOD_NOT_FOUND: i64 = 40002;
/// 40004 MISSING_OR_INVALID_ARGUMENT.
pub(crate) const INVALID_ARGUMENT: i64 = 40004;
/// 40401 NOT_FOUND.
pub(crate) const NOT_FOUND: i64 = 40401;
/// 43003 FILL_OR_KILL: a FOK order that could not fill completely.
pub(crate) const FILL_OR_KILL: i64 = 43003;
/// 43004 IMMEDIATE_OR_CANCEL: the unfilled rest of an IOC (or MARKET) order.
pub(crate) const IMMEDIATE_OR_CANCEL: i64 = 43004;
/// 43005 POST_ONLY_REJ.
pub(crate) const POST_ONLY_REJ: i64 = 43005;

/// The §11 name of a code, used as the refusal's message.
pub(crate) fn name(code: i64) -> &'static str {
    match code {
        OK => "NO_ERROR",
        DUPLICATE_CLORDID => "DUPLICATE_CLORDID",
        INVALID_ORDERID => "INVALID_ORDERID",
        INVALID_ORDERQTY => "INVALID_ORDERQTY",
        INVALID_ORDTYPE => "INVALID_ORDTYPE",
        INVALID_EXECINST => "INVALID_EXECINST",
        INVALID_SIDE => "INVALID_SIDE",
        INVALID_TIF => "INVALID_TIF",
        INSUFFICIENT_BALANCE => "INSUFFICIENT_AVAILABLE_BALANCE",
        INVALID_ORDSTATUS => "INVALID_ORDSTATUS",
        INVALID_PRICE => "INVALID_PRICE",
        NO_ACTIVE_ORDER => "NO_ACTIVE_ORDER",
        BELOW_MIN_ORDER_SIZE => "BELOW_MIN_ORDER_SIZE",
        NO_POSITION => "NO_POSITION",
        INVALID_LEVERAGE => "INVALID_LEVERAGE",
        INVALID_REF_PRICE => "INVALID_REF_PRICE",
        INVALID_REF_PRICE_TYPE => "INVALID_REF_PRICE_TYPE",
        REDUCE_ONLY_REJECTED => "REDUCE_ONLY_REJECTED",
        BAD_REQUEST => "BAD_REQUEST",
        METHOD_NOT_FOUND => "METHOD_NOT_FOUND",
        INVALID_ARGUMENT => "MISSING_OR_INVALID_ARGUMENT",
        NOT_FOUND => "NOT_FOUND",
        FILL_OR_KILL => "FILL_OR_KILL",
        IMMEDIATE_OR_CANCEL => "IMMEDIATE_OR_CANCEL",
        POST_ONLY_REJ => "POST_ONLY_REJ",
        _ => "ERR_INTERNAL",
    }
}

/// A refusal carrying the code's own name as its message.
pub(crate) fn reject(code: i64) -> Reject {
    Reject::new(code, name(code))
}

/// A refusal that also carries a result object (§2.4).
pub(crate) fn reject_with(code: i64, result: Value) -> Reject {
    Reject { code, message: name(code).to_string(), result: Some(result) }
}

/// The refusal for an instrument the exchange does not list (the reference's example message).
pub(crate) fn invalid_instrument() -> Reject {
    Reject::new(INVALID_ARGUMENT, "Invalid instrument_name")
}
