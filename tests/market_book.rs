//! A market session keeps a local book equal to the simulator's, across gaps made by
//! duplicated and reordered pushes: each gap is detected by `pu` and healed by resubscribing.

mod support;

use std::str::FromStr;
use std::time::Duration;
use tokio::sync::mpsc::Receiver;

use cdc_engine::clock::system_now_ms;
use cdc_engine::protocol::enums::BookSubscriptionType;
use cdc_engine::protocol::models::BookLevel;
use cdc_engine::state::book::Books;
use cdc_engine::ws::{spawn, SessionConfig, SessionEvent, SessionHandle};
use cdc_sim::exchange::Exchange;
use cdc_sim::venue::{Level, Venue};
use cdc_sim::SimHandle;
use rust_decimal::Decimal;
use support::*;

const CHANNEL: &str = "book.BTC_USD.10";

fn levels(side: &[Level]) -> Vec<(Decimal, Decimal)> {
    side.iter().map(|l| (Decimal::from_str(&l[0]).unwrap(), Decimal::from_str(&l[1]).unwrap())).collect()
}

fn local(side: Vec<BookLevel>) -> Vec<(Decimal, Decimal)> {
    side.into_iter().map(|l| (l.price, l.quantity)).collect()
}

fn change(sim: &SimHandle<Exchange>, i: u32) {
    let buy = i.is_multiple_of(2);
    let offset = Decimal::from(i % 13);
    let price = if buy { Decimal::from(49990) - offset } else { Decimal::from(50010) + offset };
    let qty = Decimal::from_str("0.01").unwrap() * Decimal::from(1 + i % 5);
    sim.with_venue(|x| x.inject_maker("BTC_USD", buy, price, qty, system_now_ms()));
}

/// Applies every pending event; resubscribes on a gap. Returns the number of gaps seen.
fn pump(rx: &mut Receiver<SessionEvent>, books: &mut Books, handle: &SessionHandle) -> usize {
    let mut gaps = 0;
    while let Ok(ev) = rx.try_recv() {
        if let SessionEvent::Push(p) = ev {
            if let Some(ch) = books.on_push(&p) {
                gaps += 1;
                handle.resubscribe(vec![ch]);
            }
        }
    }
    gaps
}

#[tokio::test]
async fn local_book_equals_the_simulators_across_injected_gaps() {
    let sim = sim(false).await;
    for i in 0..30 {
        change(&sim, i);
    }
    let mut cfg = SessionConfig::market(&sim.market_ws_url(), vec![CHANNEL.into()]);
    cfg.book_subscription_type = Some(BookSubscriptionType::SnapshotAndUpdate);
    cfg.book_update_frequency = Some(10);
    cfg.connect_pause = Duration::from_millis(100);
    let (handle, mut rx) = spawn(cfg);
    wait_for(&mut rx, 10, "ready", |e| matches!(e, SessionEvent::Ready)).await;
    let mut books = Books::default();

    sim.faults().set_duplicate(true);
    sim.faults().set_reorder(true);
    let mut gaps = 0;
    for i in 30..330 {
        change(&sim, i);
        if i % 10 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            gaps += pump(&mut rx, &mut books, &handle);
        }
    }
    sim.faults().set_duplicate(false);
    sim.faults().set_reorder(false);
    change(&sim, 1000);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        gaps += pump(&mut rx, &mut books, &handle);
        let (bids, asks) = sim.with_venue(|x| x.book_levels("BTC_USD", 10)).unwrap();
        let equal = books
            .get("BTC_USD")
            .is_some_and(|b| b.is_valid() && local(b.bids()) == levels(&bids) && local(b.asks()) == levels(&asks));
        if equal {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the local book never matched the simulator's: local {:?} / {:?} valid {:?}; sim {:?} / {:?}",
            books.get("BTC_USD").map(|b| local(b.bids())),
            books.get("BTC_USD").map(|b| local(b.asks())),
            books.get("BTC_USD").map(|b| b.is_valid()),
            levels(&bids),
            levels(&asks)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gaps > 0, "the faults should have caused at least one gap");
    handle.shutdown();
}
