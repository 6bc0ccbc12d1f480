//! What the gateway keeps per channel and what each exchange frame turns into: the messages
//! to publish (numbered per channel), the snapshot requests that can now be answered, and the
//! books to fetch afresh after a gap. A book keeps its levels ([`Book`]), a trade channel its
//! last trades (and the ids seen, so that the 50 trades the exchange repeats after each
//! subscribe are not published twice), any other channel its latest value.
//!
//! Bookkeeping only: it must NOT touch NATS or the socket; the gateway's loop does.

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::{json, Value};

use super::book::{Applied, Book};
use super::subjects::{Kind, MarketChannel};

/// Trades a newcomer is given, as the exchange's subscribe answer gives (§5.3).
const RECENT_TRADES: usize = 50;
/// Trade ids remembered against repeats; more than one subscribe answer's worth.
const SEEN_TRADES: usize = 500;
/// Snapshot requests parked while a book is being fetched afresh; later ones are not answered
/// (the relay asks again).
const MAX_WAITING: usize = 256;

/// A message for a channel's subject.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Publication {
    /// The data subject.
    pub subject: String,
    /// Its number in the channel's stream.
    pub seq: u64,
    /// A push frame, as the exchange sends it.
    pub payload: String,
}

/// The answer to a snapshot request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    /// The requester's inbox.
    pub to: String,
    /// The number of the last message published on the channel before this state.
    pub seq: u64,
    /// A push frame holding the channel's current state.
    pub payload: String,
}

/// What one frame led to.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Publish these, in order.
    pub publish: Vec<Publication>,
    /// Answer these parked requests.
    pub replies: Vec<Reply>,
    /// Books that lost continuity: unsubscribe and subscribe again.
    pub resubscribe: Vec<String>,
}

enum State {
    Book(Book),
    Trades { recent: VecDeque<Value>, seen: VecDeque<String>, seen_set: HashSet<String> },
    Latest(Option<Value>),
}

struct Entry {
    channel: MarketChannel,
    subject: String,
    seq: u64,
    state: State,
    waiting: Vec<String>,
}

/// Every carried channel's state.
pub(crate) struct Store {
    entries: HashMap<String, Entry>,
}

impl Store {
    /// Empty states for these channels.
    pub(crate) fn new(channels: &[MarketChannel]) -> Store {
        let entries = channels
            .iter()
            .map(|c| {
                let state = match c.kind() {
                    Kind::Book { depth } => State::Book(Book::new(depth)),
                    Kind::Trade => {
                        State::Trades { recent: VecDeque::new(), seen: VecDeque::new(), seen_set: HashSet::new() }
                    }
                    Kind::Latest(_) => State::Latest(None),
                };
                let entry = Entry { channel: c.clone(), subject: c.subject(), seq: 0, state, waiting: Vec::new() };
                (c.name.clone(), entry)
            })
            .collect();
        Store { entries }
    }

    /// The feed dropped: books are unusable until their next snapshot.
    pub(crate) fn on_disconnect(&mut self) {
        for e in self.entries.values_mut() {
            if let State::Book(b) = &mut e.state {
                b.invalidate();
            }
        }
    }

    /// One data frame's `result`; `raw` is the frame's text when it is a live push (`id` -1),
    /// published as it came; a subscribe answer is published re-framed as a push.
    pub(crate) fn on_data(&mut self, result: &Value, raw: Option<&str>, now_ms: u64) -> Result<Outcome, String> {
        let name = result.get("subscription").and_then(Value::as_str).ok_or("a data frame without `subscription`")?;
        let entry = self.entries.get_mut(name).ok_or_else(|| format!("data for {name}, which is not carried"))?;
        let family = result.get("channel").and_then(Value::as_str).unwrap_or_default();
        let data = result
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{name}: a frame without a `data` list"))?;
        let mut out = Outcome::default();
        let pushed = |entry: &mut Entry, out: &mut Outcome, payload: String| {
            entry.seq += 1;
            out.publish.push(Publication { subject: entry.subject.clone(), seq: entry.seq, payload });
        };
        let as_is = || raw.map_or_else(|| push_frame(result.clone()), str::to_owned);
        match &mut entry.state {
            State::Book(book) if family == "book" => {
                let broken = data.iter().find_map(|item| book.apply_snapshot(item).err());
                let frame = book.render(name, &entry.channel.instrument, now_ms).filter(|_| broken.is_none());
                let Some(payload) = frame.map(|f| f.to_string()) else {
                    // A book without a usable snapshot would stay unusable: ask for another.
                    let why = broken.unwrap_or_else(|| "a snapshot without levels".into());
                    tracing::warn!(channel = name, error = %why, "an unreadable book snapshot; fetching it afresh");
                    out.resubscribe.push(name.to_owned());
                    return Ok(out);
                };
                pushed(entry, &mut out, payload.clone());
                let seq = entry.seq;
                out.replies = entry.waiting.drain(..).map(|to| Reply { to, seq, payload: payload.clone() }).collect();
            }
            State::Book(book) => {
                let mut applied = false;
                for item in data {
                    match book.apply_delta(item) {
                        Applied::Continued => applied = true,
                        Applied::Waiting => return Ok(out),
                        Applied::Gap { expected, got } => {
                            tracing::warn!(
                                channel = name,
                                ?expected,
                                ?got,
                                "book gap at the gateway; fetching it afresh"
                            );
                            out.resubscribe.push(name.to_owned());
                            return Ok(out);
                        }
                    }
                }
                if applied {
                    pushed(entry, &mut out, as_is());
                }
            }
            State::Trades { recent, seen, seen_set } => {
                let fresh: Vec<Value> = data.iter().filter(|t| remember(t, seen, seen_set)).cloned().collect();
                if fresh.is_empty() {
                    return Ok(out);
                }
                // The exchange lists the newest first; so does `recent`.
                for t in fresh.iter().rev() {
                    recent.push_front(t.clone());
                }
                recent.truncate(RECENT_TRADES);
                let payload = if fresh.len() == data.len() { as_is() } else { with_data(result, fresh) };
                pushed(entry, &mut out, payload);
            }
            State::Latest(last) => {
                *last = Some(result.clone());
                pushed(entry, &mut out, as_is());
            }
        }
        Ok(out)
    }

    /// A snapshot request for `channel` from inbox `to`: the answer now, or `None` when it is
    /// parked until the book is whole again (or the channel is not carried here).
    pub(crate) fn on_request(&mut self, channel: &MarketChannel, to: String, now_ms: u64) -> Option<Reply> {
        let entry = self.entries.get_mut(&channel.name)?;
        let result = match &entry.state {
            State::Book(book) => match book.render(&channel.name, &channel.instrument, now_ms) {
                Some(frame) => return Some(Reply { to, seq: entry.seq, payload: frame.to_string() }),
                None => {
                    if entry.waiting.len() < MAX_WAITING {
                        entry.waiting.push(to);
                    }
                    return None;
                }
            },
            State::Trades { recent, .. } => empty(channel, Vec::from(recent.clone())),
            State::Latest(Some(last)) => last.clone(),
            State::Latest(None) => empty(channel, Vec::new()),
        };
        Some(Reply { to, seq: entry.seq, payload: push_frame(result) })
    }
}

/// Whether the trade is new (remembering it); a trade without an id counts as new.
fn remember(trade: &Value, seen: &mut VecDeque<String>, seen_set: &mut HashSet<String>) -> bool {
    let Some(id) =
        trade.get("d").and_then(|d| d.as_str().map(str::to_owned).or_else(|| d.as_u64().map(|n| n.to_string())))
    else {
        return true;
    };
    if !seen_set.insert(id.clone()) {
        return false;
    }
    seen.push_back(id);
    if seen.len() > SEEN_TRADES {
        if let Some(old) = seen.pop_front() {
            seen_set.remove(&old);
        }
    }
    true
}

/// A `result` for the channel with this data.
fn empty(channel: &MarketChannel, data: Vec<Value>) -> Value {
    let family = channel.name.split('.').next().unwrap_or_default();
    json!({"instrument_name": channel.instrument, "subscription": channel.name, "channel": family, "data": data})
}

fn with_data(result: &Value, data: Vec<Value>) -> String {
    let mut r = result.clone();
    r["data"] = Value::Array(data);
    push_frame(r)
}

/// `{"id":-1,"method":"subscribe","code":0,"result":…}`: a live push (§4.4).
pub(crate) fn push_frame(result: Value) -> String {
    json!({"id": -1, "method": "subscribe", "code": 0, "result": result}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        let chans: Vec<MarketChannel> =
            ["book.X.10", "trade.X", "ticker.X"].iter().filter_map(|n| MarketChannel::parse(n)).collect();
        Store::new(&chans)
    }

    fn book_result(channel: &str, item: Value) -> Value {
        json!({"instrument_name": "X", "subscription": "book.X.10", "channel": channel, "depth": 10, "data": [item]})
    }

    fn parse(s: &str) -> Value {
        serde_json::from_str(s).unwrap_or_default()
    }

    #[test]
    fn requests_wait_for_the_snapshot_then_see_the_book_at_the_last_published_delta() {
        let mut s = store();
        let book = MarketChannel::parse("book.X.10").unwrap();
        assert_eq!(s.on_request(&book, "inbox.1".into(), 1), None, "parked: no snapshot yet");
        let snap = book_result("book", json!({"bids": [["1","1","1"]], "asks": [["2","1","1"]], "u": 5}));
        let out = s.on_data(&snap, None, 1).unwrap();
        assert_eq!(out.publish.len(), 1);
        assert_eq!(out.replies.len(), 1, "the parked request is answered");
        assert_eq!((out.replies[0].to.as_str(), out.replies[0].seq), ("inbox.1", 1));
        let delta = book_result("book.update", json!({"update": {"bids": [["1","3","1"]]}, "u": 8, "pu": 5}));
        let raw = push_frame(delta.clone());
        let out = s.on_data(&delta, Some(&raw), 2).unwrap();
        assert_eq!(out.publish, vec![Publication { subject: "cdcmd.X.book.10".into(), seq: 2, payload: raw }]);
        let reply = s.on_request(&book, "inbox.2".into(), 3).unwrap();
        let v = parse(&reply.payload);
        assert_eq!((reply.seq, v["result"]["data"][0]["u"].as_u64()), (2, Some(8)));
        assert_eq!(v["result"]["data"][0]["bids"], json!([["1", "3", "1"]]));
        let gap = book_result("book.update", json!({"update": {}, "u": 12, "pu": 10}));
        let out = s.on_data(&gap, None, 4).unwrap();
        assert_eq!((out.publish.len(), out.resubscribe.as_slice()), (0, ["book.X.10".to_owned()].as_slice()));
        assert_eq!(s.on_request(&book, "inbox.3".into(), 5), None, "parked again until the fresh snapshot");
        let unreadable = book_result("book", json!({"bids": "?", "u": 20}));
        assert_eq!(s.on_data(&unreadable, None, 6).unwrap().resubscribe, ["book.X.10".to_owned()]);
    }

    #[test]
    fn trades_repeated_by_a_new_subscribe_answer_are_not_published_twice() {
        let mut s = store();
        let trades = |ids: &[&str]| {
            let data: Vec<Value> = ids.iter().map(|d| json!({"d": d, "p": "1", "q": "1", "s": "BUY"})).collect();
            json!({"instrument_name": "X", "subscription": "trade.X", "channel": "trade", "data": data})
        };
        assert_eq!(s.on_data(&trades(&["2", "1"]), None, 1).unwrap().publish.len(), 1);
        assert!(s.on_data(&trades(&["2", "1"]), None, 2).unwrap().publish.is_empty());
        let out = s.on_data(&trades(&["3", "2"]), None, 3).unwrap();
        assert_eq!(
            parse(&out.publish[0].payload)["result"]["data"],
            json!([{"d": "3", "p": "1", "q": "1", "s": "BUY"}])
        );
        let reply = s.on_request(&MarketChannel::parse("trade.X").unwrap(), "i".into(), 4).unwrap();
        let ids: Vec<Value> =
            parse(&reply.payload)["result"]["data"].as_array().unwrap().iter().map(|t| t["d"].clone()).collect();
        assert_eq!((ids, reply.seq), (vec![json!("3"), json!("2"), json!("1")], 2));
    }

    #[test]
    fn the_latest_ticker_is_the_answer_and_unknown_frames_are_errors() {
        let mut s = store();
        let ticker = MarketChannel::parse("ticker.X").unwrap();
        let none = s.on_request(&ticker, "i".into(), 1).unwrap();
        assert_eq!(parse(&none.payload)["result"]["data"], json!([]));
        let t = json!({"instrument_name": "X", "subscription": "ticker.X", "channel": "ticker", "data": [{"a": "5"}]});
        s.on_data(&t, None, 2).unwrap();
        let reply = s.on_request(&ticker, "i".into(), 3).unwrap();
        assert_eq!((parse(&reply.payload)["result"]["data"][0]["a"].as_str(), reply.seq), (Some("5"), 1));
        assert!(s.on_data(&json!({"subscription": "ticker.Y", "data": []}), None, 4).is_err());
        assert!(s.on_data(&json!({"data": []}), None, 4).is_err());
        assert_eq!(s.on_request(&MarketChannel::parse("trade.Y").unwrap(), "i".into(), 5), None);
    }
}
