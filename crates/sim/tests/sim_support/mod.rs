//! Shared pieces of the simulator-server tests: a small fake venue, a signing helper written
//! straight from §3 of the reference, and raw JSON clients over tokio-tungstenite and reqwest.
#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cdc_sim::venue::{ConnId, Level, Reject, SimEvent, Venue};
use cdc_sim::{start, SimConfig, SimHandle};
use futures::{SinkExt, StreamExt};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const KEY: &str = "test_key";
pub const SECRET: &str = "test_secret";
pub const INSTR: &str = "BTCUSD-PERP";

/// A venue that answers a handful of methods and lets tests set the book.
#[derive(Default)]
pub struct FakeVenue {
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
    pub orders: Vec<Value>,
    pub events: Vec<SimEvent>,
    pub closed: Vec<ConnId>,
    pub cod: Vec<ConnId>,
    pub steps: u64,
    pub private_calls: u64,
}

pub fn lv(p: &str, q: &str) -> Level {
    [p.to_string(), q.to_string(), "1".to_string()]
}

impl FakeVenue {
    pub fn new() -> Self {
        FakeVenue {
            bids: vec![lv("100", "1"), lv("99", "2")],
            asks: vec![lv("101", "1"), lv("102", "3")],
            ..Default::default()
        }
    }

    /// Adds an open order and emits its `user.order` event, as a fill injector would.
    pub fn add_order(&mut self, client_oid: &str) -> Value {
        let order = json!({"order_id": format!("{}", 1000 + self.orders.len()), "client_oid": client_oid,
                           "instrument_name": INSTR, "status": "ACTIVE"});
        self.orders.push(order.clone());
        self.events.push(SimEvent::UserOrder { instrument: INSTR.into(), order: order.clone() });
        order
    }

    pub fn set_book(&mut self, bids: Vec<Level>, asks: Vec<Level>) {
        self.bids = bids;
        self.asks = asks;
        self.events.push(SimEvent::BookChanged { instrument: INSTR.into() });
    }
}

impl Venue for FakeVenue {
    fn private(&mut self, method: &str, params: &Value, conn: Option<ConnId>, _now_ms: u64) -> Result<Value, Reject> {
        self.private_calls += 1;
        match method {
            "private/create-order" => {
                let oid = params["client_oid"].as_str().unwrap_or("x").to_string();
                let order = self.add_order(&oid);
                Ok(json!({"order_id": order["order_id"], "client_oid": oid}))
            }
            "private/user-balance" => Ok(json!({"data": [self.balance_json(0)]})),
            "private/get-trades" | "private/get-order-history" => Ok(json!({"data": []})),
            "private/set-cancel-on-disconnect" => {
                self.cod.extend(conn);
                Ok(json!({"scope": "CONNECTION"}))
            }
            "private/reject" => Err(Reject::new(306, "INSUFFICIENT_AVAILABLE_BALANCE")),
            _ => Err(Reject::new(40002, "METHOD_NOT_FOUND")),
        }
    }

    fn public(&mut self, method: &str, params: &Value, _now_ms: u64) -> Result<Value, Reject> {
        match method {
            "public/get-instruments" => Ok(json!({"data": [{"symbol": INSTR}], "echo": params})),
            _ => Err(Reject::new(40002, "METHOD_NOT_FOUND")),
        }
    }

    fn connection_closed(&mut self, conn: ConnId, _now_ms: u64) {
        self.closed.push(conn);
    }

    fn step_market(&mut self, _now_ms: u64) {
        self.steps += 1;
    }

    fn book_levels(&self, instrument: &str, depth: usize) -> Option<(Vec<Level>, Vec<Level>)> {
        let take = |v: &Vec<Level>| v.iter().take(depth).cloned().collect();
        (instrument == INSTR).then(|| (take(&self.bids), take(&self.asks)))
    }

    fn open_orders_json(&self, _instrument: Option<&str>) -> Vec<Value> {
        self.orders.clone()
    }

    fn balance_json(&self, _now_ms: u64) -> Value {
        json!({"total_available_balance": "1000", "instrument_name": "USD"})
    }

    fn recent_public_trades(&self, instrument: &str, n: usize) -> Vec<Value> {
        (0..60)
            .rev()
            .take(n)
            .map(|i| json!({"d": format!("{i}"), "t": i, "p": "100", "q": "1", "s": "BUY", "i": instrument}))
            .collect()
    }

    fn channel_data(&self, family: &str, instrument: Option<&str>, _iv: Option<&str>, _now: u64) -> Option<Vec<Value>> {
        // The newer user channels start empty; of the market ones only the fake instrument's
        // mark exists, and everything else is refused.
        if family.starts_with("user.") {
            return Some(Vec::new());
        }
        (family == "mark" && instrument == Some(INSTR)).then(|| vec![json!({"v": "100", "t": 1})])
    }

    fn ticker_json(&self, instrument: &str, _now_ms: u64) -> Option<Value> {
        Some(json!({"i": instrument, "b": "100", "k": "101", "t": 1}))
    }

    /// `BTCUSD-PERP`, plus `T0`..`T999` so tests can open hundreds of subscriptions.
    fn is_instrument(&self, instrument: &str) -> bool {
        instrument == INSTR
            || instrument.strip_prefix('T').and_then(|n| n.parse::<u32>().ok()).is_some_and(|n| n < 1000)
    }

    fn take_events(&mut self) -> Vec<SimEvent> {
        std::mem::take(&mut self.events)
    }
}

pub type Sim = SimHandle<FakeVenue>;

pub fn config() -> SimConfig {
    SimConfig::new(KEY, SECRET)
}

pub async fn start_sim() -> Sim {
    start_with(config()).await
}

pub async fn start_with(cfg: SimConfig) -> Sim {
    start(cfg, FakeVenue::new()).await.expect("sim starts")
}

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_millis() as u64
}

fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<_> = m.keys().collect();
            keys.sort();
            for k in keys {
                out.push_str(k);
                canonical(&m[k], out);
            }
        }
        Value::Array(a) => a.iter().for_each(|e| canonical(e, out)),
        Value::String(s) => out.push_str(s),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(&b.to_string()),
        Value::Null => out.push_str("null"),
    }
}

/// HMAC-SHA256 hex of `method + id + api_key + canonical(params) + nonce` (§3.1).
pub fn sign(secret: &str, method: &str, id: &str, key: &str, params: Option<&Value>, nonce: &str) -> String {
    let mut payload = format!("{method}{id}{key}");
    if let Some(p) = params {
        canonical(p, &mut payload);
    }
    payload.push_str(nonce);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A signed request body with numeric id and nonce.
pub fn signed(method: &str, id: u64, params: Value, nonce: u64, secret: &str) -> Value {
    let sig = sign(secret, method, &id.to_string(), KEY, Some(&params), &nonce.to_string());
    json!({"id": id, "method": method, "params": params, "api_key": KEY, "sig": sig, "nonce": nonce})
}

/// POSTs a body to `{rest_url}/{method}`; returns (status, json).
pub async fn post(sim: &Sim, method: &str, body: String) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/{method}", sim.rest_url()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("http");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json body"))
}

pub async fn post_signed(sim: &Sim, method: &str, id: u64, params: Value) -> (u16, Value) {
    post(sim, method, signed(method, id, params, now_ms(), SECRET).to_string()).await
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects; if the wall clock is in the last 100 ms of a second, waits for the next one so the
/// pro-rated first second (§4.2) leaves room for a few requests.
pub async fn connect(url: &str) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("ws connect");
    let into = now_ms() % 1000;
    if into > 900 {
        // Wall-clock boundary: paused tokio time cannot advance it, so block briefly.
        std::thread::sleep(Duration::from_millis(1000 - into + 1));
    }
    ws
}

pub async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.expect("ws send");
}

/// The next text frame as JSON (raw text if it is not JSON), within `secs` seconds.
pub async fn recv_within(ws: &mut Ws, secs: u64) -> Option<Value> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(secs), ws.next()).await.ok()??.ok()?;
        match msg {
            Message::Text(t) => return Some(serde_json::from_str(t.as_str()).unwrap_or(Value::String(t.to_string()))),
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

pub async fn recv(ws: &mut Ws) -> Value {
    recv_within(ws, 5).await.expect("a frame within 5 s")
}

/// Receives until a frame satisfies `pred`, within 5 s.
pub async fn recv_until(ws: &mut Ws, pred: impl Fn(&Value) -> bool) -> Value {
    loop {
        let v = recv(ws).await;
        if pred(&v) {
            return v;
        }
    }
}

/// Sends a signed `public/auth` and returns the response.
pub async fn auth_with(ws: &mut Ws, id: u64, secret: &str, nonce: u64) -> Value {
    let sig = sign(secret, "public/auth", &id.to_string(), KEY, None, &nonce.to_string());
    send(ws, json!({"id": id, "method": "public/auth", "api_key": KEY, "sig": sig, "nonce": nonce})).await;
    recv_until(ws, |v| v["id"] == json!(id)).await
}

pub async fn authed_user(sim: &Sim) -> Ws {
    let mut ws = connect(&sim.user_ws_url()).await;
    let r = auth_with(&mut ws, 1, SECRET, now_ms()).await;
    assert_eq!(r["code"], 0, "auth: {r}");
    ws
}

/// Polls `cond` until it holds, failing after 5 s.
pub async fn wait_for(mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "condition not met within 5 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
