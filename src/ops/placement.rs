//! Where `run`'s threads go when the engine has a core of its own: the engine's thread (its
//! sessions, state and strategies, all on one current-thread runtime) on one core, and every
//! other thread of the process (the journal writer, tokio's blocking pool, anything a library
//! started) on the rest, so that none of them takes the engine's core. It places threads; it
//! must NOT start, stop or measure anything.

use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;

/// The engine's core and the helpers' cores, split from the cores the process may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The engine thread's core.
    pub engine: usize,
    /// Every other thread's cores (never empty).
    pub helpers: Vec<usize>,
}

/// Why the cores could not be split as asked.
#[derive(Debug, thiserror::Error)]
pub enum PlacementError {
    /// The core asked for is not one this process may run on.
    #[error("--engine-core {asked} is not a core this process may use (it may use {allowed:?})")]
    NotAllowed {
        /// The core asked for.
        asked: usize,
        /// The cores the process may use.
        allowed: Vec<usize>,
    },
    /// The operating system refused a query or a placement.
    #[error("cannot place threads: {0}")]
    Os(#[from] nix::Error),
}

/// The cores the calling thread may run on.
pub fn allowed_cores() -> Result<Vec<usize>, PlacementError> {
    let set = sched_getaffinity(Pid::from_raw(0))?;
    Ok((0..CpuSet::count()).filter(|&c| set.is_set(c).unwrap_or(false)).collect())
}

impl Placement {
    /// Splits `allowed`: the engine on `engine_core` (by default the last core, away from core
    /// 0, where the system tends to put interrupts), the helpers on the others. `None` when
    /// there is only one core: nothing to split.
    pub fn split(allowed: &[usize], engine_core: Option<usize>) -> Result<Option<Placement>, PlacementError> {
        let engine = match engine_core {
            Some(c) if !allowed.contains(&c) => {
                return Err(PlacementError::NotAllowed { asked: c, allowed: allowed.to_vec() })
            }
            Some(c) => c,
            None => match allowed.last() {
                Some(&c) => c,
                None => return Ok(None),
            },
        };
        let helpers: Vec<usize> = allowed.iter().copied().filter(|&c| c != engine).collect();
        Ok((!helpers.is_empty()).then_some(Placement { engine, helpers }))
    }

    /// Pins the calling thread (the engine's) to the engine core and moves every other thread
    /// of the process to the helper cores; returns how many other threads were moved.
    pub fn apply(&self) -> Result<usize, PlacementError> {
        sched_setaffinity(Pid::from_raw(0), &set_of(&[self.engine])?)?;
        let own = nix::unistd::gettid();
        let helpers = set_of(&self.helpers)?;
        let mut moved = 0;
        for tid in threads() {
            if tid != own && sched_setaffinity(tid, &helpers).is_ok() {
                moved += 1;
            }
        }
        Ok(moved)
    }

    /// Moves the calling thread to the helper cores (a thread started after [`Placement::apply`]
    /// inherits the engine's core from the thread that started it).
    pub fn place_helper(&self) {
        if let Ok(set) = set_of(&self.helpers) {
            // A thread left where it is still works; it only may share the engine's core.
            let _ = sched_setaffinity(Pid::from_raw(0), &set);
        }
    }
}

fn set_of(cores: &[usize]) -> Result<CpuSet, PlacementError> {
    let mut set = CpuSet::new();
    for &c in cores {
        set.set(c)?;
    }
    Ok(set)
}

/// The process's threads, by id (from `/proc/self/task`; none where it is missing).
fn threads() -> Vec<Pid> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).map(Pid::from_raw).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_takes_the_last_core_or_the_one_asked_and_helpers_the_rest() {
        let p = Placement::split(&[0, 1, 2, 3], None).unwrap().unwrap();
        assert_eq!((p.engine, p.helpers), (3, vec![0, 1, 2]));
        let p = Placement::split(&[0, 1, 2, 3], Some(1)).unwrap().unwrap();
        assert_eq!((p.engine, p.helpers), (1, vec![0, 2, 3]));
        assert!(Placement::split(&[5], None).unwrap().is_none(), "one core: nothing to split");
        let err = Placement::split(&[0, 1], Some(7)).unwrap_err();
        assert!(err.to_string().contains("--engine-core 7") && err.to_string().contains("[0, 1]"), "{err}");
    }

    #[test]
    fn applied_the_engine_thread_has_its_core_and_a_helper_thread_the_others() {
        let allowed = allowed_cores().unwrap();
        let Some(p) = Placement::split(&allowed, None).unwrap() else { return };
        let expected = p.clone();
        let (engine, helper) = std::thread::spawn(move || {
            // A helper that exists before the placement is moved by it.
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let (back_tx, back_rx) = std::sync::mpsc::channel();
            let helper = std::thread::spawn(move || {
                let _ = rx.recv();
                back_tx.send(allowed_cores().unwrap()).unwrap();
            });
            assert!(p.apply().unwrap() >= 1);
            let engine = allowed_cores().unwrap();
            tx.send(()).unwrap();
            let helper_cores = back_rx.recv().unwrap();
            helper.join().unwrap();
            // Put the test process's threads back as they were.
            let all = set_of(&allowed).unwrap();
            for tid in threads() {
                let _ = sched_setaffinity(tid, &all);
            }
            (engine, helper_cores)
        })
        .join()
        .unwrap();
        assert_eq!(engine, vec![expected.engine]);
        assert_eq!(helper, expected.helpers);
    }
}
