//! User WebSocket: auth, requests before and after auth, §4.7 errors, user subscriptions and
//! pushes, cancel-on-disconnect, rate limit and robustness against hostile frames.

mod sim_support;

use futures::SinkExt;
use serde_json::{json, Value};
use sim_support::*;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn auth_succeeds_with_the_documented_response() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.user_ws_url()).await;
    let r = auth_with(&mut ws, 9, SECRET, now_ms()).await;
    assert_eq!(r, json!({"id": 9, "method": "public/auth", "code": 0}));
}

#[tokio::test]
async fn failed_auth_answers_and_keeps_the_socket_open() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.user_ws_url()).await;
    let bad = auth_with(&mut ws, 1, "wrong", now_ms()).await;
    assert_eq!((bad["code"].clone(), bad["message"].clone()), (json!(40101), json!("UNAUTHORIZED")));
    let skewed = auth_with(&mut ws, 2, SECRET, now_ms() - 120_000).await;
    assert_eq!(skewed["code"], 40102);
    let good = auth_with(&mut ws, 3, SECRET, now_ms()).await;
    assert_eq!(good["code"], 0);
}

#[tokio::test]
async fn private_requests_and_user_channels_are_refused_before_auth() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.user_ws_url()).await;
    send(&mut ws, json!({"id": 5, "method": "private/create-order", "params": {"client_oid": "a"}, "nonce": now_ms()}))
        .await;
    let r = recv(&mut ws).await;
    assert_eq!(
        (r["id"].clone(), r["method"].clone(), r["code"].clone()),
        (json!(5), json!("private/create-order"), json!(40101))
    );
    send(&mut ws, json!({"id": 6, "method": "subscribe", "params": {"channels": ["user.order"]}, "nonce": now_ms()}))
        .await;
    let r = recv(&mut ws).await;
    assert_eq!((r["id"].clone(), r["code"].clone(), r.get("result")), (json!(6), json!(40101), None));
    assert_eq!(sim.with_venue(|v| v.private_calls), 0);
}

#[tokio::test]
async fn unsigned_private_request_after_auth_runs_and_echoes_id() {
    let sim = start_sim().await;
    let mut ws = authed_user(&sim).await;
    send(
        &mut ws,
        json!({"id": 11, "method": "private/create-order", "params": {"client_oid": "w1"}, "nonce": now_ms()}),
    )
    .await;
    let r = recv(&mut ws).await;
    assert_eq!(
        (r["id"].clone(), r["method"].clone(), r["code"].clone()),
        (json!(11), json!("private/create-order"), json!(0))
    );
    assert_eq!(r["result"]["client_oid"], "w1");
}

#[tokio::test]
async fn requests_without_id_or_not_json_get_the_error_frame() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.user_ws_url()).await;
    let missing = json!({"method": "private/get-open-orders", "params": {}}).to_string();
    ws.send(Message::Text(missing.clone().into())).await.expect("send");
    let r = recv(&mut ws).await;
    assert_eq!((r["id"].clone(), r["method"].clone(), r["code"].clone()), (json!(-1), json!("ERROR"), json!(40001)));
    assert_eq!(r["original"], json!(missing));
    ws.send(Message::Text("{not json".into())).await.expect("send");
    assert_eq!(recv(&mut ws).await["method"], "ERROR");
}

#[tokio::test]
async fn user_order_and_balance_subscriptions_start_with_snapshots_then_push() {
    let sim = start_sim().await;
    sim.with_venue(|v| v.add_order("existing"));
    let mut ws = authed_user(&sim).await;
    let channels = json!(["user.order", format!("user.order.{INSTR}"), "user.balance", "user.trade", "user.positions"]);
    send(&mut ws, json!({"id": 2, "method": "subscribe", "params": {"channels": channels}, "nonce": now_ms()})).await;
    let mut firsts = Vec::new();
    for _ in 0..5 {
        firsts.push(recv(&mut ws).await);
    }
    assert!(firsts.iter().all(|r| r["id"] == 2 && r["method"] == "subscribe" && r["code"] == 0));
    let subs: Vec<&str> = firsts.iter().filter_map(|r| r["result"]["subscription"].as_str()).collect();
    assert_eq!(subs, vec!["user.order", "user.order.BTCUSD-PERP", "user.balance", "user.trade", "user.positions"]);
    assert_eq!(firsts[0]["result"]["data"][0]["client_oid"], "existing");
    assert_eq!(firsts[1]["result"]["instrument_name"], INSTR);
    assert_eq!(firsts[2]["result"]["data"][0]["total_available_balance"], "1000");

    sim.with_venue(|v| v.add_order("fresh"));
    let a = recv(&mut ws).await;
    let b = recv(&mut ws).await;
    for p in [&a, &b] {
        assert_eq!(
            (p["id"].clone(), p["method"].clone(), p["result"]["channel"].clone()),
            (json!(-1), json!("subscribe"), json!("user.order"))
        );
        assert_eq!(p["result"]["data"][0]["client_oid"], "fresh");
    }
    let mut names = vec![a["result"]["subscription"].clone(), b["result"]["subscription"].clone()];
    names.sort_by_key(|v| v.to_string());
    assert_eq!(names, vec![json!("user.order"), json!("user.order.BTCUSD-PERP")]);
}

#[tokio::test]
async fn bad_channels_are_40003_and_unsubscribe_answers() {
    let sim = start_sim().await;
    let mut ws = authed_user(&sim).await;
    let chans = json!(["user.nonsense", "user.order.NOPE_USD", format!("book.{INSTR}.10")]);
    send(&mut ws, json!({"id": 3, "method": "subscribe", "params": {"channels": chans}, "nonce": now_ms()})).await;
    for _ in 0..3 {
        let r = recv(&mut ws).await;
        assert_eq!((r["id"].clone(), r["code"].clone()), (json!(3), json!(40003)), "{r}");
    }
    send(&mut ws, json!({"id": 4, "method": "unsubscribe", "params": {"channels": ["user.order"]}, "nonce": now_ms()}))
        .await;
    assert_eq!(recv(&mut ws).await, json!({"id": 4, "method": "unsubscribe", "code": 0}));
}

#[tokio::test]
async fn closing_a_user_connection_tells_the_venue() {
    let sim = start_sim().await;
    let mut ws = authed_user(&sim).await;
    send(&mut ws, json!({"id": 2, "method": "private/set-cancel-on-disconnect", "params": {"scope": "CONNECTION"}, "nonce": now_ms()})).await;
    assert_eq!(recv(&mut ws).await["result"]["scope"], "CONNECTION");
    ws.close(None).await.expect("close");
    wait_for(|| sim.with_venue(|v| !v.closed.is_empty())).await;
    let (cod, closed) = sim.with_venue(|v| (v.cod.clone(), v.closed.clone()));
    assert_eq!(cod, closed, "the connection that set cancel-on-disconnect is the one reported closed");
}

#[tokio::test]
async fn more_than_150_requests_in_a_second_get_42901() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.user_ws_url()).await;
    // Start at the top of a fresh calendar second so the burst falls in one full second.
    std::thread::sleep(std::time::Duration::from_millis(1000 - now_ms() % 1000 + 1));
    for i in 0..200u64 {
        send(&mut ws, json!({"id": i, "method": "public/get-instruments", "params": {}})).await;
    }
    let mut refused = 0;
    for _ in 0..200 {
        let r = recv(&mut ws).await;
        if r["code"] == 42901 {
            refused += 1;
            assert_eq!(r["message"], "TOO_MANY_REQUESTS");
        }
    }
    assert!(refused >= 50, "refused {refused}");
    assert!(sim.stats().ws_user_max_per_second <= 150);
}

#[tokio::test]
async fn hostile_frames_do_not_hurt_the_connection_or_others() {
    let sim = start_sim().await;
    let mut bystander = authed_user(&sim).await;
    let mut ws = connect(&sim.user_ws_url()).await;
    let big = format!("{{\"id\":1,\"method\":\"x\",\"params\":{{\"p\":\"{}\"}}}}", "a".repeat(1 << 20));
    ws.send(Message::Text(big.into())).await.expect("send");
    assert_eq!(recv(&mut ws).await["code"], 40002);
    ws.send(Message::Binary(vec![0xff, 0xfe, 0x00].into())).await.expect("send");
    assert_eq!(recv(&mut ws).await["method"], "ERROR");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    ws.send(Message::Text(deep.into())).await.expect("send");
    let r = recv(&mut ws).await;
    assert_eq!(r["method"], "ERROR");
    assert!(r["original"].as_str().map(str::len).unwrap_or(0) <= 4096);
    assert_eq!(auth_with(&mut ws, 8, SECRET, now_ms()).await["code"], 0);
    send(&mut bystander, json!({"id": 2, "method": "private/user-balance", "params": {}})).await;
    assert_eq!(recv(&mut bystander).await["code"], 0);
    let _: Value = json!(null);
}
