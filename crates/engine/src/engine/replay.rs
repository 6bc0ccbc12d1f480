//! Replaying recorded frames through the engine's own apply code without sessions, REST or a
//! journal: the measurement harness of `cdc-engine bench`, and a way to test a strategy on
//! recorded data. It shares `engine::apply` with the engine task (one set of rules); it must
//! NOT grow rules of its own. Intents are collected, never routed.

use std::sync::Arc;

use tokio::sync::broadcast;

use super::apply::{self, Applier};
use super::events::EngineEvent;
use crate::journal::Journal;
use crate::protocol::ids::ClientOrderId;
use crate::protocol::{decode_frame, Channel, DecodeError, Frame, Push, PushData};
use crate::state::book::Books;
use crate::state::State;
use crate::strategy::{Context, Intent, Strategy};

/// Applies frames to a [`State`] and dispatches to strategies, as the engine task does.
#[doc(hidden)]
pub struct Replayer {
    state: Arc<State>,
    strategies: Vec<Box<dyn Strategy>>,
    /// Each strategy's tag, by index (read once: `id()` may allocate).
    tags: Vec<String>,
    events: broadcast::Sender<EngineEvent>,
    books: Books,
    intents: Vec<Intent>,
    next_oid: u64,
    resubscribes: std::cell::Cell<u64>,
}

impl Replayer {
    /// A replayer over a fresh default [`State`].
    pub fn new(strategies: Vec<Box<dyn Strategy>>) -> Self {
        Self::with_state(Arc::new(State::default()), strategies)
    }

    /// A replayer over `state` (e.g. one sized like the engine's).
    pub fn with_state(state: Arc<State>, strategies: Vec<Box<dyn Strategy>>) -> Self {
        // The engine always has the broadcast; with no reader a send costs the event's clone.
        let (events, _) = broadcast::channel(1024);
        Replayer {
            state,
            tags: strategies.iter().map(|s| s.id()).collect(),
            strategies,
            events,
            books: Books::default(),
            intents: Vec::new(),
            next_oid: 0,
            resubscribes: Default::default(),
        }
    }

    /// Decodes one frame and applies it if it is channel data; other frames are ignored.
    pub fn apply_frame(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        if let Frame::Push(p) = decode_frame(bytes)? {
            self.apply_push(p);
        }
        Ok(())
    }

    /// Applies a decoded push: user data as the user session's, market data as the market's.
    pub fn apply_push(&mut self, p: Push) {
        match p.data {
            PushData::Orders(_) | PushData::Trades(_) | PushData::Balances(_) | PushData::Positions(_) => {
                apply::apply_push(self, p)
            }
            _ => apply::apply_market(self, &p),
        }
    }

    /// The state written so far.
    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    /// A receiver of the events the apply code broadcasts.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
    }

    /// The intents strategies recorded since the last call (the engine would route them).
    pub fn take_intents(&mut self) -> Vec<Intent> {
        std::mem::take(&mut self.intents)
    }

    /// How many book gaps asked for a fresh snapshot.
    pub fn resubscribes(&self) -> u64 {
        self.resubscribes.get()
    }
}

impl Replayer {
    /// Calls `f` on every strategy, or on the one tagged `only`.
    fn dispatch_where(&mut self, only: Option<&str>, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        let Replayer { strategies, tags, next_oid, state, intents, .. } = self;
        call(strategies, tags, next_oid, (state, intents), only, f)
    }
}

/// Calls `f` on every strategy (or the one tagged `only`), over fields borrowed apart so that
/// the books can be lent to the strategies at the same time.
fn call(
    strategies: &mut [Box<dyn Strategy>],
    tags: &[String],
    next_oid: &mut u64,
    (state, intents): (&State, &mut Vec<Intent>),
    only: Option<&str>,
    mut f: impl FnMut(&mut dyn Strategy, &mut Context<'_>),
) {
    let now = crate::clock::system_now_ms();
    for (s, tag) in strategies.iter_mut().zip(tags) {
        if only.is_some_and(|t| t != tag) {
            continue;
        }
        let mut oids = || {
            *next_oid += 1;
            ClientOrderId::from(super::oid::strategy_oid(tag, "replay", *next_oid))
        };
        let mut ctx = Context::new(state, intents, &mut oids, now);
        f(s.as_mut(), &mut ctx);
    }
}

impl Applier for Replayer {
    fn state(&self) -> &State {
        &self.state
    }
    fn journal(&self) -> Option<&Journal> {
        None
    }
    fn emit(&mut self, ev: impl FnOnce() -> EngineEvent) {
        if self.events.receiver_count() > 0 {
            let _ = self.events.send(ev());
        }
    }
    fn dispatch(&mut self, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        self.dispatch_where(None, f)
    }
    fn dispatch_owner(&mut self, client_oid: Option<&str>, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        // As the engine task: an order reaches only the strategy whose tag it carries.
        if let Some(tag) = client_oid.and_then(super::oid::tag_of) {
            self.dispatch_where(Some(tag), f)
        }
    }
    fn books(&mut self) -> &mut Books {
        &mut self.books
    }
    fn dispatch_book(&mut self, instrument: &str) {
        let Replayer { strategies, tags, next_oid, state, intents, books, .. } = self;
        let Some(book) = books.get(instrument) else { return };
        call(strategies, tags, next_oid, (state, intents), None, |s, ctx| s.on_book(ctx, instrument, book))
    }
    fn resubscribe(&self, _channel: &Channel) {
        self.resubscribes.set(self.resubscribes.get() + 1);
    }
}
