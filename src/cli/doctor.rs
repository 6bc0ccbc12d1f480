//! `cdc-engine doctor`: runs the library's checks (or analyses a captured request) and prints
//! one line per check with ✔/⚠/✘ and the fix. Exits non-zero when a check fails. All logic
//! lives in `cdc_engine::doctor`; this file reads arguments and writes output.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{bail, Context};
use cdc_engine::config;
use cdc_engine::doctor::{self, Options, Report};
use clap::Args;

/// Arguments of `cdc-engine doctor`.
#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// Config file (default: $CDC_CONFIG, else ~/.config/cdc-engine/config.toml if it exists).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Profile in the config file (default: $CDC_PROFILE, else default_profile).
    #[arg(long)]
    profile: Option<String>,
    /// Write a support report (every request and response; key shortened, secret absent).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Analyse a captured HTTP request from your own client ('-' for stdin), then send it.
    #[arg(long)]
    request: Option<PathBuf>,
    /// Print the checks as JSON.
    #[arg(long)]
    json: bool,
    /// After a 40101, also try the key and secret swapped. If they are not swapped this sends
    /// your secret to the exchange as api_key: rotate the key afterwards, or use only on UAT.
    #[arg(long)]
    try_swapped: bool,
}

/// Runs the command; a failed check is an error, so the exit code is non-zero.
pub async fn run(args: DoctorArgs) -> anyhow::Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    let path = config::default_path(args.config.as_deref(), &env);
    let loaded = config::load_raw(path.as_deref(), args.profile.as_deref(), &env);
    let opts = Options { try_swapped: args.try_swapped, ..Options::default() };
    let report: Report = match &args.request {
        Some(file) => doctor::run_request(loaded, &read_request(file)?, &opts).await,
        None => doctor::run(loaded, &opts).await,
    };
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    if let Some(file) = &args.report {
        std::fs::write(file, report.support_report())
            .with_context(|| format!("cannot write the report to {}", file.display()))?;
        eprintln!("support report written to {}", file.display());
    }
    let failed = report.checks.iter().filter(|c| c.status == doctor::Status::Fail).count();
    if failed > 0 {
        bail!("{failed} check(s) failed; see the fixes above");
    }
    Ok(())
}

fn read_request(file: &std::path::Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if file.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).context("cannot read the request from stdin")?;
    } else {
        text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    }
    if text.trim().is_empty() {
        bail!("the captured request is empty");
    }
    Ok(text)
}
