//! The recorder's subscriptions on one connection: the `subscribe` requests (≤ 50 channels
//! each, §4.5) and their answers (one per channel, each with the request's id, §4.4), to tell
//! when every channel is confirmed, which were refused and why, and which are worth asking for
//! again (a transient refusal such as 42901).
//!
//! Bookkeeping only: it must NOT send anything or touch the files; the connection loop does.

use std::collections::{HashMap, VecDeque};

use cdc_engine::protocol::codes::CodeClass;
use cdc_engine::protocol::enums::BookSubscriptionType;
use cdc_engine::protocol::requests::{ApiRequest, Subscribe};
use cdc_engine::protocol::ExchangeError;

use super::format::Head;

/// Keeps requests small (JKorf caps outgoing messages at 4000 bytes, §4.5).
const CHANNELS_PER_REQUEST: usize = 50;

/// What an answer changed.
pub(super) enum Progress {
    /// Not one of ours, or more answers are awaited.
    Waiting,
    /// Every channel was answered; some may have been refused for good.
    Complete { confirmed: usize, refused: Vec<(String, ExchangeError)> },
    /// Refused for a reason that passes (rate limit, busy): ask again for these.
    Retry(Vec<String>),
}

/// One connection's subscribe requests and their answers.
pub(super) struct Subs {
    /// Channels each request id still awaits an answer for, in request order.
    pending: HashMap<i64, VecDeque<String>>,
    confirmed: usize,
    refused: Vec<(String, ExchangeError)>,
    retry: Vec<String>,
}

impl Subs {
    pub(super) fn new() -> Self {
        Subs { pending: HashMap::new(), confirmed: 0, refused: Vec::new(), retry: Vec::new() }
    }

    /// The requests for `channels`, ids taken from `next_id`; book channels ask for one
    /// snapshot then deltas every 10 ms, the finest feed (§5.1), which a backtest replays.
    pub(super) fn requests(
        &mut self,
        channels: &[String],
        books: bool,
        next_id: &mut u64,
        nonce_ms: u64,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for chunk in channels.chunks(CHANNELS_PER_REQUEST) {
            let id = *next_id;
            *next_id += 1;
            let with_books = books && chunk.iter().any(|c| c.starts_with("book."));
            let req = Subscribe {
                channels: chunk.to_vec(),
                book_subscription_type: with_books.then_some(BookSubscriptionType::SnapshotAndUpdate),
                book_update_frequency: with_books.then_some(10),
            };
            self.pending.insert(id as i64, chunk.iter().cloned().collect());
            out.push(req.to_request(id, nonce_ms).to_json());
        }
        out
    }

    /// Channels confirmed so far, and channels asked for that are not answered yet.
    pub(super) fn counts(&self) -> (usize, usize) {
        (self.confirmed, self.pending.values().map(VecDeque::len).sum())
    }

    /// Takes one frame's head; says what changed when it answers one of our requests.
    pub(super) fn on_answer(&mut self, head: &Head) -> Progress {
        let Some(id) = head.id.filter(|id| self.pending.contains_key(id)) else { return Progress::Waiting };
        if head.method.as_deref() != Some("subscribe") {
            return Progress::Waiting;
        }
        let Some(channel) = self.take(id, head.named_channel()) else { return Progress::Waiting };
        match head.code.unwrap_or(0) {
            0 => self.confirmed += 1,
            code => {
                let error = ExchangeError::new("subscribe", code, head.message.clone(), None);
                if error.class() == CodeClass::Transient {
                    self.retry.push(channel);
                } else {
                    self.refused.push((channel, error));
                }
            }
        }
        if !self.pending.is_empty() {
            return Progress::Waiting;
        }
        if !self.retry.is_empty() {
            return Progress::Retry(std::mem::take(&mut self.retry));
        }
        Progress::Complete { confirmed: self.confirmed, refused: std::mem::take(&mut self.refused) }
    }

    /// Removes the channel an answer of request `id` is for: the one it names, else the first
    /// still awaited (a bare acknowledgement names none).
    fn take(&mut self, id: i64, named: Option<&str>) -> Option<String> {
        let waiting = self.pending.get_mut(&id)?;
        let pos = named.and_then(|n| waiting.iter().position(|c| c == n)).unwrap_or(0);
        let channel = waiting.remove(pos);
        if waiting.is_empty() {
            self.pending.remove(&id);
        }
        channel
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::record::format::{parse, Parsed};

    fn head(text: &str) -> Head {
        match parse(text) {
            Parsed::Json(h) => h,
            Parsed::Bad => Head::default(),
        }
    }

    #[test]
    fn one_request_per_fifty_channels_with_book_options_only_for_books() {
        let mut s = Subs::new();
        let mut id = 100;
        let channels: Vec<String> = (0..51).map(|i| format!("trade.I{i}")).collect();
        let reqs = s.requests(&channels, true, &mut id, 1);
        assert_eq!((reqs.len(), id), (2, 102));
        assert!(!reqs[0].contains("book_subscription_type"));
        let reqs = s.requests(&["book.BTC_USD.50".into()], true, &mut id, 1);
        assert!(reqs[0].contains("\"book_subscription_type\":\"SNAPSHOT_AND_UPDATE\""), "{}", reqs[0]);
        assert!(reqs[0].contains("\"method\":\"subscribe\"") && reqs[0].contains("\"nonce\":1"), "{}", reqs[0]);
    }

    #[test]
    fn answers_complete_with_refusals_named_and_transient_ones_retried() {
        let mut s = Subs::new();
        let mut id = 7;
        s.requests(&["book.X.50".into(), "trade.X".into(), "ticker.X".into()], true, &mut id, 1);
        assert!(matches!(s.on_answer(&head(r#"{"id":-1,"method":"subscribe","code":0}"#)), Progress::Waiting));
        let ok = r#"{"id":7,"method":"subscribe","code":0,"result":{"subscription":"trade.X"}}"#;
        assert!(matches!(s.on_answer(&head(ok)), Progress::Waiting));
        let busy = r#"{"id":7,"method":"subscribe","code":42901,"channel":"ticker.X"}"#;
        assert!(matches!(s.on_answer(&head(busy)), Progress::Waiting));
        let bad = r#"{"id":7,"method":"subscribe","code":40003,"message":"bad","channel":"book.X.50"}"#;
        match s.on_answer(&head(bad)) {
            Progress::Retry(again) => assert_eq!(again, ["ticker.X"]),
            _ => panic!("the rate-limited channel should be retried"),
        }
        s.requests(&["ticker.X".into()], true, &mut id, 2);
        match s.on_answer(&head(r#"{"id":8,"method":"subscribe","code":0}"#)) {
            Progress::Complete { confirmed, refused } => {
                assert_eq!(confirmed, 2);
                assert_eq!(refused.len(), 1);
                assert_eq!(refused[0].0, "book.X.50");
            }
            _ => panic!("every channel was answered"),
        }
    }
}
