//! Percentiles of per-frame timings, and reading the process's resident memory. Pure helpers:
//! no timing or I/O of their own beyond reading `/proc/self/status`.

/// Percentiles of a sample, in the sample's unit.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Percentiles {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest value.
    pub max: u64,
}

impl Percentiles {
    /// Percentiles of `sample` (sorted in place); all zero for an empty sample.
    pub fn of(sample: &mut [u64]) -> Self {
        if sample.is_empty() {
            return Percentiles::default();
        }
        sample.sort_unstable();
        Percentiles { p50: at(sample, 0.5), p99: at(sample, 0.99), p999: at(sample, 0.999), max: at(sample, 1.0) }
    }
}

/// The nearest-rank value at quantile `q` of a sorted, non-empty sample.
fn at(sorted: &[u64], q: f64) -> u64 {
    // Nearest rank: the smallest value with at least q of the sample at or below it.
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The process's resident set size in bytes (`VmRSS`), if the platform reports it.
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<u64> = (1..=1000).rev().collect();
        let p = Percentiles::of(&mut v);
        assert_eq!((p.p50, p.p99, p.p999, p.max), (500, 990, 999, 1000));
        assert_eq!(Percentiles::of(&mut []), Percentiles::default());
        assert_eq!(Percentiles::of(&mut [7]).p999, 7);
    }

    #[test]
    fn rss_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(rss_bytes().is_some_and(|b| b > 0));
        }
    }
}
