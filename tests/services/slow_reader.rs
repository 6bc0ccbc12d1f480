//! A slow reader of the NATS bus: a `tail --from --durable` whose own output nobody reads (a
//! pipe into a consumer that stalled), so it stops fetching while the engine trades a burst
//! through an in-process publisher. The engine neither slows nor waits, every fill is journalled
//! and stored in the stream while the reader is behind, and once its output is read again the
//! reader prints every fill of the journal exactly once, in journal order.

use super::support;

use std::process::Stdio;
use std::str::FromStr;
use std::time::Duration;

use async_nats::jetstream::consumer::Info;
use async_nats::jetstream::stream::State;
use cdc_cli::bus::publish::cursor::{cursor_path, load};
use cdc_cli::bus::publish::{PublishConfig, Publisher};
use cdc_engine::engine::{start, PlaceOutcome};
use cdc_engine::journal::{fills_after, orders_after};
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::requests::CreateOrder;
use rust_decimal::Decimal;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{ChildStdout, Command};
use tokio::time::{timeout, Instant};

use crate::server::Nats;
use support::{converge, engine_cfg, eventually, sim, take};

/// Fills made while the reader is behind: each is several published messages (fill, order,
/// balance, position), several times what a pipe and one fetched batch hold.
const BURST: usize = 300;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// The journal's trade ids in journal order, and its last order transition's seq.
fn journal(path: &std::path::Path) -> (Vec<String>, i64) {
    let fills = fills_after(path, 0, 100_000).unwrap().into_iter().map(|(_, f)| f.trade_id).collect();
    let last_order = orders_after(path, 0, 100_000).unwrap().last().map_or(0, |(seq, _)| *seq);
    (fills, last_order)
}

/// The trade ids of the fills among `tail --json`'s lines read so far, in the order printed.
async fn read_fills(lines: &mut Lines<BufReader<ChildStdout>>, got: &mut Vec<String>, until: usize) {
    while got.len() < until {
        let line = timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("tail printed {} fills of {until} within 20 s", got.len()))
            .unwrap()
            .expect("tail --from still running");
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if v["type"] == "fill" {
            got.push(v["trade_id"].as_str().unwrap().to_owned());
        }
    }
}

/// The stream's state and the durable reader's position.
async fn positions(js: &async_nats::jetstream::Context) -> (State, Info) {
    let mut stream = js.get_stream("CDC").await.unwrap();
    let state = stream.info().await.unwrap().state.clone();
    (state, stream.consumer_info("slow").await.unwrap())
}

/// A `tail --from` reader that stops fetching for seconds slows no trading and loses nothing:
/// meanwhile every engine order round trip answers promptly, every fill is journalled and
/// published (the cursor at the journal's end) and waits in the stream (none discarded, the
/// reader's consumer that far behind); once its output is read again it prints each journalled
/// fill once, in journal order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_bus_reader_slows_no_trading_and_then_gets_every_fill_once_in_order() {
    let nats = Nats::start();
    let sim = sim(false).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let engine = start(engine_cfg(&sim, Some(&path)), Vec::new()).await.unwrap();
    converge(&engine, &sim, 10).await;
    let publish = PublishConfig { url: nats.url(), account: "slow".into(), journal: Some(path.clone()) };
    let publisher = Publisher::start(publish, &engine).await.unwrap();
    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = async_nats::jetstream::new(client);

    let mut tail = Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .args(["tail", "--from", &nats.url(), "--json", "--durable", "slow", "--duration", "60", "--state-dir"])
        .arg(dir.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(tail.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();

    // While its output is read, the reader keeps up: the first fills are printed as they come.
    let sell = CreateOrder::limit("BTC_USD", Side::Sell, d("51000"), d("0.5"), "set-by-the-engine");
    assert!(matches!(engine.place(sell).await, PlaceOutcome::Placed { .. }));
    for _ in 0..5 {
        take(&sim, true, d("0.001"));
    }
    read_fills(&mut lines, &mut printed, 5).await;

    // Its output is no longer read: its pipe fills, it blocks printing, and fetches no more.
    // The engine trades a burst meanwhile, its own order round trips timed in between.
    let t0 = Instant::now();
    let mut slowest = Duration::ZERO;
    for i in 0..BURST / 20 {
        for _ in 0..20 {
            take(&sim, true, d("0.001"));
        }
        let bid =
            CreateOrder::limit("BTC_USD", Side::Buy, d("40000") + Decimal::from(i), d("0.001"), &format!("bid-{i}"));
        let t = Instant::now();
        let placed = timeout(Duration::from_secs(2), engine.place(bid)).await.expect("the engine answers at once");
        assert!(matches!(placed, PlaceOutcome::Placed { .. }), "{placed:?}");
        slowest = slowest.max(t.elapsed());
    }
    converge(&engine, &sim, 10).await;
    let traded = t0.elapsed();
    eventually(10, "every fill journalled", || journal(&path).0.len() == 5 + BURST).await;
    let (fills, last_order) = journal(&path);
    let last_fill = fills_after(&path, 0, 100_000).unwrap().last().unwrap().0;
    eventually(10, "every fill and order published", || {
        load(&cursor_path(&path)).ok().flatten().is_some_and(|c| (c.fills_seq, c.orders_seq) == (last_fill, last_order))
    })
    .await;
    assert!(tail.try_wait().unwrap().is_none(), "the reader is still there, only behind");
    let (state, behind) = positions(&js).await;
    assert!(
        state.first_sequence == 1 && state.messages == state.last_sequence,
        "every message waits in the stream for the reader: {state:?}"
    );
    assert!(
        behind.num_pending > (BURST as u64),
        "the reader is behind by most of the burst: {} waiting, {} delivered unacked",
        behind.num_pending,
        behind.num_ack_pending
    );
    eprintln!(
        "burst of {BURST} fills traded in {traded:?}, slowest order round trip {slowest:?}; the reader {} messages \
         behind, {} of {} in the stream",
        behind.num_pending, state.messages, state.last_sequence
    );

    // Its output read again, it catches up: each journalled fill once, in journal order.
    read_fills(&mut lines, &mut printed, fills.len()).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (state, now) = positions(&js).await;
        if now.num_pending == 0 && now.num_ack_pending == 0 && now.delivered.stream_sequence == state.last_sequence {
            break;
        }
        assert!(Instant::now() < deadline, "the reader did not catch up: {now:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = tail.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    // Whatever it printed before stopping: a repeat or a fill out of journal order shows here.
    while let Some(line) = timeout(Duration::from_secs(10), lines.next_line()).await.unwrap().unwrap() {
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["type"] == "fill" {
            printed.push(v["trade_id"].as_str().unwrap().to_owned());
        }
    }
    assert!(tail.wait().await.unwrap().success());
    assert_eq!(printed, fills, "the reader printed the journal's fills, each once, in journal order");
    publisher.finish(Duration::from_secs(5)).await;
    engine.shutdown(true).await.unwrap();
}
