//! One channel of one engine connection: a consistent start, then the gateway's stream. It
//! subscribes to the channel's subject first (NATS holds what arrives), then asks the gateway
//! for the channel's state. The answer, sent as the subscribe answer with the engine's request
//! id, says which message of the stream it includes (`Cdc-Seq`); the held messages up to that
//! one are dropped and everything after it is passed on. For a book this is the exchange's own
//! start: a snapshot, then the deltas whose `pu` continues it.
//!
//! It must NOT change frames beyond the answer's id: the engine checks `u`/`pu` itself, and a
//! message lost on the way shows there as a gap, which it heals by subscribing again.

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use tokio::sync::mpsc;

use super::conn::Out;
use crate::bus::market::subjects::{MarketChannel, HEADER_GATEWAY, HEADER_SEQ};

/// How long one snapshot request may take; a book being fetched afresh answers late.
const ASK_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause between asks while no gateway answers.
const ASK_AGAIN: Duration = Duration::from_secs(1);

/// What a forwarder needs.
pub(super) struct Forward {
    pub channel: MarketChannel,
    /// The id of the engine's subscribe request, echoed in the first answer.
    pub request_id: Value,
    pub generation: u64,
    pub out_tx: mpsc::Sender<Out>,
    pub nats: async_nats::Client,
}

/// Where the stream starts for this subscriber.
#[derive(Debug, PartialEq)]
struct Start {
    /// The subscribe answer for the engine.
    answer: String,
    gateway: Option<String>,
    seq: u64,
}

/// Runs until the connection drops it (abort) or goes away.
pub(super) async fn run(f: Forward) {
    let subject = f.channel.subject();
    let mut data = loop {
        match f.nats.subscribe(subject.clone()).await {
            Ok(s) => break s,
            Err(e) => {
                tracing::warn!(%subject, error = %e, "the market relay cannot subscribe; trying again");
                tokio::time::sleep(ASK_AGAIN).await;
            }
        }
    };
    let start = first_state(&f).await;
    if f.out_tx.send(Out { generation: f.generation, text: start.answer.clone() }).await.is_err() {
        return;
    }
    while let Some(msg) = data.next().await {
        if already_in(&msg, &start) {
            continue;
        }
        let Some(text) = checked(&msg) else { continue };
        if f.out_tx.send(Out { generation: f.generation, text }).await.is_err() {
            return;
        }
    }
}

/// Asks the gateway until one answers with a readable state.
async fn first_state(f: &Forward) -> Start {
    let mut warned = false;
    loop {
        let ask = async_nats::Request::new().payload(Default::default()).timeout(Some(ASK_TIMEOUT));
        let why = match f.nats.send_request(f.channel.snapshot_subject(), ask).await {
            Ok(msg) => match start_of(&msg, &f.request_id) {
                Ok(start) => {
                    if warned {
                        tracing::info!(channel = %f.channel.name, "a gateway answers again");
                    }
                    return start;
                }
                Err(e) => e,
            },
            Err(e) => format!("{e}"),
        };
        if !warned {
            tracing::warn!(channel = %f.channel.name, reason = %why,
                "no gateway on NATS gives this channel yet (is `cdc-engine gateway` running with it?); waiting");
            warned = true;
        }
        tokio::time::sleep(ASK_AGAIN).await;
    }
}

/// The subscribe answer from a snapshot reply: the reply's push frame with the request's id.
fn start_of(msg: &async_nats::Message, request_id: &Value) -> Result<Start, String> {
    let mut v: Value =
        serde_json::from_slice(&msg.payload).map_err(|e| format!("an unreadable snapshot reply: {e}"))?;
    if !v.get("result").is_some_and(Value::is_object) {
        return Err("a snapshot reply without a result".into());
    }
    v["id"] = request_id.clone();
    let header = |name| msg.headers.as_ref().and_then(|h| h.get(name)).map(|x| x.as_str().to_owned());
    Ok(Start {
        answer: v.to_string(),
        gateway: header(HEADER_GATEWAY),
        seq: header(HEADER_SEQ).and_then(|s| s.parse().ok()).unwrap_or(0),
    })
}

/// Whether the message is one the start already includes (same gateway run, not after it).
fn already_in(msg: &async_nats::Message, start: &Start) -> bool {
    let header = |name| msg.headers.as_ref().and_then(|h| h.get(name)).map(|x| x.as_str().to_owned());
    let same_run = start.gateway.is_some() && header(HEADER_GATEWAY) == start.gateway;
    same_run && header(HEADER_SEQ).and_then(|s| s.parse::<u64>().ok()).is_some_and(|seq| seq <= start.seq)
}

/// The message's text if it is a JSON frame; else it is logged and skipped.
fn checked(msg: &async_nats::Message) -> Option<String> {
    let text = match std::str::from_utf8(&msg.payload) {
        Ok(t) => t,
        Err(_) => {
            tracing::warn!(subject = %msg.subject, "skipping a market message that is not UTF-8");
            return None;
        }
    };
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => Some(text.to_owned()),
        Err(e) => {
            let start: String = text.chars().take(200).collect();
            tracing::warn!(subject = %msg.subject, error = %e, frame = %start, "skipping a malformed market message");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(payload: &str, gateway: Option<&str>, seq: Option<u64>) -> async_nats::Message {
        let mut h = async_nats::HeaderMap::new();
        if let Some(g) = gateway {
            h.insert(HEADER_GATEWAY, g);
        }
        if let Some(s) = seq {
            h.insert(HEADER_SEQ, s.to_string());
        }
        async_nats::Message {
            subject: "cdcmd.X.book.10".into(),
            reply: None,
            payload: payload.to_owned().into(),
            headers: Some(h),
            status: None,
            description: None,
            length: payload.len(),
        }
    }

    #[test]
    fn the_answer_carries_the_request_id_and_only_later_messages_of_the_same_run_pass() {
        let reply = message(
            r#"{"id":-1,"method":"subscribe","code":0,"result":{"channel":"book","data":[]}}"#,
            Some("g1"),
            Some(7),
        );
        let start = start_of(&reply, &Value::from(42)).unwrap();
        let answer: Value = serde_json::from_str(&start.answer).unwrap();
        assert_eq!((answer["id"].as_i64(), answer["result"]["channel"].as_str()), (Some(42), Some("book")));
        assert!(already_in(&message("{}", Some("g1"), Some(7)), &start));
        assert!(!already_in(&message("{}", Some("g1"), Some(8)), &start));
        assert!(!already_in(&message("{}", Some("g2"), Some(3)), &start), "a restarted gateway's messages are new");
        assert!(!already_in(&message("{}", None, None), &start));
        assert!(start_of(&message("not json", Some("g1"), Some(1)), &Value::from(1)).is_err());
        assert!(start_of(&message(r#"{"code":0}"#, Some("g1"), Some(1)), &Value::from(1)).is_err());
    }

    #[test]
    fn malformed_messages_are_skipped() {
        assert_eq!(checked(&message("{\"a\":1}", None, None)).as_deref(), Some("{\"a\":1}"));
        assert_eq!(checked(&message("{\"a\":", None, None)), None);
    }
}
