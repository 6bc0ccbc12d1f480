//! A strategy driven by the test: it places what it is told at start and on each timer, and
//! records every callback it gets, so a test can see what the engine gave it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdc_engine::protocol::models::{Instrument, Order, Trade};
use cdc_engine::protocol::requests::CreateOrder;
use cdc_engine::strategy::{ConfigError, Context, Refusal, Resumed, Strategy};

/// What the strategy saw.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    pub configured: Vec<Instrument>,
    pub resumed: Option<Resumed>,
    pub started: u32,
    pub timers: u32,
    pub refusals: Vec<String>,
    pub fills: Vec<Trade>,
    /// Its own position in each of its instruments as its context showed it: at start, then
    /// at each of its fills (the fill included).
    pub positions: Vec<rust_decimal::Decimal>,
    pub orders: Vec<Order>,
    /// Callbacks before `on_start` (there must be none but `configure` and `on_resume`).
    pub early: u32,
}

/// The script.
#[derive(Default)]
pub struct Scripted {
    pub name: String,
    pub instruments: Vec<String>,
    pub at_start: Vec<CreateOrder>,
    pub every_timer: Option<CreateOrder>,
    pub timer: Option<Duration>,
    pub refuse_config: Option<ConfigError>,
    /// Market channels it asks for (none by default).
    pub market: Vec<cdc_engine::protocol::Channel>,
    pub seen: Arc<Mutex<Seen>>,
}

impl Scripted {
    /// A script named `name` on BTC_USD; returns it and its record.
    pub fn new(name: &str) -> (Self, Arc<Mutex<Seen>>) {
        let s = Scripted { name: name.into(), instruments: vec!["BTC_USD".into()], ..Default::default() };
        let seen = s.seen.clone();
        (s, seen)
    }

    fn record(&self, f: impl FnOnce(&mut Seen)) {
        f(&mut self.seen.lock().unwrap())
    }

    fn before_start(&self) {
        self.record(|s| s.early += u32::from(s.started == 0));
    }
}

impl Strategy for Scripted {
    fn name(&self) -> &str {
        &self.name
    }
    fn instruments(&self) -> Vec<String> {
        self.instruments.clone()
    }
    fn configure(&mut self, instruments: &[Instrument]) -> Result<(), ConfigError> {
        self.record(|s| s.configured = instruments.to_vec());
        self.refuse_config.clone().map_or(Ok(()), Err)
    }
    fn on_resume(&mut self, _ctx: &mut Context<'_>, resumed: &Resumed) {
        self.record(|s| s.resumed = Some(resumed.clone()));
    }
    fn on_start(&mut self, ctx: &mut Context<'_>) {
        let at = ctx.position(&self.instruments[0]);
        self.record(|s| {
            s.started += 1;
            s.positions.push(at);
        });
        for o in self.at_start.clone() {
            ctx.submit(o);
        }
    }
    fn on_order(&mut self, _ctx: &mut Context<'_>, order: &Order) {
        self.before_start();
        self.record(|s| s.orders.push(order.clone()));
    }
    fn on_fill(&mut self, ctx: &mut Context<'_>, fill: &Trade) {
        self.before_start();
        let at = ctx.position(fill.instrument_name.as_str());
        self.record(|s| {
            s.fills.push(fill.clone());
            s.positions.push(at);
        });
    }
    fn on_timer(&mut self, ctx: &mut Context<'_>) {
        self.record(|s| s.timers += 1);
        if let Some(o) = self.every_timer.clone() {
            ctx.submit(o);
        }
    }
    fn on_refused(&mut self, _ctx: &mut Context<'_>, refusal: &Refusal) {
        self.record(|s| s.refusals.push(refusal.reason.clone()));
    }
    fn timer_interval(&self) -> Option<Duration> {
        self.timer
    }
    fn market_channels(&self) -> Vec<cdc_engine::protocol::Channel> {
        self.market.clone()
    }
}
