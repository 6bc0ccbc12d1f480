//! The reason-code table of §11 as data, sorted by code for binary search.
//!
//! Data only: no logic beyond the constructor, and no entry without a meaning and a hint.
//! Classification choices that §11 leaves open are commented where they are made.
//!
//! HTTP statuses: v1 codes carry the status of the §11 table they appear in, except 50001,
//! which the table lists under 400 while the docs' examples return it with HTTP 500; we use 500.
//! §11 gives no status for the extra and legacy v2 codes; they carry the status of their
//! nearest v1 equivalent (an assumption, marked by their `origin`).

use super::{CodeClass, CodeOrigin, ReasonCode};
use CodeClass::{Auth, Clock, Other, Reject, Subscription, Transient};
use CodeOrigin::{Extra, LegacyV2, V1};

/// Builds one entry; keeps the table below to one call per code.
const fn rc(
    code: i64,
    name: &'static str,
    http_status: u16,
    class: CodeClass,
    origin: CodeOrigin,
    meaning: &'static str,
    hint: &'static str,
) -> ReasonCode {
    ReasonCode { code, name, http_status, class, origin, meaning, hint }
}

const SUPPORT: &str = "Contact Crypto.com support; retrying will not help.";
const LESS_RISK: &str = "Reduce the order size or leverage, or add margin.";
const REFRESH_POSITIONS: &str = "Refresh positions (private/get-positions) before acting on one.";
const DERIV_ACCESS: &str = "Enable derivatives trading on the account, or trade spot instead.";
const MARK_PRICE: &str = "Wait for a fresh mark price, then send the order again.";
const RETRY_ORDERS: &str = "Back off; for orders reconcile by client_oid before retrying.";
const ISOLATED: &str = "Check isolation_id and the isolated-margin parameters of the order.";
const LEGACY: &str = "Legacy v2 code: on a v1 URL this comes from an old wallet/sub-account path; \
                      otherwise check you are not calling /v2/.";
const LEGACY_ORDER: &str = "Legacy v2 code: fix the order against public/get-instruments, and \
                            check you are calling .../exchange/v1/.";

/// Every code of §11, sorted ascending by `code` with no duplicates (a test asserts both).
/// 30024 appears both in the v1 HTTP 400 table and the legacy list; it is entered once, as v1.
/// Kept one entry per line, like the tables of §11, so rustfmt is told to leave it alone.
#[rustfmt::skip]
pub(super) static CODES: &[ReasonCode] = &[
    rc(0, "SUCCESS", 200, Other, V1, "Success.", "Nothing to do."),
    // 2xx/3xx/4xx/6xx are order and account rejects (§11 classification). Account-state codes
    // among them (202, 401, 406, 409-412) are classed Reject, not Auth: they refuse this request
    // but say nothing about the key or signature, so the engine must not stop on them.
    rc(201, "NO_POSITION", 500, Reject, V1, "There is no open position for this request.", REFRESH_POSITIONS),
    rc(202, "ACCOUNT_IS_SUSPENDED", 400, Reject, V1, "The account is suspended.", SUPPORT),
    rc(203, "ACCOUNTS_DO_NOT_MATCH", 500, Reject, V1, "The accounts in the request do not match.", "Check the account and sub-account ids you sent."),
    rc(204, "DUPLICATE_CLORDID", 400, Reject, V1, "Duplicate client order id.", "Use a unique client_oid per order; look the existing order up by client_oid before resending."),
    rc(205, "DUPLICATE_ORDERID", 500, Reject, V1, "Duplicate order id.", "Look the order up by order_id instead of sending it again."),
    rc(206, "INSTRUMENT_EXPIRED", 500, Reject, V1, "The instrument has expired.", "Refresh instruments (public/get-instruments) and trade a live one."),
    rc(207, "NO_MARK_PRICE", 400, Reject, V1, "No mark price is available for the instrument.", MARK_PRICE),
    rc(208, "INSTRUMENT_NOT_TRADABLE", 400, Reject, V1, "The instrument is not tradable now.", "Check the instrument's status in public/get-instruments."),
    rc(209, "INVALID_INSTRUMENT", 400, Reject, V1, "Unknown or invalid instrument name.", "Use an exact instrument_name from public/get-instruments, e.g. BTC_USD or BTCUSD-PERP."),
    rc(210, "INVALID_ACCOUNT", 500, Reject, V1, "Invalid account.", "Check the account or sub-account id."),
    rc(211, "INVALID_CURRENCY", 500, Reject, V1, "Invalid currency.", "Use a currency code the exchange lists."),
    rc(212, "INVALID_ORDERID", 500, Reject, V1, "Invalid order id.", "Send order_id as a string exactly as the exchange returned it."),
    rc(213, "INVALID_ORDERQTY", 400, Reject, V1, "Invalid order quantity, e.g. wrong precision.", "Round the quantity to the instrument's qty_tick_size and send it as a string."),
    rc(214, "INVALID_SETTLE_CURRENCY", 500, Reject, V1, "Invalid settlement currency.", "Check the settlement currency against the instrument."),
    rc(215, "INVALID_FEE_CURRENCY", 500, Reject, V1, "Invalid fee currency.", "Check fee_instrument_name, or leave it out."),
    rc(216, "INVALID_POSITION_QTY", 500, Reject, V1, "Invalid position quantity.", REFRESH_POSITIONS),
    rc(217, "INVALID_OPEN_QTY", 500, Reject, V1, "Invalid open quantity.", "Refresh open orders and positions, then recompute the quantity."),
    rc(218, "INVALID_ORDTYPE", 400, Reject, V1, "Invalid order type.", "Use LIMIT or MARKET; trigger types go to private/advanced/create-order."),
    rc(219, "INVALID_EXECINST", 500, Reject, V1, "Invalid exec_inst.", "Use only POST_ONLY, SMART_POST_ONLY, REDUCE_ONLY, ISOLATED_MARGIN or MARGIN_ORDER."),
    rc(220, "INVALID_SIDE", 400, Reject, V1, "Invalid side.", "Use BUY or SELL."),
    rc(221, "INVALID_TIF", 400, Reject, V1, "Invalid time_in_force.", "Use GOOD_TILL_CANCEL, IMMEDIATE_OR_CANCEL or FILL_OR_KILL."),
    rc(222, "STALE_MARK_PRICE", 400, Reject, V1, "The mark price is stale.", MARK_PRICE),
    rc(223, "NO_CLORDID", 400, Reject, V1, "The client order id is missing.", "Send a unique client_oid with every order."),
    rc(224, "REJ_BY_MATCHING_ENGINE", 400, Reject, V1, "Rejected by the matching engine.", "The order is terminal; check it against the book and the instrument's limits."),
    rc(225, "EXCEED_MAXIMUM_ENTRY_LEVERAGE", 400, Reject, V1, "The order exceeds the maximum entry leverage.", LESS_RISK),
    rc(226, "INVALID_LEVERAGE", 400, Reject, V1, "Invalid leverage.", "Use a leverage the account and instrument allow."),
    rc(227, "INVALID_SLIPPAGE", 400, Reject, V1, "Invalid slippage parameter.", "Check the slippage tolerance value."),
    rc(228, "INVALID_FLOOR_PRICE", 400, Reject, V1, "Invalid floor price.", "Check the floor price against the order's side and price."),
    rc(229, "INVALID_REF_PRICE", 400, Reject, V1, "Invalid reference (trigger) price.", "Check ref_price against the current market and the order's side."),
    rc(230, "INVALID_REF_PRICE_TYPE", 400, Reject, V1, "Invalid reference price type.", "Use MARK_PRICE, INDEX_PRICE or LAST_PRICE."),
    rc(301, "ACCOUNT_IS_IN_MARGIN_CALL", 500, Reject, V1, "The account is in margin call.", "Add margin or reduce positions before opening new ones."),
    rc(302, "EXCEEDS_ACCOUNT_RISK_LIMIT", 500, Reject, V1, "The order exceeds the account risk limit.", LESS_RISK),
    rc(303, "EXCEEDS_POSITION_RISK_LIMIT", 500, Reject, V1, "The order exceeds the position risk limit.", LESS_RISK),
    rc(304, "ORDER_WILL_LEAD_TO_IMMEDIATE_LIQUIDATION", 500, Reject, V1, "The order would cause immediate liquidation.", LESS_RISK),
    rc(305, "ORDER_WILL_TRIGGER_MARGIN_CALL", 500, Reject, V1, "The order would trigger a margin call.", LESS_RISK),
    rc(306, "INSUFFICIENT_AVAILABLE_BALANCE", 500, Reject, V1, "Not enough available balance.", "Check private/user-balance; open orders reserve balance."),
    rc(307, "INVALID_ORDSTATUS", 500, Reject, V1, "The order's status does not allow this, e.g. amend or cancel of a closed order.", "Refresh the order (private/get-order-detail); it is probably filled or cancelled already."),
    rc(308, "INVALID_PRICE", 400, Reject, V1, "Invalid price.", "Round the price to the instrument's price_tick_size and send it as a string."),
    rc(309, "MARKET_IS_NOT_OPEN", 500, Reject, V1, "The market is not open.", "Wait for the market to open; check the instrument's status."),
    rc(310, "ORDER_PRICE_BEYOND_LIQUIDATION_PRICE", 500, Reject, V1, "The order price is beyond the liquidation price.", "Move the price inside the position's liquidation price."),
    rc(311, "POSITION_IS_IN_LIQUIDATION", 500, Reject, V1, "The position is being liquidated.", "Wait for the liquidation to finish, then refresh positions."),
    rc(312, "ORDER_PRICE_GREATER_THAN_LIMITUPPRICE", 500, Reject, V1, "The order price is above the limit-up price.", "Lower the price to within the instrument's price band."),
    rc(313, "ORDER_PRICE_LESS_THAN_LIMITDOWNPRICE", 500, Reject, V1, "The order price is below the limit-down price.", "Raise the price to within the instrument's price band."),
    rc(314, "EXCEEDS_MAX_ORDER_SIZE", 400, Reject, V1, "The order size exceeds the maximum.", "Reduce the quantity or split the order."),
    rc(315, "FAR_AWAY_LIMIT_PRICE", 400, Reject, V1, "The limit price is too far from the market.", "Bring the limit price closer to the market price."),
    rc(316, "NO_ACTIVE_ORDER", 500, Reject, V1, "No active order matches the request.", "Refresh open orders; the order is probably closed already."),
    rc(317, "POSITION_NO_EXIST", 500, Reject, V1, "The position does not exist.", REFRESH_POSITIONS),
    rc(318, "EXCEEDS_MAX_ALLOWED_ORDERS", 400, Reject, V1, "Too many open orders.", "Cancel some open orders before placing more."),
    rc(319, "EXCEEDS_MAX_POSITION_SIZE", 400, Reject, V1, "The order would exceed the maximum position size.", "Reduce the order size or the position."),
    rc(320, "EXCEEDS_INITIAL_MARGIN", 500, Reject, V1, "The order exceeds the available initial margin.", LESS_RISK),
    rc(321, "EXCEEDS_MAX_AVAILABLE_BALANCE", 500, Reject, V1, "The amount exceeds the maximum available balance.", "Reduce the amount to the available balance."),
    // Not in the v1 table; seen live by ccxt with HTTP status unknown, so 400 like 314/315.
    rc(325, "EXCEED_DAILY_VOL_LIMIT", 400, Reject, Extra, "The order exceeds the daily volume limit.", "Reduce volume or wait for the daily reset; if the reply carries an order_id, confirm its status."),
    rc(401, "ACCOUNT_DOES_NOT_EXIST", 400, Reject, V1, "The account does not exist.", "Check the account id and that the key is for this environment (production vs UAT)."),
    rc(406, "ACCOUNT_IS_NOT_ACTIVE", 500, Reject, V1, "The account is not active.", SUPPORT),
    rc(407, "MARGIN_UNIT_DOES_NOT_EXIST", 500, Reject, V1, "The margin unit does not exist.", "Check the margin unit or isolation_id you sent."),
    rc(408, "MARGIN_UNIT_IS_SUSPENDED", 400, Reject, V1, "The margin unit is suspended.", SUPPORT),
    rc(409, "INVALID_USER", 500, Reject, V1, "Invalid user.", "Check that the key belongs to the intended user and environment."),
    rc(410, "USER_IS_NOT_ACTIVE", 500, Reject, V1, "The user is not active.", SUPPORT),
    rc(411, "USER_NO_DERIV_ACCESS", 500, Reject, V1, "The user has no derivatives access.", DERIV_ACCESS),
    rc(412, "ACCOUNT_NO_DERIV_ACCESS", 500, Reject, V1, "The account has no derivatives access.", DERIV_ACCESS),
    rc(415, "BELOW_MIN_ORDER_SIZE", 500, Reject, V1, "The order size is below the minimum.", "Raise the quantity or notional to the instrument's minimum."),
    // 501 is outside the 2xx-4xx/6xx ranges §11 names, but it is a leverage refusal of one
    // order, so it is a Reject like 225.
    rc(501, "EXCEED_MAXIMUM_EFFECTIVE_LEVERAGE", 500, Reject, V1, "The order exceeds the maximum effective leverage.", LESS_RISK),
    rc(604, "INVALID_COLLATERAL_PRICE", 500, Reject, V1, "The collateral price is invalid.", "Retry later; if it persists, contact Crypto.com support."),
    rc(605, "INVALID_MARGIN_CALC", 500, Reject, V1, "The margin calculation failed.", "Retry later; if it persists, contact Crypto.com support."),
    rc(606, "EXCEED_ALLOWED_SLIPPAGE", 500, Reject, V1, "The fill would exceed the allowed slippage.", "Widen the slippage tolerance or use a limit order."),
    rc(613, "INVALID_ISOLATION_ID", 500, Reject, V1, "Invalid isolation id.", ISOLATED),
    rc(614, "EXCEEDS_ISOLATED_POSITION_LIMIT", 500, Reject, V1, "The isolated position limit is exceeded.", "Close an isolated position or use cross margin."),
    rc(615, "ACCOUNT_DOES_NOT_SUPPORT_ISOLATED_POSITION", 500, Reject, V1, "The account does not support isolated positions.", "Trade with cross margin, or enable isolated margin on the account."),
    rc(616, "CREATE_ISOLATED_POSITION_FAILED", 500, Reject, V1, "Creating the isolated position failed.", ISOLATED),
    rc(617, "DUPLICATED_INSTRUMENT_ORDER_FOR_ISOLATED_MARGIN", 500, Reject, V1, "An isolated-margin order for this instrument already exists.", "Use the existing isolated position's isolation_id."),
    rc(618, "TOO_MANY_PENDING_ISOLATED_MARGIN_REQUESTS", 500, Reject, V1, "Too many isolated-margin requests are pending.", "Wait for pending isolated-margin requests to finish, then resend."),
    rc(619, "UNSUPPORTED_OPERATION_ON_ISOLATED_POSITION", 500, Reject, V1, "The operation is not supported on an isolated position.", ISOLATED),
    // A timeout leaves the outcome unknown, so unlike the other 6xx codes 620 is Transient:
    // the engine must reconcile by client_oid rather than treat the order as dead.
    rc(620, "CREATE_ISOLATED_POSITION_TIMEOUT", 500, Transient, V1, "Creating the isolated position timed out; the outcome is unknown.", "Reconcile by client_oid and check positions before retrying."),
    rc(1110, "REDUCE_ONLY_REJECTED", 400, Reject, V1, "The reduce-only order would not reduce the position.", "Check the position's side and size; a reduce-only order must shrink it."),
    // 10001 is classed Other, not Transient: its documented occurrence (get-currency-networks on
    // a sub-account) is deterministic, so retrying would spin.
    rc(10001, "SYS_ERROR", 500, Other, LegacyV2, "System error (legacy v2 code).", LEGACY),
    rc(10002, "UNAUTHORIZED", 401, Auth, LegacyV2, "Not authenticated (legacy v2 equivalent of 40101).", "Use a v1 URL (.../exchange/v1/...) and v1 method names; then check the 40101 causes."),
    rc(10003, "IP_ILLEGAL", 401, Auth, LegacyV2, "IP not on the key's allow-list (legacy v2 code).", "Add this machine's egress IP to the key's allow-list."),
    rc(10004, "BAD_REQUEST", 400, Reject, LegacyV2, "Bad request (legacy v2 code, also seen on WS subscribe errors).", "Check the params and channel names; check you are calling .../exchange/v1/."),
    rc(10005, "USER_TIER_INVALID", 401, Auth, LegacyV2, "Disallowed based on user tier (legacy v2 code).", "The account's tier does not allow this method."),
    rc(10006, "TOO_MANY_REQUESTS", 429, Transient, LegacyV2, "Rate limit exceeded (legacy v2 code).", RETRY_ORDERS),
    rc(10007, "INVALID_NONCE", 400, Clock, LegacyV2, "Nonce outside the server's window (legacy v2 code).", "The nonce must be UTC milliseconds within 60 s of the server: resync the clock (NTP)."),
    rc(10008, "METHOD_NOT_FOUND", 400, Reject, LegacyV2, "Method not found (legacy v2 code).", "Use v1 method names at .../exchange/v1/..., not /v2/."),
    rc(10009, "INVALID_DATE_RANGE", 400, Reject, LegacyV2, "Invalid date range (legacy v2 code).", "Send start_time before end_time, as millisecond timestamps."),
    rc(20001, "DUPLICATE_RECORD", 400, Reject, LegacyV2, "Duplicate record (legacy v2 code).", "Use unique ids; look the existing record up before resending."),
    rc(20002, "NEGATIVE_BALANCE", 500, Reject, LegacyV2, "The balance would go negative (legacy v2 code).", "Check private/user-balance before sending."),
    // Returned by margin paths; not an order reject and not a credential problem, so Other.
    rc(20005, "ACCOUNT_NOT_FOUND", 400, Other, LegacyV2, "Account not found (legacy v2 code, margin paths).", LEGACY),
    rc(30003, "SYMBOL_NOT_FOUND", 400, Reject, LegacyV2, "Unknown symbol (legacy v2 code).", LEGACY_ORDER),
    rc(30004, "SIDE_NOT_SUPPORTED", 400, Reject, LegacyV2, "Side not supported (legacy v2 code).", LEGACY_ORDER),
    rc(30005, "ORDERTYPE_NOT_SUPPORTED", 400, Reject, LegacyV2, "Order type not supported (legacy v2 code).", LEGACY_ORDER),
    rc(30006, "MIN_PRICE_VIOLATED", 400, Reject, LegacyV2, "The price is below the minimum (legacy v2 code).", LEGACY_ORDER),
    rc(30007, "MAX_PRICE_VIOLATED", 400, Reject, LegacyV2, "The price is above the maximum (legacy v2 code).", LEGACY_ORDER),
    rc(30008, "MIN_QUANTITY_VIOLATED", 400, Reject, LegacyV2, "The quantity is below the minimum (legacy v2 code).", LEGACY_ORDER),
    rc(30009, "MAX_QUANTITY_VIOLATED", 400, Reject, LegacyV2, "The quantity is above the maximum (legacy v2 code).", LEGACY_ORDER),
    rc(30010, "MISSING_ARGUMENT", 400, Reject, LegacyV2, "A required argument is missing (legacy v2 code).", LEGACY_ORDER),
    rc(30013, "INVALID_PRICE_PRECISION", 400, Reject, LegacyV2, "Too many decimals in the price (legacy v2 code).", LEGACY_ORDER),
    rc(30014, "INVALID_QUANTITY_PRECISION", 400, Reject, LegacyV2, "Too many decimals in the quantity (legacy v2 code).", LEGACY_ORDER),
    rc(30016, "MIN_NOTIONAL_VIOLATED", 400, Reject, LegacyV2, "The notional is below the minimum (legacy v2 code).", LEGACY_ORDER),
    rc(30017, "MAX_NOTIONAL_VIOLATED", 400, Reject, LegacyV2, "The notional is above the maximum (legacy v2 code).", LEGACY_ORDER),
    rc(30023, "MIN_AMOUNT_VIOLATED", 400, Reject, LegacyV2, "The withdrawal amount is below the minimum (legacy v2 code).", "Raise the amount to the currency's minimum withdrawal."),
    rc(30024, "MAX_AMOUNT_VIOLATED", 400, Reject, V1, "The withdrawal is larger than max_withdrawal_balance.", "Withdraw at most max_withdrawal_balance."),
    rc(30025, "AMOUNT_PRECISION_OVERFLOW", 400, Reject, LegacyV2, "Too many decimals in the amount (legacy v2 code).", "Round the amount to the currency's precision."),
    rc(40001, "BAD_REQUEST", 400, Reject, V1, "Bad request.", "Check the JSON envelope: id, method, nonce, and params as an object ({} when empty)."),
    rc(40002, "METHOD_NOT_FOUND", 400, Reject, V1, "Wrong method name or wrong URL/version.", "Check the method name, and use a v1 URL (.../exchange/v1/...) and v1 method names, not v2 (/v2/)."),
    rc(40003, "INVALID_REQUEST", 400, Reject, V1, "Invalid request, e.g. bad subscribe params or an unknown symbol.", "Check the params, channel names and instrument names you sent."),
    rc(40004, "MISSING_OR_INVALID_ARGUMENT", 400, Reject, V1, "A required argument is missing or invalid.", "Check the required params and their formats; send numbers as strings."),
    rc(40005, "INVALID_DATE", 400, Reject, V1, "Invalid date or time range.", "Send start_time before end_time, as millisecond timestamps."),
    // What counts as a duplicate is unconfirmed (§14): the first request may have taken effect.
    rc(40006, "DUPLICATE_REQUEST", 400, Reject, V1, "Duplicate request received.", "Use a unique id per request; the first one may have taken effect, so reconcile before resending."),
    rc(40101, "UNAUTHORIZED", 401, Auth, V1, "Not authenticated, or key/signature incorrect.", "Send api_key/sig/nonce in the JSON body (not headers), sign exactly the params you send (sorted, numbers as strings), use the v1 URL and this environment's key; run `cdc-engine doctor`."),
    rc(40102, "INVALID_NONCE", 400, Clock, V1, "The nonce differs from server time by more than 60 s.", "The nonce must be UTC milliseconds within 60 s of the server: resync the clock (NTP), then retry once."),
    rc(40103, "IP_ILLEGAL", 401, Auth, V1, "The IP is not on the key's allow-list.", "Add this machine's egress IP to the key's allow-list."),
    rc(40104, "USER_TIER_INVALID", 401, Auth, V1, "Disallowed based on user tier.", "The account's tier does not allow this method; check the account's tier."),
    rc(40107, "EXCEED_MAX_SUBSCRIPTIONS", 400, Subscription, V1, "The session's subscription limit is exceeded (400 per market-data connection).", "Open another connection for the extra subscriptions."),
    rc(40401, "NOT_FOUND", 200, Other, V1, "Not found.", "Check the id you looked up; it may be too old or belong to another account."),
    rc(40801, "REQUEST_TIMEOUT", 408, Transient, V1, "The request timed out; its outcome is unknown.", "Reconcile by client_oid before retrying an order; reads can be retried."),
    rc(42901, "TOO_MANY_REQUESTS", 429, Transient, V1, "Too many requests: the rate limit is exceeded.", "Back off; for orders reconcile by client_oid before retrying."),
    rc(43003, "FILL_OR_KILL", 500, Reject, V1, "The FOK order could not fill completely, so it was cancelled.", "Nothing filled; resend with another price or time_in_force."),
    rc(43004, "IMMEDIATE_OR_CANCEL", 500, Reject, V1, "The IOC order did not fill (fully), so the rest was cancelled.", "Any partial fill is real: check cumulative_quantity before resending the rest."),
    rc(43005, "POST_ONLY_REJ", 500, Reject, V1, "The POST_ONLY order was rejected: it would have taken, or TIF was not GTC.", "Use GOOD_TILL_CANCEL with POST_ONLY, and price behind the best opposite quote."),
    rc(43012, "SELF_TRADE_PREVENTION", 200, Reject, V1, "Cancelled due to self-trade prevention.", "Your own order was on the other side; adjust the price or the stp_* settings."),
    rc(50001, "ERR_INTERNAL", 500, Transient, V1, "Internal error at the exchange.", RETRY_ORDERS),
    // A refused withdrawal: terminal for that request, like 30024, hence Reject.
    rc(50002, "DW_CREDIT_LINE_NOT_MAINTAINED", 400, Reject, V1, "The withdrawal was refused: the credit line is not maintained.", "Restore the required balance or credit line before withdrawing."),
    rc(120009, "REJECTED", 500, Transient, V1, "Rejected by an upstream service.", RETRY_ORDERS),
    // The state changed under the request (e.g. already closed); terminal for it, hence Reject.
    rc(130008, "NON_APPLICABLE", 500, Reject, V1, "The operation does not apply in the current state.", "Refresh the order or position; the action no longer applies."),
    // Not in the v1 table (ccxt); its HTTP status is unknown, assumed 500 like 50001.
    rc(9010001, "SYSTEM_MAINTENANCE", 500, Transient, Extra, "The exchange is under maintenance.", "Wait for the maintenance to end (see status.crypto.com); reconcile orders before resuming."),
];
