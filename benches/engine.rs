//! The in-process hot paths of issue 7: a user mix (`user.order`, `user.trade`,
//! `user.balance`) and a book-delta mix through decode → apply → dispatch (the engine's own
//! apply code via the replayer), beside `serde_json::Value` parsing of the same frames, and
//! signing a create-order. One iteration is one frame; the state is fresh at each pass over
//! the mix, outside the timed region.

use std::hint::black_box;
use std::time::{Duration, Instant};

use cdc_cli::bench::{gen, inproc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const FRAMES: usize = 20_000;

/// Times `iters` frames through the full path, cycling the mix with a fresh state per pass.
fn full_path(frames: &[Vec<u8>], iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters as usize;
    while left > 0 {
        let take = left.min(frames.len());
        let mut r = inproc::replayer();
        let start = Instant::now();
        for f in &frames[..take] {
            let _ = black_box(r.apply_frame(black_box(f)));
        }
        total += start.elapsed();
        left -= take;
    }
    total
}

fn mixes(c: &mut Criterion) {
    let user = gen::user_mix(FRAMES, 42);
    let book = gen::book_mix(FRAMES, "BTC_USD", 50, 7);
    for (name, frames) in [("user mix", &user), ("book-delta mix", &book)] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(1));
        g.bench_function("decode+apply+dispatch", |b| b.iter_custom(|iters| full_path(frames, iters)));
        g.bench_function("serde_json::Value", |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) % frames.len();
                black_box(serde_json::from_slice::<serde_json::Value>(black_box(&frames[i])))
            })
        });
        g.finish();
    }
}

fn signing(c: &mut Criterion) {
    c.bench_function("sign create-order (x1000)", |b| b.iter(|| black_box(inproc::sign_ns(1_000))));
}

criterion_group!(benches, mixes, signing);
criterion_main!(benches);
