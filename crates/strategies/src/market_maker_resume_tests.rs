//! Unit tests of the market maker's restart: a fresh instance resumed from what an earlier run
//! left (its open quotes and its fills) makes the decisions the original would have made.

use super::*;
use crate::testkit::*;
use cdc_engine::strategy::Intent;

fn mm() -> MarketMaker {
    let t = table(
        "spread_bps = \"10\"\norder_qty = \"0.001\"\nmax_position = \"0.002\"\n\
         skew_bps_per_unit = \"500\"\nrequote_bps = \"2\"\n",
        "",
    );
    MarketMaker::new(MmParams::from_table(&t).unwrap())
}

const T0: u64 = 1_700_000_000_000;

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn resumed_from_its_quotes_and_fills_it_decides_as_the_original_would() {
    // The original run: quotes, its bid fills, it re-quotes both sides and the old ask is gone.
    let (mut h, mut a) = (Harness::new(), mm());
    h.run(|c| a.on_live(c, true));
    let i = h.run(|c| a.on_book(c, "BTC_USD", &book("49990", "50010")));
    let (bid, ask) = (on_side(&i, Side::Buy).unwrap(), on_side(&i, Side::Sell).unwrap());
    let fill1 = fill(&bid, "1", "tr-1", "0.001");
    h.run(|c| a.on_order(c, &update(&bid, "1", "FILLED", "0.001")));
    let i = h.run(|c| a.on_fill(c, &fill1));
    let (bid2, ask2) = (on_side(&i, Side::Buy).unwrap(), on_side(&i, Side::Sell).unwrap());
    h.run(|c| a.on_order(c, &update(&ask, "2", "CANCELED", "0")));

    // kill -9. The restart hands a fresh instance what the exchange and the journal hold.
    let r = resumed(vec![open_at(&bid2, "3", "0", T0 + 1), open_at(&ask2, "4", "0", T0 + 1)], vec![at(fill1, T0)]);
    let (mut hr, mut b) = (Harness::restarted(), mm());
    assert!(hr.run(|c| b.on_resume(c, &r)).is_empty(), "its two quotes are adopted, nothing cancelled");
    assert_eq!(b.inventory(), a.inventory());
    assert_eq!(b.inventory(), d("0.001"));
    hr.run(|c| b.on_live(c, true));

    // Same book: neither stacks a second pair of quotes.
    let same = book("49990", "50010");
    assert!(h.run(|c| a.on_book(c, "BTC_USD", &same)).is_empty());
    assert!(hr.run(|c| b.on_book(c, "BTC_USD", &same)).is_empty(), "the adopted quotes are its quotes");

    // The mid moves 3 bp: both cancel the same two quotes and place the same new ask; the bid
    // being cancelled still counts against max_position, so no new bid yet in either.
    let moved = book("50005", "50025");
    let (ia, ib) = (h.run(|c| a.on_book(c, "BTC_USD", &moved)), hr.run(|c| b.on_book(c, "BTC_USD", &moved)));
    assert_eq!(sorted(cancels(&ib)), sorted(cancels(&ia)));
    assert_eq!(sorted(cancels(&ib)), sorted(vec!["t-3".into(), "t-4".into()]));
    assert_eq!(shape(&ib), shape(&ia));
    assert!(on_side(&ib, Side::Sell).is_some() && on_side(&ib, Side::Buy).is_none());

    // The same max_position room: the old bid (still resting until the cancel lands) fills,
    // and at +0.002 neither bids again.
    let late = fill(&bid2, "3", "tr-3", "0.001");
    let (ia, ib) = (h.run(|c| a.on_fill(c, &late)), hr.run(|c| b.on_fill(c, &late)));
    assert_eq!(b.inventory(), d("0.002"));
    assert_eq!(shape(&ib), shape(&ia));
    assert!(on_side(&ib, Side::Buy).is_none(), "at +max_position after the restart too");
}

#[test]
fn a_fill_handed_over_on_resume_and_delivered_again_counts_once() {
    let (mut h, mut a) = (Harness::new(), mm());
    h.run(|c| a.on_live(c, true));
    let bid = on_side(&h.run(|c| a.on_book(c, "BTC_USD", &book("49990", "50010"))), Side::Buy).unwrap();
    let f = fill(&bid, "1", "tr-1", "0.0004");
    let (mut hr, mut b) = (Harness::restarted(), mm());
    hr.run(|c| b.on_resume(c, &resumed(vec![open_at(&bid, "1", "0.0004", T0)], vec![f.clone()])));
    assert_eq!(b.inventory(), d("0.0004"));
    hr.run(|c| b.on_fill(c, &f));
    assert_eq!(b.inventory(), d("0.0004"), "the same trade_id again");
}

#[test]
fn resume_keeps_one_quote_a_side_and_replaces_those_older_than_the_inventory() {
    let (mut h, mut a) = (Harness::new(), mm());
    h.run(|c| a.on_live(c, true));
    let i = h.run(|c| a.on_book(c, "BTC_USD", &book("49990", "50010")));
    let (bid, ask) = (on_side(&i, Side::Buy).unwrap(), on_side(&i, Side::Sell).unwrap());
    let f = at(fill(&bid, "1", "tr-1", "0.001"), T0 + 15);
    // After the fill the original re-quoted the bid at the new inventory, but crashed before
    // its old ask's cancel went out; and a placement raced a crash, leaving two new bids.
    let i = h.run(|c| a.on_fill(c, &f));
    let bid2 = on_side(&i, Side::Buy).unwrap();
    let mut bid3 = bid2.clone();
    bid3.client_oid = Some("t-9".into());
    let eth = CreateOrder::limit("ETH_USD", Side::Buy, d("2990"), d("0.01"), "t-7");
    let r = resumed(
        vec![
            open_at(&ask, "2", "0", T0 + 5),
            open_at(&bid3, "9", "0", T0 + 20),
            open_at(&bid2, "3", "0", T0 + 30),
            open_at(&eth, "7", "0", T0 + 1),
        ],
        vec![f],
    );
    let (mut hr, mut b) = (Harness::restarted(), mm());
    let i = hr.run(|c| b.on_resume(c, &r));
    assert_eq!(sorted(cancels(&i)), vec!["t-7".to_string(), "t-9".to_string()], "the older twin and ETH_USD");
    assert!(submits(&i).is_empty());
    hr.run(|c| b.on_live(c, true));
    // The ask was placed at inventory 0: stale now, replaced like the original would have.
    let i = hr.run(|c| b.on_book(c, "BTC_USD", &book("49990", "50010")));
    assert_eq!(cancels(&i), vec![ask.client_oid.unwrap().to_string()]);
    assert_eq!(on_side(&i, Side::Sell).unwrap().price, Some(d("50022.5")));
    assert!(on_side(&i, Side::Buy).is_none(), "the newest bid is kept: {i:?}");
    assert!(i.iter().all(|x| !matches!(x, Intent::Cancel(OrderRef::ClientOid(c)) if c.as_str() == "t-3")));
}
