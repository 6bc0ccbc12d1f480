//! The first checks: the configuration loaded, and the URLs are API v1's: no v2 paths or method
//! names, no legacy derivatives host, the right schemes, the `/exchange/v1` base. Also the v2 to
//! v1 method names that `doctor --request` and `cdc-engine sign` suggest. Looks at text only; it
//! must NOT connect.

use super::{Check, Report, Status};
use cdc_engine::config::{ConfigError, Endpoints, RawSettings};

/// Method names of the legacy v2 / derivatives APIs that v1 does not have.
pub(super) const V2_METHODS: [&str; 6] = [
    "private/get-account-summary",
    "public/get-ticker",
    "private/margin/",
    "private/deriv/",
    "private/get-deposit-history-v2",
    "public/get-instrument",
];

/// Whether a method name belongs to v2 only. `public/get-instrument` is v2's singular form of
/// `public/get-instruments`; `public/get-ticker` of `public/get-tickers`.
pub fn is_v2_method(method: &str) -> bool {
    V2_METHODS.iter().any(|m| if m.ends_with('/') { method.starts_with(m) } else { method == *m })
}

/// The API v1 method to use instead of a v2 one, when v1 has a direct equivalent. The margin
/// and derivatives families have none: v1 serves them through its ordinary methods.
pub fn v1_method(v2: &str) -> Option<&'static str> {
    match v2 {
        "private/get-account-summary" => Some("private/user-balance"),
        "public/get-ticker" => Some("public/get-tickers"),
        "public/get-instrument" => Some("public/get-instruments"),
        "private/get-deposit-history-v2" => Some("private/get-deposit-history"),
        _ => None,
    }
}

/// One sentence naming a v2 method and what v1 calls it.
pub fn v2_advice(method: &str) -> String {
    match v1_method(method) {
        Some(v1) => format!("{method} is a legacy v2 method name; API v1 calls it {v1}"),
        None => format!(
            "{method} is a legacy v2 method name with no v1 method of that name; API v1 serves spot, margin \
             and derivatives through the same methods (e.g. private/create-order, private/user-balance)"
        ),
    }
}

/// The production v1 REST base, for advice that names a URL to use.
pub(super) const V1_REST: &str = "https://api.crypto.com/exchange/v1";
/// The UAT v1 REST base.
pub(super) const V1_REST_UAT: &str = "https://uat-api.3ona.co/exchange/v1";

/// Records the configuration and URL checks; `None` when nothing further can run.
pub(super) fn check_config(
    config: Result<RawSettings, ConfigError>,
    report: &mut Report,
) -> Option<(RawSettings, Endpoints)> {
    let raw = match config {
        Ok(raw) => raw,
        Err(e) => {
            report.push(Check::new("configuration", Status::Fail, e.to_string(), Some(fix_of(&e))));
            return None;
        }
    };
    let from = match &raw.path {
        Some(p) => format!("profile {:?} from {}", raw.profile, p.display()),
        None => "no config file; environment variables only".to_owned(),
    };
    let endpoints = match raw.endpoints() {
        Ok(e) => e,
        Err(e) => {
            report.push(Check::new("configuration", Status::Fail, format!("{from}: {e}"), Some(fix_of(&e))));
            return None;
        }
    };
    report.push(Check::new("configuration", Status::Ok, from, None));
    report.push(url_check(&endpoints));
    Some((raw, endpoints))
}

fn fix_of(e: &ConfigError) -> String {
    match e {
        ConfigError::SecretFileReadable { path, .. } => format!("chmod 600 {path}"),
        ConfigError::UnknownEnvironment(_) => "set CDC_ENV (or env in the profile) to production or uat".into(),
        _ => "correct the file or variable named above".into(),
    }
}

fn url_check(e: &Endpoints) -> Check {
    let mut problems = e.problems();
    let rest = e.rest_url.trim_end_matches('/');
    if let Some(pos) = rest.find("/public/").or_else(|| rest.find("/private/")) {
        let method = &rest[pos + 1..];
        let what = if is_v2_method(method) { " (a v2 method name)" } else { "" };
        problems.push(format!(
            "the REST URL {rest} ends in the method {method}{what}; configure the base only, the method is appended"
        ));
    }
    let shown = format!("REST {}, user WS {}, market WS {}", e.rest_url, e.user_ws_url, e.market_ws_url);
    if problems.is_empty() {
        return Check::new("urls", Status::Ok, shown, None);
    }
    Check::new(
        "urls",
        Status::Fail,
        format!("{}. ({shown})", problems.join("; ")),
        Some(
            "use the API v1 URLs: https://api.crypto.com/exchange/v1, wss://stream.crypto.com/exchange/v1/user and \
             .../market (UAT: uat-api.3ona.co / uat-stream.3ona.co), or unset CDC_*_URL to use the preset"
                .into(),
        ),
    )
}
