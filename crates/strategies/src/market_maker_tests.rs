//! Unit tests of the market maker on recorded event sequences.

use super::*;
use crate::testkit::*;
use cdc_engine::protocol::code_names;

fn mm(extra: &str) -> MarketMaker {
    let base = "spread_bps = \"10\"\norder_qty = \"0.001\"\nmax_position = \"0.003\"\n\
                skew_bps_per_unit = \"500\"\nrequote_bps = \"2\"\n";
    let t = table(base, extra);
    MarketMaker::new(MmParams::from_table(&t).unwrap())
}

/// Live, with a book at mid 50000; returns the two quotes.
fn started(h: &mut Harness, m: &mut MarketMaker) -> (CreateOrder, CreateOrder) {
    assert!(h.run(|c| m.on_live(c, true)).is_empty(), "no book yet, no quotes");
    let i = h.run(|c| m.on_book(c, "BTC_USD", &book("49990", "50010")));
    (on_side(&i, Side::Buy).unwrap(), on_side(&i, Side::Sell).unwrap())
}

/// The exchange fills `o` completely (order update, then the fill).
fn filled(h: &mut Harness, m: &mut MarketMaker, o: &CreateOrder, id: &str) -> Vec<Intent> {
    let mut out = h.run(|c| m.on_order(c, &update(o, id, "FILLED", &o.quantity.unwrap().to_string())));
    out.extend(h.run(|c| m.on_fill(c, &fill(o, id, &format!("tr-{id}"), &o.quantity.unwrap().to_string()))));
    out
}

use cdc_engine::strategy::Intent;

#[test]
fn quotes_both_sides_around_mid_on_ticks() {
    let (mut h, mut m) = (Harness::new(), mm(""));
    let (bid, ask) = started(&mut h, &mut m);
    // mid 50000, 10 bps wide: 25 each side.
    assert_eq!((bid.price, bid.quantity), (Some(d("49975")), Some(d("0.001"))));
    assert_eq!((ask.price, ask.quantity), (Some(d("50025")), Some(d("0.001"))));
    assert_eq!(bid.instrument_name.as_str(), "BTC_USD");
    assert_eq!(m.market_channels(), vec![Channel::book("BTC_USD", 10)]);
    // An unchanged book changes nothing; another instrument's book is ignored.
    assert!(h.run(|c| m.on_book(c, "BTC_USD", &book("49990", "50010"))).is_empty());
    assert!(h.run(|c| m.on_book(c, "ETH_USD", &book("2990", "3010"))).is_empty());
}

#[test]
fn inventory_skews_both_quotes_against_it() {
    let (mut h, mut m) = (Harness::new(), mm(""));
    let (bid, ask) = started(&mut h, &mut m);
    let i = filled(&mut h, &mut m, &bid, "1");
    assert_eq!(m.inventory(), d("0.001"));
    // The ask was placed at zero inventory: stale, cancelled; both sides re-quoted lower by
    // 0.001 × 500 bps × 50000 = 2.5.
    assert_eq!(cancels(&i), vec![ask.client_oid.unwrap().to_string()]);
    assert_eq!(on_side(&i, Side::Buy).unwrap().price, Some(d("49972.5")));
    assert_eq!(on_side(&i, Side::Sell).unwrap().price, Some(d("50022.5")));

    // Short inventory moves them up instead.
    let (mut h, mut m) = (Harness::new(), mm(""));
    let (_, ask) = started(&mut h, &mut m);
    let i = filled(&mut h, &mut m, &ask, "2");
    assert_eq!(m.inventory(), d("-0.001"));
    assert_eq!(on_side(&i, Side::Sell).unwrap().price, Some(d("50027.5")));
    assert_eq!(on_side(&i, Side::Buy).unwrap().price, Some(d("49977.5")));
}

#[test]
fn never_bids_past_max_position_counting_working_orders() {
    let (mut h, mut m) = (Harness::new(), mm("max_position = \"0.002\"\nskew_bps_per_unit = 0"));
    let (bid, _) = started(&mut h, &mut m);
    let i = filled(&mut h, &mut m, &bid, "1");
    let bid2 = on_side(&i, Side::Buy).expect("room for one more bid");
    assert_eq!(bid2.quantity, Some(d("0.001")));
    let i = filled(&mut h, &mut m, &bid2, "2");
    assert_eq!(m.inventory(), d("0.002"));
    assert!(on_side(&i, Side::Buy).is_none(), "at +max_position: no bid");
    // The ask is still the one placed earlier (inventory changed, so it was replaced).
    let asks: Vec<_> = submits(&i).into_iter().filter(|o| o.side == Side::Sell).collect();
    assert_eq!(asks.len(), 1);
    assert!(h.run(|c| m.on_book(c, "BTC_USD", &book("49000", "49010"))).iter().all(|i| match i {
        Intent::Submit(o) => o.side == Side::Sell,
        _ => true,
    }));

    // A partial fill leaves room for only the rest; the fill arriving before the order update
    // counts at once.
    let (mut h, mut m) = (Harness::new(), mm("max_position = \"0.0015\"\nskew_bps_per_unit = 0"));
    let (bid, _) = started(&mut h, &mut m);
    let i = h.run(|c| m.on_fill(c, &fill(&bid, "1", "t1", "0.0005")));
    // The bid went stale (inventory changed): cancelled; its remaining 0.0005 still counts
    // until the exchange confirms, so only 0.0015 − 0.0005 − 0.0005 = 0.0005 may be bid.
    assert_eq!(cancels(&i).len(), 2);
    assert_eq!(on_side(&i, Side::Buy).unwrap().quantity, Some(d("0.0005")));
}

#[test]
fn requotes_only_when_mid_moves_enough() {
    let (mut h, mut m) = (Harness::new(), mm(""));
    let (bid, ask) = started(&mut h, &mut m);
    // 1 bp move (5 USD): under requote_bps.
    assert!(h.run(|c| m.on_book(c, "BTC_USD", &book("49995", "50015"))).is_empty());
    // 3 bp move: both cancelled and replaced around the new mid.
    let i = h.run(|c| m.on_book(c, "BTC_USD", &book("50005", "50025")));
    let mut cancelled = cancels(&i);
    cancelled.sort();
    let mut expected = vec![bid.client_oid.unwrap().to_string(), ask.client_oid.unwrap().to_string()];
    expected.sort();
    assert_eq!(cancelled, expected);
    assert_eq!(on_side(&i, Side::Buy).unwrap().price, Some(d("49989.99")));
    assert_eq!(on_side(&i, Side::Sell).unwrap().price, Some(d("50040.01")));
}

#[test]
fn stops_when_not_live_and_resumes() {
    let (mut h, mut m) = (Harness::new(), mm(""));
    assert!(h.run(|c| m.on_book(c, "BTC_USD", &book("49990", "50010"))).is_empty(), "not live yet");
    let (bid, ask) = {
        let i = h.run(|c| m.on_live(c, true));
        (on_side(&i, Side::Buy).unwrap(), on_side(&i, Side::Sell).unwrap())
    };
    let i = h.run(|c| m.on_live(c, false));
    assert_eq!(cancels(&i).len(), 2, "quotes pulled when the view goes stale");
    assert!(h.run(|c| m.on_book(c, "BTC_USD", &book("49000", "49010"))).is_empty());
    for (o, id) in [(&bid, "1"), (&ask, "2")] {
        h.run(|c| m.on_order(c, &update(o, id, "CANCELED", "0")));
    }
    let i = h.run(|c| m.on_live(c, true));
    assert_eq!(on_side(&i, Side::Buy).unwrap().price, Some(d("48980.49")));
    assert_eq!(on_side(&i, Side::Sell).unwrap().price, Some(d("49029.51")));
}

#[test]
fn a_refusal_pauses_then_the_side_is_quoted_again() {
    let (mut h, mut m) = (Harness::new(), mm(""));
    let (bid, _) = started(&mut h, &mut m);
    assert!(h
        .run(|c| m
            .on_refused(c, &refusal(&bid, "insufficient balance", Some(code_names::INSUFFICIENT_AVAILABLE_BALANCE))))
        .is_empty());
    assert!(h.run(|c| m.on_book(c, "BTC_USD", &book("49990", "50010"))).is_empty(), "paused");
    h.now_ms += 1_500;
    let i = h.run(|c| m.on_book(c, "BTC_USD", &book("49990", "50010")));
    assert_eq!(on_side(&i, Side::Buy).unwrap().price, Some(d("49975")));
    assert!(on_side(&i, Side::Sell).is_none(), "the ask still rests");
}

#[test]
fn parameters_are_validated_with_actionable_errors() {
    let err = |s: &str| MmParams::from_table(&s.parse().unwrap()).unwrap_err().to_string();
    assert_eq!(err("spread_bps = -3"), "spread_bps must be > 0, got -3");
    // A tick set in the configuration refuses off-tick sizes at once; the default tick does
    // not (the venue's, given to `configure`, decides).
    assert_eq!(
        err("order_qty = \"0.00015\"\nqty_tick = \"0.0001\""),
        "order_qty 0.00015 is not a multiple of qty_tick 0.0001: use 0.0001 or 0.0002"
    );
    assert!(MmParams::from_table(&"order_qty = \"0.00015\"".parse().unwrap()).is_ok());
    assert!(err("post_only = \"yes\"").contains("post_only must be true or false"));
    assert!(err("max_position = \"0.0001\"").contains("max_position must be >= order_qty"));
    assert!(err("spred_bps = 3").contains("unknown parameter"));
    let p = MmParams::from_table(&toml::Table::new()).unwrap();
    assert_eq!(
        (p.instrument.as_str(), p.ticks.price, p.ticks.qty, p.post_only),
        ("BTC_USD", d("0.01"), d("0.0001"), true)
    );
}

#[test]
fn its_own_quotes_do_not_move_the_mid_it_quotes_around() {
    use cdc_engine::protocol::models::{BookLevel, BookSnapshot};
    let (mut h, mut m) = (Harness::new(), mm(""));
    let (bid, ask) = started(&mut h, &mut m);
    // The book now shows our quotes on top (ours alone at 49975; 49975.00 shared at the ask).
    let lvl = |p: &str, q: &str| BookLevel { price: d(p), quantity: d(q), orders: 1 };
    let mut b = OrderBook::with_depth(Some(10));
    b.apply_snapshot(&BookSnapshot {
        bids: vec![lvl("49975", "0.001"), lvl("49990", "1")],
        asks: vec![lvl("50025", "0.003"), lvl("50030", "1")],
        time_ms: None,
        last_update_ms: None,
        update_id: Some(2),
    });
    // Own bid removed: best other bid 49990; the ask level holds someone else's 0.002 too.
    assert_eq!(m.fair_mid(&b), Some(d("50007.5")));
    assert_eq!(bid.price, Some(d("49975")));
    assert_eq!(ask.price, Some(d("50025")));
}

#[test]
fn configure_takes_the_venues_ticks_and_rounds_quotes_to_them() {
    let (mut h, mut m) = (Harness::new(), mm("order_qty = \"0.002\""));
    let venue = [instrument("ETH_USD", "0.01", "0.001"), instrument("BTC_USD", "0.5", "0.001")];
    assert_eq!(m.configure(&venue), Ok(()));
    h.run(|c| m.on_live(c, true));
    // mid 50000.2, 10 bps wide: 49975.1999 and 50025.2001 on a 0.5 tick, away from the market.
    let i = h.run(|c| m.on_book(c, "BTC_USD", &book("49990.3", "50010.1")));
    assert_eq!(on_side(&i, Side::Buy).unwrap().price, Some(d("49975")));
    assert_eq!(on_side(&i, Side::Sell).unwrap().price, Some(d("50025.5")));

    // Room is rounded down to the venue's quantity tick, and a size that rounds to nothing is
    // not sent: max_position 0.0025 leaves 0.0005 after a fill, under one tick of 0.001.
    let (mut h, mut m) =
        (Harness::new(), mm("order_qty = \"0.002\"\nmax_position = \"0.0025\"\nskew_bps_per_unit = 0"));
    m.configure(&venue).unwrap();
    h.run(|c| m.on_live(c, true));
    let i = h.run(|c| m.on_book(c, "BTC_USD", &book("49990", "50010")));
    let bid = on_side(&i, Side::Buy).unwrap();
    let i = filled(&mut h, &mut m, &bid, "1");
    assert!(on_side(&i, Side::Buy).is_none(), "0.0005 of room is no order on a 0.001 tick: {i:?}");

    // A venue that does not list the instrument leaves the parameters' ticks.
    let (mut h, mut m) = (Harness::new(), mm(""));
    assert_eq!(m.configure(&[instrument("ETH_USD", "1", "1")]), Ok(()));
    h.run(|c| m.on_live(c, true));
    let i = h.run(|c| m.on_book(c, "BTC_USD", &book("49990.3", "50010.1")));
    assert_eq!(on_side(&i, Side::Buy).unwrap().price, Some(d("49975.19")));
}

#[test]
fn configure_refuses_conflicting_ticks_and_off_tick_sizes_naming_what_would_do() {
    let venue = [instrument("BTC_USD", "0.01", "0.0001")];
    let e = mm("tick = \"0.005\"").configure(&venue).unwrap_err().to_string();
    assert!(e.starts_with("tick 0.005 does not fit BTC_USD's price tick 0.01: set tick = \"0.01\""), "{e}");
    let e = mm("qty_tick = \"0.00005\"").configure(&venue).unwrap_err().to_string();
    assert!(
        e.contains("qty_tick 0.00005 does not fit BTC_USD's quantity tick 0.0001: set qty_tick = \"0.0001\""),
        "{e}"
    );
    assert_eq!(
        mm("order_qty = \"0.00015\"").configure(&venue),
        Err(ConfigError::parameter(
            "order_qty",
            "0.00015 is not a multiple of BTC_USD's quantity tick 0.0001: use 0.0001 or 0.0002"
        ))
    );
    // A coarser tick that is a whole multiple of the venue's is valid there, and kept.
    let (mut h, mut m) = (Harness::new(), mm("tick = \"0.05\""));
    assert_eq!(m.configure(&venue), Ok(()));
    h.run(|c| m.on_live(c, true));
    let i = h.run(|c| m.on_book(c, "BTC_USD", &book("49990.3", "50010.1")));
    assert_eq!(on_side(&i, Side::Buy).unwrap().price, Some(d("49975.15")));
    assert_eq!(on_side(&i, Side::Sell).unwrap().price, Some(d("50025.25")));
}

#[test]
fn quotes_are_post_only_unless_turned_off() {
    use cdc_engine::protocol::enums::ExecInst;
    let (mut h, mut m) = (Harness::new(), mm(""));
    let (bid, ask) = started(&mut h, &mut m);
    assert_eq!((bid.exec_inst, ask.exec_inst), (vec![ExecInst::PostOnly], vec![ExecInst::PostOnly]));
    let (mut h, mut m) = (Harness::new(), mm("post_only = false"));
    let (bid, ask) = started(&mut h, &mut m);
    assert!(bid.exec_inst.is_empty() && ask.exec_inst.is_empty());
}

#[test]
fn the_skew_never_moves_a_quote_across_the_mid() {
    // 0.001 × 100000 bps × 50000 would move the quotes 500 USD; the half-spread is 25.
    let (mut h, mut m) = (Harness::new(), mm("skew_bps_per_unit = \"100000\""));
    let (bid, _) = started(&mut h, &mut m);
    let i = filled(&mut h, &mut m, &bid, "1");
    assert_eq!(on_side(&i, Side::Buy).unwrap().price, Some(d("49950")));
    assert_eq!(on_side(&i, Side::Sell).unwrap().price, Some(d("50000")), "the ask stops at the mid");

    let (mut h, mut m) = (Harness::new(), mm("skew_bps_per_unit = \"100000\""));
    let (_, ask) = started(&mut h, &mut m);
    let i = filled(&mut h, &mut m, &ask, "2");
    assert_eq!(on_side(&i, Side::Buy).unwrap().price, Some(d("50000")), "the bid stops at the mid");
    assert_eq!(on_side(&i, Side::Sell).unwrap().price, Some(d("50050")));
}

#[test]
fn a_rejected_quote_pauses_before_that_side_is_quoted_again() {
    let (mut h, mut m) = (Harness::new(), mm(""));
    let (bid, _) = started(&mut h, &mut m);
    // The exchange rejects the post-only bid (it would have taken).
    let mut rejected = update(&bid, "1", "REJECTED", "0");
    rejected.reason = Some("43005".into());
    assert!(submits(&h.run(|c| m.on_order(c, &rejected))).is_empty(), "not at once: it would be rejected again");
    h.now_ms += 1_500;
    let i = h.run(|c| m.on_book(c, "BTC_USD", &book("49990", "50010")));
    assert_eq!(on_side(&i, Side::Buy).unwrap().price, Some(d("49975")));
}
