//! The reason codes the client acts on, by name, so that no engine or command code compares
//! with a bare number. Each constant is checked against the reason-code table by a test: a
//! renamed or renumbered code fails there. Constants only: this module must NOT explain codes
//! (the table does).

/// 204: an order with this `client_oid` exists already (it was placed).
pub const DUPLICATE_CLORDID: i64 = 204;
/// 212: no order with this id.
pub const INVALID_ORDERID: i64 = 212;
/// 306: not enough available balance for the order.
pub const INSUFFICIENT_AVAILABLE_BALANCE: i64 = 306;
/// 316: no active order matches (it closed).
pub const NO_ACTIVE_ORDER: i64 = 316;
/// 40101: authentication failure.
pub const UNAUTHORIZED: i64 = 40101;
/// 10002: authentication failure of the legacy v2 API.
pub const UNAUTHORIZED_V2: i64 = 10002;
/// 40401: not found.
pub const NOT_FOUND: i64 = 40401;
/// 42901: too many requests (a rate limit was met).
pub const TOO_MANY_REQUESTS: i64 = 42901;

/// The answers to a cancel of an order that had already closed (filled, or cancelled) or that
/// the exchange no longer knows: a normal race, not a failure.
pub fn already_closed(code: i64) -> bool {
    matches!(code, INVALID_ORDERID | NO_ACTIVE_ORDER | NOT_FOUND)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::lookup;

    #[test]
    fn each_name_is_the_tables() {
        for (code, name) in [
            (DUPLICATE_CLORDID, "DUPLICATE_CLORDID"),
            (INVALID_ORDERID, "INVALID_ORDERID"),
            (NO_ACTIVE_ORDER, "NO_ACTIVE_ORDER"),
            (INSUFFICIENT_AVAILABLE_BALANCE, "INSUFFICIENT_AVAILABLE_BALANCE"),
            (UNAUTHORIZED, "UNAUTHORIZED"),
            (UNAUTHORIZED_V2, "UNAUTHORIZED"),
            (NOT_FOUND, "NOT_FOUND"),
            (TOO_MANY_REQUESTS, "TOO_MANY_REQUESTS"),
        ] {
            assert_eq!(lookup(code).map(|c| c.name), Some(name), "{code}");
        }
        assert!(already_closed(NO_ACTIVE_ORDER) && !already_closed(DUPLICATE_CLORDID));
    }
}
