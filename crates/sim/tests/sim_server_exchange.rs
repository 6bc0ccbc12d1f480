//! The server in front of the real exchange core: a local book kept from one delta
//! subscription matches a fresh snapshot while the synthetic market moves, and a REST order
//! reaches a `user.order` subscriber.

mod sim_support;

use std::collections::BTreeMap;
use std::time::Duration;

use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::{start, SimConfig};
use serde_json::{json, Value};
use sim_support::*;

type Side = BTreeMap<String, String>;

fn apply(side: &mut Side, levels: &Value) {
    for l in levels.as_array().into_iter().flatten() {
        let (p, q) = (l[0].as_str().unwrap_or("").to_string(), l[1].as_str().unwrap_or("").to_string());
        if q == "0" {
            side.remove(&p);
        } else {
            side.insert(p, q);
        }
    }
}

fn load(levels: &Value) -> Side {
    let mut s = Side::new();
    apply(&mut s, levels);
    s
}

#[tokio::test]
async fn deltas_rebuild_the_real_book_and_orders_reach_subscribers() {
    let mut cfg = SimConfig::new(KEY, SECRET);
    cfg.market_interval = Duration::from_millis(20);
    let sim = start(cfg, Exchange::new(ExchangeConfig::default())).await.expect("start");
    let mut ws = connect(&sim.market_ws_url()).await;
    let sub = |id: u64| {
        json!({"id": id, "method": "subscribe", "params": {"channels": ["book.BTC_USD.50"],
                               "book_subscription_type": "SNAPSHOT_AND_UPDATE", "book_update_frequency": 10}})
    };
    send(&mut ws, sub(1)).await;
    let snap = recv(&mut ws).await;
    let d = &snap["result"]["data"][0];
    let (mut bids, mut asks, mut last_u) = (load(&d["bids"]), load(&d["asks"]), d["u"].as_u64().unwrap_or(0));
    let mut deltas = 0;
    while deltas < 20 {
        let m = recv(&mut ws).await;
        if m["result"]["channel"] != "book.update" {
            continue;
        }
        let d = &m["result"]["data"][0];
        assert_eq!(d["pu"].as_u64(), Some(last_u), "pu chains");
        last_u = d["u"].as_u64().unwrap_or(0);
        apply(&mut bids, &d["update"]["bids"]);
        apply(&mut asks, &d["update"]["asks"]);
        deltas += 1;
    }
    // The sim's own view at this instant must equal what the deltas built.
    let (want_bids, want_asks) = sim.with_venue(|v| {
        use cdc_sim::venue::Venue;
        v.book_levels("BTC_USD", 50).unwrap_or_default()
    });
    let to_side = |ls: Vec<[String; 3]>| ls.into_iter().map(|l| (l[0].clone(), l[1].clone())).collect::<Side>();
    // Later deltas may already be queued; apply them until the sim and the local book agree.
    let (want_bids, want_asks) = (to_side(want_bids), to_side(want_asks));
    while bids != want_bids || asks != want_asks {
        let m = recv(&mut ws).await;
        if m["result"]["channel"] == "book.update" {
            let d = &m["result"]["data"][0];
            assert_eq!(d["pu"].as_u64(), Some(last_u));
            last_u = d["u"].as_u64().unwrap_or(0);
            apply(&mut bids, &d["update"]["bids"]);
            apply(&mut asks, &d["update"]["asks"]);
        }
    }

    let mut user = connect(&sim.user_ws_url()).await;
    assert_eq!(auth_with(&mut user, 1, SECRET, now_ms()).await["code"], 0);
    send(&mut user, json!({"id": 2, "method": "subscribe", "params": {"channels": ["user.order"]}})).await;
    assert_eq!(recv(&mut user).await["id"], 2);
    let params = json!({"instrument_name": "BTC_USD", "side": "BUY", "type": "LIMIT", "price": "1000.00",
                        "quantity": "0.0010", "client_oid": "real-1"});
    let body = signed("private/create-order", 3, params, now_ms(), SECRET).to_string();
    let resp = reqwest::Client::new()
        .post(format!("{}/private/create-order", sim.rest_url()))
        .body(body)
        .send()
        .await
        .expect("http");
    assert_eq!(resp.status().as_u16(), 200);
    let push = recv_until(&mut user, |v| v["id"] == -1).await;
    assert_eq!(push["result"]["data"][0]["client_oid"], "real-1");
}
