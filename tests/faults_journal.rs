//! A journal that stops taking writes under a running engine: the disk fills up. No trading
//! without a journal, so `run` pulls the kill switch, cancels its orders, ends non-zero naming
//! the file and the error, and the journal keeps every fill it had committed; a restart on the
//! same journal then brings it level with the exchange, each fill once.
//!
//! The full disk is a real one as far as the engine can tell: the child's file-size limit
//! (RLIMIT_FSIZE, set with util-linux's `prlimit` once the run has journalled some fills) makes
//! every write past the journal's size fail (EFBIG) in SQLite's own I/O, as ENOSPC would. A
//! read-only file fails the same writes the same way; root (as CI runs) may write any file, so
//! the limit is the fault a test can make for every user.

mod support;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cdc_engine::engine::oid::tag_of;
use cdc_engine::journal::read_fills;
use cdc_sim::exchange::Exchange;
use cdc_sim::SimHandle;
use serde_json::Value;
use support::*;

const MM: &str = "instrument = \"BTC_USD\"\nspread_bps = \"0.3\"\norder_qty = \"0.001\"\nmax_position = \"0.01\"";

fn config(dir: &Path, sim: &SimHandle<Exchange>) -> PathBuf {
    let path = dir.join("config.toml");
    let body = format!(
        "default_profile = \"s\"\n\n[profiles.s]\nrest_url = \"{}\"\nuser_ws_url = \"{}\"\nmarket_ws_url = \"{}\"\n\
         api_key = \"{KEY}\"\napi_secret = \"{SECRET}\"\njournal = \"{}\"\n\n[strategies.market_maker]\n{MM}\n",
        sim.rest_url(),
        sim.user_ws_url(),
        sim.market_ws_url(),
        dir.join("run.sqlite").display()
    );
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// `cdc-engine ARGS` started through bash with SIGXFSZ ignored (an ignored signal stays ignored
/// across `exec`), so a write past the file-size limit fails with EFBIG instead of killing it.
fn engine(args: &[&str]) -> tokio::process::Command {
    let mut c = tokio::process::Command::new("bash");
    c.args(["-c", "trap '' XFSZ; exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_cdc-engine")]).args(args);
    c.env_remove("CDC_CONFIG").env_remove("CDC_PROFILE").env_remove("RUST_LOG").kill_on_drop(true);
    c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    c
}

/// Trade ids of the simulator's fills of the market maker's orders.
fn sim_mm_fills(sim: &SimHandle<Exchange>) -> BTreeSet<String> {
    let trades: Vec<Value> = sim.with_venue(|x| x.user_trades());
    trades
        .iter()
        .filter(|t| t["client_oid"].as_str().and_then(tag_of) == Some("market_maker"))
        .map(|t| t["trade_id"].as_str().unwrap().to_owned())
        .collect()
}

fn journal_size(path: &Path) -> u64 {
    let len = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    len(path.to_path_buf()).max(len(path.with_extension("sqlite-wal")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_stops_trading_says_why_and_keeps_what_was_written() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &sim);
    let journal = dir.path().join("run.sqlite");
    let cfg_arg = cfg.to_str().unwrap();
    let child = engine(&["run", "market_maker", "--duration", "60", "--config", cfg_arg]).spawn().unwrap();

    // Trade until the journal holds a few fills, then fill the disk: no file of the run may grow.
    let deadline = Instant::now() + Duration::from_secs(40);
    while read_fills(&journal).map(|f| f.len()).unwrap_or(0) < 3 {
        assert!(Instant::now() < deadline, "the market maker journalled no fills");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let limit = journal_size(&journal).to_string();
    let pid = child.id().unwrap().to_string();
    let set = std::process::Command::new("prlimit").args(["--pid", &pid, &format!("--fsize={limit}")]).status();
    assert!(set.unwrap().success(), "prlimit could not limit the run's file size");

    let o = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await.expect("run ended").unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(!o.status.success(), "a run that cannot journal exited 0:\n{stdout}\n{stderr}");
    assert!(stdout.contains("HALTED   market_maker"), "{stdout}");
    // Why it stopped trading: the kill switch's reason names the file, the error, what to do.
    let path = journal.display().to_string();
    let why = format!("kill switch: journal: the journal {path} cannot be written");
    assert!(stderr.contains(&why), "names the file: {stderr}");
    assert!(stderr.contains("no trading without a journal") && stderr.contains("free disk space"), "{stderr}");
    // And its last word: what the journal could not keep, and how it comes back.
    let last = stderr.lines().rev().find(|l| l.starts_with("error:")).unwrap_or_default();
    assert!(last.contains("could not commit") && last.contains("next run on this journal reconciles"), "{last}");
    assert!(!stderr.contains(SECRET), "the secret leaked");
    // Stopped trading: none of the run's orders is left working on the exchange.
    assert!(sim_open_orders(&sim).is_empty(), "orders left open: {:?}", sim_open_orders(&sim));

    // What was committed is still there, readable, each fill once and each one the exchange's.
    let kept = read_fills(&journal).expect("the journal reads after the failure");
    let ids: BTreeSet<String> = kept.iter().map(|f| f.trade_id.clone()).collect();
    assert!(ids.len() >= 3 && ids.len() == kept.len(), "{} fills, {} ids", kept.len(), ids.len());
    let on_exchange = sim_mm_fills(&sim);
    assert!(ids.is_subset(&on_exchange), "journalled fills the exchange does not have");

    // With room again, a restart reconciles from the exchange: every fill journalled once.
    let again = ["run", "market_maker", "--duration", "3", "--config", cfg_arg];
    let o = tokio::time::timeout(Duration::from_secs(60), engine(&again).output()).await.expect("second run ended");
    let o = o.unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after = read_fills(&journal).unwrap();
    let after_ids: BTreeSet<String> = after.iter().map(|f| f.trade_id.clone()).collect();
    assert_eq!(after_ids.len(), after.len(), "a fill journalled twice");
    assert_eq!(after_ids, sim_mm_fills(&sim), "the journal and the exchange differ after the restart");
}
