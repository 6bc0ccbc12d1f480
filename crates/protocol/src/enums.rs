//! The exchange's enumerations (§9) as Rust enums. Each has an `Unknown` escape holding the raw
//! text, so a value the exchange adds tomorrow never breaks decoding today.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The wire text of the value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(s) => s,
                }
            }

            /// Reads the wire text; never fails, unknown text becomes `Unknown`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl $name {
            /// Deserializes an optional value where `""` and `null` mean absent (§7.2:
            /// `taker_side` "may be empty").
            pub fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
                let v: Option<$name> = Option::deserialize(d)?;
                Ok(v.filter(|x| !matches!(x, $name::Unknown(s) if s.is_empty())))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from_wire(v))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

wire_enum!(
    /// Order side.
    Side { /** Buy. */ Buy => "BUY", /** Sell. */ Sell => "SELL" }
);

wire_enum!(
    /// Order type. Trigger types belong to the advanced family (§6.13).
    OrderType {
        /// Limit order.
        Limit => "LIMIT",
        /// Market order.
        Market => "MARKET",
        /// Stop loss (advanced).
        StopLoss => "STOP_LOSS",
        /// Stop limit (advanced).
        StopLimit => "STOP_LIMIT",
        /// Take profit (advanced).
        TakeProfit => "TAKE_PROFIT",
        /// Take profit limit (advanced).
        TakeProfitLimit => "TAKE_PROFIT_LIMIT",
    }
);

wire_enum!(
    /// How long an order may work: until cancelled, or only for what fills at once.
    TimeInForce {
        /// Rests until cancelled (the default).
        GoodTillCancel => "GOOD_TILL_CANCEL",
        /// Fills what it can at once, cancels the rest.
        ImmediateOrCancel => "IMMEDIATE_OR_CANCEL",
        /// Fills completely at once or not at all.
        FillOrKill => "FILL_OR_KILL",
    }
);

wire_enum!(
    /// The price a trigger order watches (§6.13).
    RefPriceType {
        /// The mark price (the exchange's default).
        MarkPrice => "MARK_PRICE",
        /// The index price.
        IndexPrice => "INDEX_PRICE",
        /// The last traded price.
        LastPrice => "LAST_PRICE",
    }
);

wire_enum!(
    /// Execution instruction.
    ExecInst {
        /// Rejected rather than taking liquidity; needs GTC.
        PostOnly => "POST_ONLY",
        /// Post-only that reprices instead of rejecting (UNCONFIRMED semantics).
        SmartPostOnly => "SMART_POST_ONLY",
        /// Only reduces a position.
        ReduceOnly => "REDUCE_ONLY",
        /// Traded on an isolated-margin position rather than the cross-margin account.
        IsolatedMargin => "ISOLATED_MARGIN",
        /// A margin (borrowing) order of the spot market.
        MarginOrder => "MARGIN_ORDER",
        /// A liquidation order (responses only).
        Liquidation => "LIQUIDATION",
    }
);

wire_enum!(
    /// Order status. There is no PARTIALLY_FILLED: a partly filled resting order is ACTIVE.
    OrderStatus {
        /// Accepted, not yet resting.
        New => "NEW",
        /// Awaiting trigger or processing.
        Pending => "PENDING",
        /// Resting on the book (maybe partly filled).
        Active => "ACTIVE",
        /// Completely filled.
        Filled => "FILLED",
        /// Cancelled, possibly after partial fills.
        Canceled => "CANCELED",
        /// Refused by the exchange after it was accepted for processing; nothing of it traded.
        Rejected => "REJECTED",
        /// It expired: its time in force or expiry ran out before it filled.
        Expired => "EXPIRED",
    }
);

impl OrderStatus {
    /// Whether no further change can follow (fills after a cancel still can; see `state`).
    pub fn is_terminal(&self) -> bool {
        matches!(self, OrderStatus::Filled | OrderStatus::Canceled | OrderStatus::Rejected | OrderStatus::Expired)
    }

    /// Whether the order is still working on the exchange.
    pub fn is_open(&self) -> bool {
        matches!(self, OrderStatus::New | OrderStatus::Pending | OrderStatus::Active)
    }
}

wire_enum!(
    /// Whether a fill provided or took liquidity. The exchange may send it empty.
    TakerSide {
        /// Provided liquidity.
        Maker => "MAKER",
        /// Took liquidity.
        Taker => "TAKER",
    }
);

wire_enum!(
    /// What `private/cancel-all-orders` cancels.
    CancelAllType {
        /// Limit orders only.
        Limit => "LIMIT",
        /// Trigger orders (advanced variant only).
        Trigger => "TRIGGER",
        /// Everything.
        All => "ALL",
    }
);

wire_enum!(
    /// Book subscription type (§5.1).
    BookSubscriptionType {
        /// A full book every interval.
        Snapshot => "SNAPSHOT",
        /// A snapshot, then deltas.
        SnapshotAndUpdate => "SNAPSHOT_AND_UPDATE",
    }
);

/// Deserializes `exec_inst`, where `null` means none and empty strings are dropped.
pub fn exec_inst_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ExecInst>, D::Error> {
    let v: Option<Vec<ExecInst>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default().into_iter().filter(|e| !matches!(e, ExecInst::Unknown(s) if s.is_empty())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_round_trip() {
        let s: Side = serde_json::from_str("\"SELL\"").unwrap();
        assert_eq!(s, Side::Sell);
        let st: OrderStatus = serde_json::from_str("\"PARTIALLY_FILLED\"").unwrap();
        assert_eq!(st, OrderStatus::Unknown("PARTIALLY_FILLED".into()));
        assert_eq!(serde_json::to_string(&st).unwrap(), "\"PARTIALLY_FILLED\"");
        assert_eq!(serde_json::to_string(&TimeInForce::FillOrKill).unwrap(), "\"FILL_OR_KILL\"");
    }

    #[test]
    fn status_classes() {
        assert!(OrderStatus::Canceled.is_terminal());
        assert!(OrderStatus::New.is_open() && !OrderStatus::New.is_terminal());
        assert!(!OrderStatus::Unknown("X".into()).is_open());
    }
}
