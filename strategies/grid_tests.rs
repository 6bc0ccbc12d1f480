//! Unit tests of the grid on recorded event sequences.

use super::*;
use crate::strategies::testkit::*;

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
    assert!(h.run(|c| g.on_refused(c, &refusal(&o[3], "insufficient balance", Some(306)))).is_empty());
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
    let err = |s: &str| GridParams::from_table(&s.parse().unwrap()).unwrap_err();
    assert!(err("upper = \"1\"").contains("lower is required"));
    assert_eq!(err("lower = 10\nupper = 5"), "grid: upper must be above lower 10, got 5");
    assert!(err("lower = 10\nupper = 11\nlevels = 1").contains("levels must be between 2 and 200"));
    assert!(err("lower = \"10\"\nupper = \"10.02\"\nlevels = 5").contains("at least one tick"));
    assert!(err("lower = \"10.001\"\nupper = 11").contains("multiple of tick"));
    let g = GridParams::from_table(&"lower = 1\nupper = 2\nlevels = 4".parse().unwrap()).unwrap();
    assert_eq!(g.prices(), vec![d("1"), d("1.33"), d("1.66"), d("2")]);
}
