//! The credentials check, before any network call: both present, no whitespace or quotes around
//! them, printable ASCII, a plausible length, key and secret not the same text. It reports
//! lengths and positions, never the secret's characters.

use super::{Check, Redactor, Report, Status};
use cdc_engine::config::file::Source;
use cdc_engine::config::RawSettings;
use cdc_engine::protocol::Credentials;

/// Lengths outside this range are unlike any exchange key or secret we know of.
const PLAUSIBLE_LEN: std::ops::RangeInclusive<usize> = 16..=128;

/// The redactor for this configuration's raw key and secret.
pub(super) fn redactor(raw: &RawSettings) -> Redactor {
    Redactor::new(raw.get("CDC_API_KEY").as_deref(), raw.get("CDC_API_SECRET").as_deref())
}

fn origin(raw: &RawSettings, var: &str, file_key: &str) -> String {
    match raw.source(var) {
        Some(Source::File) => format!("{file_key} in the config file"),
        _ => var.to_owned(),
    }
}

/// Records the credentials check; returns credentials fit for signing when it did not fail.
pub(super) fn check(raw: &RawSettings, report: &mut Report) -> Option<Credentials> {
    let key = raw.get("CDC_API_KEY");
    let secret = raw.get("CDC_API_SECRET");
    let (Some(key), Some(secret)) = (key, secret) else {
        let missing = if raw.get("CDC_API_KEY").is_none() { "CDC_API_KEY" } else { "CDC_API_SECRET" };
        report.push(Check::new(
            "credentials",
            Status::Fail,
            format!("{missing} is not set (nor api_key/api_secret in the profile); signed checks cannot run"),
            Some("export CDC_API_KEY and CDC_API_SECRET, or put them in the profile of a chmod-600 config file".into()),
        ));
        return None;
    };
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    for (what, value, name) in [
        ("key", &key, origin(raw, "CDC_API_KEY", "api_key")),
        ("secret", &secret, origin(raw, "CDC_API_SECRET", "api_secret")),
    ] {
        shape(what, value, &name, &mut fails, &mut warns);
    }
    if key.trim() == secret.trim() {
        fails.push("the key and the secret are the same text: one of them is pasted in the wrong place".into());
    }
    let hint = cdc_engine::protocol::sign::shorten_key(key.trim());
    if !fails.is_empty() {
        report.push(Check::new(
            "credentials",
            Status::Fail,
            format!("key {hint}: {}", fails.join("; ")),
            Some(
                "copy the key and secret again from the exchange's API page, without spaces, quotes or newlines \
                  (the exchange answers 40101 otherwise)"
                    .into(),
            ),
        ));
        return None;
    }
    let creds = Credentials::new(key.clone(), &secret).ok()?;
    let status = if warns.is_empty() { Status::Ok } else { Status::Warn };
    let detail = if warns.is_empty() {
        format!("key {hint} and a secret of {} characters are set", secret.chars().count())
    } else {
        format!("key {hint}: {}", warns.join("; "))
    };
    let fix = (!warns.is_empty()).then(|| "check that the key and secret are the ones the exchange showed".into());
    report.push(Check::new("credentials", status, detail, fix));
    Some(creds)
}

fn shape(what: &str, value: &str, name: &str, fails: &mut Vec<String>, warns: &mut Vec<String>) {
    if value.trim() != value {
        let end = if value.trim_end() != value { "trailing" } else { "leading" };
        let nl = if value.contains('\n') || value.contains('\r') { " (a pasted newline)" } else { "" };
        fails.push(format!("the {what} ({name}) has {end} whitespace{nl}"));
    } else if value.chars().any(char::is_whitespace) {
        fails.push(format!("the {what} ({name}) contains whitespace inside it"));
    }
    let t = value.trim();
    if t.len() >= 2 && (t.starts_with('"') || t.starts_with('\'')) && (t.ends_with('"') || t.ends_with('\'')) {
        fails.push(format!("the {what} ({name}) is wrapped in quotes; the quotes became part of the value"));
    }
    if t.chars().any(|c| !c.is_ascii_graphic()) {
        fails.push(format!("the {what} ({name}) contains non-ASCII or control characters"));
    }
    let len = t.chars().count();
    if !PLAUSIBLE_LEN.contains(&len) {
        warns.push(format!("the {what} ({name}) has {len} characters, unlike exchange keys and secrets"));
    }
}
