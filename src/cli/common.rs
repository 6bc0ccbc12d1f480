//! What every account command needs: the settings (config file and environment, environment
//! first) and writing lines to stdout without panicking when the reader goes away
//! (`cdc-engine tail | head`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use cdc_engine::config::{load, Settings};
use cdc_engine::protocol::Credentials;
use clap::Args;

/// Options shared by the account commands.
#[derive(Args, Debug, Clone, Default)]
pub struct AccountArgs {
    /// Config file (TOML); default: $CDC_CONFIG, else ~/.config/cdc-engine/config.toml.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Profile in the config file (default: $CDC_PROFILE, else the file's default_profile).
    #[arg(long)]
    pub profile: Option<String>,
}

/// Reads the settings; URL mistakes are warned about (doctor explains them in full).
pub fn settings(args: &AccountArgs) -> anyhow::Result<Settings> {
    let s = load(args.config.as_deref(), args.profile.as_deref(), &|k| std::env::var(k).ok())?;
    for problem in s.endpoints.problems() {
        eprintln!("warning: {problem} (run `cdc-engine doctor`)");
    }
    Ok(s)
}

/// The credentials of the settings, or what to do to provide them.
pub fn creds(s: &Settings) -> anyhow::Result<Credentials> {
    s.creds.clone().with_context(|| {
        format!("no credentials for profile {:?}: set CDC_API_KEY and CDC_API_SECRET, or api_key/api_secret in the config file", s.profile)
    })
}

/// Writes one line to stdout; false when stdout is closed (the reader went away).
pub fn out(line: &str) -> bool {
    let mut o = std::io::stdout().lock();
    writeln!(o, "{line}").and_then(|_| o.flush()).is_ok()
}
