//! The synthetic market: reproducible for a seed, quoting both sides, and filling a user
//! order that rests near the top of the book.

use super::*;

fn seeded(seed: u64) -> Exchange {
    Exchange::new(ExchangeConfig { seed, ..ExchangeConfig::default() })
}

/// Books and tapes of every instrument after `steps` steps.
fn run(seed: u64, steps: u64) -> Vec<Value> {
    let mut ex = seeded(seed);
    for k in 0..steps {
        ex.step_market(T0 + k * 150);
    }
    ["BTC_USD", "ETH_USD", "CRO_USD"]
        .iter()
        .map(|i| json!([ex.book_levels(i, 50), ex.recent_public_trades(i, 50)]))
        .collect()
}

#[test]
fn same_seed_same_market_other_seed_other_market() {
    let a = run(7, 300);
    assert_eq!(a, run(7, 300));
    assert_ne!(a, run(8, 300));
    let trades = a[0][1].as_array().unwrap();
    assert!(!trades.is_empty(), "participants trade");
    for t in trades {
        for field in ["d", "t", "p", "q", "s", "i", "m"] {
            assert!(t.get(field).is_some(), "missing {field}");
        }
    }
}

#[test]
fn market_quotes_both_sides_and_pushes_book_and_ticker() {
    let mut ex = seeded(1);
    let (bids, asks) = ex.book_levels("BTC_USD", 10).unwrap();
    assert_eq!((bids.len(), asks.len()), (5, 5));
    let best_bid: Decimal = bids[0][0].parse().unwrap();
    let best_ask: Decimal = asks[0][0].parse().unwrap();
    assert!(best_bid < best_ask);
    ex.step_market(T0);
    let events = ex.take_events();
    let k = kinds(&events);
    assert!(k.contains(&"book") && k.contains(&"ticker"));
    assert!(!k.contains(&"order"), "no user events without user orders");
    let ticker = ex.ticker_json("BTC_USD", T0).unwrap();
    assert!(ticker["b"].is_string() && ticker["k"].is_string() && ticker["bs"].is_string());
}

#[test]
fn resting_user_order_near_mid_eventually_fills() {
    let mut ex = seeded(3);
    let (bids, _) = ex.book_levels("BTC_USD", 1).unwrap();
    let p = limit("BUY", &bids[0][0], "0.01", "patient");
    ex.private("private/create-order", &p, None, T0).unwrap();
    let mut steps = 0;
    while detail(&mut ex, "patient")["status"] != "FILLED" {
        steps += 1;
        assert!(steps < 5_000, "never filled");
        ex.step_market(T0 + steps * 150);
    }
    let fills = ex.user_trades();
    let filled: Decimal = fills.iter().map(|t| d(t["traded_quantity"].as_str().unwrap())).sum();
    assert_eq!(filled, d("0.01"));
    assert!(fills.iter().all(|t| t["taker_side"] == "MAKER"));
    // 0.01 BTC bought, less the 0.001 maker fee on it.
    assert_eq!(holding(&ex, "BTC"), ("2.00999000".into(), "0.00000000".into()));
}

#[test]
fn a_pinned_mid_follows_the_reference_and_stops_walking() {
    let mut ex = Exchange::new(ExchangeConfig::default());
    ex.set_reference_mid("BTC_USD", rust_decimal::Decimal::from(61_234), 1);
    for t in 2..50 {
        ex.step_market(t);
    }
    let (bids, asks) = ex.book_levels("BTC_USD", 1).unwrap();
    let bid: rust_decimal::Decimal = bids[0][0].parse().unwrap();
    let ask: rust_decimal::Decimal = asks[0][0].parse().unwrap();
    assert!(bid < rust_decimal::Decimal::from(61_234) && ask > rust_decimal::Decimal::from(61_234), "{bid} {ask}");
    assert!(ask - bid < rust_decimal::Decimal::from(100), "quotes hug the reference: {bid} {ask}");
}
