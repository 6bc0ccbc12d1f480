//! Running unattended, against the simulator: `/readyz` follows the sockets (unready on a drop,
//! ready again once reconciled), the control endpoint's kill switch halts and cancels within a
//! second and only with the token, one strategy can be halted and resumed, and the metrics
//! count what happened.

mod support;

use std::str::FromStr;
use std::time::{Duration, Instant};

use cdc_engine::engine::{start, EngineEvent, PlaceOutcome};
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::requests::CreateOrder;
use cdc_sim::venue::Venue;
use rust_decimal::Decimal;
use support::scripted::Scripted;
use support::*;

const TOKEN: &str = "control-token-for-tests-0123456789";

fn limit(side: Side, price: &str, qty: &str) -> CreateOrder {
    CreateOrder::limit("BTC_USD", side, Decimal::from_str(price).unwrap(), Decimal::from_str(qty).unwrap(), "x")
}

fn sim_orders(sim: &cdc_sim::SimHandle<cdc_sim::exchange::Exchange>) -> usize {
    sim.with_venue(|x| x.open_orders_json(None)).len()
}

async fn next_connection(rx: &mut tokio::sync::mpsc::UnboundedReceiver<EngineEvent>, live: bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(EngineEvent::Connection { live: l, detail })) if l == live => return detail,
            Ok(Some(_)) => {}
            other => panic!("no connection event with live = {live}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn readyz_turns_unready_when_the_socket_drops_and_ready_again_after_reconciliation() {
    let sim = sim(false).await;
    let engine = start(engine_cfg(&sim, None), Vec::new()).await.unwrap();
    let mut events = engine.subscribe_all();
    let ops = cdc_cli::ops::serve_metrics("127.0.0.1:0".parse().unwrap(), engine.clone()).await.unwrap();
    let url = |p: &str| format!("http://{}{p}", ops.addr());
    let http = reqwest::Client::new();
    let get = |p: &'static str| {
        let (http, u) = (http.clone(), url(p));
        async move { http.get(u).send().await.unwrap() }
    };
    assert_eq!(get("/healthz").await.status(), 200);
    assert_eq!(next_connection(&mut events, true).await, "reconciled");
    assert_eq!(get("/readyz").await.status(), 200);
    sim.faults().drop_connections();
    next_connection(&mut events, false).await;
    // The reconnect waits at least the connect pause: the answer now is the dropped state's.
    let r = get("/readyz").await;
    assert_eq!(r.status(), 503);
    assert!(r.text().await.unwrap().contains("user socket not live"));
    assert_eq!(get("/healthz").await.status(), 200, "the process is up all the same");
    assert_eq!(next_connection(&mut events, true).await, "reconciled");
    assert_eq!(get("/readyz").await.status(), 200);
    let text = get("/metrics").await.text().await.unwrap();
    assert!(text.contains("cdc_reconnects_total{socket=\"user\",cause="), "{text}");
    let recon = text.lines().find(|l| l.starts_with("cdc_reconciliation_seconds_count")).unwrap();
    assert!(recon.ends_with(" 2"), "two reconciliations: {recon}");
    assert!(text.contains("cdc_live{socket=\"user\"} 1"), "{text}");
    ops.shutdown().await;
    engine.shutdown(true).await.unwrap();
}

#[tokio::test]
async fn the_control_endpoint_halts_and_cancels_within_a_second_and_only_with_the_token() {
    let sim = sim(false).await;
    let (mut s, _) = Scripted::new("quoter");
    s.at_start = vec![limit(Side::Buy, "40000", "0.001"), limit(Side::Sell, "60000", "0.001")];
    let engine = start(engine_cfg(&sim, None), vec![Box::new(s)]).await.unwrap();
    eventually(10, "both quotes resting", || sim_orders(&sim) == 2).await;
    let ops = cdc_cli::ops::serve_control("127.0.0.1:0".parse().unwrap(), TOKEN.into(), engine.clone()).await.unwrap();
    let http = reqwest::Client::new();
    let url = |p: &str| format!("http://{}/control/{p}", ops.addr());
    let r = http.post(url("halt")).send().await.unwrap();
    assert_eq!(r.status(), 401, "no token, no halt");
    let r = http.post(url("halt")).bearer_auth("wrong-token-wrong-token").send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(!r.text().await.unwrap().contains(TOKEN), "the token is never echoed");
    assert_eq!(sim_orders(&sim), 2, "a refused request changed nothing");

    let asked = Instant::now();
    let r = http.post(url("halt?reason=operator%20test")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let reply: serde_json::Value = r.json().await.unwrap();
    assert_eq!(reply["kill_switch"], "operator test", "{reply}");
    assert!(reply["strategies"][0]["halted"].as_str().unwrap().contains("operator test"), "{reply}");
    while sim_orders(&sim) > 0 {
        assert!(asked.elapsed() < Duration::from_secs(1), "orders still open 1 s after the halt");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    match engine.place(limit(Side::Buy, "40000", "0.001")).await {
        PlaceOutcome::Refused(r) => assert!(r.to_string().contains("kill switch"), "{r}"),
        other => panic!("an order went out under the kill switch: {other:?}"),
    }

    let r = http.post(url("resume?strategy=quoter")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 409, "one strategy cannot be resumed under the kill switch");
    let r = http.post(url("resume")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let reply: serde_json::Value = r.json().await.unwrap();
    assert!(reply["kill_switch"].is_null() && reply["strategies"][0]["halted"].is_null(), "{reply}");
    assert!(matches!(engine.place(limit(Side::Buy, "40000", "0.001")).await, PlaceOutcome::Placed { .. }));

    let r = http.post(url("halt?strategy=nobody")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("this engine runs: quoter"));
    let r = http.post(url("halt?strategy=quoter")).bearer_auth(TOKEN).send().await.unwrap();
    let reply: serde_json::Value = r.json().await.unwrap();
    assert!(reply["kill_switch"].is_null(), "halting one strategy leaves the switch off: {reply}");
    let r = http.post(url("cancel")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    eventually(5, "the manual order cancelled too", || sim_orders(&sim) == 0).await;
    let status: serde_json::Value =
        http.get(url("status")).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    assert!(status["strategies"][0]["halted"].as_str().is_some(), "{status}");
    ops.shutdown().await;
    engine.shutdown(false).await.unwrap();
}
