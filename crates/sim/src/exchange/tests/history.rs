//! Queries: get-trades paging (newest first, end exclusive, ms or ns), order history,
//! order detail, open orders, balances and accounts.

use super::*;
use std::collections::HashSet;

/// An exchange where the user has bought 0.0001 BTC 250 times, three fills per millisecond.
fn with_250_fills() -> Exchange {
    let mut ex = quiet_with(&[("USD", "100000000")]);
    for k in 0..250u64 {
        let now = T0 + k / 3;
        ex.inject_maker("BTC_USD", false, d("50000"), d("0.0001"), now);
        let p = json!({"instrument_name": "BTC_USD", "side": "BUY", "type": "MARKET",
                       "quantity": "0.0001", "client_oid": format!("f{k}")});
        ex.private("private/create-order", &p, None, now).unwrap();
    }
    ex
}

fn trades(ex: &mut Exchange, p: Value) -> Vec<Value> {
    let now = T0 + 1_000;
    let r = ex.private("private/get-trades", &p, None, now).unwrap();
    r["data"].as_array().unwrap().clone()
}

#[test]
fn paging_backwards_by_create_time_ns_sees_every_fill_once() {
    let mut ex = with_250_fills();
    let mut seen = Vec::new();
    let mut params = json!({"limit": 100});
    loop {
        let page = trades(&mut ex, params.clone());
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 100);
        let ns: Vec<u64> = page.iter().map(|t| t["create_time_ns"].as_str().unwrap().parse().unwrap()).collect();
        assert!(ns.windows(2).all(|w| w[0] > w[1]), "newest first");
        seen.extend(page.iter().map(|t| t["trade_id"].as_str().unwrap().to_string()));
        params["end_time"] = page.last().unwrap()["create_time_ns"].clone();
    }
    let all: Vec<String> = ex.user_trades().iter().map(|t| t["trade_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(all.len(), 250);
    assert_eq!(seen.len(), 250, "no fill repeated");
    assert_eq!(seen.iter().collect::<HashSet<_>>(), all.iter().collect::<HashSet<_>>(), "no fill missed");
}

#[test]
fn window_bounds_in_ms_and_ns_and_the_limit() {
    let mut ex = with_250_fills();
    assert_eq!(trades(&mut ex, json!({})).len(), 100, "default limit");
    assert_eq!(trades(&mut ex, json!({"limit": "7"})).len(), 7);
    assert_eq!(trades(&mut ex, json!({"limit": 500})).len(), 100);
    // Fills k = 30, 31, 32 happened in ms T0 + 10: end (ms) is exclusive, start inclusive.
    let before = trades(&mut ex, json!({"end_time": T0 + 10, "limit": 100}));
    assert_eq!(before.len(), 30);
    assert!(before.iter().all(|t| t["create_time"].as_u64().unwrap() < T0 + 10));
    let from = trades(&mut ex, json!({"start_time": (T0 + 10).to_string(), "end_time": T0 + 11}));
    assert_eq!(from.len(), 3);
    let ns = from[1]["create_time_ns"].as_str().unwrap().to_string();
    let upto_ns = trades(&mut ex, json!({"start_time": T0 + 10, "end_time": ns}));
    assert_eq!(upto_ns.len(), 1, "ns end is exclusive too");
    assert_eq!(upto_ns[0]["trade_id"], from[2]["trade_id"]);
    // The default window is the last day before now.
    let later = T0 + 2 * 86_400_000;
    let r = ex.private("private/get-trades", &json!({}), None, later).unwrap();
    assert!(r["data"].as_array().unwrap().is_empty());
    let eth = trades(&mut ex, json!({"instrument_name": "ETH_USD"}));
    assert!(eth.is_empty());
}

#[test]
fn detail_history_and_open_orders() {
    let mut ex = quiet();
    let a = create(&mut ex, limit("BUY", "40000.00", "0.1", "a")).unwrap();
    create(&mut ex, limit("BUY", "41000.00", "0.1", "b")).unwrap();
    ex.private("private/cancel-order", &json!({"client_oid": "a"}), None, T0 + 5).unwrap();
    let by_id = ex.private("private/get-order-detail", &json!({"order_id": a["order_id"]}), None, T0).unwrap();
    assert_eq!(by_id["client_oid"], "a", "a bare order object, not wrapped");
    let missing = ex.private("private/get-order-detail", &json!({"order_id": "99"}), None, T0).unwrap_err();
    assert_eq!((missing.code, missing.message.as_str()), (40401, "NOT_FOUND"));
    let open = ex.private("private/get-open-orders", &json!({}), None, T0).unwrap();
    let open = open["data"].as_array().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["client_oid"], "b");
    let hist = ex.private("private/get-order-history", &json!({}), None, T0 + 10).unwrap();
    let hist = hist["data"].as_array().unwrap();
    assert_eq!(hist.len(), 1);
    assert_eq!((hist[0]["client_oid"].as_str(), hist[0]["status"].as_str()), (Some("a"), Some("CANCELED")));
    let bad = ex.private("private/get-open-orders", &json!({"instrument_name": "X"}), None, T0).unwrap_err();
    assert_eq!(bad.code, 40004);
}

#[test]
fn balance_positions_and_accounts_shapes() {
    let mut ex = quiet();
    let b = ex.private("private/user-balance", &json!({}), None, T0).unwrap();
    let row = &b["data"][0];
    assert_eq!(row["total_cash_balance"], "200000.00000000", "100000 USD + 2 BTC at 50000");
    assert_eq!(row["total_available_balance"], "200000.00000000");
    let btc = &row["position_balances"][0];
    for field in [
        "quantity",
        "reserved_qty",
        "market_value",
        "collateral_eligible",
        "haircut",
        "collateral_amount",
        "max_withdrawal_balance",
    ] {
        assert!(btc.get(field).is_some(), "missing {field}");
    }
    assert_eq!(btc["market_value"], "100000.00000000");
    let p = ex.private("private/get-positions", &json!({}), None, T0).unwrap();
    assert_eq!(p, json!({"data": []}));
    let acc = ex.private("private/get-accounts", &json!({}), None, T0).unwrap();
    assert_eq!(acc["master_account"]["uuid"], ExchangeConfig::default().account_id.as_str());
    assert_eq!(acc["sub_account_list"], json!([]));
}

#[test]
fn currency_networks_list_every_listed_currency() {
    let mut ex = quiet();
    let r = ex.private("private/get-currency-networks", &json!({}), None, T0).unwrap();
    let map = r["currency_map"].as_object().unwrap();
    assert_eq!(map.keys().map(String::as_str).collect::<Vec<_>>(), vec!["BTC", "CRO", "ETH", "USD"]);
    let btc = &map["BTC"];
    assert_eq!(btc["full_name"], "Bitcoin");
    let net = &btc["network_list"][0];
    assert_eq!(net["network_id"], btc["default_network"]);
    for field in ["withdrawal_fee", "withdraw_enabled", "min_withdrawal_amount", "deposit_enabled"] {
        assert!(net.get(field).is_some(), "missing {field}");
    }
    assert_eq!(r["update_time"], T0);
}
