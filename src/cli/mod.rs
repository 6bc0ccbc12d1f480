//! Command dispatch: clap definitions and the `run → anyhow` error boundary that turns any
//! failure into one message a person can act on (never a backtrace).

mod bench;
mod sign;
mod sim;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A streaming trading engine for the Crypto.com Exchange (API v1).
#[derive(Parser, Debug)]
#[command(name = "cdc-engine", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the exact string that is signed and its signature, to compare with your own
    /// signing when the exchange answers 40101. Reads CDC_API_KEY and CDC_API_SECRET.
    Sign(sign::SignArgs),
    /// Run the local exchange simulator (REST, user and market WebSockets) until Ctrl-C.
    Sim(sim::SimArgs),
    /// Measure the hot paths, tick-to-order over loopback and memory; see benches/README.md.
    Bench(bench::BenchArgs),
}

/// Runs an async command on a multi-threaded runtime.
fn block_on<F: std::future::Future<Output = anyhow::Result<()>>>(f: F) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(f)
}

/// Parses the command line, runs the command and maps errors to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sign(args) => sign::run(args),
        Command::Sim(args) => block_on(sim::run(args)),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
