//! Faults around reconciliation and reconnection, seen from the engine (docs/faults.md,
//! "Sessions" and "Services"): a drop while a reconciliation runs, reconciliation's REST
//! calls failing, and the simulator restarting. Each ends with the engine live and equal to
//! the simulator's account.

mod support;

use std::str::FromStr;
use std::time::Duration;

use cdc_engine::engine::{start, EngineEvent, EngineHandle};
use cdc_engine::journal::read_fills;
use cdc_engine::metrics::{Channel, SocketName};
use cdc_sim::exchange::Exchange;
use cdc_sim::{AckMode, SimHandle};
use rust_decimal::Decimal;
use support::*;
use tokio::sync::mpsc::UnboundedReceiver;

/// Requests of `method` that reached the simulator over REST.
fn rest_calls(sim: &SimHandle<Exchange>, method: &str) -> u64 {
    sim.stats().rest.get(method).map_or(0, |m| m.accepted)
}

/// Requests of `method` that reached the simulator over a socket.
fn ws_calls(sim: &SimHandle<Exchange>, method: &str) -> u64 {
    sim.stats().ws.get(method).map_or(0, |m| m.accepted)
}

/// User pushes of `channel` the engine has read off the socket (held or applied).
fn pushes_read(engine: &EngineHandle, channel: &str) -> u64 {
    engine.metrics().frames.get_or_create(&Channel { socket: SocketName::user, channel: channel.into() }).get()
}

/// A resting user buy that a participant then fills completely: one fill.
fn fill_one(sim: &SimHandle<Exchange>, oid: &str) {
    place_direct(sim, true, "49000.00", "0.0010", oid);
    take(sim, false, Decimal::from_str("0.0010").unwrap());
}

/// The connection events received so far: (live, detail).
fn connection_events(rx: &mut UnboundedReceiver<EngineEvent>) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let EngineEvent::Connection { live, detail } = ev {
            out.push((live, detail));
        }
    }
    out
}

/// A drop while a reconciliation runs ends that round: the pushes held back during it are
/// applied at once (the engine knows the fill before any new round is done), and the old
/// round's answer, arriving after the drop, is ignored (it does not make the engine live while
/// the new connection is still authenticating). The next round makes it live and converged.
#[tokio::test]
async fn a_drop_during_reconciliation_applies_the_held_pushes_and_ignores_the_old_round() {
    let sim = sim(false).await;
    let mut cfg = engine_cfg(&sim, None);
    // An auth answer is delayed below; this must outlast it.
    cfg.request_timeout = Duration::from_secs(4);
    let engine = start(cfg, Vec::new()).await.unwrap();
    converge(&engine, &sim, 10).await;
    let mut events = engine.subscribe_all();

    // Round 1: its first call is held 400 ms at the simulator.
    let open_orders = rest_calls(&sim, "private/get-open-orders");
    sim.faults().set_acks_for(AckMode::Delay(Duration::from_millis(400)), &["private/get-open-orders"]);
    sim.faults().drop_connections();
    eventually(10, "round 1 asks for the open orders", || rest_calls(&sim, "private/get-open-orders") > open_orders)
        .await;
    let fills = engine.state().fills.total();
    let trades_read = pushes_read(&engine, "user.trade");
    fill_one(&sim, "during-round-1");
    eventually(5, "the fill's push reaches the engine", || pushes_read(&engine, "user.trade") > trades_read).await;
    assert_eq!(engine.state().fills.total(), fills, "a push was applied while the round ran");
    assert!(!engine.state().is_live());

    // Drop while round 1 still waits. The next connection's auth is answered only after
    // 1.5 s, so round 1's answer (due 400 ms after it asked) lands between the drop and the
    // next round; round 2's first call is held 1.5 s too, so it is still running when looked at.
    let balances = rest_calls(&sim, "private/user-balance");
    let slow = AckMode::Delay(Duration::from_millis(1500));
    sim.faults().set_acks_for(slow, &["public/auth", "private/get-open-orders"]);
    sim.faults().drop_connections();
    eventually(3, "the held fill applied before the next round", || {
        engine.state().fills.total() == fills + 1
            && engine.state().orders.by_client_oid("during-round-1").is_some()
            && !engine.state().is_live()
    })
    .await;
    eventually(5, "round 1's last call answered", || rest_calls(&sim, "private/user-balance") > balances).await;
    assert_eq!(rest_calls(&sim, "private/get-open-orders"), open_orders + 1, "round 2 began before round 1 ended");
    // Round 2 begins once the new connection is authenticated, a second after round 1's
    // answer came back: the engine must not have gone live on that stale answer meanwhile.
    eventually(5, "round 2 asks for the open orders", || {
        rest_calls(&sim, "private/get-open-orders") == open_orders + 2
    })
    .await;
    let early: Vec<_> = connection_events(&mut events).into_iter().filter(|(live, _)| *live).collect();
    assert!(early.is_empty(), "live on round 1's answer, after the drop: {early:?}");
    converge(&engine, &sim, 10).await;
    sim.faults().reset();
    let lives: Vec<_> = connection_events(&mut events).into_iter().filter(|(live, _)| *live).collect();
    assert_eq!(lives.len(), 1, "round 2 made the engine live once: {lives:?}");
    assert_eq!(ws_calls(&sim, "public/auth"), 3);
    engine.shutdown(true).await.unwrap();
}

/// Reconciliation's fetch failing is tried 3 more times, 1 s apart, on the same connection;
/// then the engine drops the user socket and reconciles on a new one, and ends live.
#[tokio::test]
async fn failing_reconciliation_calls_are_retried_then_a_new_connection_reconciles() {
    let sim = sim(false).await;
    fill_one(&sim, "before-start");
    // 10001 (SYS_ERROR) is a failure the REST client itself does not retry, so each of the
    // four fetches fails at its first call.
    sim.faults().inject_errors_on("private/get-open-orders", 10001, 4);
    let started = tokio::time::Instant::now();
    let engine = start(engine_cfg(&sim, None), Vec::new()).await.unwrap();
    let mut events = engine.subscribe_all();
    converge(&engine, &sim, 10).await;
    assert!(started.elapsed() >= Duration::from_secs(3), "3 retries 1 s apart took {:?}", started.elapsed());
    assert_eq!(rest_calls(&sim, "private/get-open-orders"), 5, "one fetch on the new connection");
    // Four failed fetches, one new connection: the retries were all on the first one.
    assert_eq!(ws_calls(&sim, "public/auth"), 2, "one new connection after the last failure");
    let conn = connection_events(&mut events);
    let lives: Vec<_> = conn.iter().filter(|(live, _)| *live).collect();
    assert_eq!(lives.len(), 1, "{conn:?}");
    assert!(conn.iter().any(|(live, d)| !live && d.contains("disconnected")), "{conn:?}");
    engine.shutdown(true).await.unwrap();
}

/// The simulator restarts (sockets closed with 1013, same port, state kept) while the engine
/// trades: it reconnects, authenticates, subscribes and reconciles, finds the fills made while
/// it was away, and journals every fill once.
#[tokio::test]
async fn a_simulator_restart_is_a_drop_reconnected_and_reconciled_with_each_fill_journalled_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let sim = sim(false).await;
    let engine = start(engine_cfg(&sim, Some(&path)), Vec::new()).await.unwrap();
    converge(&engine, &sim, 10).await;
    let mut events = engine.subscribe_all();
    for i in 0..3 {
        fill_one(&sim, &format!("before-{i}"));
    }
    converge(&engine, &sim, 10).await;
    // The engine's previous connection also closed, with 1013.
    sim.restart().await.unwrap();
    // Nothing runs between the restart and these fills: the engine cannot have subscribed
    // again yet, so only reconciliation can bring them.
    for i in 0..3 {
        fill_one(&sim, &format!("while-away-{i}"));
    }
    place_direct(&sim, true, "45000.00", "0.0100", "rests-across-the-restart");
    converge(&engine, &sim, 15).await;
    for i in 0..3 {
        fill_one(&sim, &format!("after-{i}"));
    }
    converge(&engine, &sim, 10).await;
    assert!(engine.state().orders.by_client_oid("rests-across-the-restart").is_some());
    assert_eq!(ws_calls(&sim, "public/auth"), 2, "authenticated again on the new connection");
    let conn = connection_events(&mut events);
    assert!(conn.iter().any(|(live, d)| !live && d.contains("1013")), "{conn:?}");
    engine.shutdown(true).await.unwrap();

    let journal: Vec<String> = read_fills(&path).unwrap().into_iter().map(|f| f.trade_id).collect();
    let mut unique = journal.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), journal.len(), "a fill was journalled twice");
    let mut at_sim = sim_trade_ids(&sim);
    at_sim.sort();
    assert_eq!(at_sim.len(), 9);
    assert_eq!(unique, at_sim);
}
