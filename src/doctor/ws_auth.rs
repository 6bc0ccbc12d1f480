//! The `public/auth` check on the user WebSocket: connect, wait the 1 s pause, send the
//! signed auth once, answer heartbeats while waiting, and read the answer with our id. It
//! opens one connection and closes it; it subscribes to nothing.

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::time::{timeout_at, Instant};
use tokio_tungstenite::tungstenite::Message;

use super::http::explained;
use super::network::Net;
use super::{Check, Status};
use cdc_engine::protocol::envelope::{heartbeat_reply, response_code};
use cdc_engine::protocol::requests::{ApiRequest, PublicAuth};
use cdc_engine::protocol::Credentials;

const NAME: &str = "WebSocket auth";

/// Runs the check and records the frames in the transcript.
pub(super) async fn check(net: &mut Net<'_>, creds: &Credentials, id: u64) -> Check {
    let url = net.endpoints.user_ws_url.clone();
    let deadline = Instant::now() + net.opts.timeout;
    let mut ws = match timeout_at(deadline, tokio_tungstenite::connect_async(url.as_str())).await {
        Ok(Ok((ws, _))) => ws,
        Ok(Err(e)) => return connect_failed(net, &url, &e.to_string()),
        Err(_) => return connect_failed(net, &url, "timed out"),
    };
    // Sending at once after connecting earns 42901.
    tokio::time::sleep(net.opts.connect_pause).await;
    let mut req = PublicAuth.to_request(id, net.opts.clock.now_ms());
    req.sign(creds);
    let text = req.to_json();
    let shown = format!("WS {url}\n\n{}", net.redactor.body(&text));
    if let Err(e) = ws.send(Message::Text(text.into())).await {
        net.record(NAME, shown, None, &format!("write failed: {e}"));
        return Check::new(NAME, Status::Fail, format!("the socket closed before public/auth: {e}"), None);
    }
    let deadline = Instant::now() + net.opts.timeout;
    loop {
        let frame = match timeout_at(deadline, ws.next()).await {
            Err(_) => {
                net.record(NAME, shown, None, "no answer");
                return Check::new(
                    NAME,
                    Status::Fail,
                    format!("no answer to public/auth within {:?}", net.opts.timeout),
                    None,
                );
            }
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => {
                net.record(NAME, shown, None, "closed");
                return Check::new(NAME, Status::Fail, "the server closed the socket after public/auth", None);
            }
            Ok(Some(Ok(Message::Text(t)))) => t.to_string(),
            Ok(Some(Ok(_))) => continue,
        };
        let Ok(v) = serde_json::from_str::<Value>(&frame) else { continue };
        if v.get("method").and_then(Value::as_str) == Some("public/heartbeat") {
            let hb = v.get("id").and_then(Value::as_i64).unwrap_or(-1);
            let _ = ws.send(Message::Text(heartbeat_reply(hb).into())).await;
            continue;
        }
        if v.get("id").and_then(Value::as_u64) != Some(id) {
            continue;
        }
        net.record(NAME, shown, None, &frame);
        let _ = ws.close(None).await;
        return outcome(&v, &url);
    }
}

fn outcome(v: &Value, url: &str) -> Check {
    let code = response_code(v).unwrap_or(-1);
    if code == 0 {
        return Check::new(NAME, Status::Ok, format!("public/auth on {url} answered code 0"), None);
    }
    let (detail, hint) = explained(code, None);
    Check::new(NAME, Status::Fail, format!("public/auth on {url}: {detail}"), Some(hint)).with_code(code)
}

fn connect_failed(net: &mut Net<'_>, url: &str, why: &str) -> Check {
    net.record(NAME, format!("WS {url} (connect)"), None, why);
    Check::new(
        NAME,
        Status::Fail,
        format!("could not open {url}: {why}"),
        Some("the user socket is wss://stream.crypto.com/exchange/v1/user (UAT: uat-stream.3ona.co); check proxy and firewall".into()),
    )
}
