//! Nothing forgotten: a strategy restarted on the same journal after a crash gets back its own
//! fills (journal and exchange gap) and its open orders before its first decision; a clean stop
//! waits for the exchange to confirm its cancels, so the journal holds no order of the run as
//! still active; and a reader that subscribed for everything misses nothing however slow.

mod support;

use std::collections::BTreeSet;
use std::str::FromStr;

use cdc_engine::engine::{start, EngineEvent};
use cdc_engine::journal::read_order_history;
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::requests::CreateOrder;
use cdc_sim::venue::Venue;
use rust_decimal::Decimal;
use support::scripted::Scripted;
use support::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn limit(side: Side, price: &str, qty: &str) -> CreateOrder {
    CreateOrder::limit("BTC_USD", side, d(price), d(qty), "set-by-the-engine")
}

fn sim_json(sim: &cdc_sim::SimHandle<cdc_sim::exchange::Exchange>) -> Vec<serde_json::Value> {
    sim.with_venue(|x| x.open_orders_json(None))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_crash_the_strategy_gets_back_its_fills_and_open_orders_before_deciding() {
    let sim = sim(false).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.sqlite");
    let outside = place_direct(&sim, true, "30000.00", "0.0010", "not-the-strategys");
    let mut cfg = engine_cfg(&sim, Some(&journal));
    // As after `--keep-orders`, or an exchange that did not cancel on disconnect.
    cfg.cancel_on_disconnect = Some(false);

    let (mut first, _) = Scripted::new("maker");
    first.at_start = vec![limit(Side::Buy, "49000", "0.01"), limit(Side::Sell, "51000", "0.01")];
    let engine = start(cfg.clone(), vec![Box::new(first)]).await.unwrap();
    eventually(10, "both quotes resting", || sim_json(&sim).len() == 3).await;
    take(&sim, false, d("0.004"));
    converge(&engine, &sim, 10).await;
    engine.abort();
    // While the engine is down the sell quote fills too: only the exchange knows.
    take(&sim, true, d("0.003"));
    let sim_fills: BTreeSet<String> = sim_trade_ids(&sim).into_iter().collect();
    assert_eq!(sim_fills.len(), 2);
    let outside_id = outside["order_id"].as_str().unwrap();
    let open_before: BTreeSet<String> = sim_open_orders(&sim).into_iter().filter(|id| id != outside_id).collect();

    let (second, seen) = Scripted::new("maker");
    let engine = start(cfg, vec![Box::new(second)]).await.unwrap();
    let mut events = engine.subscribe_all();
    eventually(10, "the strategy started", || seen.lock().unwrap().started == 1).await;
    let s = seen.lock().unwrap().clone();
    assert_eq!(s.early, 0, "no callback before the resume and the start");
    let resumed = s.resumed.expect("resumed before start");
    let fills: BTreeSet<String> = resumed.fills.iter().map(|t| t.trade_id.to_string()).collect();
    assert_eq!(fills, sim_fills, "journal fill and the gap fill, each once");
    let open: BTreeSet<String> = resumed.open_orders.iter().map(|o| o.order_id.to_string()).collect();
    assert_eq!(open, open_before, "its own open orders, not the outside one");
    let net: Decimal =
        resumed.fills.iter().map(|t| if t.side == Side::Buy { t.traded_quantity } else { -t.traded_quantity }).sum();
    assert_eq!(net, d("0.001"));
    assert_eq!(s.positions, vec![d("0.001")], "its context shows that position from the start");
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(5), events.recv()).await {
            Ok(Some(EngineEvent::Resumed { strategy, open_orders, fills, position })) => {
                assert_eq!((strategy.as_str(), open_orders, fills), ("maker", 2, 2));
                assert_eq!(position, vec![("BTC_USD".to_owned(), d("0.001"))]);
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("no Resumed event: {other:?}"),
        }
    }
    engine.shutdown(false).await.unwrap();
    assert_eq!(sim_open_orders(&sim), [outside_id.to_owned()].into(), "own orders cancelled, adopted ones included");
}

#[tokio::test]
async fn a_clean_stop_journals_every_cancel_and_sums_the_run_up() {
    let sim = sim(false).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.sqlite");
    let (mut s, _) = Scripted::new("quoter");
    s.at_start =
        vec![limit(Side::Buy, "49000", "0.01"), limit(Side::Buy, "48000", "0.01"), limit(Side::Sell, "51000", "0.01")];
    let engine = start(engine_cfg(&sim, Some(&journal)), vec![Box::new(s)]).await.unwrap();
    eventually(10, "three quotes resting", || sim_json(&sim).len() == 3).await;
    take(&sim, true, d("0.01"));
    converge(&engine, &sim, 10).await;
    let ids: Vec<String> = engine.state().orders.open().iter().map(|o| o.order_id.to_string()).collect();
    assert_eq!(ids.len(), 2);
    let summary = engine.shutdown(false).await.unwrap();
    for id in &ids {
        let history = read_order_history(&journal, id).unwrap();
        assert_eq!(history.last().map(|o| o.status.as_str()), Some("CANCELED"), "{id}: {history:?}");
    }
    assert_eq!((summary.placed, summary.cancelled, summary.filled), (3, 2, 1));
    assert!(summary.still_open.is_empty());
    let btc = summary.pnl.get("BTC_USD").expect("figures for BTC_USD");
    assert_eq!((btc.fills, btc.volume, btc.position), (1, d("0.01"), d("-0.01")));
    let text = summary.to_string();
    assert!(text.contains("3 placed, 2 cancelled, 1 filled") && text.contains("nothing of this run is open"), "{text}");
}

#[tokio::test]
async fn a_reader_of_everything_misses_no_fill_where_the_broadcast_lags() {
    let sim = sim(false).await;
    let mut cfg = engine_cfg(&sim, None);
    cfg.event_buffer = 4;
    let engine = start(cfg, Vec::new()).await.unwrap();
    let mut lossy = engine.subscribe();
    let mut all = engine.subscribe_all();
    converge(&engine, &sim, 10).await;
    place_direct(&sim, false, "51000.00", "0.0500", "resting");
    for _ in 0..25 {
        take(&sim, true, d("0.001"));
    }
    converge(&engine, &sim, 10).await;
    let mut fills = 0;
    while let Ok(ev) = all.try_recv() {
        fills += usize::from(matches!(ev, EngineEvent::Fill(_)));
    }
    assert_eq!(fills, 25, "every fill reached the lossless reader");
    assert!(
        matches!(lossy.try_recv(), Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_))),
        "the broadcast reader did lag, so the test shows the difference"
    );
    engine.shutdown(true).await.unwrap();
}
