//! What every account command needs: where the exchange is and whose account (from the
//! environment and, once given, the config file), and writing lines to stdout without panicking
//! when the reader goes away (`cdc-engine tail | head`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use cdc_engine::config::{credentials_from_lookup, Endpoints};
use cdc_engine::protocol::Credentials;
use clap::Args;

/// Options shared by the account commands.
#[derive(Args, Debug, Clone, Default)]
pub struct AccountArgs {
    /// Config file (TOML); default: $CDC_CONFIG, else ~/.config/cdc-engine/config.toml.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Profile in the config file.
    #[arg(long, global = true)]
    pub profile: Option<String>,
}

/// Everything an account command needs.
pub struct Account {
    pub endpoints: Endpoints,
    pub creds: Credentials,
    pub journal: Option<PathBuf>,
}

/// Reads the account settings. Environment variables: CDC_ENV, CDC_*_URL, CDC_API_KEY, CDC_API_SECRET.
pub fn account(_args: &AccountArgs) -> anyhow::Result<Account> {
    let endpoints = Endpoints::from_env()?;
    for problem in endpoints.problems() {
        eprintln!("warning: {problem} (run `cdc-engine doctor`)");
    }
    let creds = credentials_from_lookup(|k| std::env::var(k).ok()).context("reading credentials")?;
    Ok(Account { endpoints, creds, journal: None })
}

/// Writes one line to stdout; false when stdout is closed (the reader went away).
pub fn out(line: &str) -> bool {
    let mut o = std::io::stdout().lock();
    writeln!(o, "{line}").and_then(|_| o.flush()).is_ok()
}
