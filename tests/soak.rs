//! The soak: the engine against the simulator for an hour of the runtime's paused clock, while
//! orders go in and out, the sockets drop every few minutes, the simulator restarts, a 42901
//! storm and a run of 5xx answers hit it, its wall clock jumps, and two readers of its events
//! fall behind. After the warm-up its memory must stay flat and its tasks and sockets must not
//! grow; at the end every fill is in the journal once and in the lossless reader once.
//!
//! Bounded by default (CI: 60 simulated minutes, 6,000 orders). The long mode is the same test
//! with more of both: `CDC_SOAK_MINUTES=240 CDC_SOAK_ORDERS=100000 cargo test --release --test
//! soak -- --nocapture` (see docs/soak.md).

#[path = "soak/clock.rs"]
mod clock;
#[path = "soak/probe.rs"]
mod probe;
#[path = "soak/schedule.rs"]
mod schedule;
mod support;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use cdc_engine::clock::SystemClock;
use cdc_engine::engine::{start, EngineEvent};
use cdc_engine::journal::read_fills;
use cdc_sim::SimConfig;
use probe::Probe;
use schedule::{Fault, Plan};
use support::*;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::test(start_paused = true)]
async fn an_hour_of_faults_and_orders_leaks_nothing_and_journals_every_fill_once() {
    let plan = Plan::new(env("CDC_SOAK_MINUTES", 60), env("CDC_SOAK_ORDERS", 6_000));
    // From here on only the driver moves the clock (see soak/clock.rs).
    let _clock = clock::drive();
    let mut sim_cfg = SimConfig::new(KEY, SECRET);
    // The simulator counts its WebSocket limit in wall-clock seconds; many simulated seconds
    // pass in one real one here, so the engine's pacing (on the paused clock) holds the rate.
    sim_cfg.ws_rate_per_second = Some(1_000_000);
    let sim = sim_with(sim_cfg, false).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("soak.sqlite");
    let mut cfg = engine_cfg(&sim, Some(&journal));
    let clock = SystemClock::new();
    cfg.clock = clock.clone();
    // Bounded memory is the engine's promise only past these windows: the warm-up fills them.
    cfg.keep_terminal_orders = 500;
    cfg.fill_window = 200;
    let engine = start(cfg, Vec::new()).await.unwrap();
    // Two slow readers: the lossless one is read once a simulated minute, the broadcast one
    // never (it lags and must not hold anything up).
    let mut lossless = engine.subscribe_all();
    let _never_read = engine.subscribe();
    let mut fill_events: HashMap<String, usize> = HashMap::new();
    eventually(30, "live", || engine.state().is_live()).await;

    let mut probe = Probe::default();
    let mut trader = schedule::Trader::default();
    for minute in 0..plan.minutes {
        let started = tokio::time::Instant::now();
        for fault in plan.faults_at(minute) {
            match fault {
                Fault::Drop => sim.faults().drop_connections(),
                Fault::Restart => sim.restart().await.unwrap(),
                Fault::Storm => sim.faults().inject_errors_for(42901, Duration::from_secs(20)),
                Fault::ServerErrors => sim.faults().inject_errors(50001, 40),
                Fault::ClockAhead => {
                    clock.set_offset(120_000);
                    sim.faults().drop_connections(); // the next auth meets the jump: 40102
                }
                Fault::ClockBack => clock.set_offset(0),
            }
        }
        trader.trade_a_minute(&engine, &sim, plan.orders_per_minute).await;
        while let Ok(ev) = lossless.try_recv() {
            if let EngineEvent::Fill(f) = ev {
                *fill_events.entry(f.trade_id.to_string()).or_default() += 1;
            }
        }
        if let Some(left) = Duration::from_secs(60).checked_sub(started.elapsed()) {
            tokio::time::sleep(left).await;
        }
        if minute + 1 >= plan.warm_up {
            probe.sample(minute);
        }
    }

    sim.faults().reset();
    clock.set_offset(0);
    converge(&engine, &sim, 600).await;
    // Settled: sends finished, idle pooled REST connections closed (they idle out in 90 s).
    tokio::time::sleep(Duration::from_secs(120)).await;
    probe.sample(plan.minutes + 2);
    println!("{trader}\n{probe}");
    probe.assert_flat(plan.orders_per_minute * (plan.minutes - plan.warm_up));

    engine.shutdown(false).await.unwrap();
    while let Ok(ev) = lossless.try_recv() {
        if let EngineEvent::Fill(f) = ev {
            *fill_events.entry(f.trade_id.to_string()).or_default() += 1;
        }
    }
    let on_exchange: BTreeSet<String> = sim_trade_ids(&sim).into_iter().collect();
    assert!(trader.placed >= plan.orders * 9 / 10, "{trader}");
    assert!(on_exchange.len() >= plan.orders / 20, "too few fills to show anything: {}", on_exchange.len());
    let journalled = read_fills(&journal).unwrap();
    let ids: BTreeSet<String> = journalled.iter().map(|f| f.trade_id.clone()).collect();
    assert_eq!(ids.len(), journalled.len(), "a fill journalled twice");
    assert_eq!(ids, on_exchange, "the journal and the exchange differ");
    let twice: Vec<_> = fill_events.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "fill events delivered twice: {twice:?}");
    assert_eq!(fill_events.keys().cloned().collect::<BTreeSet<_>>(), on_exchange, "the lossless reader missed fills");
    // The faults happened: every drop, the restart and the clock's return meant a new auth
    // (at least one per drop user-side), and the jump itself was refused.
    let drops = (0..plan.minutes).flat_map(|m| plan.faults_at(m)).filter(|f| matches!(f, Fault::Drop)).count();
    let auths = sim.stats().ws.get("public/auth").map_or(0, |m| m.accepted);
    assert!(auths as usize >= drops + 2, "{auths} auths for {drops} drops");
    let accepted = sim.with_venue(|x| x.accepted_per_client_oid().values().filter(|n| **n > 1).count());
    assert_eq!(accepted, 0, "a client_oid was placed twice");
}
