//! Where the exchange is: production and UAT presets (§1) and explicit URL overrides, read from
//! the environment (`CDC_ENV`, `CDC_REST_URL`, `CDC_USER_WS_URL`, `CDC_MARKET_WS_URL`) and the
//! credentials (`CDC_API_KEY`, `CDC_API_SECRET`); [`file`](mod@file) adds the TOML file with profiles.
//! Checks only shape; it never connects.

pub mod file;

use std::fmt;

pub use file::{default_path, load, load_raw, RawSettings, Settings};

use crate::protocol::Credentials;

/// A preset environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// api.crypto.com / stream.crypto.com
    Production,
    /// The UAT sandbox (its own account and keys).
    Uat,
}

/// Every value `CDC_ENV` (or `env` in a profile) accepts, in any case; an empty value means
/// production.
pub const ENVIRONMENT_NAMES: [(&str, Environment); 4] = [
    ("production", Environment::Production),
    ("prod", Environment::Production),
    ("uat", Environment::Uat),
    ("sandbox", Environment::Uat),
];

impl Environment {
    /// Reads a `CDC_ENV` value: one of [`ENVIRONMENT_NAMES`] in any case, surrounding spaces
    /// ignored; empty means production. `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        let v = value.trim();
        if v.is_empty() {
            return Some(Environment::Production);
        }
        ENVIRONMENT_NAMES.iter().find(|(name, _)| name.eq_ignore_ascii_case(v)).map(|(_, e)| *e)
    }
}

/// The accepted `CDC_ENV` values, for error messages.
fn accepted_environments() -> String {
    ENVIRONMENT_NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// The three base URLs the engine talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The base a method is appended to, e.g. `https://api.crypto.com/exchange/v1`.
    pub rest_url: String,
    /// The user WebSocket.
    pub user_ws_url: String,
    /// The market-data WebSocket.
    pub market_ws_url: String,
}

impl Endpoints {
    /// The preset URLs of an environment.
    pub fn preset(env: Environment) -> Self {
        let (rest, stream) = match env {
            Environment::Production => ("https://api.crypto.com", "wss://stream.crypto.com"),
            Environment::Uat => ("https://uat-api.3ona.co", "wss://uat-stream.3ona.co"),
        };
        Endpoints {
            rest_url: format!("{rest}/exchange/v1"),
            user_ws_url: format!("{stream}/exchange/v1/user"),
            market_ws_url: format!("{stream}/exchange/v1/market"),
        }
    }

    /// Endpoints served by a local simulator at `http://ADDR`.
    pub fn local(addr: std::net::SocketAddr) -> Self {
        Endpoints {
            rest_url: format!("http://{addr}/exchange/v1"),
            user_ws_url: format!("ws://{addr}/exchange/v1/user"),
            market_ws_url: format!("ws://{addr}/exchange/v1/market"),
        }
    }

    /// Reads `CDC_ENV` (default production) and the URL overrides from a variable lookup.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = match get("CDC_ENV") {
            None => Environment::Production,
            Some(v) => Environment::parse(&v).ok_or(ConfigError::UnknownEnvironment(v))?,
        };
        let mut e = Endpoints::preset(env);
        if let Some(u) = get("CDC_REST_URL").filter(|s| !s.trim().is_empty()) {
            e.rest_url = u.trim().trim_end_matches('/').to_owned();
        }
        if let Some(u) = get("CDC_USER_WS_URL").filter(|s| !s.trim().is_empty()) {
            e.user_ws_url = u.trim().to_owned();
        }
        if let Some(u) = get("CDC_MARKET_WS_URL").filter(|s| !s.trim().is_empty()) {
            e.market_ws_url = u.trim().to_owned();
        }
        Ok(e)
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Mistakes visible in the URLs alone (§1, §13): v2 paths, derivatives hosts, wrong schemes.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, url, schemes) in [
            ("REST URL", &self.rest_url, ["https://", "http://"]),
            ("user WebSocket URL", &self.user_ws_url, ["wss://", "ws://"]),
            ("market WebSocket URL", &self.market_ws_url, ["wss://", "ws://"]),
        ] {
            if !schemes.iter().any(|s| url.starts_with(s)) {
                out.push(format!("the {name} {url} should start with {}", schemes.join(" or ")));
            }
            if url.contains("/v2/") || url.ends_with("/v2") {
                out.push(format!("the {name} {url} is the legacy v2 API; use .../exchange/v1/..."));
            }
            if url.contains("deriv-api.crypto.com") {
                out.push(format!("the {name} {url} is the legacy derivatives API; use .../exchange/v1/..."));
            }
            if !url.contains("/exchange/v1") {
                out.push(format!("the {name} {url} lacks the /exchange/v1 path of API v1"));
            }
        }
        out
    }
}

/// Reads `CDC_API_KEY` / `CDC_API_SECRET` through a lookup; whitespace around them is an error
/// because the exchange would answer 40101.
pub fn credentials_from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Credentials, ConfigError> {
    let key = get("CDC_API_KEY").ok_or(ConfigError::Missing("CDC_API_KEY"))?;
    let secret = get("CDC_API_SECRET").ok_or(ConfigError::Missing("CDC_API_SECRET"))?;
    if key.trim() != key {
        return Err(ConfigError::Whitespace("CDC_API_KEY"));
    }
    if secret.trim() != secret {
        return Err(ConfigError::Whitespace("CDC_API_SECRET"));
    }
    Credentials::new(key, &secret).map_err(ConfigError::Credentials)
}

/// A configuration mistake, with what to change. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `CDC_ENV` has an unknown value.
    #[error(
        "the environment variable CDC_ENV={0:?} is not an environment: accepted values are {names} (any case; \
         empty means production); to point at another server set CDC_REST_URL, CDC_USER_WS_URL and \
         CDC_MARKET_WS_URL instead",
        names = accepted_environments()
    )]
    UnknownEnvironment(String),
    /// `env` in a profile of the config file has an unknown value.
    #[error(
        "env = {value:?} in the config file {path}, profile {profile:?}, is not an environment: accepted values \
         are {} (any case); to point at another server set rest_url, user_ws_url and market_ws_url in that \
         profile instead",
        accepted_environments()
    )]
    UnknownEnvironmentInFile {
        /// The file.
        path: String,
        /// The profile whose `environment` it is.
        profile: String,
        /// The value found.
        value: String,
    },
    /// A variable is missing.
    #[error("{0} is not set: export it (see README, Credentials)")]
    Missing(&'static str),
    /// A variable has whitespace around it.
    #[error(
        "{0} has leading or trailing whitespace (often a pasted newline); the exchange would answer {code}",
        code = crate::protocol::code_names::UNAUTHORIZED
    )]
    Whitespace(&'static str),
    /// Credentials refused.
    #[error(transparent)]
    Credentials(crate::protocol::CredentialsError),
    /// The config file could not be read.
    #[error("cannot read the config file {path}: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// The operating system's complaint.
        reason: String,
    },
    /// The config file is not valid, or a key in it has a wrong value.
    #[error("config file {path}: {key}: {problem}")]
    Invalid {
        /// The file.
        path: String,
        /// The key at fault, e.g. `profiles.main.risk.max_open_orders`.
        key: String,
        /// What is wrong and what to write instead.
        problem: String,
    },
    /// The profile asked for is not in the file.
    #[error(
        "config file {path} has no profile {profile:?} (it has: {known}); pick one with --profile or default_profile"
    )]
    UnknownProfile {
        /// The file.
        path: String,
        /// The profile asked for.
        profile: String,
        /// The profiles the file has.
        known: String,
    },
    /// The file holds a secret and others can read it.
    #[error(
        "config file {path} holds api_secret but is readable by group or others (mode {mode:o}): anyone on \
         this machine could trade with your key. Run `chmod 600 {path}`, or remove api_secret from the \
         file and export CDC_API_SECRET instead"
    )]
    SecretFileReadable {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Production => "production",
            Environment::Uat => "uat",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn presets_and_overrides() {
        let e = Endpoints::from_lookup(lookup(&[])).unwrap();
        assert_eq!(e.rest_url, "https://api.crypto.com/exchange/v1");
        assert_eq!(e.user_ws_url, "wss://stream.crypto.com/exchange/v1/user");
        let e =
            Endpoints::from_lookup(lookup(&[("CDC_ENV", "uat"), ("CDC_REST_URL", "http://127.0.0.1:9/exchange/v1/")]))
                .unwrap();
        assert_eq!(e.rest_url, "http://127.0.0.1:9/exchange/v1");
        assert_eq!(e.market_ws_url, "wss://uat-stream.3ona.co/exchange/v1/market");
        assert!(e.problems().is_empty());
        assert!(Endpoints::from_lookup(lookup(&[("CDC_ENV", "v2")])).is_err());
        for (v, rest) in [
            ("UAT", "https://uat-api.3ona.co"),
            ("Production", "https://api.crypto.com"),
            (" Sandbox ", "https://uat-api.3ona.co"),
            ("PROD", "https://api.crypto.com"),
            ("", "https://api.crypto.com"),
        ] {
            let e = Endpoints::from_lookup(lookup(&[("CDC_ENV", v)])).unwrap();
            assert!(e.rest_url.starts_with(rest), "{v:?}: {}", e.rest_url);
        }
    }

    #[test]
    fn v2_urls_are_named() {
        let e = Endpoints::from_lookup(lookup(&[("CDC_REST_URL", "https://api.crypto.com/v2")])).unwrap();
        assert!(e.problems().iter().any(|p| p.contains("legacy v2")));
    }

    #[test]
    fn credentials_whitespace_is_refused_without_echoing_the_secret() {
        let err =
            credentials_from_lookup(lookup(&[("CDC_API_KEY", "key "), ("CDC_API_SECRET", "SECRETXYZ")])).unwrap_err();
        assert_eq!(err, ConfigError::Whitespace("CDC_API_KEY"));
        let err =
            credentials_from_lookup(lookup(&[("CDC_API_KEY", "key"), ("CDC_API_SECRET", "SECRETXYZ\n")])).unwrap_err();
        assert!(!err.to_string().contains("SECRETXYZ"));
        assert!(credentials_from_lookup(lookup(&[("CDC_API_KEY", "key")])).is_err());
    }
}
