//! Reconciliation's fill paging (issue 10): `private/get-trades` returns at most 100 fills a
//! page, newest first, and pages by time. When more than a page of fills share one
//! `create_time_ns`, paging by time alone stops; reconciliation must still bring every fill
//! once, and say so loudly where the method cannot.

mod support;

use std::collections::BTreeSet;
use std::str::FromStr;

use cdc_engine::clock::{system_now_ms, SystemClock};
use cdc_engine::engine::reconcile;
use cdc_engine::rest::RestClient;
use cdc_sim::exchange::Exchange;
use cdc_sim::SimHandle;
use rust_decimal::Decimal;
use serde_json::json;
use support::*;

fn rest(sim: &SimHandle<Exchange>) -> RestClient {
    RestClient::new(&sim.rest_url(), Some(creds()), SystemClock::new()).expect("rest client")
}

/// Rests a user SELL on `instrument`, then lets participants buy `lot` from it `n` times:
/// `n` fills of the user's.
fn sell_and_take(sim: &SimHandle<Exchange>, instrument: &str, price: &str, qty: &str, lot: &str, n: usize) {
    let params = json!({"instrument_name": instrument, "side": "SELL", "type": "LIMIT", "price": price,
        "quantity": qty, "client_oid": format!("{instrument}-{n}-{}", sim_trade_ids(sim).len())});
    sim.with_venue(|x| cdc_sim::venue::Venue::private(x, "private/create-order", &params, None, system_now_ms()))
        .expect("order accepted");
    take_n(sim, instrument, lot, n);
}

fn take_n(sim: &SimHandle<Exchange>, instrument: &str, lot: &str, n: usize) {
    let lot = Decimal::from_str(lot).unwrap();
    for _ in 0..n {
        sim.with_venue(|x| x.inject_taker(instrument, true, lot, system_now_ms()));
    }
}

fn since_a_minute_ago() -> u128 {
    u128::from(system_now_ms() - 60_000) * 1_000_000
}

#[tokio::test]
async fn two_hundred_fifty_fills_at_one_nanosecond_all_come_back_once() {
    let sim = sim(false).await;
    let since = since_a_minute_ago();
    // 30 older fills, at distinct times.
    sell_and_take(&sim, "BTC_USD", "51000.00", "0.0030", "0.0001", 30);
    // 250 fills stamped with one create_time_ns, on three instruments.
    let t = sim.with_venue(|x| x.pin_time(system_now_ms()));
    sell_and_take(&sim, "BTC_USD", "51000.00", "0.0200", "0.0001", 99);
    sell_and_take(&sim, "ETH_USD", "3100.00", "1.000", "0.001", 99);
    sell_and_take(&sim, "CRO_USD", "0.10000", "1000", "1", 52);
    sim.with_venue(|x| x.unpin_time());
    // 20 newer fills, so that the first page spans two instants.
    take_n(&sim, "BTC_USD", "0.0001", 20);
    let at_sim: BTreeSet<String> = sim_trade_ids(&sim).into_iter().collect();
    assert_eq!(at_sim.len(), 300);

    let snap = reconcile::fetch(&rest(&sim), &[], since).await.expect("reconciled");
    let ids: Vec<String> = snap.trades.iter().map(|t| t.trade_id.to_string()).collect();
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "a fill came back twice");
    let lost: Vec<_> = at_sim.difference(&unique).take(5).collect();
    assert!(lost.is_empty(), "{} of {} fills lost, e.g. {lost:?}", at_sim.len() - unique.len(), at_sim.len());
    assert_eq!(unique, at_sim);
    assert_eq!(snap.trades.iter().filter(|f| f.time_ns() == Some(u128::from(t))).count(), 250);
    assert!(snap.fill_gaps.is_empty(), "{:?}", snap.fill_gaps);
    // Oldest first.
    assert!(snap.trades.windows(2).all(|w| w[0].time_ns() <= w[1].time_ns()));
}

#[tokio::test]
async fn more_than_a_page_of_one_instruments_fills_at_one_nanosecond_is_reported_as_a_gap() {
    let sim = sim(false).await;
    let since = since_a_minute_ago();
    sell_and_take(&sim, "BTC_USD", "51000.00", "0.0050", "0.0001", 5);
    let t = sim.with_venue(|x| x.pin_time(system_now_ms()));
    sell_and_take(&sim, "BTC_USD", "51000.00", "0.0200", "0.0001", 150);
    sim.with_venue(|x| x.unpin_time());

    let snap = reconcile::fetch(&rest(&sim), &[], since).await.expect("reconciled");
    // get-trades cannot page past 100 fills of one instrument at one nanosecond: what it can
    // return comes back once, the older fills are not given up, and the gap is named.
    let ids: BTreeSet<String> = snap.trades.iter().map(|t| t.trade_id.to_string()).collect();
    assert_eq!(ids.len(), snap.trades.len());
    assert_eq!(snap.trades.len(), 105, "100 at the crowded instant and the 5 older ones");
    assert_eq!(snap.fill_gaps, vec![format!("BTC_USD at {t} ns")]);
}
