//! `cdc-engine bench`: runs the library's performance harness and prints the figures (and,
//! with `--json`, one last line with all of them). The measuring lives in the library.

use cdc_cli::bench::{self, BenchConfig, Report};
use clap::Args;

/// Arguments of `cdc-engine bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Print a JSON object with every figure as the last line.
    #[arg(long)]
    json: bool,
    /// Frames per mix (user and book).
    #[arg(long, default_value_t = 50_000)]
    frames: usize,
    /// Tick-to-order samples (default: frames / 200, between 50 and 500).
    #[arg(long)]
    ticks: Option<usize>,
    /// Full-path passes; the median is reported.
    #[arg(long, default_value_t = 5)]
    passes: usize,
    /// Keep the engine thread spinning instead of sleeping between events (burns its core).
    #[arg(long)]
    busy_poll: bool,
    /// Let the scheduler place the threads instead of giving the engine side a core of its own.
    #[arg(long)]
    no_pin: bool,
    /// How often the simulator steps its market in the tick-to-order run, ms (the exchange
    /// sends book deltas every 10 ms, §5.1). Longer gaps leave the engine's caches colder.
    #[arg(long, default_value_t = 20)]
    market_ms: u64,
    #[command(subcommand)]
    what: Option<BenchWhat>,
}

/// A benchmark of its own instead of the default set.
#[derive(clap::Subcommand, Debug)]
enum BenchWhat {
    /// The backtest: events per second through data read, book update, queue-model matching
    /// and one strategy, on a generated L2 data set (see benches/README.md).
    Backtest(BacktestBenchArgs),
}

/// Arguments of `cdc-engine bench backtest`.
#[derive(Args, Debug)]
struct BacktestBenchArgs {
    /// Events after the snapshot (90 % book deltas of 1–4 levels, 10 % trades at the touch).
    #[arg(long, default_value_t = 1_000_000)]
    events: usize,
    /// Timed passes over the compact form; the median is reported.
    #[arg(long, default_value_t = 3)]
    passes: usize,
    /// Where to write the generated data (default: a temporary folder, removed after).
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
    /// Print a JSON object with every figure as the last line.
    #[arg(long)]
    json: bool,
    /// Only replay this data file (any form; e.g. the `l2.cdcb` a `--dir` run left), timing
    /// the passes: no generation, conversion or plain-form run.
    #[arg(long)]
    data: Option<std::path::PathBuf>,
}

/// Runs the command on a single-threaded runtime: the engine side (sessions, apply, strategy)
/// lives on one thread pinned to a core (unless `--no-pin`), so its hand-offs never cross
/// threads; the simulator and the frame server run on threads of their own, on the other core.
pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    if let Some(BenchWhat::Backtest(b)) = &args.what {
        return backtest(b, args.no_pin);
    }
    if !args.no_pin && bench::pin::enable() {
        bench::pin::engine();
    }
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(measure(args))
}

async fn measure(args: BenchArgs) -> anyhow::Result<()> {
    if args.busy_poll {
        // Latency mode: the engine thread never parks, so no wake-up (a futex and, on a VM, an
        // interrupt to a halted vCPU) sits between a frame's arrival and its handling.
        tokio::spawn(async {
            loop {
                tokio::task::yield_now().await
            }
        });
    }
    anyhow::ensure!(args.frames >= 100, "--frames must be at least 100");
    anyhow::ensure!(args.market_ms >= 1, "--market-ms must be at least 1");
    let ticks = args.ticks.unwrap_or((args.frames / 200).clamp(50, 500));
    eprintln!("measuring: {} frames per mix, {} passes, {ticks} tick-to-order samples", args.frames, args.passes);
    let mut report =
        bench::run(BenchConfig { frames: args.frames, ticks, passes: args.passes, market_ms: args.market_ms }).await?;
    report.busy_poll = args.busy_poll;
    print_table(&report);
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    }
    Ok(())
}

fn print_table(r: &Report) {
    println!("user mix ({} frames: user.order, user.trade, user.balance), decode + apply + dispatch:", r.frames);
    println!(
        "  {:>12.0} frames/s   {:>8.0} ns/frame   p50 {} ns  p99 {} ns  p99.9 {} ns",
        r.frames_per_s, r.ns_per_frame, r.p50_ns, r.p99_ns, r.p999_ns
    );
    println!(
        "  decode_frame alone {:.0} ns/frame; serde_json::Value {:.0} ns/frame (path / Value = {:.2})",
        r.decode_ns_per_frame,
        r.value_parse_ns_per_frame,
        r.ns_per_frame / r.value_parse_ns_per_frame
    );
    println!(
        "  yardstick: sonic-rs DOM parse {:.0} ns/frame (path / SIMD parse = {:.2}; target at most 1.0)",
        r.simd_parse_ns_per_frame, r.path_vs_simd_parse
    );
    println!("book-delta mix, decode + apply + dispatch:");
    println!(
        "  {:>12.0} frames/s   {:>8.0} ns/frame   p99 {} ns; serde_json::Value {:.0} ns/frame",
        r.book_frames_per_s, r.book_ns_per_frame, r.book_p99_ns, r.book_value_parse_ns_per_frame
    );
    println!("sign create-order: {:.0} ns", r.sign_ns);
    println!(
        "tick-to-order over loopback ({} samples): p50 {:.1} µs  p99 {:.1} µs",
        r.tick_to_order_samples, r.tick_to_order_p50_us, r.tick_to_order_p99_us
    );
    let placed =
        if r.engine_pinned { "engine side pinned to a core of its own" } else { "threads placed by the scheduler" };
    let waits = if r.busy_poll { "spinning between events" } else { "sleeping between events" };
    println!("  market step every {} ms; {placed}, {waits}", r.market_ms);
    let [a, b, c] = r.tick_legs_p50_us;
    println!("  legs (p50): read to engine side {a:.1} µs, apply + decide {b:.1} µs, submit to written {c:.1} µs");
    println!(
        "  engine's own part (read complete to write begins): p50 {:.1} µs  p99 {:.1} µs (target p99 at most 10 µs)",
        r.tick_to_order_internal_p50_us, r.tick_to_order_internal_p99_us
    );
    println!(
        "  yardstick: bare WebSocket echo round trip between the same threads: p50 {:.1} µs  p99 {:.1} µs",
        r.echo_rtt_p50_us, r.echo_rtt_p99_us
    );
    println!("user events over a real WebSocket: {:.0} /s", r.ws_events_per_s);
    println!(
        "RSS with 100,000 live orders: {:.1} MB (+{:.1} MB for the orders)",
        r.rss_mb_100k_orders, r.rss_delta_mb_100k_orders
    );
}

/// `bench backtest`: one core, the backtest loop alone.
fn backtest(args: &BacktestBenchArgs, no_pin: bool) -> anyhow::Result<()> {
    anyhow::ensure!(args.events >= 10_000, "--events must be at least 10000");
    if !no_pin && bench::pin::enable() {
        bench::pin::engine();
    }
    if let Some(path) = &args.data {
        let rates = bench::backtest::replay_only(path, args.passes)?;
        println!("backtest of {}: {:.0} events/s (median of {} passes)", path.display(), rates.0, args.passes.max(1));
        if args.json {
            println!("{}", serde_json::json!({ "events_per_s": rates.0, "events": rates.1 }));
        }
        return Ok(());
    }
    let tmp = tempfile_dir(args.dir.as_deref())?;
    eprintln!("generating {} events in {} and converting them ...", args.events, tmp.path().display());
    let f = bench::backtest::measure(tmp.path(), args.events, args.passes)?;
    println!("backtest, compact form ({} events: book deltas and trades, a strategy acting every 1,000):", f.events);
    println!(
        "  {:>12.0} events/s   {:>6.0} ns/event   (passes: {:.0} .. {:.0} events/s)",
        f.events_per_s, f.ns_per_event, f.events_per_s_range[0], f.events_per_s_range[1]
    );
    println!(
        "  plain form (JSON lines): {:.0} events/s; conversion to compact: {:.0} events/s",
        f.plain_events_per_s, f.convert_events_per_s
    );
    println!("  files: plain {} bytes, compact {} bytes", f.bytes[0], f.bytes[1]);
    println!("  strategy: {} orders or cancels, {} fills", f.actions, f.fills);
    println!(
        "  peak RSS: {:.1} MB for a tenth of the data, {:.1} MB for all of it",
        f.rss_peak_mb[0], f.rss_peak_mb[1]
    );
    if args.json {
        println!("{}", serde_json::to_string(&f)?);
    }
    Ok(())
}

/// A folder for the generated data: the one given (kept), or a temporary one.
fn tempfile_dir(dir: Option<&std::path::Path>) -> anyhow::Result<Dir> {
    match dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            Ok(Dir::Kept(d.to_owned()))
        }
        None => {
            let d = std::env::temp_dir().join(format!("cdc-bench-backtest-{}", std::process::id()));
            std::fs::create_dir_all(&d)?;
            Ok(Dir::Temp(d))
        }
    }
}

enum Dir {
    Kept(std::path::PathBuf),
    Temp(std::path::PathBuf),
}

impl Dir {
    fn path(&self) -> &std::path::Path {
        match self {
            Dir::Kept(p) | Dir::Temp(p) => p,
        }
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        if let Dir::Temp(p) = self {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}
