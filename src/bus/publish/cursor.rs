//! How far the journal has been published: the last `fills.seq` and `orders.seq` whose
//! JetStream acks came back, kept in `<journal>.published` beside the journal (JSON, replaced
//! atomically by rename), so a restart publishes from there and not from the start.
//!
//! The cursor names the stream it counts for (name and creation time) and the account: against
//! another stream (a new server, a stream deleted and made again) or under another account name
//! everything is published again, since that stream has none of it.
//! It must NOT advance past a row whose ack has not come back; the caller decides that.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The published position of one journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The file format's version.
    pub v: u32,
    /// The account name the rows were published under.
    pub account: String,
    /// The stream they went to.
    pub stream: String,
    /// That stream's creation time (ns since the epoch), which tells a stream made again apart.
    pub stream_created_ns: i128,
    /// The last published `fills.seq` (0: none).
    pub fills_seq: i64,
    /// The last published `orders.seq` (0: none).
    pub orders_seq: i64,
}

impl Cursor {
    /// The position to go on from for `account` on the stream `stream` created at `created_ns`:
    /// `saved` when it counts for them, else the start, with the reason it was not kept.
    pub fn resume(saved: Option<Cursor>, account: &str, stream: &str, created_ns: i128) -> (Cursor, Option<String>) {
        let start = Cursor {
            v: 1,
            account: account.into(),
            stream: stream.into(),
            stream_created_ns: created_ns,
            fills_seq: 0,
            orders_seq: 0,
        };
        match saved {
            None => (start, None),
            Some(c) if c.account != account => {
                (start, Some(format!("it was published as account {:?}, now {account:?}", c.account)))
            }
            Some(c) if c.stream != stream || c.stream_created_ns != created_ns => (
                start,
                Some(format!("the stream {stream} is not the one it was published to (made again, or another server)")),
            ),
            Some(c) => (c, None),
        }
    }
}

/// `<journal>.published`.
pub fn cursor_path(journal: &Path) -> PathBuf {
    let mut s = journal.as_os_str().to_owned();
    s.push(".published");
    PathBuf::from(s)
}

/// Reads the cursor; `None` when there is none yet. A file that does not parse is an error
/// naming it: guessing would publish everything again or skip rows.
pub fn load(path: &Path) -> anyhow::Result<Option<Cursor>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => anyhow::bail!("cannot read the publish cursor {}: {e}", path.display()),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        anyhow::anyhow!(
            "the publish cursor {} is damaged ({e}); delete it to publish the whole journal again (JetStream drops the repeats of the last 24 h)",
            path.display()
        )
    })
}

/// Writes the cursor: to a temporary file beside it, synced, then renamed over it, so a crash
/// leaves the old cursor or the new one, never half of one.
pub fn save(path: &Path, c: &Cursor) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let body = serde_json::to_vec(c).map_err(std::io::Error::other)?;
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&body)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(fills: i64, orders: i64) -> Cursor {
        Cursor {
            v: 1,
            account: "a1".into(),
            stream: "S".into(),
            stream_created_ns: 7,
            fills_seq: fills,
            orders_seq: orders,
        }
    }

    #[test]
    fn the_cursor_sits_beside_the_journal_and_survives_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = cursor_path(&dir.path().join("j.sqlite"));
        assert_eq!(path, dir.path().join("j.sqlite.published"));
        assert_eq!(load(&path).unwrap(), None);
        save(&path, &at(3, 5)).unwrap();
        save(&path, &at(4, 6)).unwrap();
        assert_eq!(load(&path).unwrap(), Some(at(4, 6)));
        assert!(!dir.path().join("j.sqlite.published.tmp").exists(), "the temporary file was renamed");
    }

    #[test]
    fn a_damaged_cursor_is_an_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.published");
        std::fs::write(&path, "{\"v\":1,").unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("damaged") && e.contains("delete it"), "{e}");
    }

    #[test]
    fn a_cursor_counts_only_for_its_own_stream_and_account() {
        assert_eq!(Cursor::resume(Some(at(3, 5)), "a1", "S", 7), (at(3, 5), None));
        let (c, why) = Cursor::resume(Some(at(3, 5)), "a1", "S", 8);
        assert_eq!((c.fills_seq, c.orders_seq, c.stream_created_ns), (0, 0, 8));
        assert!(why.unwrap().contains("not the one"));
        let (c, why) = Cursor::resume(Some(at(3, 5)), "a2", "S", 7);
        assert_eq!((c.fills_seq, c.account.as_str()), (0, "a2"));
        assert!(why.unwrap().contains("a1"));
        assert_eq!(Cursor::resume(None, "a1", "S", 7).0, at(0, 0));
    }
}
