//! The TOML configuration file with profiles (one per account), merged with the environment:
//! environment variables win over the file. Loading reads and validates; it never connects.
//!
//! A file that holds `api_secret` must not be readable by group or others: it is refused with
//! the `chmod` to run. Errors name the file, the key and what to write instead, and never carry
//! a secret. This module must NOT log or print values it reads.
//!
//! ```toml
//! default_profile = "main"
//! [profiles.main]
//! env = "production"          # or "uat" (also prod, sandbox; any case); URLs below override
//! api_key = "..."             # or CDC_API_KEY
//! api_secret = "..."          # or CDC_API_SECRET; refused if the file is group/other readable
//! journal = "main.sqlite"     # relative to the file's folder
//! [profiles.main.risk]
//! max_order_notional = "1000"
//! max_position = { BTC_USD = "0.5" }
//! [strategies.market_maker]   # free-form, handed to the strategy
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::{credentials_from_lookup, ConfigError, Endpoints};
use crate::engine::RiskLimits;
use crate::protocol::Credentials;

#[path = "file_parse.rs"]
mod parse;

/// Profile keys and the environment variable that overrides each.
const VARS: [(&str, &str); 6] = [
    ("env", "CDC_ENV"),
    ("rest_url", "CDC_REST_URL"),
    ("user_ws_url", "CDC_USER_WS_URL"),
    ("market_ws_url", "CDC_MARKET_WS_URL"),
    ("api_key", "CDC_API_KEY"),
    ("api_secret", "CDC_API_SECRET"),
];

/// Where a value came from, for messages such as "the key (from the environment) has…".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An environment variable.
    Environment,
    /// The config file.
    File,
}

/// Everything the file and the environment say, merged but not yet validated: `doctor` needs
/// the raw credentials to tell what is wrong with them. `Debug` hides the secret.
#[derive(Clone, Default)]
pub struct RawSettings {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// The profile chosen (`"env"` when there is no file).
    pub profile: String,
    /// `CDC_*` variable name → (value, where it came from); environment over file.
    values: HashMap<&'static str, (String, Source)>,
    /// The journal path, resolved against the file's folder.
    pub journal: Option<PathBuf>,
    /// Risk limits of the profile.
    pub risk: RiskLimits,
    /// The `[strategies]` table.
    pub strategies: toml::Table,
}

/// A loaded and validated configuration for one profile.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The profile name.
    pub profile: String,
    /// Where the exchange is.
    pub endpoints: Endpoints,
    /// The account's credentials, when both key and secret are configured.
    pub creds: Option<Credentials>,
    /// The journal path.
    pub journal: Option<PathBuf>,
    /// Risk limits.
    pub risk: RiskLimits,
    /// Free-form strategy settings, by strategy name.
    pub strategies: toml::Table,
}

impl RawSettings {
    /// The value of a `CDC_*` variable after merging.
    pub fn get(&self, var: &str) -> Option<String> {
        self.values.get(var).map(|(v, _)| v.clone())
    }

    /// Where a `CDC_*` variable's value came from.
    pub fn source(&self, var: &str) -> Option<Source> {
        self.values.get(var).map(|(_, s)| *s)
    }

    /// The endpoints (env preset, then URL overrides).
    /// A bad `env` from the file names the file and profile, not the environment variable.
    pub fn endpoints(&self) -> Result<Endpoints, ConfigError> {
        Endpoints::from_lookup(|k| self.get(k)).map_err(|e| match (e, &self.path) {
            (ConfigError::UnknownEnvironment(value), Some(path)) if self.source("CDC_ENV") == Some(Source::File) => {
                ConfigError::UnknownEnvironmentInFile {
                    path: path.display().to_string(),
                    profile: self.profile.clone(),
                    value,
                }
            }
            (e, _) => e,
        })
    }

    /// Validates into [`Settings`]. Credentials are optional, but half of them, or whitespace
    /// around them, is an error.
    pub fn validate(&self) -> Result<Settings, ConfigError> {
        let endpoints = self.endpoints()?;
        let creds = match (self.get("CDC_API_KEY"), self.get("CDC_API_SECRET")) {
            (None, None) => None,
            _ => Some(credentials_from_lookup(|k| self.get(k))?),
        };
        Ok(Settings {
            profile: self.profile.clone(),
            endpoints,
            creds,
            journal: self.journal.clone(),
            risk: self.risk.clone(),
            strategies: self.strategies.clone(),
        })
    }
}

impl fmt::Debug for RawSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&&str> = self.values.keys().filter(|k| **k != "CDC_API_SECRET").collect();
        names.sort();
        f.debug_struct("RawSettings")
            .field("path", &self.path)
            .field("profile", &self.profile)
            .field("set", &names)
            .field("api_secret", &self.values.get("CDC_API_SECRET").map(|_| "<redacted>"))
            .finish()
    }
}

/// The config file to read: `--config`, else `$CDC_CONFIG`, else
/// `~/.config/cdc-engine/config.toml` when it exists; `None` means environment only.
pub fn default_path(explicit: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(p) = env("CDC_CONFIG").filter(|p| !p.trim().is_empty()) {
        return Some(PathBuf::from(p));
    }
    let home = env("HOME")?;
    let p = Path::new(&home).join(".config/cdc-engine/config.toml");
    p.is_file().then_some(p)
}

/// Reads the file (if any) and the environment, picks the profile (`profile`, else
/// `CDC_PROFILE`, else `default_profile`, else the only one) and merges them.
pub fn load_raw(
    path: Option<&Path>,
    profile: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RawSettings, ConfigError> {
    let mut raw = match path {
        Some(p) => parse::read_file(p, profile.map(str::to_owned).or_else(|| env("CDC_PROFILE")))?,
        None => RawSettings { profile: "env".to_owned(), ..RawSettings::default() },
    };
    for (_, var) in VARS {
        if let Some(v) = env(var).filter(|v| !v.is_empty()) {
            raw.values.insert(var, (v, Source::Environment));
        }
    }
    Ok(raw)
}

/// [`load_raw`] then [`RawSettings::validate`].
pub fn load(
    path: Option<&Path>,
    profile: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    load_raw(path, profile, env)?.validate()
}
