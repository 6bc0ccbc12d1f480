//! `dip_buyer`: a user's own strategy run as its own program, built only on the `cdc_engine`
//! library (no code of the `cdc-engine` binary or its built-in strategies). It reads its
//! settings from the command line and the exchange and credentials from the same `CDC_*`
//! variables as `cdc-engine`, starts the engine with the strategy of `lib.rs`, prints every
//! fill, and stops after `--secs` (or on Ctrl-C), cancelling what is still open. It must NOT
//! hold strategy logic: that lives in the crate's library (`lib.rs`), which the tests reuse.
//!
//! Try it on the simulator:
//!
//! ```text
//! cdc-engine sim --listen 8787        # prints the export line to paste below
//! export CDC_REST_URL=... CDC_USER_WS_URL=... CDC_MARKET_WS_URL=... CDC_API_KEY=... CDC_API_SECRET=...
//! cargo run -p dip-buyer -- --dip-bps 1 --take-profit-bps 1 --secs 60
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cdc_engine::config::{credentials_from_lookup, Endpoints};
use cdc_engine::engine::{start, EngineConfig, EngineEvent};
use clap::Parser;
use rust_decimal::Decimal;

use dip_buyer::{DipBuyer, Settings};

/// Rests a post-only bid under the mid that follows the market up but not down, and offers each
/// bought quantity back a little higher. Exchange and credentials: CDC_ENV or CDC_REST_URL,
/// CDC_USER_WS_URL, CDC_MARKET_WS_URL; CDC_API_KEY and CDC_API_SECRET.
#[derive(Parser, Debug)]
struct Args {
    /// Instrument traded.
    #[arg(long, default_value = "BTC_USD")]
    instrument: String,
    /// Size of each bid, base units (on the venue's quantity tick).
    #[arg(long, default_value = "0.001")]
    qty: Decimal,
    /// How far under the mid the bid rests, basis points.
    #[arg(long, default_value = "5")]
    dip_bps: Decimal,
    /// How far above the price paid a bought quantity is offered back, basis points.
    #[arg(long, default_value = "5")]
    take_profit_bps: Decimal,
    /// Largest position, base units, counting the working bid.
    #[arg(long, default_value = "0.005")]
    max_position: Decimal,
    /// How long to run, seconds.
    #[arg(long, default_value_t = 60)]
    secs: u64,
    /// A journal file, so that a restart carries on from this run's orders and fills.
    #[arg(long)]
    journal: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dip_buyer: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings {
        instrument: args.instrument.clone(),
        qty: args.qty,
        dip_bps: args.dip_bps,
        take_profit_bps: args.take_profit_bps,
        max_position: args.max_position,
    };
    let strategy = DipBuyer::new(settings)?;
    let endpoints = Endpoints::from_env()?;
    let creds = credentials_from_lookup(|k| std::env::var(k).ok())?;
    let mut cfg = EngineConfig::new(endpoints, creds);
    cfg.journal = args.journal;
    // The engine's own limit backs the strategy's: a bug in it cannot build a larger position.
    cfg.risk.max_position.insert(args.instrument, args.max_position);

    let engine = start(cfg, vec![Box::new(strategy)]).await.map_err(|e| format!("could not start: {e}"))?;
    let mut events = engine.subscribe_all();
    let stop = tokio::time::sleep(Duration::from_secs(args.secs));
    tokio::pin!(stop);
    println!("running for {} s (Ctrl-C stops sooner)", args.secs);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::signal::ctrl_c() => break,
            ev = events.recv() => match ev {
                Some(EngineEvent::Fill(f)) => println!(
                    "fill {} {} {} @ {} (fee {} {})",
                    f.side.as_str(),
                    f.traded_quantity,
                    f.instrument_name.as_str(),
                    f.traded_price,
                    f.fees,
                    f.fee_instrument_name.as_deref().unwrap_or("")
                ),
                Some(EngineEvent::Refused(r)) => println!("refused: {}", r.reason),
                Some(EngineEvent::Halted { strategy, reason }) => println!("halted {strategy}: {reason}"),
                Some(_) => {}
                None => break,
            },
        }
    }
    let summary = engine.shutdown(false).await.map_err(|e| format!("stopping: {e}"))?;
    print!("{summary}");
    Ok(())
}
