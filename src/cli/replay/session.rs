//! One replay as it goes: the journal's records through the engine's apply rules (its public
//! `Replayer`, holding no strategy), then to the strategy when they carry its tag, each call
//! with a context over the replayed state at the record's time, and what it asked for printed.
//! It must NEVER route an intent anywhere: intents are printed, then dropped.

use std::collections::{HashMap, VecDeque};

use cdc_engine::engine::oid::{strategy_oid, tag_of};
use cdc_engine::engine::replay::Replayer;
use cdc_engine::engine::venue::Listed;
use cdc_engine::engine::EngineEvent;
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::ids::ClientOrderId;
use cdc_engine::protocol::models::Order;
use cdc_engine::protocol::{Channel, Push, PushData};
use cdc_engine::state::book::Books;
use cdc_engine::strategy::{Context, Intent, Strategy, View};
use rust_decimal::Decimal;
use tokio::sync::broadcast;

use super::events::{self, Event, Timed};
use super::print::{self, Outcome};

/// Timer calls allowed between two records before the clock skips ahead (a short timer over a
/// journal of weeks would otherwise call it billions of times).
const MAX_TIMER_CALLS: u32 = 100_000;

/// The replay's state.
pub struct Replay {
    json: bool,
    /// The engine's apply rules over a fresh `State`, with no strategy of its own: this module
    /// calls the strategy itself, at journal time.
    applier: Replayer,
    applied_rx: broadcast::Receiver<EngineEvent>,
    strategy: Option<Box<dyn Strategy>>,
    tag: String,
    /// The journal's client ids of the strategy's tag, in the order they first appear.
    handout: VecDeque<ClientOrderId>,
    /// The first journaled state of each order, by client id.
    journaled: HashMap<String, Order>,
    extra_oids: u64,
    /// (interval, next call), ms.
    timer: Option<(u64, u64)>,
    books: Books,
    listed: Listed,
    positions: HashMap<String, Decimal>,
    /// Records the apply rules took.
    pub applied: u64,
    /// Records they dropped as already known (an older update, a fill seen before).
    pub stale: u64,
    /// Records that reached the strategy.
    pub to_strategy: u64,
    /// Intents the strategy recorded.
    pub intents: u64,
}

impl Replay {
    /// A replay of `events`, through `strategy` if one is given.
    pub fn new(strategy: Option<Box<dyn Strategy>>, events: &[Timed], json: bool) -> Self {
        let applier = Replayer::new(Vec::new());
        let applied_rx = applier.subscribe();
        let tag = strategy.as_ref().map(|s| s.id()).unwrap_or_default();
        let (handout, journaled) = events::orders_of_tag(events, &tag);
        let timer = strategy.as_ref().and_then(|s| s.timer_interval()).map(|d| (d.as_millis().max(1) as u64, 0));
        Replay {
            json,
            applier,
            applied_rx,
            strategy,
            tag,
            handout,
            journaled,
            extra_oids: 0,
            timer,
            books: Books::default(),
            listed: Listed::default(),
            positions: HashMap::new(),
            applied: 0,
            stale: 0,
            to_strategy: 0,
            intents: 0,
        }
    }

    /// The strategy's start at `t_ms`, the first record's time.
    pub fn start(&mut self, t_ms: u64) {
        if let Some(t) = self.timer.as_mut() {
            t.1 = t_ms.saturating_add(t.0);
        }
        self.call("on_start", None, t_ms, |s, ctx| s.on_start(ctx));
        self.call("on_live", None, t_ms, |s, ctx| s.on_live(ctx, true));
    }

    /// The strategy's timer calls due up to `t_ms`, each at its own time.
    pub fn timers_until(&mut self, t_ms: u64) {
        let mut calls = 0;
        while let Some((every, next)) = self.timer.filter(|(_, next)| *next <= t_ms) {
            if calls == MAX_TIMER_CALLS {
                tracing::warn!(skipped_to = t_ms, "{MAX_TIMER_CALLS} timer calls without a record; skipping ahead");
                self.timer = Some((every, t_ms.saturating_add(every)));
                return;
            }
            calls += 1;
            self.timer = Some((every, next.saturating_add(every)));
            self.call("on_timer", None, next, |s, ctx| s.on_timer(ctx));
        }
    }

    /// One record: through the apply rules, then to the strategy if they took it and it is its.
    pub fn event(&mut self, seq: usize, e: &Timed) {
        let (channel, data) = match &e.event {
            Event::Order(o) => (Channel::UserOrder(None), PushData::Orders(vec![o.clone()])),
            Event::Fill(t) => (Channel::UserTrade(None), PushData::Trades(vec![t.clone()])),
        };
        self.applier.apply_push(Push { request_id: None, channel, instrument_name: None, data });
        // The apply rules announce exactly what they took: the merged order, or the new fill.
        let mut took = None;
        while let Ok(ev) = self.applied_rx.try_recv() {
            if matches!(ev, EngineEvent::Order(_) | EngineEvent::Fill(_)) {
                took = took.or(Some(ev));
            }
        }
        let mine = self.strategy.is_some() && e.event.client_oid().and_then(tag_of) == Some(self.tag.as_str());
        let outcome = Outcome { applied: took.is_some(), to_strategy: took.is_some() && mine };
        if outcome.applied {
            self.applied += 1;
        } else {
            self.stale += 1;
        }
        print::event(self.json, seq, e, &outcome);
        if !outcome.to_strategy {
            return;
        }
        self.to_strategy += 1;
        match took {
            Some(EngineEvent::Order(o)) => self.call("on_order", Some(seq), e.t_ms, |s, ctx| s.on_order(ctx, &o)),
            Some(EngineEvent::Fill(t)) => {
                let signed = if t.side == Side::Sell { -t.traded_quantity } else { t.traded_quantity };
                *self.positions.entry(t.instrument_name.to_string()).or_default() += signed;
                self.call("on_fill", Some(seq), e.t_ms, |s, ctx| s.on_fill(ctx, &t))
            }
            _ => {}
        }
    }

    /// Calls the strategy with a context over the replayed state, then prints what it asked for.
    pub fn call(
        &mut self,
        name: &str,
        seq: Option<usize>,
        t_ms: u64,
        f: impl FnOnce(&mut dyn Strategy, &mut Context<'_>),
    ) {
        let Some(s) = self.strategy.as_mut() else { return };
        let mut intents: Vec<Intent> = Vec::new();
        {
            let (handout, extra, tag) = (&mut self.handout, &mut self.extra_oids, &self.tag);
            let mut oids = || {
                handout.pop_front().unwrap_or_else(|| {
                    *extra += 1;
                    ClientOrderId::from(strategy_oid(tag, "replay", *extra))
                })
            };
            let view = View { books: &self.books, listed: &self.listed, tag, positions: &self.positions };
            let mut ctx = Context::new(self.applier.state(), &mut intents, &mut oids, t_ms).with_view(view);
            f(s.as_mut(), &mut ctx);
        }
        for i in &intents {
            self.intents += 1;
            let journaled = print::submitted_oid(i).and_then(|c| self.journaled.get(c));
            print::intent(self.json, name, seq, t_ms, i, journaled);
        }
    }
}
