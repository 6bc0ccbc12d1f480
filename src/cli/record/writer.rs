//! The recording's files: `market-<UTC start>-<sequence>.jsonl.gz` in the output folder, gzip
//! over a buffered file, on a thread of their own so that a slow disk never delays reading the
//! socket (a missed heartbeat answer would cost the connection). Every file starts with the
//! latest instrument list; a file is closed (gzip trailer written, synced) once it holds more
//! than the size limit or is older than the age limit. Twice a second, whatever the traffic,
//! the deflate stream is sync-flushed to the file, so a crash loses at most the last second and
//! a truncated file still decodes up to its last flush.
//!
//! It must NOT look into frames: it only formats and writes the lines it is given, in order.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use flate2::write::GzEncoder;
use flate2::Compression;

use super::format;

/// Below one second, with room for the thread to be scheduled late.
const FLUSH_EVERY: Duration = Duration::from_millis(500);
const PROGRESS_EVERY: Duration = Duration::from_secs(60);

/// When to start a new file.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Uncompressed bytes in one file.
    pub bytes: u64,
    /// Age of one file.
    pub age: Duration,
}

/// One line to record; the receive time is microseconds since the Unix epoch.
pub(super) enum Entry {
    Frame { recv_us: u64, text: String, json: bool },
    Gap { recv_us: u64, reason: String },
    Instruments { recv_us: u64, data: String },
}

/// Hands lines to the writer thread. Unbounded on purpose: a recorder must not drop frames
/// when the disk is briefly slower than the network; memory absorbs the burst instead.
pub(super) struct Sink(Sender<Entry>);

impl Sink {
    pub(super) fn send(&self, entry: Entry) -> anyhow::Result<()> {
        self.0.send(entry).map_err(|_| anyhow!("the file writer stopped"))
    }
}

/// What was recorded, for the summary line.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Summary {
    pub files: u64,
    pub frames: u64,
    pub gaps: u64,
}

/// The running writer thread.
pub(super) struct Files(std::thread::JoinHandle<anyhow::Result<Summary>>);

impl Files {
    /// Waits until every line sent is written and the last file is closed (every [`Sink`] must
    /// be dropped first); the writer's error, if it failed.
    pub(super) async fn finish(self) -> anyhow::Result<Summary> {
        let joined = tokio::task::spawn_blocking(move || self.0.join()).await.context("waiting for the file writer")?;
        joined.map_err(|_| anyhow!("the file writer crashed; the last file may lack its gzip trailer"))?
    }
}

/// Creates the folder and the first file now, so that a folder that cannot be written to is
/// reported before connecting, then writes on a thread until every [`Sink`] is dropped.
pub(super) fn start(dir: &Path, limits: Limits) -> anyhow::Result<(Sink, Files)> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!("cannot create the output folder {} (check --out and its permissions)", dir.display())
    })?;
    let mut w = Writer {
        dir: dir.to_owned(),
        limits,
        open: None,
        seq: 0,
        instruments: None,
        last_us: 0,
        done: Done::default(),
    };
    w.open()?;
    let (tx, rx) = channel();
    let thread = std::thread::Builder::new()
        .name("record-writer".into())
        .spawn(move || w.run(rx))
        .context("cannot start the file writer thread")?;
    Ok((Sink(tx), Files(thread)))
}

/// The file being written.
struct Open {
    gz: GzEncoder<BufWriter<File>>,
    path: PathBuf,
    opened: Instant,
    raw: u64,
    /// Lines written since the last flush.
    dirty: bool,
}

#[derive(Default)]
struct Done {
    summary: Summary,
    raw: u64,
    compressed: u64,
}

struct Writer {
    dir: PathBuf,
    limits: Limits,
    open: Option<Open>,
    seq: u32,
    /// The latest instrument list and when it was fetched, repeated at the top of each file.
    instruments: Option<(u64, String)>,
    /// Receive times never go backwards, even when the wall clock is stepped back.
    last_us: u64,
    done: Done,
}

impl Writer {
    fn run(mut self, rx: Receiver<Entry>) -> anyhow::Result<Summary> {
        let mut next_flush = Instant::now() + FLUSH_EVERY;
        let mut next_progress = Instant::now() + PROGRESS_EVERY;
        loop {
            match rx.recv_timeout(next_flush.saturating_duration_since(Instant::now())) {
                Ok(entry) => self.write(entry)?,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let now = Instant::now();
            // Checked after every line too, so a busy stream is flushed on time as well.
            if now >= next_flush {
                self.tick()?;
                next_flush = now + FLUSH_EVERY;
            }
            if now >= next_progress {
                self.progress();
                next_progress = now + PROGRESS_EVERY;
            }
        }
        self.close()?;
        Ok(self.done.summary)
    }

    fn write(&mut self, entry: Entry) -> anyhow::Result<()> {
        let line = match entry {
            Entry::Frame { recv_us, text, json } => {
                self.done.summary.frames += 1;
                format::frame_line(self.monotonic(recv_us), &text, json)
            }
            Entry::Gap { recv_us, reason } => {
                self.done.summary.gaps += 1;
                format::gap_line(self.monotonic(recv_us), &reason)
            }
            Entry::Instruments { recv_us, data } => {
                let recv_us = self.monotonic(recv_us);
                let line = format::instruments_line(recv_us, &data);
                self.instruments = Some((recv_us, data));
                // A file opened for this line starts with it; no need to repeat the old list.
                if self.open.is_none() {
                    self.open_bare()?;
                }
                return self.put(&line);
            }
        };
        if self.open.is_none() {
            self.open()?;
        }
        self.put(&line)
    }

    fn monotonic(&mut self, recv_us: u64) -> u64 {
        self.last_us = self.last_us.max(recv_us);
        self.last_us
    }

    /// Writes one line to the open file, closing it when it is full.
    fn put(&mut self, line: &str) -> anyhow::Result<()> {
        let Some(f) = self.open.as_mut() else { return Ok(()) };
        f.gz.write_all(line.as_bytes()).with_context(|| format!("cannot write to {}", f.path.display()))?;
        f.raw += line.len() as u64;
        f.dirty = true;
        if f.raw > self.limits.bytes {
            self.close()?;
        }
        Ok(())
    }

    /// Flushes what was written since the last flush; closes a file past its age.
    fn tick(&mut self) -> anyhow::Result<()> {
        let Some(f) = self.open.as_mut() else { return Ok(()) };
        if f.opened.elapsed() >= self.limits.age {
            return self.close();
        }
        if f.dirty {
            // A deflate sync flush ends on a byte boundary, so everything written so far can be
            // decoded from the file even if the process dies before the trailer.
            f.gz.flush()
                .and_then(|()| f.gz.get_mut().flush())
                .with_context(|| format!("cannot write to {}", f.path.display()))?;
            f.dirty = false;
        }
        Ok(())
    }

    /// Opens the next file, starting it with the latest instrument list.
    fn open(&mut self) -> anyhow::Result<()> {
        self.open_bare()?;
        if let Some((recv_us, data)) = &self.instruments {
            let line = format::instruments_line(*recv_us, data);
            self.put(&line)?;
        }
        Ok(())
    }

    /// Opens the next file, empty. A name already taken (another recorder in the same folder
    /// and second) moves on to the next sequence number rather than overwrite it.
    fn open_bare(&mut self) -> anyhow::Result<()> {
        let start = format_utc(cdc_engine::clock::system_now_ms());
        loop {
            self.seq += 1;
            let path = self.dir.join(format!("market-{start}-{:04}.jsonl.gz", self.seq));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    let gz = GzEncoder::new(BufWriter::with_capacity(64 << 10, file), Compression::default());
                    self.open = Some(Open { gz, path, opened: Instant::now(), raw: 0, dirty: false });
                    self.done.summary.files += 1;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {} (is --out writable?)", path.display()));
                }
            }
        }
    }

    /// Writes the gzip trailer and syncs the file to disk.
    fn close(&mut self) -> anyhow::Result<()> {
        let Some(f) = self.open.take() else { return Ok(()) };
        let what = || format!("cannot finish {}", f.path.display());
        let file = f.gz.finish().and_then(|b| b.into_inner().map_err(|e| e.into_error())).with_context(what)?;
        file.sync_all().with_context(what)?;
        self.done.raw += f.raw;
        self.done.compressed += file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(())
    }

    fn progress(&self) {
        let (mut raw, mut compressed) = (self.done.raw, self.done.compressed);
        if let Some(f) = &self.open {
            raw += f.raw;
            compressed += f.gz.get_ref().get_ref().metadata().map(|m| m.len()).unwrap_or(0);
        }
        let s = self.done.summary;
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        eprintln!(
            "progress: {} frames, {:.1} MiB ({:.1} MiB compressed), {} gaps, {} files",
            s.frames,
            mib(raw),
            mib(compressed),
            s.gaps,
            s.files
        );
    }
}

/// `20240501T123000Z` for a time in ms since the epoch.
fn format_utc(ms: u64) -> String {
    cdc_engine::protocol::utc::format_ms(ms).replace(['-', ':'], "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_sort_by_time() {
        assert_eq!(format_utc(1_714_566_600_000), "20240501T123000Z");
    }
}
