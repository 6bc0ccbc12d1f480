//! A durable reader's own record of how far it has shown the stream, kept on local disk beside
//! the server's consumer state. The server's record of acks is not enough for "exactly once" on
//! screen: a nats-server killed before it wrote its consumer state down hands acked messages
//! out again after its restart. Stream sequences only grow, so whatever comes again at or below
//! the mark was shown already and is acked without being shown. It must NOT skip anything
//! above the mark, or trust a mark written for another incarnation of the stream.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The mark: the stream (by its creation time, so a stream made again starts afresh) and the
/// highest stream sequence shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// The stream's creation time, in ns since the epoch.
    pub stream_created_ns: i128,
    /// The highest stream sequence handed on.
    pub seq: u64,
}

/// Where the marks live: `$XDG_STATE_HOME/cdc-engine`, else `~/.local/state/cdc-engine`.
pub fn default_dir() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()).map(PathBuf::from);
    let home = || std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state"));
    state.or_else(home).map(|d| d.join("cdc-engine"))
}

/// The mark file of durable consumer `durable` on the server at `url`.
pub fn file(dir: &Path, url: &str, durable: &str) -> PathBuf {
    let clean =
        |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect::<String>();
    dir.join(format!("tail-{}-{}.json", clean(url), clean(durable)))
}

/// The mark for a stream created at `created_ns`: 0 when there is none or it is another
/// stream's. A file that does not parse is reported and ignored: showing an event twice is
/// better than hiding one.
pub fn load(path: &Path, created_ns: i128) -> u64 {
    let Ok(text) = std::fs::read_to_string(path) else { return 0 };
    match serde_json::from_str::<Mark>(&text) {
        Ok(m) if m.stream_created_ns == created_ns => m.seq,
        Ok(_) => 0,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "tail: the mark file does not parse; ignoring it");
            0
        }
    }
}

/// Writes the mark (through a temporary file and a rename, so a crash leaves the old or the
/// new one, never half).
pub fn save(path: &Path, m: Mark) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(&m).unwrap_or_default())?;
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_counts_only_for_the_stream_it_was_written_for() {
        let dir = tempfile::tempdir().unwrap();
        let f = file(dir.path(), "nats://127.0.0.1:4222", "desk/1");
        assert!(f.file_name().unwrap().to_str().unwrap().starts_with("tail-nats___127_0_0_1_4222-desk_1"));
        assert_eq!(load(&f, 7), 0, "no file yet");
        save(&f, Mark { stream_created_ns: 7, seq: 42 }).unwrap();
        assert_eq!(load(&f, 7), 42);
        assert_eq!(load(&f, 8), 0, "a stream made again starts afresh");
        std::fs::write(&f, "{not json").unwrap();
        assert_eq!(load(&f, 7), 0);
    }
}
