//! The names the gateway and its relays agree on: which exchange channels travel through NATS,
//! the subject each one's frames are published on, the subject a relay asks for a consistent
//! start on, and the headers that place a message in the gateway's stream.
//!
//! Pure naming: it must NOT publish, subscribe or look into frames.

/// Where every channel's frames go: `cdcmd.<instrument>.<family>[.<depth>]`.
pub const PREFIX: &str = "cdcmd";
/// The gateway's liveness and feed state, about every two seconds and on every change.
pub const STATUS_SUBJECT: &str = "cdcmd.status";
/// A relay's request for a channel's current state: `cdcmd.snapshot.` + the data subject's tail.
pub const SNAPSHOT_PREFIX: &str = "cdcmd.snapshot.";
/// Every snapshot request subject (what the gateway subscribes to).
pub const SNAPSHOT_WILDCARD: &str = "cdcmd.snapshot.>";
/// Header naming the gateway run that published a message (changes at every start).
pub const HEADER_GATEWAY: &str = "Cdc-Gateway";
/// Header with the message's number in its channel's stream (1, 2, …); on a snapshot reply,
/// the number of the last message published before it.
pub const HEADER_SEQ: &str = "Cdc-Seq";

/// Channel families the gateway carries (§5); `book` takes a depth, the others the instrument.
pub const FAMILIES: [&str; 8] =
    ["book", "trade", "ticker", "mark", "index", "funding", "estimatedfunding", "settlement"];
/// Book depths the exchange serves as deltas (§5.1).
pub const BOOK_DEPTHS: [u32; 2] = [10, 50];

/// How a channel's state is kept for newcomers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `book.{instrument}.{depth}`: a snapshot, then deltas chained by `u`/`pu`.
    Book {
        /// 10 or 50.
        depth: u32,
    },
    /// `trade.{instrument}`: the last trades.
    Trade,
    /// `ticker.`, `mark.`, … `{instrument}`: only the latest value matters.
    Latest(&'static str),
}

/// One exchange market channel the gateway can carry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MarketChannel {
    /// The exchange's name, e.g. `book.BTC_USD.10`.
    pub name: String,
    /// The instrument, e.g. `BTC_USD`.
    pub instrument: String,
}

impl MarketChannel {
    /// Reads an exchange channel name; `None` for names outside [`FAMILIES`] and [`BOOK_DEPTHS`].
    pub fn parse(name: &str) -> Option<MarketChannel> {
        let (family, rest) = name.split_once('.')?;
        let family = FAMILIES.iter().copied().find(|f| *f == family)?;
        let instrument = if family == "book" {
            let (instrument, depth) = rest.rsplit_once('.')?;
            depth.parse::<u32>().ok().filter(|d| BOOK_DEPTHS.contains(d))?;
            instrument
        } else {
            rest
        };
        valid_instrument(instrument).then(|| MarketChannel { name: name.to_owned(), instrument: instrument.to_owned() })
    }

    /// What the channel carries.
    pub fn kind(&self) -> Kind {
        let (family, rest) = self.name.split_once('.').unwrap_or_default();
        match family {
            "book" => {
                let depth = rest.rsplit_once('.').and_then(|(_, d)| d.parse().ok()).unwrap_or(10);
                Kind::Book { depth }
            }
            "trade" => Kind::Trade,
            other => Kind::Latest(FAMILIES.iter().copied().find(|f| *f == other).unwrap_or("ticker")),
        }
    }

    /// The subject its frames are published on, e.g. `cdcmd.BTC_USD.book.10`.
    pub fn subject(&self) -> String {
        format!("{PREFIX}.{}", self.tail())
    }

    /// The subject a relay sends its snapshot request to, e.g. `cdcmd.snapshot.BTC_USD.book.10`.
    pub fn snapshot_subject(&self) -> String {
        format!("{SNAPSHOT_PREFIX}{}", self.tail())
    }

    /// The channel a snapshot request subject asks for.
    pub fn from_snapshot_subject(subject: &str) -> Option<MarketChannel> {
        let tail = subject.strip_prefix(SNAPSHOT_PREFIX)?;
        let (instrument, family) = tail.split_once('.')?;
        let name = match family.strip_prefix("book.") {
            Some(depth) => format!("book.{instrument}.{depth}"),
            None => format!("{family}.{instrument}"),
        };
        MarketChannel::parse(&name)
    }

    /// `<instrument>.<family>[.<depth>]`: the instrument first, so that `cdcmd.BTC_USD.>` is
    /// everything about one instrument.
    fn tail(&self) -> String {
        match self.kind() {
            Kind::Book { depth } => format!("{}.book.{depth}", self.instrument),
            Kind::Trade => format!("{}.trade", self.instrument),
            Kind::Latest(family) => format!("{}.{family}", self.instrument),
        }
    }
}

/// An instrument name as the exchange writes them; also a safe NATS subject token.
pub fn valid_instrument(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_map_to_subjects_and_back() {
        for (name, subject, snapshot) in [
            ("book.BTC_USD.10", "cdcmd.BTC_USD.book.10", "cdcmd.snapshot.BTC_USD.book.10"),
            ("trade.BTCUSD-PERP", "cdcmd.BTCUSD-PERP.trade", "cdcmd.snapshot.BTCUSD-PERP.trade"),
            ("ticker.ETH_USD", "cdcmd.ETH_USD.ticker", "cdcmd.snapshot.ETH_USD.ticker"),
        ] {
            let c = MarketChannel::parse(name).unwrap_or_else(|| panic!("{name} parses"));
            assert_eq!((c.subject().as_str(), c.snapshot_subject().as_str()), (subject, snapshot));
            assert_eq!(MarketChannel::from_snapshot_subject(snapshot), Some(c));
        }
        let book = MarketChannel::parse("book.BTC_USD.50").map(|c| (c.kind(), c.instrument));
        assert_eq!(book, Some((Kind::Book { depth: 50 }, "BTC_USD".to_owned())));
        assert_eq!(MarketChannel::parse("mark.X").map(|c| c.kind()), Some(Kind::Latest("mark")));
    }

    #[test]
    fn names_outside_the_carried_families_are_refused() {
        for bad in [
            "book.BTC_USD",
            "book.BTC_USD.150",
            "candlestick.1m.BTC_USD",
            "user.order",
            "trade.",
            "trade.a b",
            "ticker.A.B",
        ] {
            assert_eq!(MarketChannel::parse(bad), None, "{bad}");
        }
        assert_eq!(MarketChannel::from_snapshot_subject("cdcmd.snapshot.BTC_USD"), None);
        assert_eq!(MarketChannel::from_snapshot_subject("cdcmd.BTC_USD.trade"), None);
    }
}
