//! The strategy host: a run's strategies with what the engine knows of each (its tag, its timer,
//! whether it started, stopped or halted, its refusals in a row, its past handed over at start).
//! It calls them and hands back what they asked for. It must NOT check risk, send anything or
//! read the exchange: the engine task does that with the intents it returns.

use std::collections::HashMap;
use std::time::Duration;

use rust_decimal::Decimal;

use tokio::time::Instant;

use super::oid::{strategy_oid, tag_of};
use super::venue::Listed;
use crate::protocol::enums::Side;
use crate::protocol::ids::ClientOrderId;
use crate::protocol::models::Trade;
use crate::protocol::Channel;
use crate::state::book::Books;
use crate::state::State;
use crate::strategy::{Context, Intent, Strategy, View};

/// A run's strategies, by index.
pub(crate) struct Host {
    strategies: Vec<Box<dyn Strategy>>,
    tags: Vec<String>,
    timers: Vec<Option<(Duration, Instant)>>,
    halted: Vec<Option<String>>,
    refusals: Vec<u32>,
    /// Each strategy's own position by instrument: the net of its fills, earlier runs included.
    positions: Vec<HashMap<String, Decimal>>,
    halt_after: u32,
    /// Set at the first reconciliation: nothing is called before.
    pub(crate) started: bool,
    /// Set once `on_stop` ran: nothing is called after.
    pub(crate) stopping: bool,
    /// Journal fills of the strategies, handed to them once at start.
    pub(crate) earlier_fills: Vec<Trade>,
    /// Their fills applied before they started (the exchange's gap).
    pub(crate) pre_start_fills: Vec<Trade>,
}

impl Host {
    /// Hosts `strategies`; one is halted after `halt_after` refusals in a row.
    pub(crate) fn new(strategies: Vec<Box<dyn Strategy>>, halt_after: u32, earlier_fills: Vec<Trade>) -> Self {
        let now = Instant::now();
        let mut host = Host {
            tags: strategies.iter().map(|s| s.id()).collect(),
            timers: strategies.iter().map(|s| s.timer_interval().map(|d| (d, now + d))).collect(),
            halted: vec![None; strategies.len()],
            refusals: vec![0; strategies.len()],
            positions: vec![HashMap::new(); strategies.len()],
            strategies,
            halt_after,
            started: false,
            stopping: false,
            earlier_fills: Vec::new(),
            pre_start_fills: Vec::new(),
        };
        for t in &earlier_fills {
            if let Some(i) = t.client_oid.as_ref().and_then(|c| host.owner(c.as_str())) {
                host.own_fill(i, t);
            }
        }
        host.earlier_fills = earlier_fills;
        host
    }

    /// A new fill of strategy `i`'s order, counted into its position.
    pub(crate) fn own_fill(&mut self, i: usize, t: &Trade) {
        let signed = if t.side == Side::Sell { -t.traded_quantity } else { t.traded_quantity };
        let Some(p) = self.positions.get_mut(i) else { return };
        // Per fill: no allocation once the instrument is known.
        match p.get_mut(t.instrument_name.as_str()) {
            Some(q) => *q += signed,
            None => drop(p.insert(t.instrument_name.to_string(), signed)),
        }
    }

    /// Strategy `i`'s own position by instrument, sorted by name.
    pub(crate) fn positions(&self, i: usize) -> Vec<(String, Decimal)> {
        let mut v: Vec<(String, Decimal)> =
            self.positions.get(i).into_iter().flatten().map(|(k, q)| (k.clone(), q.normalize())).collect();
        v.sort();
        v
    }

    /// How many strategies (halted ones included).
    pub(crate) fn len(&self) -> usize {
        self.strategies.len()
    }

    /// Strategy `i`'s tag in client ids.
    pub(crate) fn tag(&self, i: usize) -> &str {
        &self.tags[i]
    }

    /// Strategy `i`'s name.
    pub(crate) fn name(&self, i: usize) -> String {
        self.strategies.get(i).map(|s| s.name().to_owned()).unwrap_or_default()
    }

    /// The market channels all of them need, sorted, each once.
    pub(crate) fn market_channels(&self) -> Vec<Channel> {
        let mut channels: Vec<Channel> = self.strategies.iter().flat_map(|s| s.market_channels()).collect();
        channels.sort();
        channels.dedup();
        channels
    }

    /// The strategy whose tag the client id carries, whatever run placed it.
    pub(crate) fn owner(&self, client_oid: &str) -> Option<usize> {
        let tag = tag_of(client_oid)?;
        self.tags.iter().position(|t| t == tag)
    }

    /// Calls `f` on each running strategy that `which` selects, with client ids of run `run`
    /// counted by `counter`; returns the intents each recorded.
    pub(crate) fn call(
        &mut self,
        seen: (&State, &Books, &Listed),
        oids: (&str, &mut u64),
        now_ms: u64,
        which: impl Fn(usize) -> bool,
        f: impl FnMut(&mut dyn Strategy, &mut Context<'_>),
    ) -> Vec<(usize, Vec<Intent>)> {
        self.call_inner(seen, oids, now_ms, which, false, f)
    }

    /// [`Host::call`] for news of a strategy's own orders and fills: a halted strategy hears
    /// it too (so that its view of its orders is true when it is resumed), but whatever it
    /// asks for is dropped.
    pub(crate) fn call_owner(
        &mut self,
        seen: (&State, &Books, &Listed),
        oids: (&str, &mut u64),
        now_ms: u64,
        i: usize,
        f: impl FnMut(&mut dyn Strategy, &mut Context<'_>),
    ) -> Vec<(usize, Vec<Intent>)> {
        self.call_inner(seen, oids, now_ms, |j| j == i, true, f)
    }

    fn call_inner(
        &mut self,
        (state, books, listed): (&State, &Books, &Listed),
        (run, counter): (&str, &mut u64),
        now_ms: u64,
        which: impl Fn(usize) -> bool,
        halted_too: bool,
        mut f: impl FnMut(&mut dyn Strategy, &mut Context<'_>),
    ) -> Vec<(usize, Vec<Intent>)> {
        if !self.started || self.stopping {
            return Vec::new();
        }
        let mut pending = Vec::new();
        for (i, s) in self.strategies.iter_mut().enumerate() {
            if !which(i) || (self.halted[i].is_some() && !halted_too) {
                continue;
            }
            let mut intents = Vec::new();
            {
                let tag = &self.tags[i];
                let mut oids = || {
                    *counter += 1;
                    ClientOrderId::from(strategy_oid(tag, run, *counter))
                };
                let view = View { books, listed, tag, positions: &self.positions[i] };
                let mut ctx = Context::new(state, &mut intents, &mut oids, now_ms).with_view(view);
                f(s.as_mut(), &mut ctx);
            }
            if !intents.is_empty() && self.halted[i].is_none() {
                pending.push((i, intents));
            }
        }
        pending
    }

    /// The strategies whose timer is due at `now`, rescheduled.
    pub(crate) fn due_timers(&mut self, now: Instant) -> Vec<usize> {
        self.timers
            .iter_mut()
            .enumerate()
            .filter_map(|(i, t)| match t {
                Some((every, next)) if *next <= now => {
                    *next = now + *every;
                    Some(i)
                }
                _ => None,
            })
            .collect()
    }

    /// An order of strategy `i` went out: its run of refusals ends.
    pub(crate) fn accepted(&mut self, i: usize) {
        self.refusals[i] = 0;
    }

    /// Counts a refusal of strategy `i`'s order; the reason to halt it when this one was one
    /// too many.
    pub(crate) fn refused(&mut self, i: usize, reason: &str) -> Option<String> {
        if self.halted[i].is_some() {
            return None;
        }
        self.refusals[i] += 1;
        (self.refusals[i] >= self.halt_after)
            .then(|| format!("{} orders in a row were refused; the last: {reason}", self.refusals[i]))
    }

    /// Marks strategy `i` halted: it is called no more, but for news of its own orders.
    pub(crate) fn halt(&mut self, i: usize, why: &str) {
        self.halted[i] = Some(why.to_owned());
    }

    /// Why strategy `i` is halted, if it is.
    pub(crate) fn halted(&self, i: usize) -> Option<&str> {
        self.halted.get(i).and_then(|h| h.as_deref())
    }

    /// Lets strategy `i` run again, its run of refusals forgotten.
    pub(crate) fn resume(&mut self, i: usize) {
        self.halted[i] = None;
        self.refusals[i] = 0;
    }

    /// The strategy with this name or id.
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        (0..self.len()).find(|&i| self.tags[i] == name || self.strategies[i].name() == name)
    }
}
