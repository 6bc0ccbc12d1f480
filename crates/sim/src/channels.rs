//! Subscription channel names (§4.4, §5): which exist, on which server, for which instrument.
//!
//! Pure parsing; it must NOT look at the venue or at connections.

/// What a channel carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChanKind {
    /// `user.order[.instr]`.
    UserOrder,
    /// `user.trade[.instr]`.
    UserTrade,
    /// `user.balance`.
    UserBalance,
    /// `user.positions`, `user.position_balance`, `user.advance.order[.instr]`,
    /// `user.transactions`, `user.account_risk`: data from the venue's `channel_data`.
    UserOther,
    /// `book.{instr}.{depth}`.
    Book {
        /// 10 or 50.
        depth: usize,
    },
    /// `ticker.{instr}`.
    Ticker,
    /// `trade.{instr}`.
    Trade,
    /// `mark.`, `index.`, `funding.`, `estimatedfunding.`, `settlement.{instr}`, and
    /// `candlestick.{interval}.{instr}` (the interval in [`Channel::interval`]).
    MarketOther,
}

/// A parsed channel name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// The full subscription name, e.g. `book.BTCUSD-PERP.10`.
    pub name: String,
    /// The family sent as `channel`, e.g. `user.order` or `book`.
    pub family: &'static str,
    /// The instrument, for per-instrument channels.
    pub instrument: Option<String>,
    /// What it carries.
    pub kind: ChanKind,
    /// A candlestick's interval, e.g. `1m`.
    pub interval: Option<String>,
}

impl Channel {
    /// Whether it belongs on the User API server (else the Market Data server).
    pub fn is_user(&self) -> bool {
        matches!(self.kind, ChanKind::UserOrder | ChanKind::UserTrade | ChanKind::UserBalance | ChanKind::UserOther)
    }
}

/// User channels without an instrument suffix that the docs list; fed or not.
const USER_PLAIN: [(&str, ChanKind); 6] = [
    ("user.balance", ChanKind::UserBalance),
    ("user.positions", ChanKind::UserOther),
    ("user.transactions", ChanKind::UserOther),
    ("user.account_risk", ChanKind::UserOther),
    ("user.position_balance", ChanKind::UserOther),
    ("user.advance.order", ChanKind::UserOther),
];

/// User channels that may carry an instrument suffix.
const USER_INSTR: [(&str, ChanKind); 3] = [
    ("user.order", ChanKind::UserOrder),
    ("user.trade", ChanKind::UserTrade),
    ("user.advance.order", ChanKind::UserOther),
];

/// Per-instrument market channels beyond books, tickers and trades (§5.5).
const MARKET_OTHER: [&str; 5] = ["mark", "index", "funding", "estimatedfunding", "settlement"];

/// Book depths accepted: 10 and 50 as documented, and 150, which older docs allowed for
/// snapshots (§5.1; refused with deltas at subscribe time).
pub const BOOK_DEPTHS: [usize; 3] = [10, 50, 150];

/// Parses a channel name; `None` for names the exchange does not know.
pub fn parse_channel(name: &str) -> Option<Channel> {
    let make = |family, instrument: Option<&str>, kind| {
        Some(Channel {
            name: name.to_string(),
            family,
            instrument: instrument.map(str::to_string),
            kind,
            interval: None,
        })
    };
    if let Some(rest) = name.strip_prefix("candlestick.") {
        let (interval, instr) = rest.split_once('.')?;
        let mut ch = make("candlestick", Some(instr), ChanKind::MarketOther)?;
        ch.interval = Some(interval.to_string());
        return valid_instrument(instr).then_some(ch);
    }
    for family in MARKET_OTHER {
        if let Some(instr) = name.strip_prefix(family).and_then(|r| r.strip_prefix('.')) {
            return valid_instrument(instr).then(|| make(family, Some(instr), ChanKind::MarketOther)).flatten();
        }
    }
    if let Some((family, kind)) = USER_PLAIN.iter().find(|(f, _)| *f == name) {
        return make(family, None, *kind);
    }
    for (family, kind) in USER_INSTR {
        if name == family {
            return make(family, None, kind);
        }
        if let Some(instr) = name.strip_prefix(family).and_then(|r| r.strip_prefix('.')) {
            return valid_instrument(instr).then(|| make(family, Some(instr), kind)).flatten();
        }
    }
    if let Some(rest) = name.strip_prefix("book.") {
        let (instr, depth) = rest.rsplit_once('.')?;
        let depth: usize = depth.parse().ok().filter(|d| BOOK_DEPTHS.contains(d))?;
        return valid_instrument(instr).then(|| make("book", Some(instr), ChanKind::Book { depth })).flatten();
    }
    for (prefix, family, kind) in [("ticker.", "ticker", ChanKind::Ticker), ("trade.", "trade", ChanKind::Trade)] {
        if let Some(instr) = name.strip_prefix(prefix) {
            return valid_instrument(instr).then(|| make(family, Some(instr), kind)).flatten();
        }
    }
    None
}

fn valid_instrument(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_user_and_market_channels() {
        let c = parse_channel("user.order.BTCUSD-PERP").unwrap_or_else(|| panic!("parse"));
        assert_eq!(
            (c.family, c.instrument.as_deref(), c.kind),
            ("user.order", Some("BTCUSD-PERP"), ChanKind::UserOrder)
        );
        assert_eq!(parse_channel("user.balance").map(|c| c.kind), Some(ChanKind::UserBalance));
        assert_eq!(parse_channel("book.BTC_USD.50").map(|c| c.kind), Some(ChanKind::Book { depth: 50 }));
        assert_eq!(parse_channel("ticker.BTC_USD").map(|c| c.family), Some("ticker"));
        assert!(parse_channel("user.advance.order.BTC_USD").is_some());
        let c = parse_channel("candlestick.1m.BTCUSD-PERP").unwrap_or_else(|| panic!("parse"));
        assert_eq!(
            (c.family, c.interval.as_deref(), c.instrument.as_deref()),
            ("candlestick", Some("1m"), Some("BTCUSD-PERP"))
        );
        assert_eq!(parse_channel("mark.BTCUSD-PERP").map(|c| c.family), Some("mark"));
        assert_eq!(parse_channel("book.BTC_USD.150").map(|c| c.kind), Some(ChanKind::Book { depth: 150 }));
    }

    #[test]
    fn refuses_unknown_shapes() {
        for bad in [
            "book.BTC_USD",
            "book.BTC_USD.20",
            "user.orders",
            "ticker.",
            "candles.X",
            "user.order.",
            "trade.a b",
            "mark.",
        ] {
            assert_eq!(parse_channel(bad), None, "{bad}");
        }
    }
}
