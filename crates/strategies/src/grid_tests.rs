//! Unit tests of the grid on recorded event sequences.

use super::*;
use crate::testkit::*;
use cdc_engine::protocol::code_names;

fn grid(extra: &str) -> Grid {
    let t = table("lower = \"49900\"\nupper = \"50100\"\nlevels = 5\norder_qty = \"0.002\"\n", extra);
    Grid::new(GridParams::from_table(&t).unwrap())
}

/// Live with a mid of 50010: returns the ladder, lowest price first.
fn ladder(h: &mut Harness, g: &mut Grid) -> Vec<CreateOrder> {
    assert!(h.run(|c| g.on_live(c, true)).is_empty(), "no mid yet");
    let mut orders = submits(&h.run(|c| g.on_book(c, "BTC_USD", &book("50000", "50020"))));
    orders.sort_by_key(|o| o.price);
    orders
}

fn filled(h: &mut Harness, g: &mut Grid, o: &CreateOrder, id: &str) -> Vec<CreateOrder> {
    let mut i = h.run(|c| g.on_fill(c, &fill(o, id, &format!("t{id}"), &o.quantity.unwrap().to_string())));
    i.extend(h.run(|c| g.on_order(c, &update(o, id, "FILLED", &o.quantity.unwrap().to_string()))));
    submits(&i)
}

#[test]
fn places_buys_below_and_sells_above_leaving_the_mid_level_empty() {
    let (mut h, mut g) = (Harness::new(), grid(""));
    assert_eq!(g.prices(), &[d("49900"), d("49950"), d("50000"), d("50050"), d("50100")]);
    let o = ladder(&mut h, &mut g);
    let got: Vec<_> = o.iter().map(|o| (o.side.clone(), o.price.unwrap(), o.quantity.unwrap())).collect();
    assert_eq!(
        got,
        vec![
            (Side::Buy, d("49900"), d("0.002")),
            (Side::Buy, d("49950"), d("0.002")),
            (Side::Sell, d("50050"), d("0.002")),
            (Side::Sell, d("50100"), d("0.002")),
        ]
    );
    assert_eq!(g.occupied(), vec![true, true, false, true, true]);
    // Later books place nothing more.
    assert!(h.run(|c| g.on_book(c, "BTC_USD", &book("49000", "49020"))).is_empty());
}

#[test]
fn a_filled_level_is_replaced_by_the_opposite_order_one_level_away() {
    let (mut h, mut g) = (Harness::new(), grid(""));
    let o = ladder(&mut h, &mut g);
    // A partial fill replaces nothing.
    assert!(h.run(|c| g.on_fill(c, &fill(&o[1], "2", "p1", "0.001"))).is_empty());
    let i = submits(&h.run(|c| g.on_fill(c, &fill(&o[1], "2", "p2", "0.001"))));
    assert!(i.is_empty(), "fills complete, but the order update has not said FILLED yet");
    let i = submits(&h.run(|c| g.on_order(c, &update(&o[1], "2", "FILLED", "0.002"))));
    assert_eq!(i.len(), 1);
    assert_eq!((i[0].side.clone(), i[0].price), (Side::Sell, Some(d("50000"))), "buy at 49950 → sell at 50000");
    assert_eq!(g.occupied(), vec![true, false, true, true, true]);

    // That sell fills: a buy goes back to 49950.
    let back = filled(&mut h, &mut g, &i[0], "9");
    assert_eq!(back.len(), 1);
    assert_eq!((back[0].side.clone(), back[0].price), (Side::Buy, Some(d("49950"))));
    // The sell at 50050 fills: a buy one level down, at the now empty 50000.
    let top = filled(&mut h, &mut g, &o[2], "3");
    assert_eq!(
        top.iter().map(|o| (o.side.clone(), o.price.unwrap())).collect::<Vec<_>>(),
        vec![(Side::Buy, d("50000"))]
    );
    // The lowest buy fills: its sell would go to 49950, which a buy holds: one order a level.
    let low = filled(&mut h, &mut g, &o[0], "1");
    assert!(low.is_empty(), "level 49950 is taken by the resting buy: {low:?}");
}

#[test]
fn cancelled_or_refused_levels_free_without_replacement() {
    let (mut h, mut g) = (Harness::new(), grid(""));
    let o = ladder(&mut h, &mut g);
    assert!(h.run(|c| g.on_order(c, &update(&o[0], "1", "CANCELED", "0"))).is_empty());
    assert!(h
        .run(|c| g
            .on_refused(c, &refusal(&o[3], "insufficient balance", Some(code_names::INSUFFICIENT_AVAILABLE_BALANCE))))
        .is_empty());
    assert_eq!(g.occupied(), vec![false, true, false, true, false]);
}

#[test]
fn waits_for_live_and_queues_replacements_while_not_live() {
    let (mut h, mut g) = (Harness::new(), grid(""));
    assert!(h.run(|c| g.on_book(c, "BTC_USD", &book("50000", "50020"))).is_empty(), "not live");
    let mut o = submits(&h.run(|c| g.on_live(c, true)));
    o.sort_by_key(|o| o.price);
    assert_eq!(o.len(), 4);
    h.run(|c| g.on_live(c, false));
    // Fills learnt during reconciliation, before the engine is live again.
    assert!(filled(&mut h, &mut g, &o[2], "3").is_empty());
    let i = submits(&h.run(|c| g.on_live(c, true)));
    assert_eq!((i[0].side.clone(), i[0].price), (Side::Buy, Some(d("50000"))), "sell at 50050 → buy at 50000");
}

#[test]
fn parameters_are_validated_with_actionable_errors() {
    let err = |s: &str| GridParams::from_table(&s.parse().unwrap()).unwrap_err().to_string();
    assert!(err("upper = \"1\"").contains("lower is required"));
    assert_eq!(err("lower = 10\nupper = 5"), "upper must be above lower 10, got 5");
    assert!(err("lower = 10\nupper = 11\nlevels = 1").contains("levels must be between 2 and 200"));
    // With the tick set in the configuration; the default tick refuses nothing (the venue's
    // decides in `configure`).
    assert_eq!(
        err("lower = \"10\"\nupper = \"10.02\"\nlevels = 5\ntick = \"0.01\""),
        "levels 5 must leave at least one tick (0.01) between levels: use at most 3 levels"
    );
    assert_eq!(
        err("lower = \"10.001\"\nupper = 11\ntick = \"0.01\""),
        "lower 10.001 is not a multiple of tick 0.01: use 10 or 10.01"
    );
    assert!(GridParams::from_table(&"lower = \"10.001\"\nupper = 11".parse().unwrap()).is_ok());
    let g = GridParams::from_table(&"lower = 1\nupper = 2\nlevels = 4".parse().unwrap()).unwrap();
    assert_eq!(g.prices(), vec![d("1"), d("1.33"), d("1.66"), d("2")]);
}

#[test]
fn configure_lays_the_levels_on_the_venues_tick_and_refuses_off_tick_settings() {
    let t = table("lower = \"49900\"\nupper = \"50100\"\nlevels = 4\norder_qty = \"0.002\"\n", "");
    let mut g = Grid::new(GridParams::from_table(&t).unwrap());
    assert_eq!(g.prices(), &[d("49900"), d("49966.66"), d("50033.33"), d("50100")]);
    assert_eq!(g.configure(&[instrument("BTC_USD", "1", "0.001")]), Ok(()));
    assert_eq!(g.prices(), &[d("49900"), d("49966"), d("50033"), d("50100")]);
    let mut h = Harness::new();
    h.run(|c| g.on_live(c, true));
    let o = submits(&h.run(|c| g.on_book(c, "BTC_USD", &book("49999", "50001"))));
    assert!(o.iter().all(|o| o.price.unwrap().fract().is_zero()), "{o:?}");

    let cfg = |extra: &str| {
        let t = table("lower = \"49900\"\nupper = \"50100\"\nlevels = 5\n", extra);
        Grid::new(GridParams::from_table(&t).unwrap()).configure(&[instrument("BTC_USD", "1", "0.001")])
    };
    assert_eq!(
        cfg("order_qty = \"0.0025\""),
        Err(ConfigError::parameter(
            "order_qty",
            "0.0025 is not a multiple of BTC_USD's quantity tick 0.001: use 0.002 or 0.003"
        ))
    );
    assert_eq!(
        cfg("lower = \"49900.5\""),
        Err(ConfigError::parameter("lower", "49900.5 is not a multiple of BTC_USD's price tick 1: use 49900 or 49901"))
    );
    assert_eq!(
        cfg("lower = \"50098\"\nlevels = 5"),
        Err(ConfigError::parameter(
            "levels",
            "5 must leave at least one tick (1) between levels: use at most 3 levels"
        ))
    );
    assert!(cfg("tick = \"0.5\"").unwrap_err().to_string().contains("tick 0.5 does not fit BTC_USD's price tick 1"));
}

/// The original grid's ladder after its 49950 buy filled and the sell at 50000 replaced it.
fn after_one_round(h: &mut Harness, g: &mut Grid) -> (Vec<CreateOrder>, CreateOrder, Trade) {
    let o = ladder(h, g);
    let f = fill(&o[1], "2", "t2", "0.002");
    h.run(|c| g.on_fill(c, &f));
    let s = submits(&h.run(|c| g.on_order(c, &update(&o[1], "2", "FILLED", "0.002"))));
    assert_eq!((s[0].side.clone(), s[0].price), (Side::Sell, Some(d("50000"))));
    (o, s[0].clone(), f)
}

use cdc_engine::protocol::models::Trade;

#[test]
fn resumed_it_takes_over_its_levels_and_never_places_a_second_order_on_one() {
    let (mut h, mut g) = (Harness::new(), grid(""));
    let (o, sell, f) = after_one_round(&mut h, &mut g);
    let t0 = 1_700_000_000_000;
    let open = vec![
        open_at(&o[0], "1", "0", t0),
        open_at(&sell, "5", "0", t0 + 2),
        open_at(&o[2], "3", "0", t0),
        open_at(&o[3], "4", "0", t0),
    ];
    let (mut hr, mut r) = (Harness::restarted(), grid(""));
    assert!(hr.run(|c| r.on_resume(c, &resumed(open, vec![f]))).is_empty());
    assert_eq!(r.occupied(), g.occupied());
    assert_eq!(r.position(), d("0.002"));
    hr.run(|c| r.on_live(c, true));
    assert!(hr.run(|c| r.on_book(c, "BTC_USD", &book("49950", "49970"))).is_empty(), "every level but the gap is held");
    // The adopted sell fills: both instances put a buy back at 49950.
    let (a, b) = (filled(&mut h, &mut g, &sell, "5"), filled(&mut hr, &mut r, &sell, "5"));
    assert_eq!(shape_of(&b), shape_of(&a));
    assert_eq!(shape_of(&b), vec![(Side::Buy, Some(d("49950")), Some(d("0.002")))]);
}

#[test]
fn resumed_after_a_crash_before_a_replacement_it_places_the_missing_one() {
    let (mut h, mut g) = (Harness::new(), grid(""));
    let o = ladder(&mut h, &mut g);
    let t0 = 1_700_000_000_000;
    // The 49950 buy filled and the engine died before the sell went out; an order from other
    // settings rests at 49999.
    let stray = CreateOrder::limit("BTC_USD", Side::Buy, d("49999"), d("0.002"), "t-8");
    let open = vec![open_at(&o[0], "1", "0", t0), open_at(&o[2], "3", "0", t0), open_at(&o[3], "4", "0", t0)];
    let open = [open, vec![open_at(&stray, "8", "0", t0)]].concat();
    let (mut hr, mut r) = (Harness::restarted(), grid(""));
    let i = hr.run(|c| r.on_resume(c, &resumed(open, vec![fill(&o[1], "2", "t2", "0.002")])));
    assert_eq!(cancels(&i), vec!["t-8".to_string()]);
    hr.run(|c| r.on_live(c, true));
    let i = submits(&hr.run(|c| r.on_book(c, "BTC_USD", &book("49950", "49970"))));
    assert_eq!(shape_of(&i), vec![(Side::Sell, Some(d("50000")), Some(d("0.002")))]);
    assert_eq!(r.occupied(), vec![true, false, true, true, true]);
}

fn shape_of(o: &[CreateOrder]) -> Vec<(Side, Option<Decimal>, Option<Decimal>)> {
    o.iter().map(|o| (o.side.clone(), o.price, o.quantity)).collect()
}
