//! Unit tests of the TWAP executor on recorded event sequences.

use super::*;
use crate::testkit::*;
use cdc_engine::protocol::code_names;
use cdc_engine::protocol::enums::OrderType;

fn twap(extra: &str) -> Twap {
    let t = table("side = \"BUY\"\ntotal_qty = \"0.01\"\nduration_secs = 2\nslices = 4\n", extra);
    Twap::new(TwapParams::from_table(&t).unwrap())
}

/// One timer tick; returns the order it sent, if any.
fn tick(h: &mut Harness, w: &mut Twap) -> Option<CreateOrder> {
    let s = submits(&h.run(|c| w.on_timer(c)));
    assert!(s.len() <= 1, "one order a tick: {s:?}");
    s.into_iter().next()
}

/// The exchange executes `qty` of `o` and ends it (a market order's rest is cancelled).
fn execute(h: &mut Harness, w: &mut Twap, o: &CreateOrder, id: &str, qty: &str) {
    h.run(|c| w.on_fill(c, &fill(o, id, &format!("t{id}"), qty)));
    let status = if d(qty) == o.quantity.unwrap() { "FILLED" } else { "CANCELED" };
    h.run(|c| w.on_order(c, &update(o, id, status, qty)));
}

#[test]
fn equal_market_slices_on_each_tick_then_idle() {
    let (mut h, mut w) = (Harness::new(), twap(""));
    assert_eq!(w.timer_interval(), Some(Duration::from_millis(500)));
    for n in 1..=4 {
        let o = tick(&mut h, &mut w).expect("a slice");
        assert_eq!(
            (o.order_type.clone(), o.side.clone(), o.price, o.quantity),
            (OrderType::Market, Side::Buy, None, Some(d("0.0025")))
        );
        execute(&mut h, &mut w, &o, &n.to_string(), "0.0025");
    }
    assert!(w.is_done() && w.filled() == d("0.01"));
    for _ in 0..10 {
        assert!(h.run(|c| w.on_timer(c)).is_empty(), "finished: stays idle");
    }
}

#[test]
fn uneven_slices_add_up_to_exactly_the_total() {
    let (mut h, mut w) = (Harness::new(), twap("slices = 3\nlimit_price = \"50100.5\""));
    let mut sizes = Vec::new();
    for n in 1..=3 {
        let o = tick(&mut h, &mut w).unwrap();
        assert_eq!((o.order_type.clone(), o.price), (OrderType::Limit, Some(d("50100.5"))));
        sizes.push(o.quantity.unwrap());
        execute(&mut h, &mut w, &o, &n.to_string(), &o.quantity.unwrap().to_string());
    }
    assert_eq!(sizes, vec![d("0.0033"), d("0.0033"), d("0.0034")]);
    assert!(w.is_done());
}

#[test]
fn working_refused_and_short_slices_are_accounted_for() {
    let (mut h, mut w) = (Harness::new(), twap(""));
    let s1 = tick(&mut h, &mut w).unwrap();
    // Slice 1 not answered yet: slice 2 sends only its own share.
    let s2 = tick(&mut h, &mut w).unwrap();
    assert_eq!(s2.quantity, Some(d("0.0025")));
    // Slice 2 refused: slice 3 makes it up.
    h.run(|c| w.on_refused(c, &refusal(&s2, "insufficient balance", Some(code_names::INSUFFICIENT_AVAILABLE_BALANCE))));
    execute(&mut h, &mut w, &s1, "1", "0.001"); // a market order that found little liquidity
    let s3 = tick(&mut h, &mut w).unwrap();
    assert_eq!(s3.quantity, Some(d("0.0065")), "0.0075 due, 0.001 done");
    // Slice 3's outcome unknown: it may exist, so nothing more is sent for it.
    h.run(|c| w.on_refused(c, &refusal(&s3, "outcome unknown: no answer in 2s", None)));
    let s4 = tick(&mut h, &mut w).unwrap();
    assert_eq!(s4.quantity, Some(d("0.0025")));
    // It did exist and filled; so did slice 4: complete, never more than the total.
    execute(&mut h, &mut w, &s3, "3", "0.0065");
    execute(&mut h, &mut w, &s4, "4", "0.0025");
    assert_eq!(w.filled(), d("0.01"));
    assert!(w.is_done());
    assert!(tick(&mut h, &mut w).is_none());
}

#[test]
fn an_order_reported_filled_before_its_fill_still_counts() {
    let (mut h, mut w) = (Harness::new(), twap(""));
    let s1 = tick(&mut h, &mut w).unwrap();
    h.run(|c| w.on_order(c, &update(&s1, "1", "FILLED", "0.0025")));
    assert_eq!(tick(&mut h, &mut w).unwrap().quantity, Some(d("0.0025")), "not 0.005: slice 1 executed");
}

#[test]
fn gives_up_after_a_schedule_of_grace_cancelling_what_rests() {
    let (mut h, mut w) = (Harness::new(), twap("limit_price = \"40000\""));
    let first = tick(&mut h, &mut w).unwrap();
    for _ in 1..8 {
        h.run(|c| w.on_timer(c));
    }
    assert!(!w.is_done());
    let i = h.run(|c| w.on_timer(c));
    assert!(cancels(&i).contains(&first.client_oid.unwrap().to_string()));
    assert!(w.is_done() && w.filled().is_zero());
    assert!(h.run(|c| w.on_timer(c)).is_empty());
}

#[test]
fn parameters_are_validated_with_actionable_errors() {
    let err = |s: &str| TwapParams::from_table(&s.parse().unwrap()).unwrap_err().to_string();
    assert!(err("total_qty = 1").contains("side is required"));
    assert!(err("side = \"BUY\"").contains("total_qty is required"));
    assert_eq!(
        err("side = \"BUY\"\ntotal_qty = \"0.00001\"\nqty_tick = \"0.0001\""),
        "total_qty 0.00001 is not a multiple of qty_tick 0.0001: use 0.0001"
    );
    assert!(err("side = \"SELL\"\ntotal_qty = 1\nduration_secs = 1\nslices = 100").contains("50 ms per slice"));
    assert!(err("side = \"SELL\"\ntotal_qty = 1\nlimit_price = -5").contains("limit_price must be > 0"));
    assert!(err("side = \"SELL\"\ntotal_qty = 1\nduration_secs = 0").contains("duration_secs must be > 0"));
    let p = TwapParams::from_table(&"side = \"sell\"\ntotal_qty = 1\nduration_secs = 0.5\nslices = 2".parse().unwrap())
        .unwrap();
    assert_eq!((p.side, p.duration, p.limit_price), (Side::Sell, Duration::from_millis(500), None));
}

#[test]
fn configure_takes_the_venues_ticks_for_its_slices() {
    let (mut h, mut w) = (Harness::new(), twap(""));
    assert_eq!(w.configure(&[instrument("BTC_USD", "0.5", "0.001")]), Ok(()));
    let mut sizes = Vec::new();
    for n in 1..=4 {
        let o = tick(&mut h, &mut w).unwrap();
        sizes.push(o.quantity.unwrap());
        execute(&mut h, &mut w, &o, &n.to_string(), &o.quantity.unwrap().to_string());
    }
    // 0.0025 a slice is off a 0.001 tick: the cumulative targets 0.002, 0.005, 0.007, 0.01.
    assert_eq!(sizes, vec![d("0.002"), d("0.003"), d("0.002"), d("0.003")]);
    assert!(w.is_done() && w.filled() == d("0.01"));

    let cfg = |extra: &str| twap(extra).configure(&[instrument("BTC_USD", "0.5", "0.001")]);
    assert_eq!(
        cfg("total_qty = \"0.0105\""),
        Err(ConfigError::parameter(
            "total_qty",
            "0.0105 is not a multiple of BTC_USD's quantity tick 0.001: use 0.01 or 0.011"
        ))
    );
    assert_eq!(
        cfg("limit_price = \"50100.3\""),
        Err(ConfigError::parameter(
            "limit_price",
            "50100.3 is not a multiple of BTC_USD's price tick 0.5: use 50100 or 50100.5"
        ))
    );
    assert!(cfg("qty_tick = \"0.0005\"").unwrap_err().to_string().contains("set qty_tick = \"0.001\""));
}

#[test]
fn resumed_it_counts_what_executed_and_sends_only_the_next_slice() {
    // The original: slices 1 and 2 filled, slice 3 rests at its limit; then the engine dies.
    let (mut h, mut a) = (Harness::new(), twap("limit_price = \"50000\""));
    let mut fills = Vec::new();
    for n in 1..=2 {
        let o = tick(&mut h, &mut a).unwrap();
        let f = fill(&o, &n.to_string(), &format!("t{n}"), "0.0025");
        h.run(|c| a.on_fill(c, &f));
        h.run(|c| a.on_order(c, &update(&o, &n.to_string(), "FILLED", "0.0025")));
        fills.push(f);
    }
    let s3 = tick(&mut h, &mut a).unwrap();
    let (mut hr, mut b) = (Harness::restarted(), twap("limit_price = \"50000\""));
    let r = resumed(vec![open_at(&s3, "3", "0", 1_700_000_000_000)], fills);
    assert!(hr.run(|c| b.on_resume(c, &r)).is_empty());
    assert_eq!(b.filled(), a.filled());
    assert_eq!(b.filled(), d("0.005"));
    // Next tick: both send slice 4 only, not the whole rest at once.
    let (sa, sb) = (tick(&mut h, &mut a).unwrap(), tick(&mut hr, &mut b).unwrap());
    assert_eq!((sb.quantity, sb.price), (sa.quantity, sa.price));
    assert_eq!(sb.quantity, Some(d("0.0025")));
    // Slice 3 (adopted) and slice 4 fill: exactly the total, then idle.
    execute(&mut hr, &mut b, &s3, "3", "0.0025");
    execute(&mut hr, &mut b, &sb, "4", "0.0025");
    assert!(b.is_done() && b.filled() == d("0.01"));
    assert!(tick(&mut hr, &mut b).is_none());

    // A total executed by earlier runs is not executed again.
    let (mut hr, mut c2) = (Harness::restarted(), twap(""));
    let done: Vec<_> = (1..=4).map(|n| fill(&s3, &n.to_string(), &format!("x{n}"), "0.0025")).collect();
    hr.run(|c| c2.on_resume(c, &resumed(vec![], done)));
    assert!(c2.is_done());
    assert!(tick(&mut hr, &mut c2).is_none());
}

#[test]
fn a_target_position_sets_side_and_total_at_start_from_the_account_position() {
    let t = table("target_position = \"-0.01\"\nduration_secs = 2\nslices = 4\ninstrument = \"BTCUSD-PERP\"\n", "");
    let (mut h, mut w) = (Harness::new(), Twap::new(TwapParams::from_table(&t).unwrap()));
    assert_eq!(tick(&mut h, &mut w), None, "nothing before the plan is made at start");
    // Flat at start: sell 0.01 in four slices.
    h.run(|c| w.on_start(c));
    for n in 1..=4 {
        let o = tick(&mut h, &mut w).expect("a slice");
        assert_eq!((o.side.clone(), o.quantity), (Side::Sell, Some(d("0.0025"))));
        execute(&mut h, &mut w, &o, &n.to_string(), "0.0025");
    }
    assert!(w.is_done() && w.filled() == d("0.01"));
    let both = table("target_position = \"1\"\nside = \"BUY\"\n", "");
    let e = TwapParams::from_table(&both).unwrap_err().to_string();
    assert!(e.contains("side") && e.contains("target_position"), "{e}");
    assert!(TwapParams::from_table(&table("", "")).unwrap_err().to_string().contains("target_position"));
}
