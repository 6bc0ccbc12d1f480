//! What the strategies ask for, on its way through the backtest: the engine's tick rounding and
//! risk checks at once (a refusal reaches the strategy at once, as live), then the venue after
//! the latency, and the venue's answer back after the latency again. Trigger orders and lists
//! are refused as not modelled, never silently dropped. It must NOT decide fills: the venue
//! does.

use std::cmp::Ordering;
use std::time::Duration;

use rust_decimal::Decimal;

use super::driver::Driver;
use super::report::{self, InstrumentReport, Report};
use crate::engine::apply;
use crate::engine::risk::{Exposure, RiskRefusal};
use crate::engine::venue::round_to_ticks;
use crate::protocol::codes;
use crate::protocol::requests::{AmendOrder, CreateOrder, OrderRef};
use crate::protocol::Push;
use crate::strategy::{Context, Intent, Refusal, RefusalCause, Strategy};

/// A request on its way to the venue.
#[derive(Debug)]
pub(super) enum Req {
    Submit { strategy: usize, order: Box<CreateOrder> },
    Cancel(OrderRef),
    Amend(AmendOrder),
    CancelAll(Option<String>),
    Close { instrument: String, price: Option<Decimal> },
}

/// Something that happens at a later data time.
#[derive(Debug)]
pub(super) enum Due {
    /// A request reaches the venue.
    Arrive(Req),
    /// A user push reaches the engine.
    Deliver(Push),
    /// A market push reaches the engine (with a feed latency).
    Market(Box<Push>),
    /// The venue's refusal of a placement reaches the engine.
    Refused { strategy: usize, order: Box<CreateOrder>, code: i64 },
    /// The venue's acceptance of a placement reaches the engine.
    Placed { strategy: usize },
}

/// A due event, ordered by time then by when it was queued (a min-heap through `Reverse`
/// order: the earliest compares greatest).
#[derive(Debug)]
pub(super) struct Queued {
    pub(super) t: u64,
    pub(super) seq: u64,
    pub(super) due: Due,
}

impl PartialEq for Queued {
    fn eq(&self, o: &Self) -> bool {
        (self.t, self.seq) == (o.t, o.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Queued {
    fn cmp(&self, o: &Self) -> Ordering {
        (o.t, o.seq).cmp(&(self.t, self.seq))
    }
}

const NOT_MODELLED: &str = "the backtest does not model trigger orders or contingent lists (OCO, OTO, OTOCO) yet";

impl Driver {
    pub(super) fn dispatch_one(&mut self, i: usize, f: impl FnMut(&mut dyn Strategy, &mut Context<'_>)) {
        self.dispatch_where(|j| j == i, f)
    }

    pub(super) fn dispatch_where(
        &mut self,
        which: impl Fn(usize) -> bool,
        f: impl FnMut(&mut dyn Strategy, &mut Context<'_>),
    ) {
        let now_ms = self.now_us / 1000;
        let seen = (&*self.state, &self.books, &self.listed);
        let pending = self.host.call(seen, ("bt", &mut self.next_oid), now_ms, which, f);
        self.route_all(pending);
    }

    /// Routes what each strategy asked for.
    pub(super) fn route_all(&mut self, pending: Vec<(usize, Vec<Intent>)>) {
        for (i, intents) in pending {
            self.route(i, intents);
        }
    }

    /// Checks each intent as the engine does and sends what passes.
    fn route(&mut self, i: usize, intents: Vec<Intent>) {
        let at = self.now_us + self.cfg.latency_us;
        for intent in intents {
            match intent {
                Intent::Submit(mut order) => {
                    if order.is_trigger() {
                        self.not_modelled(i, Intent::Submit(order));
                        continue;
                    }
                    match self.check(&mut order) {
                        Ok(()) => {
                            self.inflight += 1;
                            self.orders.sent += 1;
                            self.queue(at, Due::Arrive(Req::Submit { strategy: i, order: Box::new(order) }));
                        }
                        Err(r) => self.refuse_risk(i, Intent::Submit(order), r),
                    }
                }
                Intent::Cancel(r) => self.queue(at, Due::Arrive(Req::Cancel(r))),
                Intent::Amend(a) => self.queue(at, Due::Arrive(Req::Amend(a))),
                Intent::CancelAll(x) => self.queue(at, Due::Arrive(Req::CancelAll(x))),
                Intent::ClosePosition { instrument, price } => {
                    self.queue(at, Due::Arrive(Req::Close { instrument, price }))
                }
                Intent::Batch { cancels, mut creates, instrument } => {
                    if let Err(r) = creates.iter_mut().try_for_each(|o| self.check(o)) {
                        self.refuse_risk(i, Intent::Batch { instrument, cancels, creates }, r);
                        continue;
                    }
                    for c in cancels {
                        self.queue(at, Due::Arrive(Req::Cancel(c)));
                    }
                    for o in creates {
                        self.inflight += 1;
                        self.orders.sent += 1;
                        self.queue(at, Due::Arrive(Req::Submit { strategy: i, order: Box::new(o) }));
                    }
                }
                list @ Intent::List { .. } => self.not_modelled(i, list),
            }
        }
    }

    /// The engine's tick rounding and risk checks, at data time.
    fn check(&mut self, order: &mut CreateOrder) -> Result<(), RiskRefusal> {
        if let Some(inst) = self.listed.get(order.instrument_name.as_str()) {
            round_to_ticks(order, inst)?;
        }
        let instrument = order.instrument_name.as_str();
        let mid = self.books.get(instrument).and_then(|b| b.mid());
        let working_same_side = match self.risk.limits().max_position.contains_key(instrument) {
            true => self
                .state
                .orders
                .open()
                .iter()
                .filter(|o| o.instrument_name.as_str() == instrument && o.side == order.side && !o.is_reduce_only())
                .filter(|o| o.client_oid.as_ref().is_some_and(|c| self.host.owner(c.as_str()).is_some()))
                .map(|o| o.remaining())
                .sum(),
            false => Decimal::ZERO,
        };
        let x = Exposure { mid, inflight: self.inflight, working_same_side };
        let now = self.epoch.1 + Duration::from_micros(self.now_us.saturating_sub(self.epoch.0));
        self.risk.check_at(order, &self.state, x, now)
    }

    fn refuse_risk(&mut self, i: usize, intent: Intent, r: RiskRefusal) {
        self.orders.refused_by_risk += 1;
        let reason = r.to_string();
        self.refuse(i, Refusal { intent, reason, cause: RefusalCause::Risk(r) }, true);
    }

    fn not_modelled(&mut self, i: usize, intent: Intent) {
        self.orders.not_modelled += 1;
        tracing::warn!(strategy = %self.host.tag(i), "{NOT_MODELLED}");
        self.refuse(i, Refusal { intent, reason: NOT_MODELLED.into(), cause: RefusalCause::NotPlaced }, false);
    }

    /// Tells the strategy; a refusal by the checks or the venue counts toward halting it.
    fn refuse(&mut self, i: usize, refusal: Refusal, counts: bool) {
        self.dispatch_one(i, |s, ctx| s.on_refused(ctx, &refusal));
        if counts {
            if let Some(why) = self.host.refused(i, &refusal.reason) {
                tracing::warn!(strategy = %self.host.tag(i), %why, "strategy halted");
                self.halted.push(format!("{}: {why}", self.host.name(i)));
                self.host.halt(i, &why);
            }
        }
    }

    /// Runs a due event.
    pub(super) fn handle(&mut self, due: Due) {
        let now_ms = self.now_us / 1000;
        let back = self.now_us + self.cfg.latency_us;
        match due {
            Due::Deliver(p) => apply::apply_push(self, p),
            Due::Market(p) => self.engine_market(&p),
            Due::Placed { strategy } => {
                self.inflight = self.inflight.saturating_sub(1);
                self.host.accepted(strategy);
            }
            Due::Refused { strategy, order, code } => {
                self.inflight = self.inflight.saturating_sub(1);
                let reason = match codes::lookup(code) {
                    Some(c) => format!("the exchange refused the order: {code} {}: {}", c.name, c.hint),
                    None => format!("the exchange refused the order: {code}"),
                };
                self.refuse(
                    strategy,
                    Refusal { intent: Intent::Submit(*order), reason, cause: RefusalCause::Exchange(code) },
                    true,
                );
            }
            Due::Arrive(Req::Submit { strategy, order }) => {
                let book = self.venue_books.as_ref().unwrap_or(&self.books).get(order.instrument_name.as_str());
                match self.venue.place(&order, book, now_ms) {
                    Ok(()) => self.queue(back, Due::Placed { strategy }),
                    Err(code) => self.queue(back, Due::Refused { strategy, order, code }),
                }
            }
            Due::Arrive(Req::Cancel(r)) => {
                self.venue.cancel(&r, now_ms);
            }
            Due::Arrive(Req::Amend(a)) => {
                let instrument = self.venue.instrument_of(&a.target);
                let book = instrument.as_deref().and_then(|i| self.venue_books.as_ref().unwrap_or(&self.books).get(i));
                if let Err(code) = self.venue.amend(&a, book, now_ms) {
                    tracing::debug!(code, "amend refused by the venue");
                }
            }
            Due::Arrive(Req::CancelAll(x)) => {
                self.venue.cancel_all(x.as_deref(), now_ms);
            }
            Due::Arrive(Req::Close { instrument, price }) => {
                if let Some(book) = self.venue_books.as_ref().unwrap_or(&self.books).get(&instrument) {
                    self.venue.close_position(&instrument, price, book, now_ms);
                }
            }
        }
    }
}

/// The report at the end of a run.
pub(super) fn report(mut d: Driver) -> Report {
    let (end_equity, unrealised) = d.equity_now();
    let pnl = d.state.pnl.all();
    let mut fees_paid = std::collections::BTreeMap::new();
    let mut instruments = Vec::new();
    for (name, p) in &pnl.by_instrument {
        for (ccy, fee) in &p.fees {
            *fees_paid.entry(ccy.clone()).or_insert(Decimal::ZERO) += *fee;
        }
        let mark = d.venue.mark(name).or_else(|| d.books.get(name).and_then(|b| b.mid()));
        instruments.push(InstrumentReport {
            instrument: name.clone(),
            fills: p.fills,
            volume: p.volume.normalize(),
            notional: p.notional.normalize(),
            position: p.position.normalize(),
            avg_cost: p.avg_cost.normalize(),
            realised: p.realised.normalize(),
            unrealised: mark.map_or(Decimal::ZERO, |m| p.unrealised(m)).normalize(),
            fees: p.fees.iter().map(|(k, v)| (k.clone(), v.normalize())).collect(),
            funding: p.funding.normalize(),
        });
    }
    let balances = d.venue.balances().map(|(k, (t, _))| (k.clone(), t.normalize())).collect();
    let fills = pnl.by_instrument.values().map(|p| p.fills).sum();
    let orders = report::order_counts(
        d.venue.stats,
        d.orders.sent,
        d.orders.filled,
        d.orders.refused_by_risk,
        d.orders.not_modelled,
    );
    let strategies = (0..d.host.len()).map(|i| d.host.name(i)).collect();
    Report {
        strategies,
        currency: d.currency().to_owned(),
        latency_us: d.cfg.latency_us,
        feed_latency_us: d.cfg.feed_latency_us,
        fees: d.cfg.fees,
        data: d.counts,
        orders,
        fills,
        fees_paid,
        start_equity: d.start_equity().unwrap_or(end_equity).normalize(),
        end_equity: end_equity.normalize(),
        realised: pnl.by_instrument.values().map(|p| p.realised).sum::<Decimal>().normalize(),
        unrealised: unrealised.normalize(),
        funding: pnl.by_instrument.values().map(|p| p.funding).sum::<Decimal>().normalize(),
        max_drawdown: d.drawdown().normalize(),
        balances,
        open_orders: d.venue.open_orders(),
        instruments,
        series: d.take_series(),
        halted: std::mem::take(&mut d.halted),
    }
}
