//! Reason codes of the exchange (§11): what each code means, what class of failure it is, and
//! what the user should do about it.
//!
//! Pure data and lookups. This module must not do I/O, depend on tokio, or depend on other
//! protocol modules; callers bring the numeric code (and the HTTP status when they have one).

use std::fmt;

#[path = "codes_table.rs"]
mod table;

/// What kind of failure a reason code is, which decides what the engine does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeClass {
    /// The request may or may not have taken effect; back off, reconcile orders, retry.
    Transient,
    /// Credentials, permissions or account configuration are wrong; fatal, do not spin.
    Auth,
    /// The nonce is outside the server's window; resync the clock, then retry once.
    Clock,
    /// The exchange refused this request; terminal for that order or request.
    Reject,
    /// The connection's subscription limit is reached; open another connection.
    Subscription,
    /// Anything else (success, not found, codes that fit no class above).
    Other,
}

impl CodeClass {
    /// The lower-case name used in logs, metrics labels and error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeClass::Transient => "transient",
            CodeClass::Auth => "auth",
            CodeClass::Clock => "clock",
            CodeClass::Reject => "reject",
            CodeClass::Subscription => "subscription",
            CodeClass::Other => "other",
        }
    }

    /// A generic one-line hint for codes that have no table entry of their own.
    fn generic_hint(self) -> &'static str {
        match self {
            CodeClass::Transient => "Back off and retry reads; for orders, reconcile by client_oid before retrying.",
            CodeClass::Auth => "Check the API key, secret, signature and key permissions; do not retry in a loop.",
            CodeClass::Clock => "Resync the clock (NTP), then retry once.",
            CodeClass::Reject => "Fix the request before sending it again; retrying as is fails.",
            CodeClass::Subscription => "Open another connection for further subscriptions.",
            CodeClass::Other => "Check the exchange's message text and the request you sent.",
        }
    }
}

impl fmt::Display for CodeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which list of §11 a code comes from; legacy v2 codes hint at a v2 URL or an old wallet path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeOrigin {
    /// The official v1 tables.
    V1,
    /// Seen in clients but absent from the v1 tables (325, 9010001).
    Extra,
    /// Legacy Spot API v2 codes (10001..30025) that some paths still return.
    LegacyV2,
}

/// One documented reason code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReasonCode {
    /// The numeric code as sent in the response's `code` field.
    pub code: i64,
    /// The symbolic name, e.g. `"UNAUTHORIZED"`, `"INSUFFICIENT_AVAILABLE_BALANCE"`.
    pub name: &'static str,
    /// HTTP status as in the §11 tables; for extra and legacy codes, which §11 lists without a
    /// status, the status of their nearest v1 equivalent (an assumption).
    pub http_status: u16,
    /// The failure class, which decides the engine's reaction.
    pub class: CodeClass,
    /// Which §11 list the code comes from.
    pub origin: CodeOrigin,
    /// One short sentence saying what the code means.
    pub meaning: &'static str,
    /// One line saying what the user should do.
    pub hint: &'static str,
}

/// Looks a code up in the tables of §11 (v1 codes, plus the extra codes 325, 9010001, and the
/// legacy v2 codes 10001..30025 listed there).
pub fn lookup(code: i64) -> Option<&'static ReasonCode> {
    let codes = table::CODES;
    codes.binary_search_by_key(&code, |entry| entry.code).ok().and_then(|index| codes.get(index))
}

/// Every known code, sorted by code (for `doctor`, the simulator and documentation).
pub fn all_codes() -> &'static [ReasonCode] {
    table::CODES
}

/// The explanation of any code, known or not, ready to show to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The numeric code.
    pub code: i64,
    /// The symbolic name, or `"UNKNOWN"` when the code is not in the tables.
    pub name: String,
    /// The failure class (from the table, or from the HTTP status for unknown codes).
    pub class: CodeClass,
    /// One short sentence saying what the code means.
    pub meaning: String,
    /// One line saying what the user should do.
    pub hint: String,
    /// Whether the code was found in the tables.
    pub known: bool,
}

impl Explanation {
    /// The usual causes behind this code, for codes that have a list of them (40101 and its
    /// legacy twin 10002); empty otherwise.
    pub fn likely_causes(&self) -> &'static [&'static str] {
        match self.code {
            40101 | 10002 => AUTH_FAILURE_CAUSES,
            _ => &[],
        }
    }
}

/// The explanation of any code: the table entry if known; otherwise a synthetic entry whose
/// class comes from the HTTP status when given (429/408/5xx -> Transient, 401 -> Auth,
/// 400 -> Reject, else Other) and name "UNKNOWN".
pub fn explain(code: i64, http_status: Option<u16>) -> Explanation {
    if let Some(entry) = lookup(code) {
        return Explanation {
            code,
            name: entry.name.to_owned(),
            class: entry.class,
            meaning: entry.meaning.to_owned(),
            hint: entry.hint.to_owned(),
            known: true,
        };
    }
    let class = http_status.map_or(CodeClass::Other, class_of_http_status);
    let meaning = match http_status {
        Some(status) => format!("Reason code not in the exchange's tables (HTTP {status})."),
        None => "Reason code not in the exchange's tables.".to_owned(),
    };
    Explanation {
        code,
        name: "UNKNOWN".to_owned(),
        class,
        meaning,
        hint: class.generic_hint().to_owned(),
        known: false,
    }
}

/// The class an HTTP status implies when the reason code itself is unknown.
fn class_of_http_status(status: u16) -> CodeClass {
    match status {
        408 | 429 | 500..=599 => CodeClass::Transient,
        401 => CodeClass::Auth,
        400 => CodeClass::Reject,
        _ => CodeClass::Other,
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({}): {} Hint: {}", self.code, self.name, self.class, self.meaning, self.hint)
    }
}

/// The usual causes of 40101 UNAUTHORIZED (§13), one item each, for error messages and
/// `doctor`.
pub const AUTH_FAILURE_CAUSES: &[&str] = &[
    "api_key/sig/nonce sent in HTTP headers instead of the JSON request body",
    "params not sorted by key, or separators/quotes added in the signed param string",
    "numbers sent as JSON floats, or signed differently from what was sent: send decimals as \
     strings and sign the same text",
    "id or nonce in the signature differs textually from the body (e.g. 1.7e12 vs an integer, \
     or changed after signing)",
    "fields signed but not sent, or sent but not signed (e.g. nulls dropped by the serializer)",
    "a v2 URL or method name: use .../exchange/v1/... only",
    "the other environment's key: a production key on UAT, or a UAT key in production",
    "a wrong or swapped key/secret, or whitespace around them",
    "the key lacks the permission for this method (keys are read-only by default)",
    "the IP allow-list on the key excludes this machine (that one usually shows as 40103)",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// (code, name, http_status, class) across every §11 table, extra codes and legacy v2.
    const SPOT_CHECKS: &[(i64, &str, u16, CodeClass)] = &[
        (0, "SUCCESS", 200, CodeClass::Other),
        (40401, "NOT_FOUND", 200, CodeClass::Other),
        (43012, "SELF_TRADE_PREVENTION", 200, CodeClass::Reject),
        (204, "DUPLICATE_CLORDID", 400, CodeClass::Reject),
        (213, "INVALID_ORDERQTY", 400, CodeClass::Reject),
        (315, "FAR_AWAY_LIMIT_PRICE", 400, CodeClass::Reject),
        (408, "MARGIN_UNIT_IS_SUSPENDED", 400, CodeClass::Reject),
        (1110, "REDUCE_ONLY_REJECTED", 400, CodeClass::Reject),
        (30024, "MAX_AMOUNT_VIOLATED", 400, CodeClass::Reject),
        (40002, "METHOD_NOT_FOUND", 400, CodeClass::Reject),
        (40006, "DUPLICATE_REQUEST", 400, CodeClass::Reject),
        (40102, "INVALID_NONCE", 400, CodeClass::Clock),
        (40107, "EXCEED_MAX_SUBSCRIPTIONS", 400, CodeClass::Subscription),
        (50001, "ERR_INTERNAL", 500, CodeClass::Transient),
        (40101, "UNAUTHORIZED", 401, CodeClass::Auth),
        (40103, "IP_ILLEGAL", 401, CodeClass::Auth),
        (40104, "USER_TIER_INVALID", 401, CodeClass::Auth),
        (40801, "REQUEST_TIMEOUT", 408, CodeClass::Transient),
        (42901, "TOO_MANY_REQUESTS", 429, CodeClass::Transient),
        (201, "NO_POSITION", 500, CodeClass::Reject),
        (306, "INSUFFICIENT_AVAILABLE_BALANCE", 500, CodeClass::Reject),
        (415, "BELOW_MIN_ORDER_SIZE", 500, CodeClass::Reject),
        (606, "EXCEED_ALLOWED_SLIPPAGE", 500, CodeClass::Reject),
        (613, "INVALID_ISOLATION_ID", 500, CodeClass::Reject),
        (617, "DUPLICATED_INSTRUMENT_ORDER_FOR_ISOLATED_MARGIN", 500, CodeClass::Reject),
        (619, "UNSUPPORTED_OPERATION_ON_ISOLATED_POSITION", 500, CodeClass::Reject),
        (43003, "FILL_OR_KILL", 500, CodeClass::Reject),
        (43005, "POST_ONLY_REJ", 500, CodeClass::Reject),
        (120009, "REJECTED", 500, CodeClass::Transient),
        (325, "EXCEED_DAILY_VOL_LIMIT", 400, CodeClass::Reject),
        (9010001, "SYSTEM_MAINTENANCE", 500, CodeClass::Transient),
        (10002, "UNAUTHORIZED", 401, CodeClass::Auth),
        (10007, "INVALID_NONCE", 400, CodeClass::Clock),
        (30006, "MIN_PRICE_VIOLATED", 400, CodeClass::Reject),
        (30007, "MAX_PRICE_VIOLATED", 400, CodeClass::Reject),
        (30014, "INVALID_QUANTITY_PRECISION", 400, CodeClass::Reject),
        (30025, "AMOUNT_PRECISION_OVERFLOW", 400, CodeClass::Reject),
    ];

    #[test]
    fn spot_checked_codes_resolve_with_name_status_and_class() {
        for &(code, name, status, class) in SPOT_CHECKS {
            let entry = lookup(code).unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!(
                (entry.code, entry.name, entry.http_status, entry.class),
                (code, name, status, class),
                "entry for {code}"
            );
        }
    }

    #[test]
    fn table_is_sorted_without_duplicates_and_complete() {
        let codes: Vec<i64> = all_codes().iter().map(|entry| entry.code).collect();
        assert!(codes.windows(2).all(|pair| pair[0] < pair[1]), "{codes:?}");
        let v1 = [
            0, 40401, 43012, 202, 204, 207, 208, 209, 213, 218, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230,
            308, 314, 315, 318, 319, 401, 408, 1110, 30024, 40001, 40002, 40003, 40004, 40005, 40006, 40102, 40107,
            50001, 50002, 40101, 40103, 40104, 40801, 42901, 201, 203, 205, 206, 210, 211, 212, 214, 215, 216, 217,
            219, 301, 302, 303, 304, 305, 306, 307, 309, 310, 311, 312, 313, 316, 317, 320, 321, 406, 407, 409, 410,
            411, 412, 415, 501, 604, 605, 606, 613, 614, 615, 616, 617, 618, 619, 620, 43003, 43004, 43005, 120009,
            130008,
        ];
        let extra = [325, 9010001];
        let legacy = [
            10001, 10002, 10003, 10004, 10005, 10006, 10007, 10008, 10009, 20001, 20002, 20005, 30003, 30004, 30005,
            30006, 30007, 30008, 30009, 30010, 30013, 30014, 30016, 30017, 30023, 30025,
        ];
        for code in v1.iter().chain(&extra).chain(&legacy) {
            assert!(lookup(*code).is_some(), "{code} missing from the table");
        }
        assert_eq!(codes.len(), v1.len() + extra.len() + legacy.len());
    }

    #[test]
    fn every_entry_has_meaning_hint_and_upper_case_name() {
        for entry in all_codes() {
            assert!(!entry.meaning.is_empty() && !entry.hint.is_empty(), "{}", entry.code);
            assert!(!entry.hint.contains('\n'), "hint of {} is one line", entry.code);
            let upper = entry.name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
            assert!(upper, "name of {}", entry.code);
        }
    }

    #[test]
    fn isolated_margin_codes_have_distinct_names() {
        let names: std::collections::HashSet<&str> = (613..=620).filter_map(lookup).map(|entry| entry.name).collect();
        assert_eq!(names.len(), 8);
        assert_eq!(lookup(620).map(|e| e.class), Some(CodeClass::Transient));
    }

    #[test]
    fn required_hints_say_what_to_do() {
        let hint = |code| lookup(code).map(|entry| entry.hint).unwrap_or_default();
        assert!(hint(40002).contains("v1") && hint(40002).contains("v2"));
        assert!(hint(40002).contains("method name"));
        for needle in ["UTC milliseconds", "60 s", "NTP"] {
            assert!(hint(40102).contains(needle), "40102 hint lacks {needle}");
        }
        assert!(hint(42901).contains("Back off") && hint(42901).contains("client_oid"));
    }

    #[test]
    fn unknown_codes_are_classed_from_http_status() {
        let class = |status| explain(99999, status).class;
        assert_eq!(class(Some(429)), CodeClass::Transient);
        assert_eq!(class(Some(408)), CodeClass::Transient);
        assert_eq!(class(Some(500)), CodeClass::Transient);
        assert_eq!(class(Some(503)), CodeClass::Transient);
        assert_eq!(class(Some(401)), CodeClass::Auth);
        assert_eq!(class(Some(400)), CodeClass::Reject);
        assert_eq!(class(Some(200)), CodeClass::Other);
        assert_eq!(class(Some(404)), CodeClass::Other);
        assert_eq!(class(None), CodeClass::Other);
        let unknown = explain(99999, Some(503));
        assert_eq!(unknown.name, "UNKNOWN");
        assert!(!unknown.known && unknown.meaning.contains("503"));
    }

    #[test]
    fn known_codes_ignore_the_http_status() {
        let explained = explain(40102, Some(500));
        assert!(explained.known);
        assert_eq!(explained.class, CodeClass::Clock);
        assert_eq!(explained.name, "INVALID_NONCE");
    }

    #[test]
    fn unauthorized_display_names_code_class_and_hint() {
        let explained = explain(40101, Some(401));
        let shown = explained.to_string();
        let hint = lookup(40101).map(|entry| entry.hint).unwrap_or_default();
        assert!(shown.starts_with("40101 UNAUTHORIZED (auth): Not authenticated"));
        assert!(shown.contains(&format!("Hint: {hint}")));
        assert_eq!(explained.likely_causes(), AUTH_FAILURE_CAUSES);
        assert!(explain(306, None).likely_causes().is_empty());
    }

    #[test]
    fn auth_failure_causes_cover_the_usual_mistakes() {
        let all = AUTH_FAILURE_CAUSES.join("\n");
        for needle in ["headers", "sorted", "strings", "nonce", "v2", "UAT", "whitespace"] {
            assert!(all.contains(needle), "causes lack {needle}");
        }
        assert!(all.contains("permission") && all.contains("40103"));
    }

    #[test]
    fn class_names_are_lower_case() {
        assert_eq!(CodeClass::Transient.as_str(), "transient");
        assert_eq!(CodeClass::Subscription.to_string(), "subscription");
        assert_eq!(CodeClass::Other.as_str(), "other");
    }
}
