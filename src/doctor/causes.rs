//! The one `why 40101` explanation of a run, its causes ranked for the situation: doctor signs
//! its own calls correctly, so a 40101 there points at the key, secret, environment,
//! permissions or IP allow-list; for a captured request the mistakes found in it come first.
//! Text only; it must NOT repeat itself per check (the checks point here instead).

use super::{Check, Report, Status};
use cdc_engine::config::RawSettings;
use cdc_engine::protocol::code_names;

/// The check's name.
pub(super) const NAME: &str = "why 40101";

/// What a check with a 40101 says instead of the causes.
pub(super) const SEE_BELOW: &str = "see \"why 40101\" below: the likely causes, most likely first";

/// Whether a code is the authentication failure (40101, or 10002 of the legacy v2 API).
pub(super) fn is_auth_failure(code: i64) -> bool {
    matches!(code, code_names::UNAUTHORIZED | code_names::UNAUTHORIZED_V2)
}

/// The causes that do not depend on how the request was built, most likely first.
fn account_causes(env: &str) -> [String; 4] {
    [
        "the key or the secret is wrong: not the pair the exchange showed when the key was created, the two \
         swapped, from a deleted key, or with spaces, quotes or a newline around them"
            .to_owned(),
        format!(
            "the key belongs to the other environment: production keys work only in production and UAT keys only \
             on UAT (this configuration talks to {env})"
        ),
        "the key lacks the permission the method needs (a key can be read-only, or lack trading or withdrawal)"
            .to_owned(),
        "the key's IP allow-list excludes the address the connection comes from (the exchange usually says 40103 \
         for that)"
            .to_owned(),
    ]
}

/// `production`, `uat` or `custom URLs`, without the URLs.
fn short_env(environment: &str) -> String {
    environment.split([' ', ':']).next().map_or_else(String::new, |w| {
        if w == "custom" {
            "custom URLs".into()
        } else {
            w.into()
        }
    })
}

fn numbered(items: &[String]) -> String {
    items.iter().enumerate().map(|(i, c)| format!("({}) {c}", i + 1)).collect::<Vec<_>>().join("; ")
}

/// After the checks of `doctor`: the explanation, when one of doctor's own calls got 40101.
pub(super) fn for_own_calls(report: &Report, raw: &RawSettings) -> Option<Check> {
    let hit: Vec<&str> =
        report.checks.iter().filter(|c| c.code.is_some_and(is_auth_failure)).map(|c| c.name.as_str()).collect();
    if hit.is_empty() {
        return None;
    }
    let env = raw.get("CDC_ENV").map_or_else(|| short_env(&report.environment), |e| e.trim().to_owned());
    let detail = format!(
        "{} answered 40101 (authentication failure). doctor signs its own requests the documented way, so \
         signing mistakes are ruled out; most likely first: {}",
        hit.join(" and "),
        numbered(&account_causes(&env))
    );
    Some(Check::new(NAME, Status::Info, detail, None))
}

/// After the analysis of a capture: the explanation, the mistakes found ranked first; none
/// when every request was replayed and accepted. `found` holds each request's label and the
/// topics of its mistakes; `codes` the answers of the replays.
pub(super) fn for_capture(found: &[(String, Vec<String>)], codes: &[i64], env: &str) -> Option<Check> {
    if codes.len() == found.len() && codes.iter().all(|c| *c == 0) && !codes.is_empty() {
        return None;
    }
    let mistakes: Vec<String> =
        found.iter().filter(|(_, t)| !t.is_empty()).map(|(label, t)| format!("{label}: {}", t.join(", "))).collect();
    let mut causes = Vec::new();
    if !mistakes.is_empty() {
        causes.push(format!("the mistakes named above ({}); fix them first", mistakes.join("; ")));
        causes.push(
            "params, numbers or the id signed in another text than the one sent (compare with `cdc-engine sign`)"
                .to_owned(),
        );
    }
    causes.extend(account_causes(&short_env(env)));
    let lead = match (codes.iter().any(|c| is_auth_failure(*c)), mistakes.is_empty()) {
        (true, false) => "The replay got 40101 (authentication failure). The causes, most likely first:",
        (true, true) => {
            "The replay got 40101 (authentication failure), and no mistake was found in the request \
                         itself. The causes, most likely first:"
        }
        (false, false) => {
            "If the exchange answers 40101 (authentication failure) to a request like this, the \
                           causes, most likely first:"
        }
        (false, true) => {
            "No mistake was found in the request itself. If the exchange answers 40101 \
                          (authentication failure) to it, the causes, most likely first:"
        }
    };
    Some(Check::new(NAME, Status::Info, format!("{lead} {}", numbered(&causes)), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_with(check: Check) -> Report {
        Report { environment: "uat".into(), checks: vec![check], ..Report::default() }
    }

    #[test]
    fn the_explanation_follows_the_code_a_check_got_not_its_wording() {
        let raw = RawSettings::default();
        let got = Check::new("private REST", Status::Fail, "HTTP 401, rejected", None).with_code(40101);
        let why = for_own_calls(&report_with(got), &raw).expect("a 40101 is explained");
        assert!(why.detail.starts_with("private REST answered 40101"), "{}", why.detail);
        let v2 = Check::new("legacy", Status::Fail, "rejected", None).with_code(code_names::UNAUTHORIZED_V2);
        assert!(for_own_calls(&report_with(v2), &raw).is_some());
        // The words alone decide nothing: a detail quoting the code, without the code itself.
        let quoted = Check::new("notes", Status::Info, "the last run got code 40101", None);
        assert!(for_own_calls(&report_with(quoted), &raw).is_none());
        let other = Check::new("private REST", Status::Fail, "HTTP 400", None).with_code(40102);
        assert!(for_own_calls(&report_with(other), &raw).is_none());
    }
}
