//! Subscription tracking: which channels are desired (kept across reconnects) and which the
//! exchange has confirmed on the current connection. Responses come one per channel, all with
//! the request's id (§4.4), or as a first data batch; both confirm.

use std::collections::{BTreeSet, HashMap, VecDeque};

/// Desired versus confirmed channels.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions {
    desired: BTreeSet<String>,
    confirmed: BTreeSet<String>,
    in_flight: HashMap<i64, VecDeque<String>>,
    /// Channels the exchange refused for good on this connection: `Ready` does not wait for
    /// them (the refusal was reported), and the next connection asks for them again.
    refused: BTreeSet<String>,
    ready_sent: bool,
}

impl Subscriptions {
    pub(crate) fn new(channels: &[String]) -> Self {
        Subscriptions { desired: channels.iter().cloned().collect(), ..Default::default() }
    }

    /// A new connection: nothing is confirmed on it yet.
    pub(crate) fn on_connect(&mut self) {
        self.confirmed.clear();
        self.in_flight.clear();
        self.refused.clear();
        self.ready_sent = false;
    }

    /// Adds to the desired set; returns the channels that were not desired before.
    pub(crate) fn add(&mut self, channels: Vec<String>) -> Vec<String> {
        channels.into_iter().filter(|c| self.desired.insert(c.clone())).collect()
    }

    /// Removes from the desired and confirmed sets.
    pub(crate) fn remove(&mut self, channels: &[String]) {
        for c in channels {
            self.desired.remove(c);
            self.confirmed.remove(c);
            self.refused.remove(c);
        }
    }

    /// Marks channels unconfirmed (a resubscribe is under way).
    pub(crate) fn unconfirm(&mut self, channels: &[String]) {
        for c in channels {
            self.confirmed.remove(c);
        }
        self.ready_sent = false;
    }

    /// Every desired channel, for the subscribe after (re)connecting.
    pub(crate) fn desired(&self) -> Vec<String> {
        self.desired.iter().cloned().collect()
    }

    /// A subscribe request went out with this id.
    pub(crate) fn requested(&mut self, id: i64, channels: &[String]) {
        self.in_flight.insert(id, channels.iter().cloned().collect());
    }

    /// Whether the id is one of our subscribe requests still awaiting answers.
    pub(crate) fn is_subscribe_id(&self, id: i64) -> bool {
        self.in_flight.contains_key(&id)
    }

    /// One channel of request `id` answered; returns the channel it names (or the first still
    /// waiting when the answer names none), if newly confirmed.
    pub(crate) fn ack(&mut self, id: i64, named: Option<&str>) -> Option<String> {
        let channel = self.take(id, named)?;
        if self.desired.contains(&channel) && self.confirmed.insert(channel.clone()) {
            Some(channel)
        } else {
            None
        }
    }

    /// One channel of request `id` (or all of them, when the error names none) was refused.
    pub(crate) fn fail(&mut self, id: i64, named: Option<&str>) -> Vec<String> {
        match named {
            Some(_) => self.take(id, named).into_iter().collect(),
            None => self.in_flight.remove(&id).map(Vec::from).unwrap_or_default(),
        }
    }

    /// The channel of request `id` still waiting that an error's `message` names, when the
    /// answer carries no channel field (the longest match: `user.trade.X` over `user.trade`).
    pub(crate) fn named_in(&self, id: i64, message: Option<&str>) -> Option<String> {
        let message = message?;
        let waiting = self.in_flight.get(&id)?;
        waiting.iter().filter(|c| message.contains(c.as_str())).max_by_key(|c| c.len()).cloned()
    }

    /// The exchange refused `channel` for good on this connection.
    pub(crate) fn give_up(&mut self, channel: &str) {
        self.refused.insert(channel.to_owned());
    }

    fn take(&mut self, id: i64, named: Option<&str>) -> Option<String> {
        let waiting = self.in_flight.get_mut(&id)?;
        let channel = match named {
            Some(n) => {
                let pos = waiting.iter().position(|c| c == n)?;
                waiting.remove(pos)
            }
            None => waiting.pop_front(),
        };
        if waiting.is_empty() {
            self.in_flight.remove(&id);
        }
        channel
    }

    /// True once per connection, when every desired channel is confirmed or refused for good.
    pub(crate) fn take_ready(&mut self) -> bool {
        let answered = |c: &String| self.confirmed.contains(c) || self.refused.contains(c);
        if !self.ready_sent && self.desired.iter().all(answered) {
            self.ready_sent = true;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acks_by_name_or_in_order_then_ready_once() {
        let mut s = Subscriptions::new(&["user.order".into(), "user.trade".into(), "user.balance".into()]);
        s.on_connect();
        s.requested(7, &s.desired());
        assert!(!s.take_ready());
        assert_eq!(s.ack(7, Some("user.trade")).as_deref(), Some("user.trade"));
        assert_eq!(s.ack(7, None).as_deref(), Some("user.balance"));
        assert!(!s.take_ready());
        assert_eq!(s.ack(7, Some("user.order")).as_deref(), Some("user.order"));
        assert!(!s.is_subscribe_id(7));
        assert!(s.take_ready());
        assert!(!s.take_ready());
        s.on_connect();
        assert!(!s.take_ready() || s.desired().is_empty());
    }

    #[test]
    fn failures_name_channels() {
        let mut s = Subscriptions::new(&[]);
        s.add(vec!["book.X.10".into(), "ticker.X".into()]);
        s.requested(1, &["book.X.10".into(), "ticker.X".into()]);
        assert_eq!(s.fail(1, None), vec!["book.X.10".to_string(), "ticker.X".to_string()]);
        assert!(!s.is_subscribe_id(1));
    }

    #[test]
    fn a_channel_refused_for_good_does_not_hold_ready_back_and_is_asked_for_again_later() {
        let mut s = Subscriptions::new(&["user.order".into(), "user.trade".into(), "user.trade.X".into()]);
        s.on_connect();
        s.requested(3, &s.desired());
        let named = s.named_in(3, Some("INVALID_REQUEST: user.trade.X"));
        assert_eq!(named.as_deref(), Some("user.trade.X"), "the longest channel the message names");
        assert_eq!(s.fail(3, named.as_deref()), vec!["user.trade.X".to_string()]);
        s.give_up("user.trade.X");
        s.ack(3, Some("user.order"));
        assert!(!s.take_ready());
        s.ack(3, Some("user.trade"));
        assert!(s.take_ready());
        s.on_connect();
        s.ack(4, Some("user.order"));
        s.ack(4, Some("user.trade"));
        assert!(!s.take_ready(), "a new connection waits for the refused channel again");
    }
}
