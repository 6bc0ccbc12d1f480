//! Server heartbeats on a WebSocket (§4.3): send `public/heartbeat`, expect
//! `public/respond-heartbeat` with the same id within 5 s, close at the third miss in a row.
//!
//! Pure bookkeeping on tokio time (so tests can pause it); it must NOT touch the socket.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::{interval_at, Instant, Interval, MissedTickBehavior};

use cdc_protocol::clock::system_now_ms;

/// Consecutive misses that end the connection.
pub const MAX_MISSED: u32 = 3;

/// One connection's heartbeat state.
#[derive(Debug)]
pub struct Heartbeat {
    /// Fires every heartbeat interval.
    pub interval: Interval,
    outstanding: Option<(u64, Instant)>,
    missed: u32,
    last_id: u64,
    answer_within: Duration,
}

impl Heartbeat {
    /// Heartbeats every `every`, the first one `every` after now, each to be answered within
    /// `answer_within`.
    pub fn new(every: Duration, answer_within: Duration) -> Self {
        let every = every.max(Duration::from_millis(1));
        let mut interval = interval_at(Instant::now() + every, every);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Heartbeat { interval, outstanding: None, missed: 0, last_id: 0, answer_within }
    }

    /// When the outstanding heartbeat expires, if one is outstanding.
    pub fn deadline(&self) -> Option<Instant> {
        self.outstanding.map(|(_, d)| d)
    }

    /// The interval fired: the frame to send (none while heartbeats are switched off), and
    /// whether the connection has now missed too many.
    pub fn on_tick(&mut self, enabled: bool) -> (Option<String>, bool) {
        if !enabled {
            return (None, false);
        }
        // Only with an interval shorter than the answer window can one still be outstanding.
        if self.outstanding.is_some() && self.expire() {
            return (None, true);
        }
        let id = system_now_ms().max(self.last_id + 1);
        self.last_id = id;
        self.outstanding = Some((id, Instant::now() + self.answer_within));
        (Some(json!({"id": id, "method": "public/heartbeat", "code": 0}).to_string()), false)
    }

    /// The answer window passed unanswered: returns whether the connection must now close.
    pub fn expire(&mut self) -> bool {
        self.outstanding = None;
        self.missed += 1;
        self.missed >= MAX_MISSED
    }

    /// A `public/respond-heartbeat` arrived; only the outstanding id counts.
    pub fn answer(&mut self, id: &Value) {
        let got = id.as_u64().or_else(|| id.as_str().and_then(|s| s.parse().ok()));
        if let (Some((want, _)), Some(got)) = (self.outstanding, got) {
            if want == got {
                self.outstanding = None;
                self.missed = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_of(frame: &str) -> Value {
        serde_json::from_str::<Value>(frame).map(|v| v["id"].clone()).unwrap_or_default()
    }

    #[tokio::test(start_paused = true)]
    async fn answered_heartbeats_reset_the_miss_count() {
        let mut hb = Heartbeat::new(Duration::from_secs(30), Duration::from_secs(5));
        let (frame, _) = hb.on_tick(true);
        assert!(!hb.expire());
        let (frame2, _) = hb.on_tick(true);
        hb.answer(&id_of(&frame2.unwrap_or_default()));
        assert_eq!(hb.deadline(), None);
        assert!(!hb.expire() && !hb.expire(), "misses restart from zero");
        assert!(hb.expire());
        assert!(frame.is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn wrong_id_does_not_count_and_off_sends_nothing() {
        let mut hb = Heartbeat::new(Duration::from_secs(30), Duration::from_secs(5));
        let _ = hb.on_tick(true);
        hb.answer(&json!(1));
        assert!(hb.deadline().is_some());
        let mut off = Heartbeat::new(Duration::from_secs(30), Duration::from_secs(5));
        assert_eq!(off.on_tick(false), (None, false));
    }
}
