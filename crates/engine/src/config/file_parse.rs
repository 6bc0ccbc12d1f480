//! Reading the TOML file: permissions, profile choice and typed values with error messages
//! that name the key. It must NOT put any value it reads into an error message.

use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use toml::{Table, Value};

use super::{RawSettings, Source, VARS};
use crate::config::ConfigError;
use crate::engine::RiskLimits;

const PROFILE_KEYS: [&str; 8] =
    ["env", "rest_url", "user_ws_url", "market_ws_url", "api_key", "api_secret", "journal", "risk"];
const RISK_KEYS: [&str; 9] = [
    "max_order_notional",
    "max_open_orders",
    "max_orders_per_sec",
    "max_position",
    "max_leverage",
    "max_daily_loss",
    "max_drawdown",
    "refusal_storm",
    "max_market_data_age_ms",
];

struct Ctx<'a> {
    path: &'a str,
}

impl Ctx<'_> {
    fn invalid(&self, key: &str, problem: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { path: self.path.to_owned(), key: key.to_owned(), problem: problem.into() }
    }
}

/// Reads and checks the file, and picks the profile.
pub(super) fn read_file(path: &Path, profile: Option<String>) -> Result<RawSettings, ConfigError> {
    let shown = path.display().to_string();
    let unreadable = |e: std::io::Error| ConfigError::Unreadable { path: shown.clone(), reason: e.to_string() };
    let text = std::fs::read_to_string(path).map_err(unreadable)?;
    let cx = Ctx { path: &shown };
    // toml's message quotes the offending line, which may hold the secret: keep only its
    // position, never the text.
    let doc: Table = toml::from_str(&text).map_err(|e| {
        let at = e.span().map(|s| line_of(&text, s.start)).map_or(String::new(), |l| format!(" at line {l}"));
        cx.invalid("(syntax)", format!("not valid TOML{at}; check quotes and [section] headers there"))
    })?;
    let profiles = match doc.get("profiles") {
        None => Table::new(),
        Some(Value::Table(t)) => t.clone(),
        Some(_) => return Err(cx.invalid("profiles", "must be a table: write [profiles.NAME] sections")),
    };
    if profiles.values().any(|p| p.get("api_secret").is_some()) {
        check_private(path, &shown)?;
    }
    let name = choose_profile(&cx, &doc, &profiles, profile)?;
    let mut raw = RawSettings { path: Some(path.to_path_buf()), profile: name.clone(), ..RawSettings::default() };
    if let Some(p) = profiles.get(&name) {
        let Value::Table(p) = p else {
            return Err(cx.invalid(&format!("profiles.{name}"), "must be a table"));
        };
        read_profile(&cx, &name, p, path, &mut raw)?;
    }
    raw.strategies = match doc.get("strategies") {
        None => Table::new(),
        Some(Value::Table(t)) => t.clone(),
        Some(_) => return Err(cx.invalid("strategies", "must be a table: write [strategies.NAME] sections")),
    };
    Ok(raw)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |t| t.matches('\n').count()) + 1
}

#[cfg(unix)]
fn check_private(path: &Path, shown: &str) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| ConfigError::Unreadable { path: shown.to_owned(), reason: e.to_string() })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ConfigError::SecretFileReadable { path: shown.to_owned(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _shown: &str) -> Result<(), ConfigError> {
    Ok(())
}

fn choose_profile(cx: &Ctx, doc: &Table, profiles: &Table, asked: Option<String>) -> Result<String, ConfigError> {
    let default = match doc.get("default_profile") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(cx.invalid("default_profile", "must be a string naming a [profiles.NAME] section")),
    };
    let single = (profiles.len() == 1).then(|| profiles.keys().next().cloned()).flatten();
    let name = asked.or(default).or(single).unwrap_or_else(|| "default".to_owned());
    if profiles.is_empty() || profiles.contains_key(&name) {
        return Ok(name);
    }
    let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
    Err(ConfigError::UnknownProfile { path: cx.path.to_owned(), profile: name, known: known.join(", ") })
}

fn read_profile(cx: &Ctx, name: &str, p: &Table, path: &Path, raw: &mut RawSettings) -> Result<(), ConfigError> {
    for key in p.keys() {
        if !PROFILE_KEYS.contains(&key.as_str()) {
            let hint = format!("unknown key; the keys of a profile are {}", PROFILE_KEYS.join(", "));
            return Err(cx.invalid(&format!("profiles.{name}.{key}"), hint));
        }
    }
    for (key, var) in VARS {
        match p.get(key) {
            None => {}
            Some(Value::String(s)) => {
                raw.values.insert(var, (s.clone(), Source::File));
            }
            Some(_) => return Err(cx.invalid(&format!("profiles.{name}.{key}"), "must be a quoted string")),
        }
    }
    match p.get("journal") {
        None => {}
        Some(Value::String(j)) => {
            let base = path.parent().unwrap_or_else(|| Path::new("."));
            raw.journal = Some(base.join(j));
        }
        Some(_) => return Err(cx.invalid(&format!("profiles.{name}.journal"), "must be a quoted path")),
    }
    if let Some(r) = p.get("risk") {
        let Value::Table(r) = r else {
            return Err(cx.invalid(&format!("profiles.{name}.risk"), "must be a table"));
        };
        raw.risk = read_risk(cx, &format!("profiles.{name}.risk"), r)?;
    }
    Ok(())
}

fn read_risk(cx: &Ctx, at: &str, r: &Table) -> Result<RiskLimits, ConfigError> {
    let mut limits = RiskLimits::default();
    for (key, v) in r {
        let here = format!("{at}.{key}");
        match key.as_str() {
            "max_order_notional" => limits.max_order_notional = Some(decimal(cx, &here, v)?),
            "max_open_orders" => limits.max_open_orders = Some(count(cx, &here, v)?),
            "max_leverage" => limits.max_leverage = Some(decimal(cx, &here, v)?),
            "max_orders_per_sec" => {
                let n = count(cx, &here, v)?;
                limits.max_orders_per_sec = Some(u32::try_from(n).map_err(|_| cx.invalid(&here, "is too large"))?);
            }
            "max_position" => {
                let Value::Table(t) = v else {
                    return Err(cx.invalid(&here, "must be a table such as { BTC_USD = \"0.5\" }"));
                };
                for (inst, q) in t {
                    let d = decimal(cx, &format!("{here}.{inst}"), q)?;
                    limits.max_position.insert(inst.clone(), d);
                }
            }
            "max_daily_loss" => limits.triggers.max_daily_loss = Some(decimal(cx, &here, v)?),
            "max_drawdown" => limits.triggers.max_drawdown = Some(decimal(cx, &here, v)?),
            "max_market_data_age_ms" => {
                let ms = count(cx, &here, v)? as u64;
                limits.triggers.max_market_data_age = Some(std::time::Duration::from_millis(ms));
            }
            "refusal_storm" => limits.triggers.refusal_storm = Some(storm(cx, &here, v)?),
            _ => return Err(cx.invalid(&here, format!("unknown key; risk keys are {}", RISK_KEYS.join(", ")))),
        }
    }
    Ok(limits)
}

/// Money is decimal: a string such as "1000.5", or an integer. A TOML float is refused because
/// it has already lost the exact text.
fn decimal(cx: &Ctx, key: &str, v: &Value) -> Result<Decimal, ConfigError> {
    match v {
        Value::String(s) => Decimal::from_str(s.trim())
            .map_err(|_| cx.invalid(key, "is not a decimal number; write it like \"1000.5\"")),
        Value::Integer(i) => Ok(Decimal::from(*i)),
        Value::Float(_) => Err(cx.invalid(key, "is a float; write amounts as quoted decimals, like \"0.5\"")),
        _ => Err(cx.invalid(key, "must be a quoted decimal, like \"0.5\"")),
    }
}

/// `refusal_storm = { count = 10, seconds = 60 }`: that many refusals within that many seconds.
fn storm(cx: &Ctx, key: &str, v: &Value) -> Result<(u32, std::time::Duration), ConfigError> {
    let shape = "must be a table such as { count = 10, seconds = 60 }";
    let Value::Table(t) = v else { return Err(cx.invalid(key, shape)) };
    let (Some(n), Some(s)) = (t.get("count"), t.get("seconds")) else { return Err(cx.invalid(key, shape)) };
    if let Some(other) = t.keys().find(|k| *k != "count" && *k != "seconds") {
        return Err(cx.invalid(&format!("{key}.{other}"), format!("unknown key; {key} {shape}")));
    }
    let n = u32::try_from(count(cx, &format!("{key}.count"), n)?).map_err(|_| cx.invalid(key, "count is too large"))?;
    let s = count(cx, &format!("{key}.seconds"), s)? as u64;
    if n == 0 || s == 0 {
        return Err(cx.invalid(key, "count and seconds must both be above 0"));
    }
    Ok((n, std::time::Duration::from_secs(s)))
}

fn count(cx: &Ctx, key: &str, v: &Value) -> Result<usize, ConfigError> {
    match v {
        Value::Integer(i) => usize::try_from(*i).map_err(|_| cx.invalid(key, "must not be negative")),
        _ => Err(cx.invalid(key, "must be a whole number without quotes, like 20")),
    }
}
