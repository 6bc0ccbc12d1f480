//! The in-process measurements: frames through decode → apply → dispatch (the engine's own
//! apply code, via [`Replayer`]), `serde_json::Value` parsing of the same frames as the
//! yardstick, signing a create-order, and memory with 100,000 live orders. Single-threaded,
//! no I/O; it must NOT reimplement any engine rule.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use rust_decimal::Decimal;

use super::gen;
use super::stats::{rss_bytes, Percentiles};
use super::strategy::Tally;
use cdc_engine::engine::replay::Replayer;
use cdc_engine::protocol::enums::{Side, TimeInForce};
use cdc_engine::protocol::requests::{ApiRequest, CreateOrder};
use cdc_engine::protocol::{decode_frame, Credentials, DecodeError};
use cdc_engine::state::State;
use cdc_engine::strategy::Strategy;

/// Figures of one frame mix through the full path.
#[derive(Debug, Clone, Default)]
pub struct PathFigures {
    /// Frames in the mix.
    pub frames: usize,
    /// Throughput of decode + apply + dispatch (median pass).
    pub frames_per_s: f64,
    /// Its inverse, ns per frame.
    pub ns_per_frame: f64,
    /// Per-frame latency of the full path, ns (timed one by one, so it includes the clock).
    pub latency_ns: Percentiles,
    /// `decode_frame` alone, ns per frame.
    pub decode_ns_per_frame: f64,
    /// `serde_json::from_slice::<Value>` on the same frames, ns per frame.
    pub value_parse_ns_per_frame: f64,
    /// The yardstick: sonic-rs (SIMD) parsing each whole frame into its DOM, ns per frame.
    pub simd_parse_ns_per_frame: f64,
}

/// A fresh replayer dispatching to one [`Tally`] strategy.
pub fn replayer() -> Replayer {
    Replayer::new(vec![Box::new(Tally::default()) as Box<dyn Strategy>])
}

/// Runs `frames` through the full path `passes` times (a fresh state each pass), then once
/// timed frame by frame, then decode-only and `Value` parsing.
pub fn run_path(frames: &[Vec<u8>], passes: usize) -> Result<PathFigures, DecodeError> {
    let n = frames.len().max(1) as f64;
    let mut pass_ns = Vec::with_capacity(passes.max(1));
    for _ in 0..passes.max(1) {
        let mut r = replayer();
        let start = Instant::now();
        for f in frames {
            r.apply_frame(f)?;
        }
        pass_ns.push(start.elapsed().as_nanos() as u64);
        black_box(&r);
    }
    let median_ns = Percentiles::of(&mut pass_ns).p50 as f64;
    let mut r = replayer();
    let mut each = Vec::with_capacity(frames.len());
    for f in frames {
        let start = Instant::now();
        r.apply_frame(f)?;
        each.push(start.elapsed().as_nanos() as u64);
    }
    Ok(PathFigures {
        frames: frames.len(),
        frames_per_s: n / (median_ns / 1e9),
        ns_per_frame: median_ns / n,
        latency_ns: Percentiles::of(&mut each),
        decode_ns_per_frame: per_frame(frames, |f| drop(black_box(decode_frame(f)))),
        value_parse_ns_per_frame: per_frame(frames, |f| {
            drop(black_box(serde_json::from_slice::<serde_json::Value>(f)));
        }),
        simd_parse_ns_per_frame: per_frame(frames, |f| {
            drop(black_box(sonic_rs::from_slice::<sonic_rs::Value>(f)));
        }),
    })
}

/// Mean ns per frame of `f` over the frames (best of three passes: the floor is the cost).
fn per_frame(frames: &[Vec<u8>], mut f: impl FnMut(&[u8])) -> f64 {
    let best = (0..3)
        .map(|_| {
            let start = Instant::now();
            frames.iter().for_each(|b| f(b));
            start.elapsed().as_nanos()
        })
        .min()
        .unwrap_or(0);
    best as f64 / frames.len().max(1) as f64
}

/// Mean ns to build, sign (HMAC-SHA256) and serialise a create-order, over `n` orders.
pub fn sign_ns(n: usize) -> f64 {
    let Ok(creds) = Credentials::new("bench_api_key_0123456789", "bench_secret_key_0123456789") else {
        return f64::NAN;
    };
    let mut order = CreateOrder::limit("BTC_USD", Side::Buy, Decimal::new(5_000_050, 2), Decimal::new(100, 4), "");
    order.time_in_force = Some(TimeInForce::GoodTillCancel);
    let start = Instant::now();
    for i in 0..n as u64 {
        order.client_oid = Some(format!("bench-{i}").into());
        let mut req = order.to_request(i, 1_764_400_000_000 + i);
        black_box(req.sign(&creds));
    }
    start.elapsed().as_nanos() as f64 / n.max(1) as f64
}

/// Memory with `orders` live (ACTIVE) orders applied through the full path.
#[derive(Debug, Clone, Copy, Default)]
pub struct RssFigures {
    /// Process RSS with the orders held, MB.
    pub rss_mb: f64,
    /// Growth from before the orders, MB.
    pub delta_mb: f64,
    /// Orders held when measured.
    pub held: usize,
}

/// Applies `orders` distinct ACTIVE orders (generated one at a time, so only the state grows)
/// and reads RSS while they are held.
pub fn rss_with_live_orders(orders: u64) -> Result<RssFigures, DecodeError> {
    let before = rss_bytes().unwrap_or(0);
    let state = Arc::new(State::default());
    let mut r = Replayer::with_state(state.clone(), vec![Box::new(Tally::default()) as Box<dyn Strategy>]);
    for i in 0..orders {
        r.apply_frame(&gen::active_order(7_000_000_000_000_000_000 + i))?;
    }
    let after = rss_bytes().unwrap_or(0);
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    Ok(RssFigures { rss_mb: mb(after), delta_mb: mb(after.saturating_sub(before)), held: state.orders.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_applies_every_frame_to_the_state_and_the_strategy() {
        let frames = gen::user_mix(3_000, 5);
        let mut r = replayer();
        for f in &frames {
            r.apply_frame(f).unwrap();
        }
        let trades = frames.iter().filter(|f| f.windows(12).any(|w| w == b"\"user.trade\"")).count() as u64;
        assert_eq!(r.state().fills.total(), trades, "every fill applied once");
        assert!(r.state().orders.len() > 500);
        assert!(!r.state().balances.all().is_empty());
        let figures = run_path(&frames, 1).unwrap();
        assert_eq!(figures.frames, 3_000);
        assert!(figures.ns_per_frame > 0.0 && figures.latency_ns.p99 >= figures.latency_ns.p50);
    }

    #[test]
    fn memory_is_measured_with_the_orders_held() {
        let rss = rss_with_live_orders(2_000).unwrap();
        assert_eq!(rss.held, 2_000);
        if cfg!(target_os = "linux") {
            assert!(rss.rss_mb > 0.0);
        }
    }
}
