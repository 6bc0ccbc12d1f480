//! The first data of the channels that are neither books, tickers, trades nor the original
//! user channels: the perpetuals' `mark`, `index`, `funding`, `estimatedfunding` and
//! `settlement`, `candlestick.{interval}.{instrument}`, and `user.positions`,
//! `user.position_balance`, `user.advance.order`, `user.transactions`, `user.account_risk`.
//! The server also uses it to render candlestick updates.
//!
//! Read-only. `None` means the exchange would refuse the subscription (an unknown
//! instrument, a spot pair on a perpetual channel, an unknown interval).

use super::instruments::Kind;
use super::public::candle_json;
use super::tape::Period;
use super::Exchange;
use serde_json::Value;

impl Exchange {
    /// The perpetual a `mark.X`/`index.X`/... channel names: a perpetual symbol, or for
    /// `index` its index symbol (`BTCUSD-INDEX`; §5.5 says to use that one).
    fn perp_named(&self, family: &str, name: &str) -> Option<usize> {
        let by_index = |i: &usize| matches!(self.instruments[*i].kind, Kind::Perp { index, .. } if index == name);
        let direct = self.inst_index(name).filter(|i| self.instruments[*i].is_perp());
        direct.or_else(|| (family == "index").then(|| (0..self.instruments.len()).find(by_index)).flatten())
    }

    /// See the module doc.
    pub(super) fn channel_snapshot(
        &self,
        family: &str,
        instrument: Option<&str>,
        interval: Option<&str>,
        now_ms: u64,
    ) -> Option<Vec<Value>> {
        match family {
            "mark" | "index" | "funding" | "estimatedfunding" | "settlement" => {
                let i = self.perp_named(family, instrument?)?;
                Some(self.perp_item(family, i, now_ms).into_iter().collect())
            }
            "candlestick" => {
                let i = self.inst_index(instrument?)?;
                let period = Period::parse(interval?)?;
                let inst = &self.instruments[i];
                let last = self.tapes[i].candles(period, 0, now_ms.saturating_add(1), 1);
                Some(last.iter().map(|(t, c)| candle_json(inst, *t, c)).collect())
            }
            "user.positions" => Some(self.positions_json(None)),
            "user.position_balance" => Some(vec![self.position_balance_json(self.positions_json(None))]),
            "user.account_risk" => Some(vec![self.balance_row()]),
            "user.advance.order" => {
                let only = match instrument {
                    Some(name) => Some(self.inst_index(name)?),
                    None => None,
                };
                let data = self
                    .open
                    .iter()
                    .filter_map(|id| self.orders.get(id))
                    .filter(|o| (o.trigger.is_some() || o.list.is_some()) && only.is_none_or(|i| o.inst == i))
                    .map(|o| self.order_json(o))
                    .collect();
                Some(data)
            }
            "user.transactions" => Some(Vec::new()),
            _ => None,
        }
    }
}
