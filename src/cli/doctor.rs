//! `cdc-engine doctor`: runs the library's checks (or analyses a captured request) and prints
//! one line per check with ✔/⚠/✘ and the fix. Exits non-zero when a check fails. All logic
//! lives in `cdc_cli::doctor`; this file reads arguments and writes output.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use cdc_cli::doctor::{self, Options, Report};
use cdc_engine::config;
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
    /// Write a support report (version, environment, UTC time, every request and response;
    /// key shortened, secret absent). The file is opened before any check runs.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Analyse HTTP requests captured from your own client ('-' for stdin). Sends nothing
    /// unless --send is given.
    #[arg(long)]
    request: Option<PathBuf>,
    /// With --request: also send the captured requests whose methods are read-only to the
    /// configured exchange, credential and proxy headers dropped, the body as captured. Writes
    /// (create-order, cancel-order, ...) are refused.
    #[arg(long, requires = "request")]
    send: bool,
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
    // Open the report first: finding out after every check ran that it cannot be written
    // would lose the run.
    let mut report_file = match &args.report {
        Some(file) => Some((
            std::fs::File::create(file)
                .with_context(|| format!("cannot write the report to {}; no check was run", file.display()))?,
            file,
        )),
        None => None,
    };
    let opts = Options { try_swapped: args.try_swapped, send: args.send, ..Options::default() };
    let report: Report = match &args.request {
        Some(file) => doctor::run_request(loaded, &read_request(file)?, &opts).await,
        None => doctor::run(loaded, &opts).await,
    };
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    if let Some((out, file)) = report_file.as_mut() {
        out.write_all(report.support_report().as_bytes())
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
