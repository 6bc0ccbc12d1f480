//! Command dispatch: clap definitions and the `run → anyhow` error boundary that turns any
//! failure into one message a person can act on (never a backtrace).

mod backtest;
mod bench;
mod cancel;
mod common;
mod demo;
mod doctor;
mod gateway;
mod journal;
mod market_args;
mod ops;
mod positions;
mod queries;
mod record;
mod replay;
mod run;
mod runtime;
mod sign;
mod sim;
mod stop_signal;
mod tail;
mod tui;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A streaming trading engine for the Crypto.com Exchange (API v1).
#[derive(Parser, Debug)]
#[command(name = "cdc-engine", version, about)]
struct Cli {
    /// How logs on stderr look: `text` for people, `json` (one object a line) for log shippers.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// The log formats of `--log-format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the exact string that is signed and its signature, to compare with your own
    /// signing when the exchange answers 40101. Reads CDC_API_KEY and CDC_API_SECRET.
    Sign(sign::SignArgs),
    /// Run the engine and the built-in market maker against the in-process simulator, offline.
    Demo(demo::DemoArgs),
    /// Run the local exchange simulator (REST, user and market WebSockets) until Ctrl-C.
    Sim(sim::SimArgs),
    /// Stream the account's orders, fills, balances and positions as they happen.
    Tail(tail::TailArgs),
    /// Run a built-in strategy (market_maker, grid, twap, protect) with its settings from the config.
    Run(run::RunArgs),
    /// Show balances (REST).
    Balance(queries::BalanceArgs),
    /// Show open positions with entry, mark, unrealised PnL and margin (REST).
    Positions(positions::PositionsArgs),
    /// Show open orders, or finished ones with --history (REST).
    Orders(queries::OrdersArgs),
    /// Cancel one order by --order-id or --client-oid, then confirm its final state (REST).
    Cancel(cancel::CancelArgs),
    /// Cancel every open order, or those of --instrument, then confirm none is left (REST).
    CancelAll(cancel::CancelAllArgs),
    /// Fills, orders, fees and realised PnL per instrument from a journal file (read-only).
    Journal(journal::JournalArgs),
    /// Walk a failing setup step by step and say what to fix (config, URLs, credentials, clock, auth).
    Doctor(doctor::DoctorArgs),
    /// Measure the hot paths, tick-to-order over loopback and memory; see benches/README.md.
    Bench(bench::BenchArgs),
    /// Record the market WebSocket frames (books, trades, tickers) to compressed files, for backtests.
    Record(record::RecordArgs),
    /// Backtest a built-in strategy on recorded market data (offline) and print its report.
    Backtest(backtest::BacktestArgs),
    /// Convert recordings (JSON lines, gzip or not) into the compact form backtests read fastest.
    Convert(backtest::ConvertArgs),
    /// Re-run a journal's orders and fills through a strategy's callbacks (read-only: sends nothing).
    Replay(replay::ReplayArgs),
    /// Hold this machine's one market-data connection and publish books, trades and tickers to NATS.
    Gateway(gateway::GatewayArgs),
}

/// Runs an async command on a multi-threaded runtime.
fn block_on<F: std::future::Future<Output = anyhow::Result<()>>>(f: F) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(f)
}

/// Parses the command line, runs the command and maps errors to an exit code.
pub fn main() -> ExitCode {
    if let Some(missing) = missing_cpu_features() {
        eprintln!(
            "error: this build of cdc-engine assumes an x86-64-v3 CPU (see .cargo/config.toml), and this CPU lacks {missing}; \
             build it for this machine with RUSTFLAGS=\"-C target-cpu=native\" cargo build --release"
        );
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    // Logs go to stderr, so that stdout stays clean for `--json` consumers; RUST_LOG overrides.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => logs.json().with_current_span(false).init(),
        LogFormat::Text => logs.with_ansi(ansi).init(),
    }
    let result = match cli.command {
        Command::Sign(args) => sign::run(args),
        Command::Demo(args) => block_on(demo::run(args)),
        Command::Sim(args) => block_on(sim::run(args)),
        Command::Tail(args) => block_on(tail::run(args)),
        Command::Run(args) => args.runtime.clone().block_on(|rt| run::run(args, rt)),
        Command::Balance(args) => block_on(queries::balance(args)),
        Command::Orders(args) => block_on(queries::orders(args)),
        Command::Positions(args) => block_on(positions::positions(args)),
        Command::Cancel(args) => block_on(cancel::cancel(args)),
        Command::CancelAll(args) => block_on(cancel::cancel_all(args)),
        Command::Journal(args) => journal::run(args),
        Command::Doctor(args) => block_on(doctor::run(args)),
        Command::Bench(args) => bench::run(args),
        Command::Record(args) => block_on(record::run(args)),
        Command::Backtest(args) => backtest::run(args),
        Command::Convert(args) => backtest::convert(args),
        Command::Replay(args) => replay::run(args),
        Command::Gateway(args) => block_on(gateway::run(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The CPU features the build was compiled to use and this CPU does not have, if any.
fn missing_cpu_features() -> Option<String> {
    #[cfg(target_arch = "x86_64")]
    {
        let mut missing = Vec::new();
        macro_rules! need {
            ($($f:tt),*) => {
                $(if cfg!(target_feature = $f) && !std::arch::is_x86_feature_detected!($f) {
                    missing.push($f);
                })*
            };
        }
        need!("avx2", "bmi1", "bmi2", "fma", "lzcnt", "movbe");
        (!missing.is_empty()).then(|| missing.join(", "))
    }
    #[cfg(not(target_arch = "x86_64"))]
    None
}
