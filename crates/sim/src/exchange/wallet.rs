//! `private/get-currency-networks`: the currencies the simulated exchange lists, each with one
//! network, in the shape ccxt's captured live response shows (`result.currency_map`).
//!
//! ccxt's `load_markets` calls it (through `fetch_currencies`) whenever keys are set, so a
//! client that works against the real exchange needs it here. The sim has no wallet: it must
//! NOT pretend deposits or withdrawals happen; the network rows are static descriptions.

use super::Exchange;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The one network every simulated currency lives on.
const NETWORK: &str = "CRONOS";

impl Exchange {
    /// The `private/get-currency-networks` result: every base and quote currency of the listed
    /// instruments, keyed by currency code.
    pub(super) fn currency_networks(&self, now_ms: u64) -> Value {
        let codes: BTreeSet<&str> = self.instruments.iter().flat_map(|i| [i.base, i.quote]).collect();
        let mut map = Map::new();
        for code in codes {
            map.insert(
                code.to_string(),
                json!({
                    "full_name": full_name(code),
                    "default_network": NETWORK,
                    "network_list": [{
                        "network_id": NETWORK,
                        "withdrawal_fee": "0",
                        "withdraw_enabled": false,
                        "min_withdrawal_amount": "0",
                        "deposit_enabled": false,
                        "confirmation_required": "0",
                    }],
                }),
            );
        }
        // The captured sample carries update_time as ms; the sim's list never changes, so "now"
        // is as good a stamp as any.
        json!({ "update_time": now_ms, "currency_map": Value::Object(map) })
    }
}

fn full_name(code: &str) -> &str {
    match code {
        "BTC" => "Bitcoin",
        "ETH" => "Ethereum",
        "CRO" => "Cronos",
        "USD" => "US Dollar",
        other => other,
    }
}
