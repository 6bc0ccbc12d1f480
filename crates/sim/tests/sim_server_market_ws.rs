//! Market WebSocket: book snapshots and deltas with `u`/`pu` chaining, SNAPSHOT-mode refresh,
//! empty deltas on quiet books, ticker and trade first responses, the 400-subscription cap,
//! and heartbeats under paused time.

mod sim_support;

use std::time::Duration;

use serde_json::{json, Value};
use sim_support::*;

fn book_sub(id: u64, mode: &str) -> Value {
    json!({"id": id, "method": "subscribe", "nonce": now_ms(),
           "params": {"channels": [format!("book.{INSTR}.10")], "book_subscription_type": mode, "book_update_frequency": 10}})
}

fn u_pu(v: &Value) -> (u64, u64) {
    let d = &v["result"]["data"][0];
    (d["u"].as_u64().unwrap_or(0), d["pu"].as_u64().unwrap_or(0))
}

#[tokio::test]
async fn book_snapshot_then_deltas_chain_pu_to_previous_u() {
    let mut cfg = config();
    cfg.book_quiet_interval = Duration::from_secs(60);
    let sim = start_with(cfg).await;
    let mut ws = connect(&sim.market_ws_url()).await;
    send(&mut ws, book_sub(1, "SNAPSHOT_AND_UPDATE")).await;
    let snap = recv(&mut ws).await;
    assert_eq!(
        (snap["id"].clone(), snap["result"]["channel"].clone(), snap["result"]["subscription"].clone()),
        (json!(1), json!("book"), json!("book.BTCUSD-PERP.10"))
    );
    assert_eq!(snap["result"]["data"][0]["bids"], json!([["100", "1", "1"], ["99", "2", "1"]]));
    let mut last_u = snap["result"]["data"][0]["u"].as_u64().unwrap_or(0);

    sim.with_venue(|v| v.set_book(vec![lv("100", "1"), lv("99", "5")], vec![lv("101", "1")]));
    let d1 = recv(&mut ws).await;
    assert_eq!((d1["id"].clone(), d1["result"]["channel"].clone()), (json!(-1), json!("book.update")));
    assert_eq!(d1["result"]["data"][0]["update"], json!({"bids": [["99", "5", "1"]], "asks": [["102", "0", "0"]]}));
    let (u, pu) = u_pu(&d1);
    assert!(pu == last_u && u > last_u, "first delta chains to the snapshot");
    last_u = u;

    sim.with_venue(|v| v.set_book(vec![lv("100.5", "2")], vec![lv("101", "1")]));
    let d2 = recv(&mut ws).await;
    let (u, pu) = u_pu(&d2);
    assert!(pu == last_u && u > last_u);
    let bids = &d2["result"]["data"][0]["update"]["bids"];
    assert!(
        bids.as_array()
            .map(|b| b.contains(&json!(["100", "0", "0"])) && b.contains(&json!(["100.5", "2", "1"])))
            .unwrap_or(false),
        "{bids}"
    );
}

#[tokio::test]
async fn quiet_books_get_empty_deltas_that_still_chain() {
    let mut cfg = config();
    cfg.book_quiet_interval = Duration::from_millis(200);
    let sim = start_with(cfg).await;
    let mut ws = connect(&sim.market_ws_url()).await;
    send(&mut ws, book_sub(1, "SNAPSHOT_AND_UPDATE")).await;
    let mut last_u = u_pu(&recv(&mut ws).await).0;
    for _ in 0..2 {
        let e = recv(&mut ws).await;
        assert_eq!(e["result"]["data"][0]["update"], json!({"bids": [], "asks": []}));
        let (u, pu) = u_pu(&e);
        assert!(pu == last_u && u > last_u);
        last_u = u;
    }
}

#[tokio::test]
async fn snapshot_mode_resends_full_books() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.market_ws_url()).await;
    send(&mut ws, json!({"id": 1, "method": "subscribe", "params": {"channels": [format!("book.{INSTR}.50")]}})).await;
    assert_eq!(recv(&mut ws).await["result"]["channel"], "book");
    sim.with_venue(|v| v.set_book(vec![lv("90", "1")], vec![lv("91", "1")]));
    let next = recv(&mut ws).await;
    assert_eq!((next["id"].clone(), next["result"]["channel"].clone()), (json!(-1), json!("book")));
    assert_eq!(next["result"]["data"][0]["bids"], json!([["90", "1", "1"]]));
}

#[tokio::test]
async fn ticker_and_trade_first_responses_carry_data() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.market_ws_url()).await;
    let chans = json!([format!("ticker.{INSTR}"), format!("trade.{INSTR}"), "ticker.NOPE", format!("book.{INSTR}.20")]);
    send(&mut ws, json!({"id": 4, "method": "subscribe", "params": {"channels": chans}})).await;
    let t = recv(&mut ws).await;
    assert_eq!((t["result"]["channel"].clone(), t["result"]["data"][0]["b"].clone()), (json!("ticker"), json!("100")));
    let tr = recv(&mut ws).await;
    assert_eq!(tr["result"]["data"].as_array().map(Vec::len), Some(50));
    // Each refusal names the channel it refused.
    for name in ["ticker.NOPE".to_string(), format!("book.{INSTR}.20")] {
        let r = recv(&mut ws).await;
        assert_eq!((r["code"].clone(), r["channel"].clone()), (json!(40003), json!(name)));
        assert!(r["message"].as_str().is_some_and(|m| m.contains(&name)), "{r}");
    }
    sim.with_venue(|v| {
        v.events.push(cdc_sim::venue::SimEvent::PublicTrade { instrument: INSTR.into(), trade: json!({"d": "x"}) })
    });
    let p = recv(&mut ws).await;
    assert_eq!(
        (p["id"].clone(), p["result"]["subscription"].clone(), p["result"]["data"][0]["d"].clone()),
        (json!(-1), json!(format!("trade.{INSTR}")), json!("x"))
    );
}

#[tokio::test]
async fn user_channels_are_refused_on_the_market_server() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.market_ws_url()).await;
    send(&mut ws, json!({"id": 1, "method": "subscribe", "params": {"channels": ["user.order"]}})).await;
    assert_eq!(recv(&mut ws).await["code"], 40003);
}

#[tokio::test]
async fn the_401st_subscription_is_40107() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.market_ws_url()).await;
    let chans: Vec<String> = (0..401).map(|i| format!("ticker.T{i}")).collect();
    send(&mut ws, json!({"id": 1, "method": "subscribe", "params": {"channels": chans}})).await;
    let mut codes = Vec::new();
    for _ in 0..401 {
        codes.push(recv(&mut ws).await["code"].as_i64().unwrap_or(-1));
    }
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 400);
    assert_eq!(codes.last(), Some(&40107));
}

#[tokio::test]
async fn more_than_100_market_requests_in_a_second_get_42901() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.market_ws_url()).await;
    std::thread::sleep(Duration::from_millis(1000 - now_ms() % 1000 + 1));
    for i in 0..150u64 {
        send(&mut ws, json!({"id": i, "method": "unsubscribe", "params": {"channels": []}})).await;
    }
    let mut refused = 0;
    for _ in 0..150 {
        if recv(&mut ws).await["code"] == 42901 {
            refused += 1;
        }
    }
    assert!(refused >= 40, "refused {refused}");
    assert!(sim.stats().ws_market_max_per_second <= 100);
}

// Heartbeats run on real time here with short intervals: tokio's paused clock auto-advances
// past frames still in flight on real loopback sockets, which makes such tests flaky. The
// paused-time logic itself is unit-tested in `sim::heartbeat`.
fn fast_heartbeats() -> cdc_sim::SimConfig {
    let mut cfg = config();
    cfg.heartbeat_interval = Duration::from_millis(100);
    cfg.heartbeat_timeout = Duration::from_millis(60);
    cfg
}

#[tokio::test]
async fn answered_heartbeats_keep_the_connection_for_ten_intervals() {
    let sim = start_with(fast_heartbeats()).await;
    let mut ws = connect(&sim.market_ws_url()).await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        let hb = recv(&mut ws).await;
        assert_eq!((hb["method"].clone(), hb["code"].clone()), (json!("public/heartbeat"), json!(0)));
        ids.push(hb["id"].clone());
        send(&mut ws, json!({"id": hb["id"], "method": "public/respond-heartbeat"})).await;
    }
    ids.dedup();
    assert_eq!(ids.len(), 10, "fresh id each time");
    send(&mut ws, json!({"id": 77, "method": "subscribe", "params": {"channels": [format!("ticker.{INSTR}")]}})).await;
    let reply = recv_until(&mut ws, |v| v["method"] != "public/heartbeat").await;
    assert_eq!(reply["id"], 77);
}

#[tokio::test]
async fn ignored_heartbeats_close_the_socket_with_1000() {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let sim = start_with(fast_heartbeats()).await;
    let mut ws = connect(&sim.user_ws_url()).await;
    let mut heartbeats = 0;
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap_or_default();
                assert_eq!(v["method"], "public/heartbeat");
                heartbeats += 1;
                // A wrong id counts as no answer.
                send(&mut ws, json!({"id": 1, "method": "public/respond-heartbeat"})).await;
            }
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!((code, heartbeats), (Some(1000), 3));
    wait_for(|| sim.connections() == 0).await;
}

/// ccxt 4.5.90 subscribes without an `id` (and spells the book options in camelCase, which the
/// exchange does not know): the subscription is served, answered with id -1, in the default
/// SNAPSHOT mode. Other id-less requests still get the ERROR frame.
#[tokio::test]
async fn subscriptions_without_id_are_served_as_ccxt_sends_them() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.market_ws_url()).await;
    let ccxt_style = json!({"method": "subscribe", "nonce": now_ms(),
        "params": {"channels": [format!("book.{INSTR}.50")], "bookSubscriptionType": "SNAPSHOT_AND_UPDATE"}});
    send(&mut ws, ccxt_style).await;
    let first = recv(&mut ws).await;
    assert_eq!(
        (first["id"].clone(), first["code"].clone(), first["result"]["subscription"].clone()),
        (json!(-1), json!(0), json!(format!("book.{INSTR}.50")))
    );
    // Default mode is SNAPSHOT: the next frame is another full book, not a delta.
    let next = recv(&mut ws).await;
    assert_eq!(next["result"]["channel"], "book");
    send(&mut ws, json!({"method": "unsubscribe", "params": {"channels": [format!("book.{INSTR}.50")]}})).await;
    let unsub = recv_until(&mut ws, |v| v["method"] == "unsubscribe").await;
    assert_eq!((unsub["id"].clone(), unsub["code"].clone()), (json!(-1), json!(0)));
    send(&mut ws, json!({"method": "public/get-book", "params": {}})).await;
    let err = recv_until(&mut ws, |v| v["method"] != "subscribe").await;
    assert_eq!((err["id"].clone(), err["method"].clone()), (json!(-1), json!("ERROR")));
}

#[tokio::test]
async fn depth_150_is_served_as_snapshots_only_and_extra_channels_ask_the_venue() {
    let sim = start_sim().await;
    let mut ws = connect(&sim.market_ws_url()).await;
    let book = format!("book.{INSTR}.150");
    send(&mut ws, json!({"id": 1, "method": "subscribe", "params": {"channels": [&book]}})).await;
    assert_eq!(recv(&mut ws).await["result"]["subscription"], json!(book));
    let delta = json!({"channels": [&book], "book_subscription_type": "SNAPSHOT_AND_UPDATE"});
    send(&mut ws, json!({"id": 2, "method": "subscribe", "params": delta})).await;
    let r = recv(&mut ws).await;
    assert_eq!((r["code"].clone(), r["channel"].clone()), (json!(40003), json!(book)));
    // mark.X is served from the venue's channel data; a name the venue does not know is refused.
    let chans = json!([format!("mark.{INSTR}"), "mark.NOPE"]);
    send(&mut ws, json!({"id": 3, "method": "subscribe", "params": {"channels": chans}})).await;
    let m = recv(&mut ws).await;
    assert_eq!((m["result"]["channel"].clone(), m["result"]["data"][0]["v"].clone()), (json!("mark"), json!("100")));
    assert_eq!(recv(&mut ws).await["channel"], json!("mark.NOPE"));
}
