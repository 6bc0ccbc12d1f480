//! What the soak counts in its own process, once a simulated minute after the warm-up: resident
//! memory (`VmRSS`), the runtime's live tasks, open sockets (file descriptors that are
//! sockets) and threads. The engine and the simulator share the process, so both are counted;
//! the simulator keeps every order it was sent, which is part of the growth allowed below.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

/// Live heap bytes of the whole process (the allocator's view: RSS also holds freed memory
/// the allocator keeps, and fragmentation).
static LIVE: AtomicI64 = AtomicI64::new(0);

struct Counting;

// SAFETY: every call is passed to the system allocator unchanged; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// One reading.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub minute: usize,
    pub rss_kb: u64,
    pub heap_kb: i64,
    pub tasks: usize,
    pub sockets: usize,
    pub threads: usize,
}

#[derive(Default)]
pub struct Probe {
    pub samples: Vec<Sample>,
}

fn status_field(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} in /proc/self/status"));
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap()
}

fn sockets() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with("socket:"))
        .count()
}

impl Probe {
    pub fn sample(&mut self, minute: usize) {
        self.samples.push(Sample {
            minute,
            rss_kb: status_field("VmRSS:"),
            heap_kb: LIVE.load(Ordering::Relaxed) / 1024,
            tasks: tokio::runtime::Handle::current().metrics().num_alive_tasks(),
            sockets: sockets(),
            threads: status_field("Threads:") as usize,
        });
    }

    /// Flat after the warm-up. The last reading (taken once everything has settled) has no
    /// more tasks, sockets or threads than the usual reading (the median: a reading just after
    /// a drop catches a burst of REST connections that idle out later). The live heap grew by
    /// at most 1 KiB per order placed after the warm-up: the simulator keeps every order and
    /// fill it was sent, about 600 B an order, and the engine's part must be flat (finished
    /// orders and recent fills are kept in bounded windows). RSS, which also holds what the
    /// allocator keeps and fragmentation, grew by at most 16 MiB plus 2 KiB an order (measured:
    /// about 1.5 KiB an order, the simulator's part included).
    pub fn assert_flat(&self, orders_after_warm_up: usize) {
        let (first, last) = (self.samples.first().unwrap(), self.samples.last().unwrap());
        let median = |f: fn(&Sample) -> usize| {
            let mut v: Vec<usize> = self.samples.iter().map(f).collect();
            v.sort_unstable();
            v[v.len() / 2]
        };
        assert!(last.tasks <= median(|s| s.tasks) + 2, "tasks grew: {self}");
        assert!(last.sockets <= median(|s| s.sockets) + 2, "sockets grew: {self}");
        assert!(last.threads <= median(|s| s.threads), "threads grew: {self}");
        let per_order = (last.heap_kb - first.heap_kb) * 1024 / orders_after_warm_up.max(1) as i64;
        assert!(per_order <= 1024, "the heap grew by {per_order} B an order: {self}");
        let allowed = first.rss_kb + 16 * 1024 + 2 * orders_after_warm_up as u64;
        assert!(last.rss_kb <= allowed, "memory grew past {allowed} kB: {self}");
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "minute  rss_kB heap_kB  tasks  sockets  threads")?;
        for s in &self.samples {
            let (m, r, h, t, so, th) = (s.minute, s.rss_kb, s.heap_kb, s.tasks, s.sockets, s.threads);
            writeln!(f, "{m:>6} {r:>7} {h:>7} {t:>6} {so:>8} {th:>8}")?;
        }
        Ok(())
    }
}
