//! The recorder's metrics and readiness, for `record --metrics`: frames recorded, drops (each a
//! gap in the recording), whether the subscriptions are confirmed, and the age of the last frame.
//! It counts; it must NOT change what is recorded.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The recorder's figures.
#[derive(Debug, Default)]
pub(super) struct RecorderMetrics {
    pub(super) frames: Counter,
    pub(super) drops: Counter,
    pub(super) subscribed: AtomicBool,
    /// Wall-clock µs of the last frame (0: none yet).
    pub(super) last_frame_us: AtomicU64,
}

impl RecorderMetrics {
    /// A frame was read (and handed to the writer) at `recv_us`.
    pub(super) fn frame(&self, recv_us: u64) {
        self.frames.inc();
        self.last_frame_us.store(recv_us, Ordering::Relaxed);
    }

    /// The connection dropped: a gap, and not subscribed until the next confirmation.
    pub(super) fn dropped(&self) {
        self.drops.inc();
        self.subscribed.store(false, Ordering::Relaxed);
    }
}

impl cdc_cli::ops::Probe for RecorderMetrics {
    fn encode(&self) -> String {
        let mut r = Registry::with_prefix("cdc_record");
        r.register("frames", "Market frames recorded (heartbeats and answers included)", self.frames.clone());
        r.register("drops", "Connection drops, each a gap line in the recording", self.drops.clone());
        let sub: Gauge = Gauge::default();
        sub.set(i64::from(self.subscribed.load(Ordering::Relaxed)));
        r.register("subscribed", "1 while the subscriptions are confirmed", sub);
        let last = self.last_frame_us.load(Ordering::Relaxed);
        if last > 0 {
            let age: Gauge<f64, AtomicU64> = Gauge::default();
            let now = super::socket::now_us();
            age.set(now.saturating_sub(last) as f64 / 1e6);
            r.register("last_frame_age_seconds", "Seconds since the last frame", age);
        }
        let mut out = String::new();
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &r);
        out
    }

    fn not_ready_because(&self) -> Option<String> {
        (!self.subscribed.load(Ordering::Relaxed)).then(|| "not subscribed to the market feed".to_owned())
    }
}
