//! Unit tests of [`OwnOrders`]: orders and fills arriving in either order, late fills, refusals
//! with a known and an unknown outcome, cancels, and taking over a restarted run's orders.

use std::str::FromStr;

use serde_json::json;

use super::*;
use crate::protocol::code_names;
use crate::state::State;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Runs `f` with a context whose client ids are `c-1`, `c-2`, ... (counting on from `next`);
/// returns the intents it recorded.
fn run(next: &mut u64, f: impl FnOnce(&mut Context<'_>)) -> Vec<Intent> {
    let state = State::default();
    let mut intents = Vec::new();
    let mut oids = || {
        *next += 1;
        ClientOrderId::from(format!("c-{next}"))
    };
    f(&mut Context::new(&state, &mut intents, &mut oids, 1_000));
    intents
}

fn bid(qty: &str) -> CreateOrder {
    CreateOrder::limit("BTC_USD", Side::Buy, d("49000"), d(qty), "")
}

fn ask(qty: &str) -> CreateOrder {
    CreateOrder::limit("BTC_USD", Side::Sell, d("51000"), d(qty), "")
}

/// Submits `order` tagged `tag`; returns its client id.
fn place<T: Clone>(own: &mut OwnOrders<T>, next: &mut u64, order: CreateOrder, tag: T) -> ClientOrderId {
    let mut oid = None;
    run(next, |ctx| oid = Some(own.submit(ctx, order, tag)));
    oid.unwrap()
}

fn update(oid: Option<&ClientOrderId>, order_id: &str, side: &str, qty: &str, status: &str, cum: &str) -> Order {
    serde_json::from_value(json!({
        "order_id": order_id, "client_oid": oid.map(|c| c.as_str()), "side": side, "quantity": qty,
        "limit_price": "49000", "status": status, "instrument_name": "BTC_USD",
        "cumulative_quantity": cum, "update_time": 1
    }))
    .unwrap()
}

fn fill(oid: Option<&ClientOrderId>, order_id: &str, trade_id: &str, side: &str, qty: &str) -> Trade {
    serde_json::from_value(json!({
        "trade_id": trade_id, "order_id": order_id, "client_oid": oid.map(|c| c.as_str()),
        "instrument_name": "BTC_USD", "side": side, "traded_price": "49000", "traded_quantity": qty,
        "fees": "-0.01", "create_time": 1_700_000_000_000u64
    }))
    .unwrap()
}

fn refused(oid: &ClientOrderId, order: CreateOrder, reason: &str, cause: RefusalCause) -> Refusal {
    let mut order = order;
    order.client_oid = Some(oid.clone());
    Refusal { intent: Intent::Submit(order), reason: reason.into(), cause }
}

#[test]
fn submit_records_the_order_through_the_context_and_counts_it_pending() {
    let (mut own, mut next) = (OwnOrders::default(), 0);
    let mut oid = None;
    let intents = run(&mut next, |ctx| oid = Some(own.submit(ctx, bid("0.002"), 7u32)));
    let oid = oid.unwrap();
    let [Intent::Submit(sent)] = intents.as_slice() else { panic!("one submit expected: {intents:?}") };
    assert_eq!(sent.client_oid.as_ref(), Some(&oid));
    assert_eq!((own.pending(&Side::Buy), own.pending(&Side::Sell), own.net()), (d("0.002"), d("0"), d("0")));
    let (tracked_oid, t) = own.iter().next().unwrap();
    assert_eq!((tracked_oid, t.tag, t.is_working()), (&oid, 7, true));
}

#[test]
fn an_order_filled_before_its_fills_arrive_stays_pending_until_they_do() {
    let (mut own, mut next) = (OwnOrders::default(), 0);
    let oid = place(&mut own, &mut next, bid("0.002"), ());
    assert!(own.on_order(&update(Some(&oid), "1", "BUY", "0.002", "FILLED", "0.002")).is_none());
    assert_eq!(own.pending(&Side::Buy), d("0.002"), "executed but unseen still counts");
    let (q, done) = own.on_fill(&fill(Some(&oid), "1", "t1", "BUY", "0.0015")).unwrap();
    assert_eq!((q, done), (d("0.0015"), None));
    assert_eq!(own.pending(&Side::Buy), d("0.0005"));
    let (q, done) = own.on_fill(&fill(Some(&oid), "1", "t2", "BUY", "0.0005")).unwrap();
    let done = done.expect("terminal and every fill seen: done");
    assert_eq!((q, &done.oid, done.fully_filled()), (d("0.0005"), &oid, true));
    assert_eq!((own.net(), own.pending(&Side::Buy)), (d("0.002"), d("0")));
    assert!(own.is_empty());
}

#[test]
fn fills_before_the_terminal_update_finish_it_on_that_update() {
    let (mut own, mut next) = (OwnOrders::default(), 0);
    let oid = place(&mut own, &mut next, ask("0.001"), ());
    // A fill without a client id is matched by the order id the exchange gave it.
    assert!(own.on_order(&update(Some(&oid), "9", "SELL", "0.001", "ACTIVE", "0")).is_none());
    assert_eq!(own.on_fill(&fill(None, "9", "t1", "SELL", "0.001")), Some((d("-0.001"), None)));
    assert_eq!(own.pending(&Side::Sell), d("0"), "all of it seen filled");
    assert!(!own.is_empty(), "not terminal yet");
    let done = own.on_order(&update(Some(&oid), "9", "SELL", "0.001", "FILLED", "0.001")).unwrap();
    assert_eq!((done.oid, own.net()), (oid, d("-0.001")));
}

#[test]
fn a_late_fill_of_a_finished_order_still_moves_the_position_and_others_are_ignored() {
    let (mut own, mut next) = (OwnOrders::default(), 0);
    let oid = place(&mut own, &mut next, bid("0.002"), ());
    own.on_fill(&fill(Some(&oid), "1", "t1", "BUY", "0.001"));
    // Cancelled with 0.001 executed: done, since that fill was seen.
    let done = own.on_order(&update(Some(&oid), "1", "BUY", "0.002", "CANCELED", "0.001")).unwrap();
    assert!(!done.fully_filled());
    // The exchange then reports more executed than it said: the position still follows.
    assert_eq!(own.on_fill(&fill(None, "1", "t2", "BUY", "0.0005")), Some((d("0.0005"), None)));
    assert_eq!(own.net(), d("0.0015"));
    // Someone else's fill and order update are not ours.
    let other = ClientOrderId::from("x-1");
    assert_eq!(own.on_fill(&fill(Some(&other), "2", "t3", "SELL", "1")), None);
    assert!(own.on_order(&update(Some(&other), "2", "SELL", "1", "FILLED", "1")).is_none());
    assert_eq!(own.net(), d("0.0015"));
}

#[test]
fn a_refusal_drops_the_order_but_an_unknown_outcome_keeps_it_pending_until_it_expires() {
    let (mut own, mut next) = (OwnOrders::default(), 0);
    let a = place(&mut own, &mut next, bid("0.001"), 1);
    let b = place(&mut own, &mut next, bid("0.002"), 2);
    let done = own
        .on_refused(
            &refused(
                &a,
                bid("0.001"),
                "insufficient balance",
                RefusalCause::Exchange(code_names::INSUFFICIENT_AVAILABLE_BALANCE),
            ),
            1_000,
        )
        .unwrap();
    assert_eq!((done.oid, done.order.tag), (a, 1));
    assert!(own
        .on_refused(&refused(&b, bid("0.002"), "outcome unknown: no answer", RefusalCause::Unknown), 1_000)
        .is_none());
    assert_eq!(own.pending(&Side::Buy), d("0.002"), "it may exist: still counted");
    assert!(own.expire_unknown(5_999, 5_000).is_empty());
    let expired = own.expire_unknown(6_000, 5_000);
    assert_eq!(expired.iter().map(|x| (&x.oid, x.order.tag)).collect::<Vec<_>>(), vec![(&b, 2)]);
    assert!(own.is_empty());
    // "Not placed" settles it: no longer unknown.
    let c = place(&mut own, &mut next, bid("0.001"), 3);
    assert!(own.on_refused(&refused(&c, bid("0.001"), "not placed", RefusalCause::NotPlaced), 1_000).is_some());
}

#[test]
fn cancel_is_sent_once_for_a_working_order_and_marks_it() {
    let (mut own, mut next) = (OwnOrders::default(), 0);
    let oid = place(&mut own, &mut next, bid("0.001"), ());
    let intents = run(&mut next, |ctx| own.cancel(ctx, &oid));
    assert_eq!(intents, vec![Intent::Cancel(OrderRef::ClientOid(oid.clone()))]);
    let t = own.iter().next().unwrap().1;
    assert_eq!((t.cancel_sent_ms, t.is_working()), (Some(1_000), false));
    assert_eq!(own.pending(&Side::Buy), d("0.001"), "still counted until the exchange confirms");
    own.on_order(&update(Some(&oid), "1", "BUY", "0.001", "CANCELED", "0"));
    assert!(run(&mut next, |ctx| own.cancel(ctx, &oid)).is_empty(), "nothing left to cancel");
}

#[test]
fn a_restart_counts_earlier_fills_once_and_adopts_open_orders_with_their_filled_part() {
    let mut own: OwnOrders<&str> = OwnOrders::default();
    let old = ClientOrderId::from("old-1");
    let earlier = [
        fill(Some(&old), "5", "t1", "BUY", "0.001"),
        fill(Some(&old), "5", "t1", "BUY", "0.001"),
        fill(Some(&old), "4", "t0", "SELL", "0.0004"),
        serde_json::from_value(json!({"trade_id": "e1", "order_id": "8", "instrument_name": "ETH_USD",
            "side": "BUY", "traded_price": "3000", "traded_quantity": "1", "fees": "0", "create_time": 1}))
        .unwrap(),
    ];
    own.resume_fills(&earlier, "BTC_USD");
    assert_eq!(own.net(), d("0.0006"), "each trade once, this instrument only");
    let open = update(Some(&old), "5", "BUY", "0.003", "ACTIVE", "0.001");
    assert_eq!(own.adopt(&open, "resumed"), Some(old.clone()));
    assert_eq!(own.adopt(&open, "again"), None, "already tracked");
    assert_eq!(own.adopt(&update(None, "6", "BUY", "1", "ACTIVE", "0"), "x"), None, "no client id");
    let gone = ClientOrderId::from("old-2");
    assert_eq!(own.adopt(&update(Some(&gone), "7", "BUY", "1", "FILLED", "1"), "x"), None, "finished");
    assert_eq!(own.pending(&Side::Buy), d("0.002"), "what is left of the adopted order");
    // The fill handed over on resume, delivered live again, does not count twice.
    assert_eq!(own.on_fill(&fill(Some(&old), "5", "t1", "BUY", "0.001")), None);
    assert_eq!(own.on_fill(&fill(Some(&old), "5", "t9", "BUY", "0.002")).map(|(q, _)| q), Some(d("0.002")));
    assert_eq!(own.net(), d("0.0026"));
}
