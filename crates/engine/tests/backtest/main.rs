//! Backtests on hand-made data whose results can be worked out by hand: a round trip that
//! loses exactly the spread and the fees, queue position (touching a price is not a fill),
//! latency, timers and funding in data time, and determinism across runs and data forms.

mod strategies;
mod tape;

use std::sync::{Arc, Mutex};

use cdc_engine::backtest::{data, run, BacktestConfig, BacktestError, Report};
use cdc_engine::protocol::enums::Side;
use cdc_engine::strategy::Strategy;
use strategies::{d, Bidder, FillLog, RoundTrip, Ticker};
use tape::Tape;

/// 2023-11-14T22:13:20Z: a whole number of seconds, 46 min 40 s past an hour.
const T0: u64 = 1_700_000_000_000;

fn backtest(
    cfg: &BacktestConfig,
    strategy: Box<dyn Strategy>,
    path: &std::path::Path,
) -> Result<Report, BacktestError> {
    let mut source = data::open_all(&[path])?;
    run(cfg, vec![strategy], &mut source, Vec::new())
}

fn round_trip(instrument: &'static str, close: bool) -> (RoundTrip, FillLog) {
    let fills = Arc::new(Mutex::new(Vec::new()));
    (RoundTrip { instrument, qty: d("1"), close, step: 0, fills: fills.clone() }, fills)
}

/// A quiet perpetual market: bid 99, ask 101, ten deltas that change only the size behind.
fn quiet_perp() -> Tape {
    let mut t = Tape::default();
    t.instruments(T0);
    t.snapshot(T0 + 1, "BTCUSD-PERP", &[("99", "10"), ("98", "10")], &[("101", "10"), ("102", "10")]);
    for k in 0..10 {
        t.delta(T0 + 10 + k * 10, "BTCUSD-PERP", &[("98", &format!("{}", 11 + k))], &[]);
    }
    t
}

#[test]
fn buying_at_the_ask_and_selling_at_the_bid_loses_exactly_the_spread_and_the_fees() {
    let dir = tempfile::tempdir().unwrap();
    let path = quiet_perp().write(dir.path(), "perp.jsonl");
    let (s, fills) = round_trip("BTCUSD-PERP", true);
    let r = backtest(&BacktestConfig::default(), Box::new(s), &path).unwrap();
    let fills = fills.lock().unwrap().clone();
    assert_eq!(
        fills.iter().map(|f| (f.1.clone(), f.2)).collect::<Vec<_>>(),
        vec![(Side::Buy, d("101")), (Side::Sell, d("99"))]
    );
    // Spread: 101 − 99 = 2 on one contract. Taker fees at 0.2 %: 0.202 + 0.198 = 0.4.
    assert_eq!(r.realised, d("-2"));
    assert_eq!(r.fees_paid.get("USD"), Some(&d("0.4")));
    assert_eq!((r.start_equity, r.end_equity), (d("100000"), d("99997.6")));
    assert_eq!(r.balances.get("USD"), Some(&d("99997.6")));
    assert_eq!((r.fills, r.orders.placed, r.orders.filled, r.orders.rejected), (2, 2, 2, 0));
    assert_eq!(r.max_drawdown, d("2.4"));
}

#[test]
fn spot_round_trip_pays_its_fees_in_the_currency_received() {
    let mut t = Tape::default();
    t.instruments(T0);
    t.snapshot(T0 + 1, "BTC_USD", &[("99", "10")], &[("101", "10")]);
    t.delta(T0 + 2, "BTC_USD", &[("98", "1")], &[]);
    let dir = tempfile::tempdir().unwrap();
    let path = t.write(dir.path(), "spot.jsonl");
    let (s, _) = round_trip("BTC_USD", true);
    let r = backtest(&BacktestConfig::default(), Box::new(s), &path).unwrap();
    // Buy 1 at 101: 0.002 BTC of fee, 0.998 BTC received. Sell 0.998 at 99 = 98.802 USD, less
    // 0.197604 of fee.
    assert_eq!(r.balances.get("USD"), Some(&d("99997.604396")));
    assert_eq!(r.balances.get("BTC"), Some(&d("0")));
    assert_eq!(r.fees_paid.get("BTC"), Some(&d("0.002")));
    assert_eq!(r.fees_paid.get("USD"), Some(&d("0.197604")));
}

/// Bid 100 × 5 ahead of the strategy's bid of 1 at 100.
fn queue_tape() -> Tape {
    let mut t = Tape::default();
    t.instruments(T0);
    t.snapshot(T0 + 1, "BTC_USD", &[("100", "5")], &[("101", "5")]);
    // The strategy bids on this book.
    t.delta(T0 + 2, "BTC_USD", &[], &[("101", "6")]);
    // 3 trade at 100: the queue ahead is 2. Then the ask comes down to touch the bid at 100.
    t.trade(T0 + 3, "BTC_USD", "SELL", "100", "3");
    t.delta(T0 + 4, "BTC_USD", &[("100", "2")], &[("100", "1")]);
    t
}

fn bidder() -> (Bidder, Arc<Mutex<Vec<rust_decimal::Decimal>>>) {
    let fills = Arc::new(Mutex::new(Vec::new()));
    (Bidder { instrument: "BTC_USD", price: d("100"), qty: d("1"), placed: false, fills: fills.clone() }, fills)
}

#[test]
fn trading_at_the_price_is_not_a_fill_while_quantity_is_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let path = queue_tape().write(dir.path(), "q.jsonl");
    let (s, fills) = bidder();
    let r = backtest(&BacktestConfig::default(), Box::new(s), &path).unwrap();
    assert!(fills.lock().unwrap().is_empty(), "3 traded at 100 with 5 ahead, then an ask touched 100: no fill");
    assert_eq!((r.fills, r.open_orders), (0, 1));

    // Then 2.5 more trade at 100: 2 for the queue ahead, 0.5 for the strategy; then 1 more.
    let mut t = queue_tape();
    t.trade(T0 + 5, "BTC_USD", "SELL", "100", "2.5");
    t.trade(T0 + 6, "BTC_USD", "SELL", "100", "1");
    let path = t.write(dir.path(), "q2.jsonl");
    let (s, fills) = bidder();
    let r = backtest(&BacktestConfig::default(), Box::new(s), &path).unwrap();
    assert_eq!(*fills.lock().unwrap(), vec![d("0.5"), d("0.5")]);
    assert_eq!((r.fills, r.open_orders, r.orders.filled), (2, 0, 1));
    // Maker fee 0.1 % of the BTC received.
    assert_eq!(r.balances.get("BTC"), Some(&d("0.999")));
}

#[test]
fn cancels_ahead_shorten_the_queue_and_a_trade_through_the_price_fills_in_full() {
    let mut t = Tape::default();
    t.instruments(T0);
    t.snapshot(T0 + 1, "BTC_USD", &[("100", "5")], &[("101", "5")]);
    t.delta(T0 + 2, "BTC_USD", &[], &[("101", "6")]);
    // Orders ahead leave: 1 shown at 100, so 1 is ahead.
    t.delta(T0 + 3, "BTC_USD", &[("100", "1")], &[]);
    t.trade(T0 + 4, "BTC_USD", "SELL", "100", "1.25");
    let dir = tempfile::tempdir().unwrap();
    let (s, fills) = bidder();
    let r = backtest(&BacktestConfig::default(), Box::new(s), &t.write(dir.path(), "c.jsonl")).unwrap();
    assert_eq!(*fills.lock().unwrap(), vec![d("0.25")]);
    assert_eq!(r.open_orders, 1);

    // A sell printed below the bid went through everything at 100: the rest fills.
    t.trade(T0 + 5, "BTC_USD", "SELL", "99.5", "0.1");
    let (s, fills) = bidder();
    backtest(&BacktestConfig::default(), Box::new(s), &t.write(dir.path(), "c2.jsonl")).unwrap();
    assert_eq!(*fills.lock().unwrap(), vec![d("0.25"), d("0.75")]);
}

#[test]
fn latency_delays_the_order_to_the_venue_and_the_answer_back() {
    let mut t = Tape::default();
    t.instruments(T0);
    t.snapshot(T0 + 1, "BTCUSD-PERP", &[("99", "10")], &[("101", "10")]);
    // The strategy buys on this delta; 10 ms later the 101s are gone.
    t.delta(T0 + 100, "BTCUSD-PERP", &[("98", "1")], &[]);
    t.delta(T0 + 110, "BTCUSD-PERP", &[], &[("101", "0"), ("102", "10")]);
    t.delta(T0 + 300, "BTCUSD-PERP", &[("98", "2")], &[]);
    let dir = tempfile::tempdir().unwrap();
    let path = t.write(dir.path(), "lat.jsonl");
    let cfg = BacktestConfig { latency_us: 20_000, ..Default::default() };
    let (s, fills) = round_trip("BTCUSD-PERP", false);
    backtest(&cfg, Box::new(s), &path).unwrap();
    // Decided at +100, filled at the venue at +120 (the book of +110), known at +140.
    assert_eq!(*fills.lock().unwrap(), vec![(T0 + 140, Side::Buy, d("102"))]);

    let (s, fills) = round_trip("BTCUSD-PERP", false);
    backtest(&BacktestConfig::default(), Box::new(s), &path).unwrap();
    assert_eq!(*fills.lock().unwrap(), vec![(T0 + 100, Side::Buy, d("101"))], "no latency: the book it saw");
}

#[test]
fn a_feed_latency_shows_the_strategy_the_market_late_and_the_venue_on_time() {
    let mut t = Tape::default();
    t.instruments(T0);
    t.snapshot(T0 + 1, "BTCUSD-PERP", &[("99", "10")], &[("101", "10")]);
    t.delta(T0 + 100, "BTCUSD-PERP", &[("98", "1")], &[]);
    // 20 ms later the 101s are gone: the venue knows at once, the strategy 50 ms later.
    t.delta(T0 + 120, "BTCUSD-PERP", &[], &[("101", "0"), ("102", "10")]);
    t.delta(T0 + 300, "BTCUSD-PERP", &[("98", "2")], &[]);
    let dir = tempfile::tempdir().unwrap();
    let path = t.write(dir.path(), "feed.jsonl");
    let cfg = BacktestConfig { feed_latency_us: 50_000, ..Default::default() };
    let (s, fills) = round_trip("BTCUSD-PERP", false);
    backtest(&cfg, Box::new(s), &path).unwrap();
    // It saw the +100 delta at +150 and bought against the venue's book of +150: 102.
    assert_eq!(*fills.lock().unwrap(), vec![(T0 + 150, Side::Buy, d("102"))]);
}

#[test]
fn timers_fire_in_data_time() {
    let mut t = Tape::default();
    t.snapshot(T0, "BTC_USD", &[("99", "1")], &[("101", "1")]);
    t.delta(T0 + 4_200, "BTC_USD", &[("99", "2")], &[]);
    t.delta(T0 + 10_500, "BTC_USD", &[("99", "3")], &[]);
    let dir = tempfile::tempdir().unwrap();
    let path = t.write(dir.path(), "timer.jsonl");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Ticker { instrument: "BTC_USD", seen: seen.clone() };
    // No instruments in this data: the caller's list fills in.
    let mut source = data::open_all(&[&path]).unwrap();
    run(&BacktestConfig::default(), vec![Box::new(s)], &mut source, vec![instrument("BTC_USD")]).unwrap();
    assert_eq!(*seen.lock().unwrap(), (1..=10).map(|k| T0 + k * 1000).collect::<Vec<_>>());
}

fn instrument(name: &str) -> cdc_engine::protocol::models::Instrument {
    let json = format!(r#"{{"symbol":"{name}","price_tick_size":"0.01","qty_tick_size":"0.0001"}}"#);
    serde_json::from_str(&json).unwrap()
}

#[test]
fn funding_is_paid_on_a_perpetual_position_at_the_recorded_mark_and_rate() {
    // From 3 s before a whole hour to 2 s after it.
    let hour = (T0 / 3_600_000 + 1) * 3_600_000;
    let mut t = Tape::default();
    t.instruments(hour - 3_000);
    t.snapshot(hour - 3_000, "BTCUSD-PERP", &[("99", "10")], &[("101", "10")]);
    t.mark(hour - 2_900, "BTCUSD-PERP", "100");
    t.funding(hour - 2_900, "BTCUSD-PERP", "0.0001");
    t.delta(hour - 2_000, "BTCUSD-PERP", &[("98", "1")], &[]);
    t.mark(hour - 500, "BTCUSD-PERP", "120");
    t.delta(hour + 2_000, "BTCUSD-PERP", &[("98", "2")], &[]);
    let dir = tempfile::tempdir().unwrap();
    let path = t.write(dir.path(), "funding.jsonl");
    let (s, _) = round_trip("BTCUSD-PERP", false);
    let r = backtest(&BacktestConfig::default(), Box::new(s), &path).unwrap();
    // Long 1 at the hour, mark 120, rate 0.01 %: the long pays 0.012.
    assert_eq!(r.funding, d("-0.012"));
    assert_eq!(r.instruments[0].funding, d("-0.012"));
    assert_eq!(r.instruments[0].position, d("1"));
    // Unrealised at the mark: 120 − 101.
    assert_eq!(r.unrealised, d("19"));
}

#[test]
fn two_runs_and_both_data_forms_give_identical_reports() {
    let mut t = Tape::default();
    t.instruments(T0);
    t.snapshot(T0 + 1, "BTC_USD", &[("100", "5"), ("99", "5")], &[("101", "5"), ("102", "5")]);
    let mut x = 7u64;
    for k in 0..400u64 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let q = format!("{}", 1 + (x >> 60));
        match k % 5 {
            0 => t.trade(
                T0 + 2 + k * 50,
                "BTC_USD",
                if x & 1 == 0 { "SELL" } else { "BUY" },
                if x & 1 == 0 { "100" } else { "101" },
                "0.7",
            ),
            _ => t.delta(T0 + 2 + k * 50, "BTC_USD", &[("100", &q)], &[("101", &q)]),
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let plain = t.write(dir.path(), "det.jsonl");
    let compact = dir.path().join("det.cdcb");
    data::convert(&[&plain], &compact).unwrap();
    let json = |p: &std::path::Path| {
        let (s, _) = bidder();
        serde_json::to_string(
            &backtest(&BacktestConfig { latency_us: 5_000, ..Default::default() }, Box::new(s), p).unwrap(),
        )
        .unwrap()
    };
    let a = json(&plain);
    assert!(a.contains("\"fills\":"), "{a}");
    assert_eq!(a, json(&plain), "two runs on the same data");
    assert_eq!(a, json(&compact), "the compact form replays the same");
}

#[test]
fn a_strategy_on_an_instrument_the_data_lacks_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = quiet_perp().write(dir.path(), "perp.jsonl");
    let (s, _) = round_trip("ETHUSD-PERP", true);
    let e = backtest(&BacktestConfig::default(), Box::new(s), &path).unwrap_err();
    assert!(e.to_string().contains("ETHUSD-PERP"), "{e}");
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let (s, _) = round_trip("BTCUSD-PERP", true);
    assert!(matches!(backtest(&BacktestConfig::default(), Box::new(s), &empty), Err(BacktestError::Empty(_))));
}
