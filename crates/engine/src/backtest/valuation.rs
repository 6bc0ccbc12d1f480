//! Valuing the backtest account in data time: equity (balances at the books' mids, plus the
//! perpetuals' unrealised PnL at their marks), unrealised PnL from the engine's own average
//! costs, and the samples of the report's time series. It must NOT change the account.

use rust_decimal::Decimal;

use super::driver::Driver;
use super::report::Sample;

impl Driver {
    /// Equity and unrealised PnL now.
    pub(super) fn valuation(&self) -> (Decimal, Decimal) {
        let mid = |instrument: &str| {
            self.books.get(instrument).and_then(|b| b.mid()).or_else(|| self.last_mids.get(instrument).copied())
        };
        let mut equity = Decimal::ZERO;
        for (ccy, (total, _)) in self.venue.balances() {
            equity += match ccy == &self.currency {
                true => *total,
                false => mid(&format!("{ccy}_{}", self.currency)).map_or(Decimal::ZERO, |m| m * total),
            };
        }
        let mut unrealised = Decimal::ZERO;
        for (instrument, p) in self.state.pnl.all().by_instrument {
            let pair = self.venue.pair(&instrument);
            let mark =
                if pair.perp { self.venue.mark(&instrument).or_else(|| mid(&instrument)) } else { mid(&instrument) };
            if let Some(m) = mark {
                unrealised += p.unrealised(m);
            }
        }
        for (instrument, p) in &self.venue.account.positions {
            if let Some(m) = self.venue.mark(instrument).or_else(|| mid(instrument)) {
                equity += m * p.qty - p.cost;
            }
        }
        (equity, unrealised)
    }

    pub(super) fn sample(&mut self) {
        // A book emptied by a gap keeps its last mid for valuing, not zero.
        for name in self.traded.clone() {
            if let Some(m) = self.books.get(&name).and_then(|b| b.mid()) {
                self.last_mids.insert(name, m);
            }
        }
        let (equity, unrealised) = self.valuation();
        self.start_equity.get_or_insert(equity);
        self.drawdown.see(equity);
        let pnl = self.state.pnl.all();
        let realised = pnl.by_instrument.values().map(|p| p.realised).sum();
        let position = self.traded.first().and_then(|i| pnl.get(i)).map_or(Decimal::ZERO, |p| p.position);
        self.series.push(Sample { t_ms: self.now_us / 1000, equity, realised, unrealised, position });
    }

    pub(super) fn equity_now(&self) -> (Decimal, Decimal) {
        self.valuation()
    }
}
