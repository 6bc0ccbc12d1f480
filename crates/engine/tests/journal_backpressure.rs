//! A journal writer that falls behind: the disk (here, another connection's write lock, which
//! SQLite waits on as it would on a slow disk) holds a commit up, the append queue fills, and
//! appending waits at the queue's bound instead of growing a backlog without end or dropping an
//! entry. Once the disk is back every entry is committed, each once.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cdc_engine::journal::{read_fills, FillRecord, Journal, QUEUE_CAPACITY};
use rust_decimal::Decimal;

/// Most entries the writer takes in one batch (`journal::writer::BATCH`, private).
const BATCH: usize = 1_000;

fn fill(i: usize) -> FillRecord {
    FillRecord {
        trade_id: format!("T{i}"),
        order_id: format!("O{i}"),
        client_oid: None,
        instrument_name: "BTC_USD".into(),
        side: "BUY".into(),
        price: Decimal::from_str("50000.5").unwrap(),
        quantity: Decimal::ONE,
        fee: Decimal::ZERO,
        fee_currency: None,
        time_ns: i as u128,
    }
}

fn wait(secs: u64, what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn appends_wait_at_the_queue_bound_while_the_writer_is_held_up_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("j.db");
    let (journal, _) = Journal::open(&path).unwrap();
    // The disk stalls: the writer's next commit waits on this lock (SQLite's busy timeout is
    // 10 s, so it waits, not fails, for as long as this test holds it).
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();

    let total = QUEUE_CAPACITY + 2 * BATCH + 100;
    let appended = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let appender = {
        let (journal, appended, done) = (journal.clone(), appended.clone(), done.clone());
        std::thread::spawn(move || {
            for i in 0..total {
                journal.append_fill(fill(i));
                appended.fetch_add(1, Ordering::Relaxed);
            }
            done.store(true, Ordering::Relaxed);
        })
    };

    // The queue fills, then appending waits: at most one batch is in the writer's hands and the
    // rest of what was appended is the queue.
    wait(5, "the queue to fill", || appended.load(Ordering::Relaxed) >= QUEUE_CAPACITY);
    let bound = QUEUE_CAPACITY + BATCH + 1;
    let watch_until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < watch_until {
        let n = appended.load(Ordering::Relaxed);
        assert!(n <= bound, "{n} entries appended past a queue of {QUEUE_CAPACITY} while the writer was stalled");
        assert!(!done.load(Ordering::Relaxed), "every append returned while the writer was stalled");
        std::thread::sleep(Duration::from_millis(10));
    }
    let depth = journal.pending_counter().load(Ordering::Relaxed) as usize;
    assert!(depth >= QUEUE_CAPACITY, "the depth metric shows the backlog: {depth}");

    // The disk is back: the appender finishes and every fill is there once.
    blocker.execute_batch("COMMIT").unwrap();
    wait(30, "the appender to finish", || done.load(Ordering::Relaxed));
    appender.join().unwrap();
    journal.flush().unwrap();
    let fills = read_fills(&path).unwrap();
    assert_eq!(fills.len(), total);
    let ids: std::collections::BTreeSet<&str> = fills.iter().map(|f| f.trade_id.as_str()).collect();
    assert_eq!(ids.len(), total, "a fill journalled twice");
    assert_eq!(journal.pending_counter().load(Ordering::Relaxed), 0);
    journal.close().unwrap();
}
