//! The pause after connecting (§4.2): the engine, with its real 1 s pause, sends nothing in the
//! first second of any connection, user or market, first connect or reconnect. The simulator
//! counts requests that arrive that early; a raw client that sends at once shows up there.

mod support;

use cdc_engine::protocol::Channel;
use std::time::Duration;

use cdc_engine::engine::start;
use cdc_engine::strategy::Strategy;
use cdc_sim::exchange::Exchange;
use cdc_sim::{SimHandle, Stats};
use futures::SinkExt;
use serde_json::json;
use support::*;
use tokio_tungstenite::tungstenite::Message;

/// A strategy that only watches a book, so that the engine opens a market connection too.
struct Watch;

impl Strategy for Watch {
    fn name(&self) -> &str {
        "watch"
    }

    fn market_channels(&self) -> Vec<Channel> {
        vec![Channel::book("BTC_USD", 10)]
    }
}

fn accepted(stats: &Stats, method: &str) -> u64 {
    stats.ws.get(method).map_or(0, |s| s.accepted)
}

/// Waits until `n` subscribe requests (user and market together) have been served.
async fn subscribes(sim: &SimHandle<Exchange>, n: u64) {
    eventually(20, &format!("{n} subscribe requests"), || accepted(&sim.stats(), "subscribe") >= n).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_sends_nothing_in_the_first_second_of_any_connection() {
    let sim = sim(true).await;
    let mut cfg = engine_cfg(&sim, None);
    cfg.connect_pause = Duration::from_secs(1);
    let engine = start(cfg, vec![Box::new(Watch)]).await.unwrap();
    eventually(20, "engine live", || engine.state().is_live()).await;
    subscribes(&sim, 2).await;
    // Reconnects pause too.
    sim.faults().drop_connections();
    subscribes(&sim, 4).await;
    eventually(20, "engine live again", || engine.state().is_live()).await;
    let stats = sim.stats();
    assert!(accepted(&stats, "public/auth") >= 2, "the user connection authenticated twice: {:?}", stats.ws);
    assert_eq!((stats.ws_user_early, stats.ws_market_early), (0, 0), "{stats:?}");
    engine.shutdown(true).await.unwrap();

    // The count is real: a client that sends at once is counted, on either server.
    for (url, user) in [(sim.user_ws_url(), true), (sim.market_ws_url(), false)] {
        let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("connect");
        let sub = json!({"id": 1, "method": "subscribe", "params": {"channels": ["ticker.BTC_USD"]}, "nonce": 1});
        ws.send(Message::Text(sub.to_string().into())).await.expect("send");
        eventually(5, "the early request counted", || {
            let s = sim.stats();
            if user {
                s.ws_user_early == 1
            } else {
                s.ws_market_early == 1
            }
        })
        .await;
    }
}
