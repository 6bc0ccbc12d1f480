//! Thread placement for the loopback measurements: the engine side on one core of its own, the
//! far side (simulator, frame server) on the others, as a deployment that gives the engine a
//! core would run. Without it the scheduler may put both on one vCPU, and each hand-off between
//! them waits for the other's time slice. It places threads; it must NOT measure anything.

use std::sync::OnceLock;

use core_affinity::CoreId;

/// The cores the process could use when placement was turned on. Read once, before any pin:
/// a thread spawned by a pinned thread inherits its mask and would see only that one core.
static CORES: OnceLock<Vec<CoreId>> = OnceLock::new();

/// Turns placement on when there are at least two cores to split; returns whether it is on.
pub fn enable() -> bool {
    CORES.get_or_init(|| core_affinity::get_core_ids().unwrap_or_default()).len() >= 2
}

/// Whether [`enable`] turned placement on.
pub fn enabled() -> bool {
    CORES.get().is_some_and(|c| c.len() >= 2)
}

fn pin_to(index: usize) {
    if let Some(core) = CORES.get().filter(|c| c.len() >= 2).and_then(|c| c.get(index)) {
        core_affinity::set_for_current(*core);
    }
}

/// Pins the calling thread (the engine side) to the first core, if placement is on.
pub fn engine() {
    pin_to(0);
}

/// Pins the calling thread (a far side) to the second core, if placement is on: on the
/// 2-core machine, simply the other one.
pub fn far_side() {
    pin_to(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_far_side_started_from_the_pinned_engine_thread_gets_the_other_core() {
        if !enable() {
            return; // a one-core machine has nothing to split
        }
        let allowed = || {
            std::fs::read_to_string("/proc/thread-self/status")
                .ok()
                .and_then(|s| s.lines().find(|l| l.starts_with("Cpus_allowed_list:")).map(str::to_owned))
        };
        let (engine_cores, far_cores) = std::thread::spawn(move || {
            engine();
            let far = std::thread::spawn(move || {
                far_side();
                allowed()
            });
            (allowed(), far.join().unwrap())
        })
        .join()
        .unwrap();
        assert!(engine_cores.is_some() && far_cores.is_some());
        assert_ne!(engine_cores, far_cores);
    }
}
