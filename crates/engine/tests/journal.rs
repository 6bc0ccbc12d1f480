//! The SQLite journal: round trips, de-duplication, recovery, flush semantics, volume, a real
//! crash (a child process that aborts), clear errors for unusable paths, the exclusive lock
//! (refused second open, released on close, drop and SIGKILL) and read-only summaries.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use cdc_engine::journal::{
    lock_path, read_fills, read_order_history, summarize, FillRecord, Filter, Journal, JournalError, OrderRecord,
};
use rust_decimal::Decimal;

/// A fresh directory per test under the system temp dir, removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("cdc-journal-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn fill(i: u64) -> FillRecord {
    FillRecord {
        trade_id: format!("T{i}"),
        order_id: format!("O{}", i / 2),
        client_oid: i.is_multiple_of(3).then(|| format!("c-{i}")),
        instrument_name: "BTC_USD".into(),
        side: if i.is_multiple_of(2) { "BUY" } else { "SELL" }.into(),
        price: dec("50000.10") + Decimal::from(i),
        quantity: dec("0.00010000"),
        fee: dec("0.000000123456789012345"),
        fee_currency: Some("USD".into()),
        time_ns: 1_700_000_000_000_000_000 + u128::from(i) * 1_000,
    }
}

fn order(id: &str, status: &str, cum: &str, t: u64) -> OrderRecord {
    OrderRecord {
        order_id: id.into(),
        client_oid: Some(format!("c-{id}")),
        instrument_name: "ETH_USD".into(),
        side: "SELL".into(),
        status: status.into(),
        quantity: dec("2.5"),
        limit_price: Some(dec("3000.25")),
        cumulative_quantity: dec(cum),
        update_time_ms: t,
    }
}

#[test]
fn fills_and_orders_round_trip_exactly() {
    let dir = scratch("round_trip");
    let path = dir.join("j.db");
    let (journal, recovered) = Journal::open(&path).unwrap();
    assert_eq!(recovered.fill_count, 0);
    let fills: Vec<_> = (0..10).map(fill).collect();
    let mut market = order("M1", "FILLED", "1", 5);
    market.limit_price = None;
    market.client_oid = None;
    let history = vec![order("O1", "NEW", "0", 1), order("O1", "ACTIVE", "1.25", 2), order("O1", "FILLED", "2.5", 3)];
    for f in &fills {
        journal.append_fill(f.clone());
    }
    for o in &history {
        journal.append_order(o.clone());
    }
    journal.append_order(market.clone());
    journal.close().unwrap();
    assert_eq!(read_fills(&path).unwrap(), fills);
    assert_eq!(read_order_history(&path, "O1").unwrap(), history);
    assert_eq!(read_order_history(&path, "M1").unwrap(), vec![market]);
    assert!(read_order_history(&path, "nope").unwrap().is_empty());
}

#[test]
fn a_duplicate_trade_id_is_stored_once_even_across_reopen() {
    let dir = scratch("dup");
    let path = dir.join("j.db");
    let (journal, _) = Journal::open(&path).unwrap();
    journal.append_fill(fill(1));
    let mut replay = fill(1);
    replay.quantity = dec("99"); // a replay must not overwrite the first record either
    journal.append_fill(replay.clone());
    journal.flush().unwrap();
    journal.append_fill(replay.clone());
    journal.close().unwrap();
    let (journal, recovered) = Journal::open(&path).unwrap();
    assert_eq!(recovered.fill_count, 1);
    journal.append_fill(replay);
    journal.close().unwrap();
    assert_eq!(read_fills(&path).unwrap(), vec![fill(1)]);
}

#[test]
fn reopening_recovers_count_last_time_recent_ids_and_open_orders() {
    let dir = scratch("recover");
    let path = dir.join("j.db");
    let (journal, _) = Journal::open(&path).unwrap();
    for i in [3, 1, 2] {
        journal.append_fill(fill(i));
    }
    let mut untimed = fill(9);
    untimed.time_ns = 0; // no time on the wire: must not move the resume point
    journal.append_fill(untimed);
    journal.append_order(order("A", "NEW", "0", 1));
    journal.append_order(order("B", "NEW", "0", 2));
    journal.append_order(order("A", "ACTIVE", "1", 3));
    journal.append_order(order("B", "CANCELED", "0", 4));
    journal.append_order(order("C", "ACTIVE", "0.5", 5));
    journal.append_order(order("C", "FILLED", "2.5", 6));
    journal.append_order(order("D", "PENDING", "0", 7));
    journal.close().unwrap();

    let (journal, recovered) = Journal::open(&path).unwrap();
    assert_eq!(recovered.fill_count, 4);
    assert_eq!(recovered.last_trade_time_ns, Some(fill(3).time_ns));
    assert_eq!(recovered.recent_trade_ids, vec!["T9", "T1", "T2", "T3"]);
    assert_eq!(recovered.latest_orders, vec![order("A", "ACTIVE", "1", 3), order("D", "PENDING", "0", 7)]);
    journal.close().unwrap();
}

#[test]
fn flush_commits_everything_appended_before_it_from_every_clone() {
    let dir = scratch("flush");
    let path = dir.join("j.db");
    let (journal, _) = Journal::open(&path).unwrap();
    let other = journal.clone();
    let worker = std::thread::spawn(move || {
        for i in 0..500 {
            other.append_fill(fill(i));
        }
        other.flush().unwrap();
    });
    worker.join().unwrap();
    assert_eq!(read_fills(&path).unwrap().len(), 500, "a flush returns only after the commit");
    journal.append_order(order("X", "NEW", "0", 1));
    journal.flush().unwrap();
    assert_eq!(read_order_history(&path, "X").unwrap().len(), 1);
    journal.flush().unwrap(); // an empty flush is fine
    journal.close().unwrap();
}

#[test]
fn one_hundred_thousand_fills_are_all_journalled() {
    let dir = scratch("volume");
    let path = dir.join("j.db");
    let (journal, _) = Journal::open(&path).unwrap();
    for i in 0..100_000 {
        journal.append_fill(fill(i));
    }
    journal.close().unwrap();
    let (journal, recovered) = Journal::open(&path).unwrap();
    assert_eq!(recovered.fill_count, 100_000);
    assert_eq!(recovered.recent_trade_ids.len(), 100_000);
    assert_eq!(recovered.last_trade_time_ns, Some(fill(99_999).time_ns));
    journal.close().unwrap();
}

#[test]
fn a_missing_directory_is_created() {
    let dir = scratch("mkdir");
    let path = dir.join("a").join("b").join("j.db");
    let (journal, _) = Journal::open(&path).unwrap();
    journal.close().unwrap();
    assert!(path.is_file());
}

#[test]
fn an_unusable_path_gives_a_clear_error() {
    let dir = scratch("unusable");
    let blocker = dir.join("file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let err = Journal::open(&blocker.join("j.db")).unwrap_err();
    assert!(matches!(err, JournalError::CreateDir { .. }), "{err:?}");
    assert!(err.to_string().contains("journal directory"), "{err}");

    let err = Journal::open(&dir.0).unwrap_err(); // a directory, not a file
    assert!(matches!(err, JournalError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains("writable"), "{err}");
}

#[test]
fn a_corrupt_file_is_named_as_such() {
    let dir = scratch("corrupt");
    let path = dir.join("j.db");
    std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
    let err = Journal::open(&path).unwrap_err();
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("move it aside"), "{err}");
}

const CRASH_DIR: &str = "CDC_JOURNAL_CRASH_DIR";

/// The child half of the crash test: appends, flushes, appends more, then aborts mid-flight.
fn crash_child(dir: &std::ffi::OsStr) -> ! {
    let (journal, _) = Journal::open(&Path::new(dir).join("j.db")).unwrap();
    for i in 0..2_000 {
        journal.append_fill(fill(i));
    }
    journal.append_order(order("K", "ACTIVE", "1", 1));
    journal.flush().unwrap();
    for i in 2_000..50_000 {
        journal.append_fill(fill(i));
    }
    std::process::abort();
}

/// Runs itself again as a child process (which crashes after a flush), then checks what the
/// journal kept.
#[test]
fn a_crash_keeps_everything_flushed() {
    if let Some(dir) = std::env::var_os(CRASH_DIR) {
        crash_child(&dir);
    }
    let dir = scratch("crash");
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_crash_keeps_everything_flushed", "--test-threads=1"])
        .env(CRASH_DIR, &dir.0)
        .output()
        .unwrap();
    assert!(!status.status.success(), "the child must abort: {status:?}");
    let (journal, recovered) = Journal::open(&dir.join("j.db")).unwrap();
    assert!(recovered.fill_count >= 2_000, "{}", recovered.fill_count);
    assert_eq!(recovered.latest_orders, vec![order("K", "ACTIVE", "1", 1)]);
    journal.close().unwrap();
    let fills = read_fills(&dir.join("j.db")).unwrap();
    assert_eq!(fills[..2_000], (0..2_000).map(fill).collect::<Vec<_>>()[..]);
}

#[test]
fn from_wire_models_maps_fields() {
    let trade: cdc_engine::protocol::models::Trade = serde_json::from_value(serde_json::json!({
        "trade_id": "T7", "order_id": "O7", "client_oid": "c7", "instrument_name": "BTC_USD", "side": "SELL",
        "traded_price": "100.5", "traded_quantity": "0.01", "fees": "-0.0025", "fee_instrument_name": "USD",
        "create_time": 1700000000123_u64, "create_time_ns": "1700000000123456789"
    }))
    .unwrap();
    let f = FillRecord::from_trade(&trade);
    assert_eq!((f.side.as_str(), f.fee, f.time_ns), ("SELL", dec("0.0025"), 1_700_000_000_123_456_789));
    assert_eq!((f.client_oid.as_deref(), f.fee_currency.as_deref()), (Some("c7"), Some("USD")));

    let o: cdc_engine::protocol::models::Order = serde_json::from_value(serde_json::json!({
        "order_id": "O7", "instrument_name": "BTC_USD", "side": "BUY", "quantity": "1", "price": "99",
        "cumulative_quantity": "0.4", "status": "ACTIVE", "update_time": 1700000000999_u64
    }))
    .unwrap();
    let r = OrderRecord::from_order(&o);
    assert_eq!(
        r,
        OrderRecord {
            order_id: "O7".into(),
            client_oid: None,
            instrument_name: "BTC_USD".into(),
            side: "BUY".into(),
            status: "ACTIVE".into(),
            quantity: dec("1"),
            limit_price: Some(dec("99")),
            cumulative_quantity: dec("0.4"),
            update_time_ms: 1_700_000_000_999,
        }
    );
    assert!(!r.is_terminal());
}

#[test]
fn the_handle_is_send_sync_and_clone() {
    fn assert_shared<T: Send + Sync + Clone + 'static>() {}
    assert_shared::<Journal>();
}

fn refused_holder(path: &Path) -> String {
    match Journal::open_with_grace(path, std::time::Duration::ZERO) {
        Err(JournalError::Locked { holder, .. }) => holder,
        Err(e) => panic!("expected the lock to refuse, got {e:?}"),
        Ok(_) => panic!("a second open succeeded while the first holds the journal"),
    }
}

#[test]
fn a_second_open_is_refused_naming_the_holder() {
    let dir = scratch("lock_twice");
    let path = dir.join("j.db");
    let (journal, _) = Journal::open(&path).unwrap();
    journal.append_fill(fill(1));
    journal.flush().unwrap();
    // The engine's own open (with its short grace for a stopping holder) is refused too.
    let err = Journal::open(&path).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, JournalError::Locked { .. }), "{err:?}");
    assert!(text.contains(&format!("pid {}", std::process::id())), "{text}");
    assert!(text.contains("holding it since 20"), "the start time: {text}");
    assert!(text.contains("command: "), "the command line: {text}");
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        assert!(text.contains(&format!("on host {}", host.trim())), "{text}");
    }
    assert!(text.contains(&path.display().to_string()) && text.contains("own journal file"), "{text}");
    // A clone is the same holder, not a second one: it keeps working.
    let clone = journal.clone();
    clone.append_fill(fill(2));
    clone.flush().unwrap();
    journal.close().unwrap();
    assert_eq!(read_fills(&path).unwrap().len(), 2);
}

#[test]
fn closing_or_dropping_the_journal_releases_the_lock() {
    let dir = scratch("lock_release");
    let path = dir.join("j.db");
    let (journal, _) = Journal::open(&path).unwrap();
    refused_holder(&path);
    journal.close().unwrap();
    let zero = std::time::Duration::ZERO;
    let (journal, _) = Journal::open_with_grace(&path, zero).expect("reopens after close");
    journal.append_fill(fill(7));
    let other = journal.clone();
    drop(journal);
    refused_holder(&path); // a clone still holds it
    drop(other); // the last handle: flushes, stops the writer, releases the lock
    let (journal, recovered) = Journal::open_with_grace(&path, zero).expect("reopens after drop");
    assert_eq!(recovered.fill_count, 1, "the dropped handle's fill was committed");
    journal.close().unwrap();
    assert_eq!(std::fs::read_to_string(lock_path(&path)).unwrap(), "", "no holder is named once released");
}

const HOLD_DIR: &str = "CDC_JOURNAL_HOLD_DIR";

/// Runs itself again as a child that opens the journal and waits to be killed; after SIGKILL the
/// journal opens at once, with no stale lock.
#[test]
fn a_killed_holder_leaves_no_lock_behind() {
    if let Some(dir) = std::env::var_os(HOLD_DIR) {
        let dir = Path::new(&dir);
        let (journal, _) = Journal::open(&dir.join("j.db")).unwrap();
        journal.append_fill(fill(1));
        journal.flush().unwrap();
        std::fs::write(dir.join("ready"), "").unwrap();
        loop {
            std::thread::park();
        }
    }
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let dir = scratch("lock_kill");
    let path = dir.join("j.db");
    let mut child = Kill(
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "a_killed_holder_leaves_no_lock_behind", "--test-threads=1"])
            .env(HOLD_DIR, &dir.0)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !dir.join("ready").exists() {
        assert!(std::time::Instant::now() < deadline, "the child never opened the journal");
        assert!(child.0.try_wait().unwrap().is_none(), "the child ended early");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let holder = refused_holder(&path);
    assert!(holder.contains(&format!("pid {}", child.0.id())), "the child is named: {holder}");
    child.0.kill().unwrap(); // SIGKILL: no destructor, no cleanup in the child
    let status = child.0.wait().unwrap();
    assert!(!status.success());
    let (journal, recovered) =
        Journal::open_with_grace(&path, std::time::Duration::ZERO).expect("no lock survives its process");
    assert_eq!(recovered.fill_count, 1);
    journal.close().unwrap();
}

fn traded(id: &str, inst: &str, side: &str, price: &str, qty: &str, fee: &str, t_s: u64) -> FillRecord {
    FillRecord {
        trade_id: id.into(),
        order_id: format!("O-{id}"),
        client_oid: None,
        instrument_name: inst.into(),
        side: side.into(),
        price: dec(price),
        quantity: dec(qty),
        fee: dec(fee),
        fee_currency: Some("USD".into()),
        time_ns: u128::from(t_s) * 1_000_000_000,
    }
}

/// Buys 1 @ 100 and 1 @ 110, sells 1.5 @ 120 (realises 1.5 × (120 − 105) = 22.5) on BTC_USD;
/// one ETH_USD sale; orders in several states.
fn write_sample(path: &Path) {
    let (journal, _) = Journal::open(path).unwrap();
    journal.append_fill(traded("a", "BTC_USD", "BUY", "100", "1", "0.1", 1_000));
    journal.append_fill(traded("b", "BTC_USD", "BUY", "110", "1", "0.1", 2_000));
    journal.append_fill(traded("c", "BTC_USD", "SELL", "120", "1.5", "0.05", 3_000));
    journal.append_fill(traded("d", "ETH_USD", "SELL", "3000", "0.5", "0", 3_500));
    let mut o = order("E1", "ACTIVE", "0", 3_600_000);
    o.instrument_name = "ETH_USD".into();
    journal.append_order(o.clone());
    o.status = "CANCELED".into();
    journal.append_order(o);
    let mut b = order("B1", "ACTIVE", "0", 1_000_000);
    b.instrument_name = "BTC_USD".into();
    journal.append_order(b.clone());
    b.order_id = "B2".into();
    b.update_time_ms = 3_000_000;
    journal.append_order(b);
    journal.close().unwrap();
}

#[test]
fn the_summary_uses_average_cost_pnl_per_instrument() {
    let dir = scratch("summary");
    let path = dir.join("j.db");
    write_sample(&path);
    let s = summarize(&path, &Filter::default()).unwrap();
    assert_eq!((s.fills(), s.orders()), (4, 3));
    let btc = &s.instruments[0];
    assert_eq!(btc.instrument, "BTC_USD");
    assert_eq!((btc.pnl.fills, btc.pnl.realised, btc.pnl.position), (3, dec("22.5"), dec("0.5")));
    assert_eq!((btc.pnl.volume, btc.pnl.avg_cost), (dec("3.5"), dec("105")));
    assert_eq!(btc.pnl.fees.get("USD"), Some(&dec("0.25")));
    assert_eq!((btc.orders, btc.open_orders), (2, 2));
    let eth = &s.instruments[1];
    assert_eq!((eth.pnl.fills, eth.pnl.position, eth.orders, eth.open_orders), (1, dec("-0.5"), 1, 0));
    assert_eq!(eth.orders_by_status.get("CANCELED"), Some(&1));

    // From t = 2500 s: only the sale, which realises against the cost of the earlier buys; the
    // order last updated before then drops out.
    let since = Filter { since_ns: Some(2_500_000_000_000), instrument: Some("btc_usd".into()) };
    let s = summarize(&path, &since).unwrap();
    assert_eq!(s.instruments.len(), 1);
    let btc = &s.instruments[0];
    assert_eq!((btc.pnl.fills, btc.pnl.realised, btc.pnl.volume), (1, dec("22.5"), dec("1.5")));
    assert_eq!(btc.pnl.fees.get("USD"), Some(&dec("0.05")));
    assert_eq!((btc.orders, btc.pnl.position), (1, dec("0.5")));
}

#[test]
fn reading_needs_no_lock_and_changes_nothing() {
    let dir = scratch("read_only");
    let path = dir.join("j.db");
    write_sample(&path);
    let files = |d: &Path| {
        // Name, size and an FNV-1a digest of each file (the bytes themselves would flood a failure).
        let digest = |b: &[u8]| {
            b.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, x| (h ^ u64::from(*x)).wrapping_mul(0x100_0000_01b3))
        };
        let mut v: Vec<(String, usize, u64)> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap();
                (p.file_name().unwrap().to_string_lossy().into_owned(), bytes.len(), digest(&bytes))
            })
            .collect();
        v.sort();
        v
    };
    let before = files(&dir.0);
    assert_eq!(summarize(&path, &Filter::default()).unwrap().fills(), 4);
    assert_eq!(read_fills(&path).unwrap().len(), 4);
    assert_eq!(files(&dir.0), before, "reading created, removed or changed a file");

    // While a writer holds the lock, reading still works and sees what it committed.
    let (journal, _) = Journal::open(&path).unwrap();
    journal.append_fill(traded("e", "BTC_USD", "SELL", "130", "0.5", "0", 4_000));
    journal.flush().unwrap();
    let s = summarize(&path, &Filter::default()).unwrap();
    assert_eq!((s.fills(), s.instruments[0].pnl.realised), (5, dec("35")));
    journal.close().unwrap();
}

#[test]
fn reading_a_missing_journal_is_a_clear_error() {
    let dir = scratch("missing");
    let path = dir.join("nope.db");
    let err = summarize(&path, &Filter::default()).unwrap_err();
    assert!(matches!(err, JournalError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!path.exists() && !lock_path(&path).exists(), "reading created a file");
}
