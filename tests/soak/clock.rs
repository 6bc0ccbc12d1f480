//! The soak's clock driver: the only thing that moves the paused clock while the soak runs.
//!
//! Left to itself, Tokio's paused clock jumps to the next timer whenever no task is ready to
//! run, even while a frame or a handshake is still on its way through a loopback socket; a
//! fast build then sees its timeouts fire before the answers arrive (the release build failed
//! its first wait for `live` in 0.23 s that way). The driver is always ready to run, so the
//! runtime never idles and never auto-advances; it moves the clock itself, one small step at a
//! time, and only after the step's share of real time has passed. That bounds how fast
//! simulated time runs against real time, so I/O always gets real time to finish, while an
//! hour still passes in well under a minute. It must not do anything but move the clock.

use std::time::{Duration, Instant};

/// How far the clock moves in one step.
const STEP: Duration = Duration::from_millis(50);
/// The real time each step waits first: simulated time runs at most 100 times real time,
/// so the engine's tightest timeout (a 5 s request or heartbeat window) is at least 50 ms
/// of real time, many loopback round trips even on a loaded machine.
const REAL_PER_STEP: Duration = Duration::from_micros(500);

/// Drives the clock until the returned guard is dropped.
pub fn drive() -> Driver {
    Driver(tokio::spawn(async {
        loop {
            let began = Instant::now();
            // Yielding (not sleeping) keeps this task, and so the runtime, busy: every yield
            // lets the other tasks run and the I/O driver poll the sockets.
            while began.elapsed() < REAL_PER_STEP {
                tokio::task::yield_now().await;
            }
            tokio::time::advance(STEP).await;
        }
    }))
}

/// Stops the driver when dropped (the test's end, or its panic).
pub struct Driver(tokio::task::JoinHandle<()>);

impl Drop for Driver {
    fn drop(&mut self) {
        self.0.abort();
    }
}
