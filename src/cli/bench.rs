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
}

/// Runs the command on a single-threaded runtime: the engine side (sessions, apply, strategy)
/// lives on one thread pinned to a core (unless `--no-pin`), so its hand-offs never cross
/// threads; the simulator and the frame server run on threads of their own, on the other core.
pub fn run(args: BenchArgs) -> anyhow::Result<()> {
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
    println!("user events over a real WebSocket: {:.0} /s", r.ws_events_per_s);
    println!(
        "RSS with 100,000 live orders: {:.1} MB (+{:.1} MB for the orders)",
        r.rss_mb_100k_orders, r.rss_delta_mb_100k_orders
    );
}
