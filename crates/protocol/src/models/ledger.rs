//! A ledger entry (§7.5 `user.transactions`, `private/get-transactions`): one movement of the
//! account's cash, such as a trade, its fee or a funding payment.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::ids::InstrumentName;
use crate::num;

/// One ledger entry. The journal types and the sign are UNCONFIRMED in the reference; the
/// engine assumes `transaction_qty` is what the account received (negative: paid).
///
/// ```json
/// {"journal_id":"187","journal_type":"FUNDING","instrument_name":"BTCUSD-PERP",
///  "transaction_qty":"-5.00000000","realized_pnl":"0","event_timestamp_ms":1613570791000}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Transaction {
    /// Unique per entry: what de-duplicates a push from a fetched copy.
    pub journal_id: String,
    /// e.g. `TRADING`, `TRADE_FEE`, `FUNDING`.
    pub journal_type: String,
    /// The instrument it concerns, if any.
    #[serde(default)]
    pub instrument_name: Option<InstrumentName>,
    /// Amount moved: received positive, paid negative (for TRADING, the signed quantity).
    #[serde(default, deserialize_with = "num::decimal_or_zero")]
    pub transaction_qty: Decimal,
    /// Realised PnL of a trade entry.
    #[serde(default, deserialize_with = "num::opt_decimal")]
    pub realized_pnl: Option<Decimal>,
    /// When it happened, ms.
    #[serde(default, deserialize_with = "num::opt_u64")]
    pub event_timestamp_ms: Option<u64>,
}

impl Transaction {
    /// Whether it is a funding payment on a perpetual position.
    pub fn is_funding(&self) -> bool {
        self.journal_type == "FUNDING"
    }
}

#[cfg(test)]
mod tests {
    use crate::frame::{decode_frame, Frame, PushData};

    #[test]
    fn a_user_transactions_push_decodes_to_ledger_entries() {
        let frame = br#"{"id":-1,"method":"subscribe","code":0,"result":{"subscription":"user.transactions",
            "channel":"user.transactions","data":[{"journal_id":"7","journal_type":"FUNDING",
            "instrument_name":"BTCUSD-PERP","transaction_qty":"-5.00000000","event_timestamp_ms":1613570791000}]}}"#;
        let Ok(Frame::Push(p)) = decode_frame(frame) else { panic!("not a push") };
        let PushData::Transactions(list) = &p.data else { panic!("{:?}", p.data) };
        assert!(list[0].is_funding());
        assert_eq!(list[0].transaction_qty.to_string(), "-5.00000000");
        assert_eq!(list[0].instrument_name.as_ref().map(|i| i.as_str()), Some("BTCUSD-PERP"));
    }
}
