//! `cdc-engine gateway` and `--market-from` against a real `nats-server` and the simulator with
//! its synthetic market: two engines take their book from one gateway through NATS (no market
//! socket of their own) and both keep it equal to the simulator's, also after the exchange
//! feed dropped; a relay joining late starts from a snapshot and continues with the deltas
//! that follow it, and is disconnected when the gateway stops; the gateway exits non-zero with
//! the reason when it cannot do its job.

use super::support;

use std::process::Stdio;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdc_cli::bus::market::{run_gateway, GatewayConfig, Relay};
use cdc_engine::engine::start;
use cdc_engine::protocol::{decode_frame, Channel, Frame};
use cdc_engine::state::book::{Books, OrderBook};
use cdc_engine::strategy::{Context, Strategy};
use cdc_sim::exchange::Exchange;
use cdc_sim::venue::{Level, Venue};
use cdc_sim::SimHandle;
use futures::{SinkExt, StreamExt};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::server::Nats;

const BOOK: &str = "book.BTC_USD.10";

type Levels = Vec<(Decimal, Decimal)>;

/// A strategy that only copies the book it is shown.
struct Copier {
    seen: Arc<Mutex<(Levels, Levels)>>,
}

impl Strategy for Copier {
    fn name(&self) -> &str {
        "copier"
    }
    fn market_channels(&self) -> Vec<Channel> {
        vec![Channel::book("BTC_USD", 10)]
    }
    fn on_book(&mut self, _: &mut Context<'_>, _: &str, book: &OrderBook) {
        *self.seen.lock().unwrap() = (book.levels(true).collect(), book.levels(false).collect());
    }
}

fn levels(side: &[Level]) -> Levels {
    side.iter().map(|l| (Decimal::from_str(&l[0]).unwrap(), Decimal::from_str(&l[1]).unwrap())).collect()
}

fn sim_book(sim: &SimHandle<Exchange>) -> (Levels, Levels) {
    let (bids, asks) = sim.with_venue(|x| x.book_levels("BTC_USD", 10)).expect("BTC_USD is listed");
    (levels(&bids), levels(&asks))
}

/// Waits until every copy equals the simulator's book at the same moment, for `states`
/// different books in a row (the market moves every 200 ms), so that the copies follow it.
async fn follow(sim: &SimHandle<Exchange>, copies: &[Arc<Mutex<(Levels, Levels)>>], states: usize, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(25);
    let mut matched: Vec<(Levels, Levels)> = Vec::new();
    loop {
        let now = sim_book(sim);
        if copies.iter().all(|c| *c.lock().unwrap() == now) && matched.last() != Some(&now) {
            matched.push(now.clone());
            if matched.len() >= states {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {} of {states} book states matched; sim {now:?}; copies {:?}",
            matched.len(),
            copies.iter().map(|c| c.lock().unwrap().clone()).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A gateway run in-process, with its status lines collected.
struct Gateway {
    metrics: Arc<cdc_cli::bus::market::metrics::GatewayMetrics>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    lines: Arc<Mutex<Vec<String>>>,
}

fn gateway(sim: &SimHandle<Exchange>, nats: &Nats, channels: &[&str]) -> Gateway {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let cfg = GatewayConfig {
        nats_url: nats.url(),
        market_ws_url: sim.market_ws_url(),
        channels: channels.iter().map(|c| c.to_string()).collect(),
        connect_pause: Duration::from_millis(100),
        feed_timeout: Duration::from_secs(30),
        report: Arc::new(move |l: &str| sink.lock().unwrap().push(l.to_owned())),
        metrics: Arc::default(),
    };
    let (stop, rx) = tokio::sync::watch::channel(false);
    Gateway { metrics: cfg.metrics.clone(), stop, task: tokio::spawn(run_gateway(cfg, rx)), lines }
}

impl Gateway {
    fn count(&self, needle: &str) -> usize {
        self.lines.lock().unwrap().iter().filter(|l| l.contains(needle)).count()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_take_the_book_from_one_gateway_and_both_equal_the_simulators() {
    let nats = Nats::start();
    let sim = support::sim(true).await;
    let gw = gateway(&sim, &nats, &[BOOK, "trade.BTC_USD", "ticker.BTC_USD"]);
    let mut relays = Vec::new();
    let mut engines = Vec::new();
    let copies: Vec<Arc<Mutex<(Levels, Levels)>>> = vec![Arc::default(), Arc::default()];
    for seen in &copies {
        let relay = Relay::start(&nats.url()).await.expect("relay starts");
        let mut cfg = support::engine_cfg(&sim, None);
        cfg.endpoints.market_ws_url = relay.ws_url();
        engines.push(start(cfg, vec![Box::new(Copier { seen: seen.clone() })]).await.expect("engine starts"));
        relays.push(relay);
    }
    follow(&sim, &copies, 3, "through the gateway").await;
    assert_eq!(sim.connections(), 3, "the engines' two user sockets and the gateway's one market socket");
    assert_eq!(gw.metrics.not_ready_because(), None, "the gateway is ready");
    assert!(gw.metrics.encode().contains("cdc_gateway_published_total{channel=\"book\"}"));

    // The exchange drops the gateway (and the engines' user sockets): the gateway reconnects
    // and publishes a fresh snapshot; the relays disconnect their engines, which subscribe again.
    sim.faults().drop_connections();
    support::eventually(20, "the gateway subscribed again", || gw.count("feed: subscribed") >= 2).await;
    assert!(gw.count("feed: disconnected") >= 1);
    assert!(gw.metrics.encode().contains("cdc_gateway_feed_reconnects_total 1"), "{}", gw.metrics.encode());
    follow(&sim, &copies, 3, "after the exchange feed dropped").await;

    for e in &engines {
        e.shutdown(false).await.expect("engine stops");
    }
    for r in relays {
        r.shutdown().await;
    }
    let _ = gw.stop.send(true);
    let ended = tokio::time::timeout(Duration::from_secs(5), gw.task).await.expect("the gateway stops when told");
    ended.expect("gateway task").expect("a clean stop is not an error");
}

fn bin() -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    for k in
        ["CDC_CONFIG", "CDC_PROFILE", "CDC_ENV", "RUST_LOG", "CDC_REST_URL", "CDC_USER_WS_URL", "CDC_MARKET_WS_URL"]
    {
        c.env_remove(k);
    }
    c.stdout(Stdio::null()).stderr(Stdio::piped()).kill_on_drop(true);
    c
}

/// `cdc-engine gateway` for BTC_USD from the simulator's feed to `nats`.
fn gateway_bin(nats: &Nats, sim: &SimHandle<Exchange>) -> tokio::process::Command {
    let mut c = bin();
    c.args(["gateway", "--publish", &nats.url(), "--instruments", "BTC_USD", "--market-ws-url", &sim.market_ws_url()]);
    c
}

/// Collects a child's stderr as it comes.
fn stderr_of(child: &mut tokio::process::Child) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let (mut pipe, sink) = (child.stderr.take().expect("stderr piped"), text.clone());
    tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        while let Ok(n) = tokio::io::AsyncReadExt::read(&mut pipe, &mut buf).await {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    text
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame as JSON, or what ended the stream.
async fn next(ws: &mut Ws) -> Result<Value, String> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Err(_) => return Err("no frame for 10 s".into()),
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(t.as_str()).map_err(|e| e.to_string()),
            Ok(Some(Ok(Message::Close(f)))) => return Err(format!("closed {:?}", f.map(|f| u16::from(f.code)))),
            Ok(Some(Ok(_))) => continue,
            Ok(other) => return Err(format!("ended: {other:?}")),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_joiner_gets_a_snapshot_then_the_deltas_that_continue_it() {
    let nats = Nats::start();
    let sim = support::sim(true).await;
    let mut child = gateway_bin(&nats, &sim).spawn().expect("the binary runs");
    let err = stderr_of(&mut child);
    support::eventually(15, "the gateway subscribed", || err.lock().unwrap().contains("feed: subscribed")).await;

    // Deltas have been flowing on the book's subject before the newcomer arrives.
    let client = async_nats::connect(nats.url()).await.expect("nats");
    let mut book_subject = client.subscribe("cdcmd.BTC_USD.book.10").await.expect("subscribe");
    for _ in 0..3 {
        tokio::time::timeout(Duration::from_secs(10), book_subject.next()).await.expect("book messages").expect("open");
    }

    // A second gateway for the same channels refuses to start.
    let second = gateway_bin(&nats, &sim).output();
    let second = tokio::time::timeout(Duration::from_secs(20), second).await.expect("it ends").expect("runs");
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("another gateway already answers for"), "{second:?}");

    let relay = Relay::start(&nats.url()).await.expect("relay starts");
    let (mut ws, _) = tokio_tungstenite::connect_async(relay.ws_url()).await.expect("the relay accepts");
    let sub = json!({"id": 7, "method": "subscribe", "nonce": 1, "params": {
        "channels": [BOOK, "trade.BTC_USD", "candlestick.1m.BTC_USD"], "book_subscription_type": "SNAPSHOT_AND_UPDATE"}});
    ws.send(Message::Text(sub.to_string().into())).await.expect("send");

    let mut books = Books::default();
    let (mut snapshot_u, mut last_u, mut deltas) = (None, None, 0);
    let (mut refused, mut trades) = (false, false);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = next(&mut ws).await.expect("the relay keeps sending");
        let result = &v["result"];
        match (v["code"].as_i64(), result["channel"].as_str()) {
            (Some(40003), _) => {
                assert_eq!((v["id"].as_i64(), v["channel"].as_str()), (Some(7), Some("candlestick.1m.BTC_USD")));
                refused = true;
            }
            (_, Some("trade")) if !trades => {
                assert_eq!(v["id"].as_i64(), Some(7), "the first trade frame answers the subscribe: {v}");
                trades = true;
            }
            (_, Some("book")) => {
                assert!(snapshot_u.is_none(), "one snapshot, then only deltas: {v}");
                assert_eq!(v["id"].as_i64(), Some(7), "the snapshot answers the subscribe");
                snapshot_u = result["data"][0]["u"].as_u64();
                last_u = snapshot_u;
            }
            (_, Some("book.update")) => {
                assert!(snapshot_u.is_some(), "no delta before the snapshot: {v}");
                assert_eq!(result["data"][0]["pu"].as_u64(), last_u, "each delta continues the last: {v}");
                last_u = result["data"][0]["u"].as_u64();
                deltas += 1;
            }
            _ => {}
        }
        if let Ok(Frame::Push(p)) = decode_frame(v.to_string().as_bytes()) {
            assert_eq!(books.on_push(&p), None, "no gap");
        }
        let local =
            books.get("BTC_USD").map(|b| (b.levels(true).collect::<Levels>(), b.levels(false).collect::<Levels>()));
        if refused && trades && deltas >= 5 && local == Some(sim_book(&sim)) {
            break;
        }
        assert!(Instant::now() < deadline, "refused {refused}, trades {trades}, deltas {deltas}, book {local:?}");
    }

    let unsub = json!({"id": 8, "method": "unsubscribe", "nonce": 2, "params": {"channels": [BOOK]}});
    ws.send(Message::Text(unsub.to_string().into())).await.expect("send");
    while next(&mut ws).await.expect("the unsubscribe answer") != json!({"id": 8, "method": "unsubscribe", "code": 0}) {
    }

    // The gateway stops cleanly on SIGTERM; the relay then disconnects its client (1013), as
    // the exchange would when it restarts, so that the engine knows its data stopped.
    let pid = child.id().expect("running").to_string();
    let killed = tokio::process::Command::new("kill").args(["-TERM", &pid]).status().await.expect("kill runs");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("it stops").expect("wait");
    assert!(status.success(), "a stop on SIGTERM is clean: {}", err.lock().unwrap());
    let closed = loop {
        match next(&mut ws).await {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert_eq!(closed, "closed Some(1013)");
    relay.shutdown().await;
}

#[tokio::test]
async fn the_gateway_exits_non_zero_with_the_reason_when_it_cannot_do_its_job() {
    let nats = Nats::start();
    let sim = support::sim(false).await;
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let run = |args: Vec<String>| async move {
        let out = bin().arg("gateway").args(&args).output();
        let out = tokio::time::timeout(Duration::from_secs(20), out).await.expect("it ends").expect("runs");
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let args = |publish: &str, instrument: &str, ws: &str, timeout: &str| {
        ["--publish", publish, "--instruments", instrument, "--market-ws-url", ws, "--feed-timeout", timeout]
            .map(str::to_owned)
            .to_vec()
    };
    let (unknown, bad_nats, no_feed) = tokio::join!(
        run(args(&nats.url(), "NOPE_USD", &sim.market_ws_url(), "20")),
        run(args("http://127.0.0.1:4222", "BTC_USD", &sim.market_ws_url(), "20")),
        run(args(&nats.url(), "BTC_USD", &format!("ws://127.0.0.1:{closed_port}/exchange/v1/market"), "2")),
    );
    assert!(
        !unknown.0 && unknown.1.contains("the exchange refused") && unknown.1.contains("NOPE_USD"),
        "{}",
        unknown.1
    );
    assert!(!bad_nats.0 && bad_nats.1.contains("nats://HOST:PORT"), "{}", bad_nats.1);
    assert!(!no_feed.0 && no_feed.1.contains("no market data from"), "{}", no_feed.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_market_from_quotes_on_the_gateways_book_without_a_market_socket_of_its_own() {
    let nats = Nats::start();
    let sim = support::sim(true).await;
    let gw = gateway(&sim, &nats, &[BOOK]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    // The configured market feed does not exist: every book must come through NATS.
    let body = format!(
        "default_profile = \"s\"\n[profiles.s]\nrest_url = \"{}\"\nuser_ws_url = \"{}\"\nmarket_ws_url = \"ws://127.0.0.1:9/none\"\n\
         api_key = \"{}\"\napi_secret = \"{}\"\n[strategies.market_maker]\ninstrument = \"BTC_USD\"\nspread_bps = \"0.3\"\n\
         order_qty = \"0.001\"\nmax_position = \"0.01\"\n",
        sim.rest_url(),
        sim.user_ws_url(),
        support::KEY,
        support::SECRET
    );
    std::fs::write(&cfg, body).unwrap();
    std::fs::set_permissions(&cfg, <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600))
        .unwrap();
    let mut child = bin()
        .args(["run", "market_maker", "--duration", "60", "--market-from", &nats.url(), "--config"])
        .arg(&cfg)
        .spawn()
        .unwrap();
    let err = stderr_of(&mut child);
    let quoting = || sim.with_venue(|x| x.open_orders_json(None)).len() >= 2;
    let deadline = Instant::now() + Duration::from_secs(25);
    while !quoting() {
        assert!(Instant::now() < deadline, "no quotes within 25 s:\n{}", err.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sim.connections(), 2, "the gateway's market socket and the engine's user socket, nothing else");
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "{}", err.lock().unwrap());
    assert_eq!(sim.with_venue(|x| x.open_orders_json(None)).len(), 0, "a clean stop cancels the quotes");
    let _ = gw.stop.send(true);
}
