//! The engine's correctness under chaos (issue 5): thousands of fills through repeated drops,
//! lost acknowledgements, a killed and restarted engine, and hostile pushes. Afterwards the
//! journal holds exactly the simulator's fills and the maps equal the simulator's account.

mod support;

use std::collections::BTreeSet;
use std::str::FromStr;
use std::time::Duration;

use cdc_engine::engine::{start, EngineEvent, EngineHandle, PlaceOutcome};
use cdc_engine::journal::read_fills;
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::requests::CreateOrder;
use cdc_sim::exchange::Exchange;
use cdc_sim::{AckMode, SimHandle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use support::*;

/// Rests `n` tiny buys and `n` tiny sells, then lets participants take them all: 2n fills.
fn round_of_fills(sim: &SimHandle<Exchange>, round: usize, n: usize, mut between: impl FnMut(usize)) {
    for i in 0..n {
        let p = 49_000 - (i % 7) as i64;
        place_direct(sim, true, &format!("{p}.00"), "0.0001", &format!("r{round}b{i}"));
        place_direct(sim, false, &format!("{}.00", 51_000 + (i % 7) as i64), "0.0001", &format!("r{round}s{i}"));
    }
    between(0);
    take(sim, false, Decimal::from_str("0.0001").unwrap() * Decimal::from(n as u64));
    between(1);
    take(sim, true, Decimal::from_str("0.0001").unwrap() * Decimal::from(n as u64));
    between(2);
}

fn assert_journal_equals_sim(path: &std::path::Path, sim: &SimHandle<Exchange>) -> usize {
    let journal: Vec<String> = read_fills(path).unwrap().into_iter().map(|f| f.trade_id).collect();
    let unique: BTreeSet<String> = journal.iter().cloned().collect();
    assert_eq!(unique.len(), journal.len(), "a fill was journalled twice");
    let at_sim: BTreeSet<String> = sim_trade_ids(sim).into_iter().collect();
    let lost: Vec<_> = at_sim.difference(&unique).take(5).collect();
    let extra: Vec<_> = unique.difference(&at_sim).take(5).collect();
    assert!(lost.is_empty() && extra.is_empty(), "journal differs: lost {lost:?}, unknown {extra:?}");
    unique.len()
}

async fn live(engine: &EngineHandle) {
    eventually(20, "engine live", || engine.state().is_live()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_fills_through_twenty_random_drops() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let sim = sim(false).await;
    let engine = start(engine_cfg(&sim, Some(&path)), Vec::new()).await.unwrap();
    live(&engine).await;
    let mut rng = StdRng::seed_from_u64(20261129);
    let mut drops = 0;
    for round in 0..24 {
        live(&engine).await;
        // Drop at a random point: before the fills, between the two sweeps, or while the
        // pushes of a sweep are still on their way.
        let at = rng.random_range(0..3usize);
        round_of_fills(&sim, round, 50, |step| {
            if step == at {
                sim.faults().drop_connections();
                drops += 1;
            }
        });
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..60))).await;
    }
    assert!(drops >= 20);
    converge(&engine, &sim, 90).await;
    engine.shutdown(true).await.unwrap();
    let n = assert_journal_equals_sim(&path, &sim);
    assert!(n >= 2000, "{n} fills");
}

#[tokio::test]
async fn lost_create_order_acknowledgements_never_place_a_client_oid_twice() {
    let sim = sim(false).await;
    let mut cfg = engine_cfg(&sim, None);
    cfg.request_timeout = Duration::from_millis(500);
    let engine = start(cfg, Vec::new()).await.unwrap();
    converge(&engine, &sim, 10).await;
    for (i, mode) in [AckMode::Drop, AckMode::Delay(Duration::from_millis(800))].into_iter().enumerate() {
        sim.faults().set_acks_for(mode, &["private/create-order"]);
        for k in 0..5 {
            let oid = format!("ackloss-{i}-{k}");
            let order = CreateOrder::limit(
                "BTC_USD",
                Side::Buy,
                Decimal::from(40_000 - k),
                Decimal::from_str("0.0001").unwrap(),
                &oid,
            );
            let outcome = engine.place(order).await;
            assert!(matches!(outcome, PlaceOutcome::Placed { order_id: Some(_), .. }), "{oid}: {outcome:?}");
        }
    }
    sim.faults().set_acks(AckMode::Normal);
    let accepted = sim.with_venue(|x| x.accepted_per_client_oid().clone());
    let ours: Vec<_> = accepted.iter().filter(|(k, _)| k.starts_with("ackloss-")).collect();
    assert_eq!(ours.len(), 10);
    assert!(ours.iter().all(|(_, n)| **n == 1), "placed twice: {ours:?}");
    converge(&engine, &sim, 10).await;
    engine.shutdown(true).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_engine_restarts_on_its_journal_and_equals_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let sim = sim(false).await;
    let first = start(engine_cfg(&sim, Some(&path)), Vec::new()).await.unwrap();
    live(&first).await;
    round_of_fills(&sim, 0, 40, |_| {});
    place_direct(&sim, true, "45000.00", "0.0100", "rests-across-the-restart");
    converge(&first, &sim, 20).await;
    // Mid-run: fills are still arriving when the engine dies.
    round_of_fills(&sim, 1, 40, |step| {
        if step == 1 {
            first.abort();
        }
    });
    // While no engine runs, the account keeps trading.
    round_of_fills(&sim, 2, 40, |_| {});
    let second = start(engine_cfg(&sim, Some(&path)), Vec::new()).await.unwrap();
    converge(&second, &sim, 30).await;
    assert!(second.state().orders.by_client_oid("rests-across-the-restart").is_some());
    second.shutdown(true).await.unwrap();
    assert_eq!(assert_journal_equals_sim(&path, &sim), 240);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_reordered_and_malformed_pushes_never_corrupt_state() {
    let sim = sim(false).await;
    let engine = start(engine_cfg(&sim, None), Vec::new()).await.unwrap();
    let mut events = engine.subscribe();
    converge(&engine, &sim, 10).await;
    let auths = || sim.stats().ws.get("public/auth").map_or(0, |m| m.accepted);
    let auths_before = auths();
    sim.faults().set_duplicate(true);
    sim.faults().set_reorder(true);
    for round in 0..5 {
        sim.faults().send_malformed(3);
        round_of_fills(&sim, round, 20, |_| {});
    }
    sim.faults().reset();
    // One clean change last, so the newest balance push is the final word.
    round_of_fills(&sim, 99, 1, |_| {});
    converge(&engine, &sim, 20).await;
    let mut fill_events = BTreeSet::new();
    let mut repeated = 0;
    while let Ok(ev) = events.try_recv() {
        if let EngineEvent::Fill(t) = ev {
            repeated += usize::from(!fill_events.insert(t.trade_id.to_string()));
        }
    }
    assert_eq!(repeated, 0, "a duplicated fill reached readers");
    assert_eq!(fill_events.len(), sim_trade_ids(&sim).len());
    // Skipped, not survived: the malformed frames never cost the connection.
    assert_eq!(auths(), auths_before, "the engine reconnected over malformed frames");
    engine.shutdown(true).await.unwrap();
}
