//! The performance harness behind `cdc-engine bench` and `benches/engine.rs`: frame generators,
//! the in-process path (decode → apply → dispatch through the engine's own apply code), the
//! loopback tick-to-order and WebSocket throughput runs, percentiles and memory. It measures;
//! it must NOT hold engine rules of its own or be used on the trading path.

pub mod backtest;
pub mod echo;
pub mod gen;
pub mod inproc;
pub mod l2gen;
pub mod loopback;
pub mod pin;
pub mod pulse;
pub mod stats;
pub mod strategy;

use std::sync::Arc;

use serde::Serialize;

/// Every figure of one `cdc-engine bench` run (the `--json` line).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// User frames in the mix.
    pub frames: usize,
    /// User mix through decode + apply + dispatch, frames per second.
    pub frames_per_s: f64,
    /// Its inverse.
    pub ns_per_frame: f64,
    /// Per-frame latency percentiles of the user mix, ns.
    pub p50_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// 99.9th percentile.
    pub p999_ns: u64,
    /// `decode_frame` alone on the user mix, ns per frame.
    pub decode_ns_per_frame: f64,
    /// `serde_json::Value` parsing of the user mix, ns per frame.
    pub value_parse_ns_per_frame: f64,
    /// The yardstick of the user-stream path: sonic-rs (SIMD) parsing each whole user frame
    /// into its DOM, ns per frame, in the same run.
    pub simd_parse_ns_per_frame: f64,
    /// The user-stream path's cost over the yardstick's (`ns_per_frame / simd_parse_ns_per_frame`;
    /// the target is at most 1.0).
    pub path_vs_simd_parse: f64,
    /// Book-delta mix through the full path, frames per second.
    pub book_frames_per_s: f64,
    /// Its inverse.
    pub book_ns_per_frame: f64,
    /// Book-delta p99, ns.
    pub book_p99_ns: u64,
    /// `serde_json::Value` parsing of the book mix, ns per frame.
    pub book_value_parse_ns_per_frame: f64,
    /// Building and signing a create-order, ns.
    pub sign_ns: f64,
    /// Tick-to-order median over loopback, µs.
    pub tick_to_order_p50_us: f64,
    /// Tick-to-order 99th percentile, µs.
    pub tick_to_order_p99_us: f64,
    /// Tick-to-order samples taken.
    pub tick_to_order_samples: usize,
    /// The engine's own part of tick-to-order (market frame read complete → the order frame's
    /// write begins), median, µs.
    pub tick_to_order_internal_p50_us: f64,
    /// Its 99th percentile (target: at most 10 µs).
    pub tick_to_order_internal_p99_us: f64,
    /// The yardstick: a bare WebSocket echo round trip between the same two threads, with
    /// market-frame-sized frames at the same pace, median, µs.
    pub echo_rtt_p50_us: f64,
    /// Its 99th percentile.
    pub echo_rtt_p99_us: f64,
    /// Tick-to-order legs, p50 µs: socket read to the engine side, apply and decide, submit
    /// to written.
    pub tick_legs_p50_us: [f64; 3],
    /// User events per second applied from a real WebSocket.
    pub ws_events_per_s: f64,
    /// Process RSS with 100,000 live orders in the state, MB.
    pub rss_mb_100k_orders: f64,
    /// RSS growth for those orders, MB.
    pub rss_delta_mb_100k_orders: f64,
    /// The simulator's market step in the tick-to-order run, ms.
    pub market_ms: u64,
    /// Whether the engine side had a core of its own ([`pin`]).
    pub engine_pinned: bool,
    /// Whether the engine thread spun between events instead of sleeping (set by the caller
    /// that made it spin).
    pub busy_poll: bool,
}

/// How big a run is.
#[derive(Debug, Clone, Copy)]
pub struct BenchConfig {
    /// User frames (and book frames) per mix.
    pub frames: usize,
    /// Tick-to-order samples.
    pub ticks: usize,
    /// How often the simulator steps its market in the tick-to-order run, ms.
    pub market_ms: u64,
    /// Full-path passes whose median is reported.
    pub passes: usize,
}

/// A failed run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A generated frame did not decode (a generator bug).
    #[error("a benchmark frame did not decode: {0}")]
    Decode(#[from] cdc_engine::protocol::DecodeError),
    /// The loopback run failed.
    #[error("loopback run failed: {0}")]
    Loopback(#[from] loopback::LoopbackError),
}

/// Runs every measurement: memory first (before the mixes are allocated), then the in-process
/// paths, signing, and the loopback runs.
pub async fn run(cfg: BenchConfig) -> Result<Report, BenchError> {
    let rss = inproc::rss_with_live_orders(100_000)?;
    let user = Arc::new(gen::user_mix(cfg.frames, 42));
    let u = inproc::run_path(&user, cfg.passes)?;
    let book = gen::book_mix(cfg.frames, "BTC_USD", 50, 7);
    let b = inproc::run_path(&book, cfg.passes)?;
    drop(book);
    let sign_ns = inproc::sign_ns(20_000);
    let us = |ns: u64| ns as f64 / 1e3;
    let every = std::time::Duration::from_millis(cfg.market_ms);
    let lb = loopback::run(cfg.ticks, every, user.clone()).await?;
    let echo_frame = String::from_utf8_lossy(&gen::book_mix(1, "BTC_USD", 10, 3)[0]).into_owned();
    let echo = echo::echo_rtt(cfg.ticks.max(50), &echo_frame, every).await?;
    Ok(Report {
        frames: u.frames,
        frames_per_s: u.frames_per_s,
        ns_per_frame: u.ns_per_frame,
        p50_ns: u.latency_ns.p50,
        p99_ns: u.latency_ns.p99,
        p999_ns: u.latency_ns.p999,
        decode_ns_per_frame: u.decode_ns_per_frame,
        value_parse_ns_per_frame: u.value_parse_ns_per_frame,
        simd_parse_ns_per_frame: u.simd_parse_ns_per_frame,
        path_vs_simd_parse: u.ns_per_frame / u.simd_parse_ns_per_frame.max(1e-9),
        book_frames_per_s: b.frames_per_s,
        book_ns_per_frame: b.ns_per_frame,
        book_p99_ns: b.latency_ns.p99,
        book_value_parse_ns_per_frame: b.value_parse_ns_per_frame,
        sign_ns,
        tick_to_order_p50_us: us(lb.tick.total.p50),
        tick_to_order_p99_us: us(lb.tick.total.p99),
        tick_to_order_samples: lb.tick.samples,
        tick_to_order_internal_p50_us: us(lb.tick.internal.p50),
        tick_to_order_internal_p99_us: us(lb.tick.internal.p99),
        echo_rtt_p50_us: us(echo.p50),
        echo_rtt_p99_us: us(echo.p99),
        tick_legs_p50_us: [us(lb.tick.to_engine.p50), us(lb.tick.decide.p50), us(lb.tick.to_wire.p50)],
        ws_events_per_s: lb.ws_events_per_s,
        rss_mb_100k_orders: rss.rss_mb,
        rss_delta_mb_100k_orders: rss.delta_mb,
        market_ms: cfg.market_ms,
        engine_pinned: pin::enabled(),
        busy_poll: false,
    })
}
