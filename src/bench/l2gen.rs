//! The synthetic L2 data set of the backtest benchmark, in the plain recorded form: one
//! instrument, a 100-level snapshot a side, then `events` records: 90 % book deltas of 1–4
//! levels (new sizes, levels emptied and refilled, so the touch moves) and 10 % public trades at
//! the touch. Deterministic for a seed; written as it is generated, never held whole. It must
//! NOT depend on the backtest: it only writes the exchange's frames.

use std::io::Write;

use super::gen::Rng;

/// The instrument of the data set.
pub const INSTRUMENT: &str = "BTC_USD";
/// Levels a side.
const LEVELS: usize = 100;
/// The snapshot's best bid, in cents; asks start one tick above.
const TOP_BID_CENTS: u64 = 5_000_000;

/// Writes the data set to `out`; returns the number of records after the snapshot.
pub fn write(out: &mut impl Write, events: usize, seed: u64) -> std::io::Result<usize> {
    let mut rng = Rng::new(seed);
    // Sizes by level, 0 = empty; level k of the bids is TOP − k cents, of the asks TOP + 1 + k.
    let mut bids: Vec<u64> = (0..LEVELS).map(|_| 1 + rng.below(5_000)).collect();
    let mut asks: Vec<u64> = (0..LEVELS).map(|_| 1 + rng.below(5_000)).collect();
    let (mut t_us, mut u, mut trade_id) = (1_764_400_000_000_000u64, 1_000_000u64, 7_000_000u64);
    let mut line = Vec::with_capacity(4096);
    let price = |bid: bool, k: usize| {
        let c = if bid { TOP_BID_CENTS - k as u64 } else { TOP_BID_CENTS + 1 + k as u64 };
        format!("{}.{:02}", c / 100, c % 100)
    };
    let qty = |q: u64| format!("{}.{:04}", q / 10_000, q % 10_000);
    let list = format!(
        r#"[{{"symbol":"{INSTRUMENT}","inst_type":"CCY_PAIR","base_ccy":"BTC","quote_ccy":"USD","price_tick_size":"0.01","qty_tick_size":"0.0001","tradable":true}}]"#
    );
    writeln!(out, "{{\"recv_us\":{t_us},\"instruments\":{list}}}")?;
    let side = |v: &[u64], bid: bool| {
        v.iter()
            .enumerate()
            .filter(|(_, q)| **q > 0)
            .map(|(k, q)| format!(r#"["{}","{}","1"]"#, price(bid, k), qty(*q)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let head = |channel: &str, sub: &str| {
        format!(
            r#"{{"id":-1,"method":"subscribe","code":0,"result":{{"instrument_name":"{INSTRUMENT}","subscription":"{sub}","channel":"{channel}","data":["#
        )
    };
    let book_sub = format!("book.{INSTRUMENT}.{LEVELS}");
    let snap = format!(
        r#"{}{{"asks":[{}],"bids":[{}],"t":{},"tt":{},"u":{u}}}]}}}}"#,
        head("book", &book_sub),
        side(&asks, false),
        side(&bids, true),
        t_us / 1000,
        t_us / 1000
    );
    cdc_engine::backtest::data::frame_line(t_us, snap.as_bytes(), &mut line);
    out.write_all(&line)?;
    for _ in 0..events {
        line.clear();
        t_us += 50 + rng.below(100);
        let t_ms = t_us / 1000;
        if rng.below(10) == 0 {
            // A trade at the touch: the taker's side picks the touch it hits.
            let taker_buys = rng.below(2) == 0;
            let (book, bid) = if taker_buys { (&asks, false) } else { (&bids, true) };
            let Some(k) = book.iter().position(|q| *q > 0) else { continue };
            let q = 1 + rng.below(book[k].min(500));
            trade_id += 1;
            let f = format!(
                r#"{}{{"d":"{trade_id}","t":{t_ms},"p":"{}","q":"{}","s":"{}","i":"{INSTRUMENT}"}}]}}}}"#,
                head("trade", &format!("trade.{INSTRUMENT}")),
                price(bid, k),
                qty(q),
                if taker_buys { "BUY" } else { "SELL" }
            );
            cdc_engine::backtest::data::frame_line(t_us, f.as_bytes(), &mut line);
        } else {
            let n = 1 + rng.below(4) as usize;
            let (mut b, mut a) = (Vec::new(), Vec::new());
            for _ in 0..n {
                let bid = rng.below(2) == 0;
                // Most changes near the touch, as on a real book.
                let k = (rng.below(10) * rng.below(10) + rng.below(3)) as usize % LEVELS;
                let book = if bid { &mut bids } else { &mut asks };
                book[k] = if rng.below(8) == 0 && k > 0 { 0 } else { 1 + rng.below(5_000) };
                let lvl = format!(r#"["{}","{}","1"]"#, price(bid, k), qty(book[k]));
                if bid {
                    b.push(lvl)
                } else {
                    a.push(lvl)
                }
            }
            let pu = u;
            u += 1 + rng.below(3);
            let f = format!(
                r#"{}{{"update":{{"asks":[{}],"bids":[{}]}},"t":{t_ms},"tt":{t_ms},"u":{u},"pu":{pu}}}]}}}}"#,
                head("book.update", &book_sub),
                a.join(","),
                b.join(",")
            );
            cdc_engine::backtest::data::frame_line(t_us, f.as_bytes(), &mut line);
        }
        out.write_all(&line)?;
    }
    Ok(events)
}
