//! Channel names in both directions (§4.4, §5): `user.order.BTC_USD` to a typed [`Channel`] and
//! back, and the prefix routing that tells which model a push's `data` holds.

use std::fmt;

use crate::ids::InstrumentName;

/// A subscription channel. `"book.BTC_USD.10".into()` reads a name (as [`Channel::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// `user.order[.{instrument}]`
    UserOrder(Option<InstrumentName>),
    /// `user.advance.order[.{instrument}]`
    UserAdvanceOrder(Option<InstrumentName>),
    /// `user.trade[.{instrument}]`
    UserTrade(Option<InstrumentName>),
    /// `user.balance`
    UserBalance,
    /// `user.positions`
    UserPositions,
    /// `user.position_balance`
    UserPositionBalance,
    /// `user.account_risk`
    UserAccountRisk,
    /// `user.transactions`
    UserTransactions,
    /// `book.{instrument}.{depth}`
    Book {
        /// The instrument whose book it is.
        instrument: InstrumentName,
        /// Depth, e.g. 10 or 50.
        depth: u32,
    },
    /// `ticker.{instrument}`
    Ticker(InstrumentName),
    /// `trade.{instrument}`
    Trade(InstrumentName),
    /// `candlestick.{timeframe}.{instrument}`
    Candlestick {
        /// Timeframe, e.g. `1m`.
        timeframe: String,
        /// The instrument whose candles they are.
        instrument: InstrumentName,
    },
    /// Any other channel, kept as its name.
    Other(String),
}

impl Channel {
    /// Reads a channel name; unknown shapes become [`Channel::Other`].
    pub fn parse(name: &str) -> Channel {
        let instr = |rest: &str| InstrumentName::from(rest);
        let opt = |rest: Option<&str>| rest.filter(|r| !r.is_empty()).map(instr);
        let suffix = |prefix: &str| -> Option<Option<&str>> {
            if name == prefix {
                Some(None)
            } else {
                name.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')).map(Some)
            }
        };
        if let Some(rest) = suffix("user.order") {
            return Channel::UserOrder(opt(rest));
        }
        if let Some(rest) = suffix("user.advance.order") {
            return Channel::UserAdvanceOrder(opt(rest));
        }
        if let Some(rest) = suffix("user.trade") {
            return Channel::UserTrade(opt(rest));
        }
        match name {
            "user.balance" => return Channel::UserBalance,
            "user.positions" => return Channel::UserPositions,
            "user.position_balance" => return Channel::UserPositionBalance,
            "user.account_risk" => return Channel::UserAccountRisk,
            "user.transactions" => return Channel::UserTransactions,
            _ => {}
        }
        Self::parse_market(name).unwrap_or_else(|| Channel::Other(name.to_owned()))
    }

    fn parse_market(name: &str) -> Option<Channel> {
        let (family, rest) = name.split_once('.')?;
        match family {
            "book" => {
                let (instrument, depth) = rest.rsplit_once('.')?;
                let depth = depth.parse().ok()?;
                Some(Channel::Book { instrument: instrument.into(), depth })
            }
            "ticker" if !rest.is_empty() => Some(Channel::Ticker(rest.into())),
            "trade" if !rest.is_empty() => Some(Channel::Trade(rest.into())),
            "candlestick" => {
                let (timeframe, instrument) = rest.split_once('.')?;
                Some(Channel::Candlestick { timeframe: timeframe.to_owned(), instrument: instrument.into() })
            }
            _ => None,
        }
    }

    /// `book.{instrument}.{depth}`: the instrument's book, `depth` levels a side.
    pub fn book(instrument: impl Into<InstrumentName>, depth: u32) -> Channel {
        Channel::Book { instrument: instrument.into(), depth }
    }

    /// `ticker.{instrument}`.
    pub fn ticker(instrument: impl Into<InstrumentName>) -> Channel {
        Channel::Ticker(instrument.into())
    }

    /// `trade.{instrument}`: the instrument's public trades.
    pub fn trade(instrument: impl Into<InstrumentName>) -> Channel {
        Channel::Trade(instrument.into())
    }

    /// The instrument the channel is about, when it names one.
    pub fn instrument(&self) -> Option<&InstrumentName> {
        match self {
            Channel::UserOrder(i) | Channel::UserAdvanceOrder(i) | Channel::UserTrade(i) => i.as_ref(),
            Channel::Book { instrument, .. } | Channel::Candlestick { instrument, .. } => Some(instrument),
            Channel::Ticker(i) | Channel::Trade(i) => Some(i),
            _ => None,
        }
    }

    /// Whether the channel belongs on the user socket (§4.1).
    pub fn is_user(&self) -> bool {
        match self {
            Channel::Other(name) => name.starts_with("user."),
            Channel::Book { .. } | Channel::Ticker(_) | Channel::Trade(_) | Channel::Candlestick { .. } => false,
            _ => true,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let with = |f: &mut fmt::Formatter<'_>, base: &str, i: &Option<InstrumentName>| match i {
            Some(i) => write!(f, "{base}.{i}"),
            None => f.write_str(base),
        };
        match self {
            Channel::UserOrder(i) => with(f, "user.order", i),
            Channel::UserAdvanceOrder(i) => with(f, "user.advance.order", i),
            Channel::UserTrade(i) => with(f, "user.trade", i),
            Channel::UserBalance => f.write_str("user.balance"),
            Channel::UserPositions => f.write_str("user.positions"),
            Channel::UserPositionBalance => f.write_str("user.position_balance"),
            Channel::UserAccountRisk => f.write_str("user.account_risk"),
            Channel::UserTransactions => f.write_str("user.transactions"),
            Channel::Book { instrument, depth } => write!(f, "book.{instrument}.{depth}"),
            Channel::Ticker(i) => write!(f, "ticker.{i}"),
            Channel::Trade(i) => write!(f, "trade.{i}"),
            Channel::Candlestick { timeframe, instrument } => write!(f, "candlestick.{timeframe}.{instrument}"),
            Channel::Other(name) => f.write_str(name),
        }
    }
}

impl From<&str> for Channel {
    fn from(name: &str) -> Self {
        Channel::parse(name)
    }
}

impl From<String> for Channel {
    fn from(name: String) -> Self {
        Channel::parse(&name)
    }
}

/// Which model a push's `data` array holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// [`crate::models::Order`]
    Orders,
    /// [`crate::models::Trade`]
    Trades,
    /// [`crate::models::BalanceSummary`]
    Balances,
    /// [`crate::models::Position`]
    Positions,
    /// [`crate::models::BookSnapshot`]
    BookSnapshot,
    /// [`crate::models::BookDelta`]
    BookDelta,
    /// [`crate::models::Ticker`]
    Tickers,
    /// [`crate::models::PublicTrade`]
    PublicTrades,
    /// [`crate::models::Candle`]
    Candles,
    /// [`crate::models::Transaction`]
    Transactions,
    /// Not modelled; kept raw.
    Other,
}

/// Routes by prefix on the `channel` family, which older captures suffix with the instrument
/// (`user.order.ETH_CRO`), falling back to the `subscription` name (§4.4).
pub fn data_kind(channel: Option<&str>, subscription: Option<&str>) -> DataKind {
    let key = channel.or(subscription).unwrap_or("");
    let is = |prefix: &str| key == prefix || key.strip_prefix(prefix).is_some_and(|r| r.starts_with('.'));
    if is("user.order") || is("user.advance.order") {
        DataKind::Orders
    } else if is("user.trade") {
        DataKind::Trades
    } else if key == "user.balance" {
        DataKind::Balances
    } else if key == "user.positions" {
        DataKind::Positions
    } else if key == "user.transactions" {
        DataKind::Transactions
    } else if key == "book.update" {
        DataKind::BookDelta
    } else if key == "book" || (channel.is_none() && is("book")) {
        DataKind::BookSnapshot
    } else if is("ticker") {
        DataKind::Tickers
    } else if is("trade") {
        DataKind::PublicTrades
    } else if is("candlestick") {
        DataKind::Candles
    } else {
        DataKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in [
            "user.order",
            "user.order.BTC_USD",
            "user.advance.order.BTCUSD-PERP",
            "user.trade",
            "user.trade.ETH_USD",
            "user.balance",
            "user.positions",
            "user.position_balance",
            "user.account_risk",
            "book.BTCUSD-PERP.50",
            "ticker.BTC_USD",
            "trade.CRO_USD",
            "candlestick.1m.BTC_USD",
            "index.BTCUSD-INDEX",
        ] {
            assert_eq!(Channel::parse(name).to_string(), name);
        }
        assert_eq!(Channel::parse("user.order.BTC_USD"), Channel::UserOrder(Some("BTC_USD".into())));
        assert_eq!(Channel::parse("book.BTC_USD.10"), Channel::Book { instrument: "BTC_USD".into(), depth: 10 });
        assert_eq!(Channel::parse("user.orderbook"), Channel::Other("user.orderbook".into()));
        assert!(Channel::UserBalance.is_user() && !Channel::Ticker("X".into()).is_user());
    }

    #[test]
    fn routing_by_prefix() {
        assert_eq!(data_kind(Some("user.order"), Some("user.order.BTC_USD")), DataKind::Orders);
        assert_eq!(data_kind(Some("user.order.ETH_CRO"), None), DataKind::Orders);
        assert_eq!(data_kind(Some("book.update"), Some("book.BTC_USD.10")), DataKind::BookDelta);
        assert_eq!(data_kind(Some("book"), Some("book.BTC_USD.10")), DataKind::BookSnapshot);
        assert_eq!(data_kind(None, Some("trade.BTC_USD")), DataKind::PublicTrades);
        assert_eq!(data_kind(Some("user.trade"), None), DataKind::Trades);
        assert_eq!(data_kind(Some("mark"), None), DataKind::Other);
    }
}
