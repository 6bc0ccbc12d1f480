//! Client-side pacing of one connection's requests (§4.5): the user server accepts 150
//! requests a second per connection, the market server 100, pro-rated in the calendar second
//! the connection opened (§4.2). Requests over the budget wait here instead of meeting 42901.
//!
//! Pure bookkeeping on tokio time (the wall clock only places the connection in its calendar
//! second, once); it must NOT write to the socket or decide what is sent (the link does both).

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::config::SessionKind;

/// The server counts requests per calendar second; a full window is one second.
const PERIOD: Duration = Duration::from_secs(1);

/// Requests per second a connection of this kind may send. One below the server's limit:
/// whether the server counts heartbeat answers as requests is not documented; they are never
/// delayed, so a slot a second is kept free for them.
fn budget(kind: &SessionKind) -> usize {
    match kind {
        SessionKind::User { .. } => 150 - 1,
        SessionKind::Market => 100 - 1,
    }
}

/// One request sent: it holds its slot until one period after the server has certainly read it.
#[derive(Debug)]
struct Slot {
    id: u64,
    /// When the slot is free again, once known.
    release: Instant,
    /// Whether an answer proved the server has read it.
    arrived: bool,
}

/// The pacing state of one connection.
///
/// Why it never exceeds the server's count in any second: a request reaches the server
/// somewhere between its send and the first answer that proves it was read (the socket is one
/// ordered stream, so the answer to any request proves every earlier one was read too). Each
/// request holds its slot from its send until one second after that proof, so at the end of
/// any one-second window every request that arrived in it still holds its slot, and there are
/// only `budget` slots. A request never proven read frees its slot one second after the
/// request timeout, when its outcome stops mattering to anyone.
#[derive(Debug)]
pub(crate) struct Pace {
    cap: usize,
    /// Longest a slot waits for its proof.
    hold: Duration,
    slots: VecDeque<Slot>,
    /// When the connection's first calendar second ends (placed on the wall clock once, then
    /// kept on the monotonic clock, so a wall-clock jump cannot stretch it), and how many
    /// requests may be sent before then.
    first_end: Instant,
    first_cap: usize,
    first_used: usize,
}

impl Pace {
    /// Pacing for a connection of `kind` opened at `opened`, wall-clock `connected_ms`.
    ///
    /// The pro-rated first second is computed on our clock, assuming the server's calendar
    /// agrees with it to within the connect latency (not documented). With the default 1 s
    /// pause after connecting nothing is sent in that second anyway, so the assumption only
    /// matters for shorter pauses.
    pub(crate) fn new(kind: &SessionKind, connected_ms: u64, opened: Instant, request_timeout: Duration) -> Self {
        let cap = budget(kind);
        let first_end_ms = (connected_ms / 1000 + 1) * 1000;
        let left_ms = first_end_ms - connected_ms;
        let first_cap = usize::try_from(u64::try_from(cap).unwrap_or(0) * left_ms / 1000).unwrap_or(0);
        let first_end = opened + Duration::from_millis(left_ms);
        Pace { cap, hold: request_timeout, slots: VecDeque::new(), first_end, first_cap, first_used: 0 }
    }

    fn prune(&mut self, now: Instant) {
        // Release times never decrease along the queue (see `answered`), so the free ones
        // are at the front.
        while self.slots.front().is_some_and(|s| s.release <= now) {
            self.slots.pop_front();
        }
    }

    /// Whether one more request may go out now.
    pub(crate) fn ready(&mut self, now: Instant) -> bool {
        self.prune(now);
        let first_ok = now >= self.first_end || self.first_used < self.first_cap;
        first_ok && self.slots.len() < self.cap
    }

    /// When to look again after [`Pace::ready`] said no.
    pub(crate) fn next_try(&self, now: Instant) -> Instant {
        let mut at = now + PERIOD;
        if now < self.first_end && self.first_used >= self.first_cap {
            at = at.min(self.first_end);
        }
        if self.slots.len() >= self.cap {
            if let Some(front) = self.slots.front() {
                at = at.min(front.release);
            }
        }
        at.max(now + Duration::from_millis(1))
    }

    /// Request `id` was written now.
    pub(crate) fn sent(&mut self, id: u64, now: Instant) {
        if now < self.first_end {
            self.first_used += 1;
        }
        // Until proven read, the slot lasts a request timeout and a period; never earlier
        // than the slot before it, which keeps the queue ordered by release time.
        let mut release = now + self.hold + PERIOD;
        if let Some(last) = self.slots.back() {
            release = release.max(last.release);
        }
        self.slots.push_back(Slot { id, release, arrived: false });
    }

    /// An answer to request `id` came in: it and every request sent before it have been read.
    pub(crate) fn answered(&mut self, id: i64, now: Instant) {
        let Ok(id) = u64::try_from(id) else { return };
        let Some(pos) = self.slots.iter().position(|s| s.id == id) else { return };
        let release = now + PERIOD;
        for slot in self.slots.iter_mut().take(pos + 1).filter(|s| !s.arrived) {
            slot.arrived = true;
            slot.release = slot.release.min(release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market(connected_ms: u64) -> Pace {
        Pace::new(&SessionKind::Market, connected_ms, Instant::now(), Duration::from_secs(10))
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_second_then_waits_for_answers_plus_a_second() {
        let t0 = Instant::now();
        // Opened two seconds ago: the pro-rated first second is over.
        let mut p = Pace::new(&SessionKind::Market, 10_000, t0 - Duration::from_secs(2), Duration::from_secs(10));
        let mut sent = 0u64;
        while p.ready(t0) {
            p.sent(sent, t0);
            sent += 1;
        }
        assert_eq!(sent, 99);
        // Unanswered, the slots stay taken for the request timeout and a second.
        assert!(!p.ready(t0 + Duration::from_secs(5)));
        assert_eq!(p.next_try(t0), t0 + PERIOD);
        // The answer to #49 proves #0..=#49 read: they free a second after it.
        p.answered(49, t0 + Duration::from_millis(30));
        assert!(!p.ready(t0 + Duration::from_millis(1029)));
        assert_eq!(p.next_try(t0 + Duration::from_millis(500)), t0 + Duration::from_millis(1030));
        assert!(p.ready(t0 + Duration::from_millis(1030)));
        let mut more = 0;
        while p.ready(t0 + Duration::from_millis(1030)) {
            p.sent(1000 + more, t0 + Duration::from_millis(1030));
            more += 1;
        }
        assert_eq!(more, 50);
        // Never proven read: free after the timeout and a second.
        assert!(p.ready(t0 + Duration::from_secs(11)));
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_calendar_second_is_pro_rated() {
        // Opened 700 ms into a second (wall clock): 30% of the budget until the next second
        // starts, 300 ms later on the monotonic clock.
        let t0 = Instant::now();
        let mut p = Pace::new(&SessionKind::Market, 10_700, t0, Duration::from_secs(10));
        let now = t0 + Duration::from_millis(50);
        let mut n = 0;
        while p.ready(now) {
            p.sent(n, now);
            n += 1;
        }
        assert_eq!(n, 29);
        assert_eq!(p.next_try(now), t0 + Duration::from_millis(300));
        assert!(p.ready(t0 + Duration::from_millis(300)));
        let late = market(10_999);
        assert_eq!(late.first_cap, 0, "a connection opened at the end of a second sends nothing in it");
    }

    /// The wall clock stepping back after the connection opened does not stretch its first
    /// second: pacing no longer reads the wall clock at all.
    #[tokio::test(start_paused = true)]
    async fn the_first_second_ends_on_time_whatever_the_wall_clock_does() {
        let t0 = Instant::now();
        let mut p = Pace::new(&SessionKind::Market, 10_900, t0, Duration::from_secs(10));
        while p.ready(t0) {
            p.sent(0, t0);
        }
        assert_eq!(p.next_try(t0), t0 + Duration::from_millis(100));
        assert!(p.ready(t0 + Duration::from_millis(100)));
    }
}
