//! Several sources read as one, in receive-time order; equal times keep the order the sources
//! were given in, so that a merge is deterministic. It must NOT copy records: it hands out the
//! current record of the source whose turn it is.

use super::{DataError, Record, Source};

/// Sources merged by receive time.
pub struct Merge {
    sources: Vec<Box<dyn Source>>,
    /// Whether each source has a current record not yet handed out.
    ready: Vec<bool>,
    /// Sources that ended.
    done: Vec<bool>,
    /// The source handed out last (advanced before the next pick).
    last: Option<usize>,
}

impl Merge {
    /// Merges `sources`.
    pub fn new(sources: Vec<Box<dyn Source>>) -> Self {
        let n = sources.len();
        Merge { sources, ready: vec![false; n], done: vec![false; n], last: None }
    }
}

impl Source for Merge {
    fn advance(&mut self) -> Result<bool, DataError> {
        if let Some(k) = self.last.take() {
            self.ready[k] = false;
        }
        for k in 0..self.sources.len() {
            if !self.ready[k] && !self.done[k] {
                if self.sources[k].advance()? {
                    self.ready[k] = true;
                } else {
                    self.done[k] = true;
                }
            }
        }
        let pick =
            (0..self.sources.len()).filter(|&k| self.ready[k]).min_by_key(|&k| (self.sources[k].current().recv_us, k));
        self.last = pick;
        Ok(pick.is_some())
    }

    fn current(&self) -> &Record {
        // Only valid after `advance` returned true, which set `last` (see the trait).
        self.sources[self.last.unwrap_or(0)].current()
    }

    fn skipped(&self) -> u64 {
        self.sources.iter().map(|s| s.skipped()).sum()
    }
}
