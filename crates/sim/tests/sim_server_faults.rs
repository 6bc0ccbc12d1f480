//! Fault switches, through the Rust API and through `/sim/control/`.

mod sim_support;

use std::time::Duration;

use cdc_sim::AckMode;
use futures::StreamExt;
use serde_json::{json, Value};
use sim_support::*;
use tokio_tungstenite::tungstenite::Message;

async fn control(sim: &Sim, path: &str) -> Value {
    let r = reqwest::Client::new().post(format!("{}/{path}", sim.control_url())).send().await.expect("http");
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.json().await.expect("json")
}

async fn subscribed_to_orders(sim: &Sim) -> Ws {
    let mut ws = authed_user(sim).await;
    send(&mut ws, json!({"id": 2, "method": "subscribe", "params": {"channels": ["user.order"]}})).await;
    assert_eq!(recv(&mut ws).await["id"], 2);
    ws
}

/// Reads until the stream ends; returns the close code if a close frame came.
async fn ending(ws: &mut Ws) -> Option<u16> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("ends within 5 s") {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

#[tokio::test]
async fn drop_ends_every_connection_without_a_close_frame() {
    let sim = start_sim().await;
    let mut a = authed_user(&sim).await;
    let mut b = connect(&sim.market_ws_url()).await;
    control(&sim, "drop").await;
    assert_eq!(ending(&mut a).await, None);
    assert_eq!(ending(&mut b).await, None);
    wait_for(|| sim.connections() == 0).await;
    let mut again = authed_user(&sim).await;
    send(&mut again, json!({"id": 3, "method": "private/user-balance", "params": {}})).await;
    assert_eq!(recv(&mut again).await["code"], 0);
}

#[tokio::test]
async fn dropped_acks_still_execute() {
    let sim = start_sim().await;
    let mut ws = authed_user(&sim).await;
    sim.faults().set_acks(AckMode::Drop);
    send(&mut ws, json!({"id": 10, "method": "private/create-order", "params": {"client_oid": "lost-ack"}})).await;
    wait_for(|| sim.with_venue(|v| v.orders.len()) == 1).await;
    sim.faults().set_acks(AckMode::Normal);
    send(&mut ws, json!({"id": 11, "method": "private/user-balance", "params": {}})).await;
    assert_eq!(recv(&mut ws).await["id"], 11, "the response to id 10 never came");
}

#[tokio::test]
async fn delayed_acks_arrive_late() {
    let sim = start_sim().await;
    let mut ws = authed_user(&sim).await;
    control(&sim, "acks?mode=delay&ms=300").await;
    let t0 = std::time::Instant::now();
    send(&mut ws, json!({"id": 12, "method": "private/user-balance", "params": {}})).await;
    assert_eq!(recv(&mut ws).await["id"], 12);
    assert!(t0.elapsed() >= Duration::from_millis(300));
    // REST too.
    let t0 = std::time::Instant::now();
    let (status, _) = post_signed(&sim, "private/user-balance", 1, json!({})).await;
    assert!(status == 200 && t0.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn duplicate_sends_each_push_twice() {
    let sim = start_sim().await;
    let mut ws = subscribed_to_orders(&sim).await;
    control(&sim, "duplicate?on=1").await;
    sim.with_venue(|v| v.add_order("twice"));
    let a = recv(&mut ws).await;
    let b = recv(&mut ws).await;
    assert_eq!(a, b);
    assert_eq!(a["result"]["data"][0]["client_oid"], "twice");
}

#[tokio::test]
async fn reorder_swaps_adjacent_pushes() {
    let sim = start_sim().await;
    let mut ws = subscribed_to_orders(&sim).await;
    control(&sim, "reorder?on=1").await;
    sim.with_venue(|v| {
        v.add_order("first");
        v.add_order("second");
    });
    let oids: Vec<Value> = [recv(&mut ws).await, recv(&mut ws).await]
        .iter()
        .map(|p| p["result"]["data"][0]["client_oid"].clone())
        .collect();
    assert_eq!(oids, vec![json!("second"), json!("first")]);
    // A lone push held back for a partner still goes out.
    sim.with_venue(|v| v.add_order("alone"));
    assert_eq!(recv(&mut ws).await["result"]["data"][0]["client_oid"], "alone");
}

#[tokio::test]
async fn malformed_frames_reach_every_connection() {
    let sim = start_sim().await;
    let mut ws = authed_user(&sim).await;
    control(&sim, "malformed?count=3").await;
    for _ in 0..3 {
        let frame = recv(&mut ws).await;
        let well_formed =
            frame.is_object() && frame["method"].is_string() && (frame["id"].is_i64() || frame["id"].is_u64());
        assert!(!well_formed, "{frame}");
    }
    send(&mut ws, json!({"id": 5, "method": "private/user-balance", "params": {}})).await;
    assert_eq!(recv(&mut ws).await["id"], 5);
}

#[tokio::test]
async fn injected_errors_refuse_the_next_requests_without_executing() {
    let sim = start_sim().await;
    sim.faults().inject_errors(50001, 2);
    for id in 1..=2 {
        let (status, r) = post_signed(&sim, "private/create-order", id, json!({"client_oid": format!("e{id}")})).await;
        assert_eq!((status, r["code"].clone()), (500, json!(50001)));
    }
    let (status, _) = post_signed(&sim, "private/create-order", 3, json!({"client_oid": "e3"})).await;
    assert_eq!(status, 200);
    assert_eq!(sim.with_venue(|v| v.orders.len()), 1);

    control(&sim, "errors?code=42901&count=1").await;
    let mut ws = connect(&sim.user_ws_url()).await;
    send(&mut ws, json!({"id": 4, "method": "public/get-instruments", "params": {}})).await;
    let r = recv(&mut ws).await;
    assert_eq!(
        (r["id"].clone(), r["code"].clone(), r["message"].clone()),
        (json!(4), json!(42901), json!("TOO_MANY_REQUESTS"))
    );
}

#[tokio::test]
async fn heartbeats_can_be_switched_off() {
    let mut cfg = config();
    cfg.heartbeat_interval = Duration::from_millis(50);
    cfg.heartbeat_timeout = Duration::from_millis(30);
    let sim = start_with(cfg).await;
    control(&sim, "heartbeats?on=0").await;
    let mut ws = connect(&sim.market_ws_url()).await;
    // Ten silent intervals: no heartbeat, and no close for unanswered ones.
    assert_eq!(recv_within(&mut ws, 1).await, None);
    send(&mut ws, json!({"id": 6, "method": "unsubscribe", "params": {"channels": []}})).await;
    assert_eq!(recv(&mut ws).await["id"], 6);
    control(&sim, "heartbeats?on=1").await;
    assert_eq!(recv(&mut ws).await["method"], "public/heartbeat");
}

#[tokio::test]
async fn restart_closes_with_1013_keeps_state_and_listens_on_the_same_port() {
    let sim = start_sim().await;
    let addr = sim.addr();
    let mut ws = authed_user(&sim).await;
    post_signed(&sim, "private/create-order", 1, json!({"client_oid": "kept"})).await;
    control(&sim, "restart").await;
    assert_eq!(ending(&mut ws).await, Some(1013));
    let mut ws = {
        // The listener comes back shortly after the close frames go out.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            match tokio_tungstenite::connect_async(sim.user_ws_url()).await {
                Ok((ws, _)) => break ws,
                Err(e) => assert!(std::time::Instant::now() < deadline, "no listener: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    assert_eq!(sim.addr(), addr);
    assert_eq!(auth_with(&mut ws, 1, SECRET, now_ms()).await["code"], 0);
    send(&mut ws, json!({"id": 2, "method": "subscribe", "params": {"channels": ["user.order"]}})).await;
    assert_eq!(recv(&mut ws).await["result"]["data"][0]["client_oid"], "kept");
    sim.restart().await.expect("restart via API");
    assert_eq!(ending(&mut ws).await, Some(1013));
}

#[tokio::test]
async fn stats_are_served_as_json() {
    let sim = start_sim().await;
    post_signed(&sim, "private/user-balance", 1, json!({})).await;
    let stats: Value =
        reqwest::get(format!("{}/stats", sim.control_url())).await.expect("http").json().await.expect("json");
    assert_eq!(stats["rest"]["private/user-balance"]["accepted"], 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_scoped_to_one_method_and_a_count_leave_the_rest_alone() {
    let sim = start_sim().await;
    // An error armed for one method refuses only that method, and only as often as asked.
    control(&sim, "errors?code=40001&count=1&method=private/user-balance").await;
    let (_, r) = post_signed(&sim, "private/create-order", 1, json!({"client_oid": "s1"})).await;
    assert_eq!(r["code"], 0, "another method is untouched: {r}");
    let (_, r) = post_signed(&sim, "private/user-balance", 2, json!({})).await;
    assert_eq!(r["code"], 40001);
    let (_, r) = post_signed(&sim, "private/user-balance", 3, json!({})).await;
    assert_eq!(r["code"], 0, "count 1 is used up: {r}");

    // A lost answer for the next create-order only: its retry is answered again.
    control(&sim, "acks?mode=drop&method=private/create-order&count=1").await;
    let mut ws = authed_user(&sim).await;
    send(&mut ws, json!({"id": 4, "method": "private/create-order", "params": {"client_oid": "s2"}})).await;
    send(&mut ws, json!({"id": 5, "method": "private/create-order", "params": {"client_oid": "s3"}})).await;
    let r = recv(&mut ws).await;
    assert_eq!((r["id"].clone(), r["code"].clone()), (json!(5), json!(0)), "the first answer is lost: {r}");
    assert_eq!(sim.with_venue(|v| v.orders.len()), 3, "both executed");
    // The stats carry the early-request and combined counters.
    let stats: Value =
        reqwest::get(format!("{}/stats", sim.control_url())).await.expect("http").json().await.expect("json");
    assert!(stats["ws_user_early"].is_u64() && stats["ws_market_early"].is_u64(), "{stats}");
    // The two socket orders went out together; the REST one may fall in their window too.
    let together = stats["combined_max_in_window"]["private/create-order"].as_u64();
    assert!(together.is_some_and(|n| (2..=3).contains(&n)), "{stats}");
}
