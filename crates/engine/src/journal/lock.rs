//! The journal's exclusive lock: an operating-system lock on the sidecar file `PATH.lock`,
//! taken before the journal is opened for writing and held by its writer thread until it stops.
//! The OS drops the lock when the holder's process ends in any way (SIGKILL included), so a
//! crash never leaves a stale lock. The file's text describes the holder (pid, host, start
//! time, command line) for the refusal message.
//!
//! This module must NOT delete the lock file (a deleted file lets two holders lock two
//! different inodes) and must not touch the database. Readers never take the lock.

use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::error::JournalError;

/// How long an open waits for a holder that is just stopping (e.g. a restart right after the
/// previous run's journal closed) before it refuses.
pub(crate) const LOCK_GRACE: Duration = Duration::from_secs(2);

/// Retry step while waiting out [`LOCK_GRACE`].
const RETRY_STEP: Duration = Duration::from_millis(20);

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub(crate) struct JournalLock {
    file: File,
}

impl Drop for JournalLock {
    fn drop(&mut self) {
        // Clear the description so the file no longer names a holder; the OS lock goes with the
        // file handle right after. Failing here changes nothing about the lock itself.
        let _ = self.file.set_len(0);
    }
}

/// The sidecar lock file of a journal: `PATH.lock`.
pub fn lock_path(journal: &Path) -> PathBuf {
    let mut s: OsString = journal.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

/// Takes the lock of `journal`, waiting up to `grace` for a holder that is stopping; refuses
/// with [`JournalError::Locked`] naming the holder when it stays held.
pub(crate) fn acquire(journal: &Path, grace: Duration) -> Result<JournalLock, JournalError> {
    let path = lock_path(journal);
    let failed = |source: std::io::Error| JournalError::Lock { path: path.clone(), source };
    let mut file =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(failed)?;
    let deadline = Instant::now() + grace;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => std::thread::sleep(RETRY_STEP),
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                // Reading ignores the advisory lock; an unreadable description still refuses.
                let _ = file.read_to_string(&mut text);
                let holder = match text.trim() {
                    "" => "another process (it has not written its description yet)".to_owned(),
                    t => t.to_owned(),
                };
                return Err(JournalError::Locked { path: journal.to_path_buf(), lock: path, holder });
            }
            Err(TryLockError::Error(e)) => return Err(failed(e)),
        }
    }
    let describe = |f: &mut File| -> std::io::Result<()> {
        f.set_len(0)?;
        f.seek(SeekFrom::Start(0))?;
        f.write_all(describe_self().as_bytes())?;
        f.flush()
    };
    describe(&mut file).map_err(failed)?;
    Ok(JournalLock { file })
}

/// This process, as the refusal message shows it to the next one.
fn describe_self() -> String {
    let mut s = format!("pid {}", std::process::id());
    if let Some(host) = host_name() {
        s.push_str(&format!(" on host {host}"));
    }
    s.push_str(&format!(", holding it since {}", crate::protocol::utc::format_ms(crate::clock::system_now_ms())));
    let cmd = command_line(std::env::args());
    if !cmd.is_empty() {
        s.push_str(&format!(", command: {cmd}"));
    }
    s.push('\n');
    s
}

/// The machine's name, when it is cheap to know (Linux `/proc`, else `/etc/hostname`).
fn host_name() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_owned())
        .find(|s| !s.is_empty())
}

/// The command line with the values of secret-looking options hidden: someone may have passed
/// a key or secret as an argument, and the description is shown to other users of the journal.
pub(crate) fn command_line(args: impl Iterator<Item = String>) -> String {
    let sensitive = |a: &str| {
        let a = a.to_ascii_lowercase();
        a.starts_with('-') && ["secret", "key", "token", "password", "passphrase"].iter().any(|w| a.contains(w))
    };
    let mut out = Vec::new();
    let mut hide_next = false;
    for a in args {
        if hide_next {
            out.push("<hidden>".to_owned());
            hide_next = false;
        } else if let Some((flag, _)) = a.split_once('=').filter(|(f, _)| sensitive(f)) {
            out.push(format!("{flag}=<hidden>"));
        } else {
            hide_next = sensitive(&a);
            out.push(a);
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_options_are_hidden_in_the_description() {
        let args = ["cdc-engine", "run", "mm", "--api-secret", "S3CRET", "--api-key=K3Y", "--duration", "5"];
        let line = command_line(args.iter().map(|s| s.to_string()));
        assert_eq!(line, "cdc-engine run mm --api-secret <hidden> --api-key=<hidden> --duration 5");
    }

    #[test]
    fn the_lock_file_sits_beside_the_journal() {
        assert_eq!(lock_path(Path::new("/x/j.sqlite")), PathBuf::from("/x/j.sqlite.lock"));
    }
}
