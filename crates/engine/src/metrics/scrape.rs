//! The gauges read at scrape time from what the engine already keeps: positions and PnL from
//! the state, and the age of each socket's last frame from the sessions. Exported figures are
//! `f64` because Prometheus's are; the engine's own arithmetic stays in decimals. It must NOT
//! change anything it reads.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::labels::{Instrument, Socket, SocketLabel};
use crate::clock::Clock;
use crate::state::State;
use crate::ws::SessionHandle;

type F64Gauge = Gauge<f64, AtomicU64>;

/// What the scrape reads.
pub struct Scrape {
    pub(crate) state: Arc<State>,
    pub(crate) user: SessionHandle,
    pub(crate) market: Option<SessionHandle>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Scrape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrape").finish_non_exhaustive()
    }
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

impl Scrape {
    pub(crate) fn gauges(&self, r: &mut Registry) {
        let position: Family<Instrument, F64Gauge> = Family::default();
        let unrealised: Family<Instrument, F64Gauge> = Family::default();
        for p in self.state.positions.all() {
            let label = Instrument { instrument: p.instrument_name.to_string() };
            position.get_or_create(&label).set(f(p.quantity));
            if let Some(u) = p.open_position_pnl {
                unrealised.get_or_create(&label).set(f(u));
            }
        }
        r.register("position", "Open position by instrument, as the exchange reports it (derivatives)", position);
        r.register("unrealised_pnl", "Unrealised PnL of the open position, as the exchange reports it", unrealised);
        let realised: Family<Instrument, F64Gauge> = Family::default();
        let net: Family<Instrument, F64Gauge> = Family::default();
        for (name, p) in &self.state.pnl.all().by_instrument {
            let label = Instrument { instrument: name.clone() };
            realised.get_or_create(&label).set(f(p.realised + p.funding));
            net.get_or_create(&label).set(f(p.position));
        }
        r.register(
            "realised_pnl",
            "Realised PnL (before fees, funding included) of the fills seen, by instrument",
            realised,
        );
        r.register("fills_net_quantity", "Net base quantity of the fills seen, by instrument", net);
        let age: Family<SocketLabel, F64Gauge> = Family::default();
        let now = self.clock.now_ms();
        let put = |s: Socket, h: &SessionHandle| {
            let last = h.last_frame_ms();
            if last > 0 {
                age.get_or_create(&s.label()).set(now.saturating_sub(last) as f64 / 1000.0);
            }
        };
        put(Socket::User, &self.user);
        if let Some(m) = &self.market {
            put(Socket::Market, m);
        }
        r.register("last_message_age_seconds", "Seconds since the socket's last frame (heartbeats included)", age);
    }
}
