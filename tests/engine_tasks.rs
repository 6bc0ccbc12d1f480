//! Nothing of the engine outlives it (issue 11): once `shutdown` returns, every task the engine
//! spawned (its sessions, reconciliation, sends and the writer task itself) has ended. The
//! simulator runs on a runtime of its own, so the runtime under test holds the engine's tasks
//! and nothing else.

mod support;

use std::sync::mpsc;

use cdc_engine::engine::{start, EngineConfig};
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::requests::CreateOrder;
use rust_decimal::Decimal;
use support::scripted::Scripted;
use support::*;

/// Starts a simulator on a thread and runtime of its own; returns the engine's configuration
/// for it and a sender that stops it.
fn sim_elsewhere() -> (EngineConfig, tokio::sync::oneshot::Sender<()>, std::thread::JoinHandle<()>) {
    let (cfg_tx, cfg_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        rt.block_on(async move {
            let sim = sim(false).await;
            cfg_tx.send(engine_cfg(&sim, None)).unwrap();
            let _ = stop_rx.await;
            sim.shutdown().await;
        });
    });
    (cfg_rx.recv().expect("the simulator starts"), stop_tx, thread)
}

#[test]
fn after_shutdown_no_task_of_the_engine_is_left_running() {
    let (cfg, stop_sim, sim_thread) = sim_elsewhere();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let metrics = tokio::runtime::Handle::current().metrics();
        assert_eq!(metrics.num_alive_tasks(), 0, "a fresh runtime");
        let (mut s, seen) = Scripted::new("quoter");
        let d = |v: &str| v.parse::<Decimal>().unwrap();
        s.at_start = vec![CreateOrder::limit("BTC_USD", Side::Buy, d("40000"), d("0.001"), "x")];
        let engine = start(cfg, vec![Box::new(s)]).await.unwrap();
        eventually(10, "the quote rests", || {
            engine.state().orders.open().len() == 1 && seen.lock().unwrap().started == 1
        })
        .await;
        assert!(metrics.num_alive_tasks() >= 2, "the writer task and the user session run");
        engine.shutdown(false).await.unwrap();
        drop(engine);
        // The HTTP client's pooled connections end as soon as they are polled after the client
        // was dropped with the engine; a few turns of the scheduler, no wall-clock wait.
        for _ in 0..100 {
            if metrics.num_alive_tasks() == 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(metrics.num_alive_tasks(), 0, "tasks left running after shutdown");
    });
    stop_sim.send(()).unwrap();
    sim_thread.join().unwrap();
}
