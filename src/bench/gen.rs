//! Frame generators for the benchmarks: realistic, varied wire frames as the exchange sends
//! them. The user mix walks thousands of distinct orders through their lifecycle (ACTIVE, fills,
//! partial updates, FILLED or CANCELED) with the trades and balance summaries that go with
//! them; the book mix is one snapshot then deltas whose `pu` is the previous `u`. Deterministic
//! for a seed. It must NOT depend on the engine: it only writes bytes.

use std::fmt::Write as _;

/// Instruments the mixes spread over.
const INSTRUMENTS: [(&str, &str, u64); 6] = [
    ("BTC_USD", "BTC", 50_000),
    ("ETH_USD", "ETH", 3_000),
    ("SOL_USD", "SOL", 150),
    ("XRP_USD", "XRP", 1),
    ("BTCUSD-PERP", "USD", 50_000),
    ("ETHUSD-PERP", "USD", 3_000),
];

/// A small deterministic generator (xorshift64*): frames differ, runs repeat.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (0 is replaced, xorshift must not start at 0).
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// One working order of the generator.
struct Working {
    id: u64,
    inst: usize,
    buy: bool,
    qty_milli: u64,
    filled_milli: u64,
    price_cents: u64,
    time: u64,
}

/// `n` user frames: about 57 % `user.order`, 29 % `user.trade`, 15 % `user.balance`,
/// over up to `concurrent` orders working at once (thousands of distinct orders in all).
pub fn user_mix(n: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    let mut working: Vec<Working> = Vec::new();
    let (mut next_id, mut next_trade, mut time) =
        (5_755_600_460_443_000_000u64, 5_755_600_460_900_000_000u64, 1_764_400_000_000u64);
    let concurrent = 2_000;
    while out.len() < n {
        time += 1 + rng.below(3);
        if working.len() < concurrent && (working.is_empty() || rng.below(3) == 0) {
            next_id += 1 + rng.below(50);
            let inst = rng.below(INSTRUMENTS.len() as u64) as usize;
            let base = INSTRUMENTS[inst].2 * 100;
            let w = Working {
                id: next_id,
                inst,
                buy: rng.below(2) == 0,
                qty_milli: 10 + rng.below(5_000),
                filled_milli: 0,
                price_cents: base - base / 100 + rng.below(base / 50 + 1),
                time,
            };
            out.push(order_frame(&w, "ACTIVE", time));
            working.push(w);
            continue;
        }
        let k = rng.below(working.len() as u64) as usize;
        let roll = rng.below(10);
        if roll == 0 {
            // A cancel ends the order.
            let w = working.swap_remove(k);
            out.push(order_frame(&w, "CANCELED", time));
        } else if roll <= 6 {
            // A fill: its trade, the order's new cumulative state, sometimes a balance summary.
            let w = &mut working[k];
            let left = w.qty_milli - w.filled_milli;
            let q = if left <= 10 || rng.below(3) == 0 { left } else { 1 + rng.below(left) };
            w.filled_milli += q;
            w.time = time;
            next_trade += 1 + rng.below(7);
            out.push(trade_frame(w, next_trade, q, time));
            let done = w.filled_milli == w.qty_milli;
            out.push(order_frame(w, if done { "FILLED" } else { "ACTIVE" }, time));
            if done {
                working.swap_remove(k);
            }
        } else {
            out.push(balance_frame(&mut rng, time));
        }
    }
    out.truncate(n);
    out
}

fn dec(milli: u64, scale: u32) -> String {
    let p = 10u64.pow(scale);
    format!("{}.{:0width$}", milli / p, milli % p, width = scale as usize)
}

fn order_frame(w: &Working, status: &str, time: u64) -> Vec<u8> {
    let (inst, fee_ccy, _) = INSTRUMENTS[w.inst];
    let (qty, cum, price) = (dec(w.qty_milli, 4), dec(w.filled_milli, 4), dec(w.price_cents, 2));
    let value = dec(w.filled_milli * w.price_cents / 100, 4);
    let side = if w.buy { "BUY" } else { "SELL" };
    format!(
        r#"{{"id":-1,"method":"subscribe","code":0,"result":{{"instrument_name":"{inst}","subscription":"user.order.{inst}","channel":"user.order","data":[{{"account_id":"52e7c00f-1324-5a6z-bfgt-de445bde21a5","order_id":"{id}","client_oid":"bench-{id}","order_type":"LIMIT","time_in_force":"GOOD_TILL_CANCEL","side":"{side}","exec_inst":[],"quantity":"{qty}","limit_price":"{price}","order_value":"{value}","maker_fee_rate":"0.001","taker_fee_rate":"0.002","avg_price":"{price}","cumulative_quantity":"{cum}","cumulative_value":"{value}","cumulative_fee":"0.0000040","status":"{status}","update_user_id":"52e7c00f","order_date":"2026-11-29","instrument_name":"{inst}","fee_instrument_name":"{fee_ccy}","create_time":{created},"create_time_ns":"{created}000123","update_time":{time}}}]}}}}"#,
        id = w.id,
        created = w.time.min(time),
    )
    .into_bytes()
}

fn trade_frame(w: &Working, trade_id: u64, q_milli: u64, time: u64) -> Vec<u8> {
    let (inst, fee_ccy, _) = INSTRUMENTS[w.inst];
    let side = if w.buy { "BUY" } else { "SELL" };
    format!(
        r#"{{"id":-1,"method":"subscribe","code":0,"result":{{"instrument_name":"{inst}","subscription":"user.trade.{inst}","channel":"user.trade","data":[{{"account_id":"52e7c00f-1324-5a6z-bfgt-de445bde21a5","event_date":"2026-11-29","journal_type":"TRADING","traded_quantity":"{q}","traded_price":"{p}","fees":"-0.000{f:04}","order_id":"{id}","trade_id":"{trade_id}","trade_match_id":"{m}","client_oid":"bench-{id}","taker_side":"MAKER","side":"{side}","instrument_name":"{inst}","fee_instrument_name":"{fee_ccy}","create_time":{time},"create_time_ns":"{time}000456"}}]}}}}"#,
        q = dec(q_milli, 4),
        p = dec(w.price_cents, 2),
        f = q_milli % 10_000,
        id = w.id,
        m = trade_id / 2,
    )
    .into_bytes()
}

fn balance_frame(rng: &mut Rng, time: u64) -> Vec<u8> {
    let mut rows = String::new();
    for (i, ccy) in ["USD", "BTC", "ETH", "SOL"].iter().enumerate() {
        let qty = 1_000_000 + rng.below(100_000_000);
        let reserved = rng.below(qty / 10 + 1);
        if i > 0 {
            rows.push(',');
        }
        let _ = write!(
            rows,
            r#"{{"instrument_name":"{ccy}","quantity":"{q}","reserved_qty":"{r}","market_value":"{q}","collateral_eligible":"true","haircut":"0","collateral_amount":"{q}","max_withdrawal_balance":"{a}"}}"#,
            q = dec(qty, 4),
            r = dec(reserved, 4),
            a = dec(qty - reserved, 4),
        );
    }
    format!(
        r#"{{"id":-1,"method":"subscribe","code":0,"result":{{"subscription":"user.balance","channel":"user.balance","data":[{{"instrument_name":"USD","total_available_balance":"99799.99","total_margin_balance":"100000.00","total_initial_margin":"200.01","total_maintenance_margin":"100.00","total_position_cost":"0","total_cash_balance":"100000.00","total_collateral_value":"100000.00","total_session_unrealized_pnl":"0","total_session_realized_pnl":"0","is_liquidating":false,"total_effective_leverage":"0","update_time":{time},"position_balances":[{rows}]}}]}}}}"#
    )
    .into_bytes()
}

/// One `user.order` frame of a fresh ACTIVE order `id` (the RSS measurement's orders).
pub fn active_order(id: u64) -> Vec<u8> {
    let w = Working {
        id,
        inst: (id % INSTRUMENTS.len() as u64) as usize,
        buy: id.is_multiple_of(2),
        qty_milli: 100 + id % 1_000,
        filled_milli: 0,
        price_cents: 4_000_000 + id % 100_000,
        time: 1_764_400_000_000 + id,
    };
    order_frame(&w, "ACTIVE", w.time)
}

/// `n` book frames for `instrument` at `depth`: a snapshot, then deltas of 1–4 levels each,
/// every `pu` equal to the previous `u` (which grows by 1–3, as on the exchange).
pub fn book_mix(n: usize, instrument: &str, depth: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let mid = 5_000_000u64; // cents
    let level = |rng: &mut Rng, price: u64, zero: bool| {
        let q = if zero { 0 } else { 1 + rng.below(50_000) };
        format!(r#"["{}","{}","{}"]"#, dec(price, 2), dec(q, 4), if zero { 0 } else { 1 + rng.below(9) })
    };
    let side = |rng: &mut Rng, bids: bool, count: usize, zero_some: bool| {
        (0..count)
            .map(|_| {
                let off = 1 + rng.below(depth as u64 * 2);
                let price = if bids { mid - off * 50 } else { mid + off * 50 };
                let zero = zero_some && rng.below(4) == 0;
                level(rng, price, zero)
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut u = 542_048_017_824u64;
    let mut t = 1_654_780_033_786u64;
    let head = |kind: &str| {
        format!(
            r#"{{"id":-1,"method":"subscribe","code":0,"result":{{"instrument_name":"{instrument}","subscription":"book.{instrument}.{depth}","channel":"{kind}","depth":{depth},"data":["#
        )
    };
    let mut out = Vec::with_capacity(n);
    let (bids, asks) = (side(&mut rng, true, depth, false), side(&mut rng, false, depth, false));
    out.push(
        format!(r#"{}{{"asks":[{asks}],"bids":[{bids}],"t":{t},"tt":{t},"u":{u}}}]}}}}"#, head("book")).into_bytes(),
    );
    while out.len() < n {
        let pu = u;
        u += 1 + rng.below(3);
        t += 1 + rng.below(10);
        let nb = rng.below(3) as usize;
        let na = (1 + rng.below(3) as usize).saturating_sub(nb.min(1));
        let (b, a) = (side(&mut rng, true, nb, true), side(&mut rng, false, na, true));
        out.push(
            format!(
                r#"{}{{"update":{{"asks":[{a}],"bids":[{b}]}},"t":{t},"tt":{t},"u":{u},"pu":{pu}}}]}}}}"#,
                head("book.update")
            )
            .into_bytes(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdc_engine::protocol::{decode_frame, Frame, PushData};

    fn pushes(frames: &[Vec<u8>]) -> Vec<PushData> {
        frames
            .iter()
            .map(|f| match decode_frame(f) {
                Ok(Frame::Push(p)) => p.data,
                other => panic!("not a push: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn user_mix_is_varied_and_decodes() {
        let data = pushes(&user_mix(10_000, 1));
        let count = |f: fn(&PushData) -> bool| data.iter().filter(|d| f(d)).count();
        let orders = count(|d| matches!(d, PushData::Orders(_)));
        let trades = count(|d| matches!(d, PushData::Trades(_)));
        let balances = count(|d| matches!(d, PushData::Balances(_)));
        eprintln!("orders {orders} trades {trades} balances {balances}");
        assert_eq!(orders + trades + balances, 10_000);
        assert!(orders > 3_000 && trades > 2_000 && balances > 500, "{orders}/{trades}/{balances}");
        let ids: std::collections::HashSet<_> = data
            .iter()
            .filter_map(|d| match d {
                PushData::Orders(o) => Some(o[0].order_id.clone()),
                _ => None,
            })
            .collect();
        assert!(ids.len() > 2_000, "only {} distinct orders", ids.len());
    }

    #[test]
    fn book_mix_chains_pu_on_u() {
        let data = pushes(&book_mix(500, "BTC_USD", 50, 3));
        let PushData::BookSnapshots(s) = &data[0] else { panic!("snapshot first") };
        let mut last = s[0].update_id;
        for d in &data[1..] {
            let PushData::BookDeltas(d) = d else { panic!("deltas after the snapshot") };
            assert_eq!(d[0].previous_update_id, last);
            assert!(d[0].update_id > last);
            last = d[0].update_id;
        }
    }

    #[test]
    fn every_bench_frame_is_read_by_the_hand_written_decoder_as_serde_reads_it() {
        use cdc_engine::protocol::frame::{decode_frame_serde, decode_push_by_hand};
        let frames = user_mix(5_000, 9).into_iter().chain(book_mix(2_000, "ETH_USD", 50, 4));
        for f in frames {
            let by_hand =
                decode_push_by_hand(&f).unwrap_or_else(|| panic!("handed over: {}", String::from_utf8_lossy(&f)));
            match decode_frame_serde(&f) {
                Ok(Frame::Push(p)) => assert_eq!(p, by_hand, "{}", String::from_utf8_lossy(&f)),
                other => panic!("serde: {other:?}"),
            }
        }
    }
}
