//! Public methods: instruments, book, tickers, trades and candlesticks.

use super::*;

fn public(ex: &mut Exchange, method: &str, p: Value) -> Result<Value, Reject> {
    ex.public(method, &p, T0 + 60_000)
}

#[test]
fn instruments_rows_carry_the_reference_fields() {
    let mut ex = quiet();
    let r = public(&mut ex, "public/get-instruments", json!({})).unwrap();
    let rows = r["data"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let perp = rows.iter().find(|r| r["symbol"] == "BTCUSD-PERP").unwrap();
    assert_eq!((perp["inst_type"].as_str(), perp["quote_ccy"].as_str()), (Some("PERPETUAL_SWAP"), Some("USD")));
    assert_eq!((perp["contract_size"].as_str(), perp["underlying_symbol"].as_str()), (Some("1"), Some("BTCUSD-INDEX")));
    assert_eq!((perp["price_tick_size"].as_str(), perp["max_leverage"].as_str()), (Some("0.1"), Some("100")));
    let btc = rows.iter().find(|r| r["symbol"] == "BTC_USD").unwrap();
    for field in [
        "inst_type",
        "display_name",
        "base_ccy",
        "quote_ccy",
        "quote_decimals",
        "quantity_decimals",
        "price_tick_size",
        "qty_tick_size",
        "max_leverage",
        "tradable",
        "expiry_timestamp_ms",
        "underlying_symbol",
        "contract_size",
        "margin_buy_enabled",
        "margin_sell_enabled",
    ] {
        assert!(btc.get(field).is_some(), "missing {field}");
    }
    assert_eq!((btc["price_tick_size"].as_str(), btc["qty_tick_size"].as_str()), (Some("0.01"), Some("0.0001")));
    assert_eq!(btc["inst_type"], "CCY_PAIR");
    assert_eq!(btc["expiry_timestamp_ms"], 0);
}

#[test]
fn book_levels_and_depth_rules() {
    let mut ex = quiet();
    ex.inject_maker("BTC_USD", true, d("49999"), d("0.1"), T0);
    ex.inject_maker("BTC_USD", true, d("49999"), d("0.2"), T0);
    ex.inject_maker("BTC_USD", false, d("50001.5"), d("1"), T0);
    let p = json!({"instrument_name": "BTC_USD", "depth": "10"});
    let r = public(&mut ex, "public/get-book", p).unwrap();
    assert_eq!(r["instrument_name"], "BTC_USD");
    assert_eq!(r["depth"], 10);
    assert_eq!(r["data"][0]["bids"], json!([["49999.00", "0.3000", "2"]]));
    assert_eq!(r["data"][0]["asks"], json!([["50001.50", "1.0000", "1"]]));
    let too_deep = json!({"instrument_name": "BTC_USD", "depth": "51"});
    assert_eq!(public(&mut ex, "public/get-book", too_deep).unwrap_err().code, 40004);
    let zero = json!({"instrument_name": "BTC_USD", "depth": "0"});
    assert_eq!(public(&mut ex, "public/get-book", zero).unwrap_err().code, 40004);
    // ccxt's fetch_order_book without a limit omits depth; the exchange's default is 50.
    let r = public(&mut ex, "public/get-book", json!({"instrument_name": "BTC_USD"})).unwrap();
    assert_eq!(r["depth"], 50);
    assert_eq!(r["data"][0]["bids"], json!([["49999.00", "0.3000", "2"]]));
    let unknown = json!({"instrument_name": "NOPE", "depth": "5"});
    assert_eq!(public(&mut ex, "public/get-book", unknown).unwrap_err().code, 40004);
    assert_eq!(public(&mut ex, "public/get-nothing", json!({})).unwrap_err().code, 40002);
}

#[test]
fn trades_tickers_and_candles_from_the_tape() {
    let mut ex = quiet();
    for (k, price) in ["50000", "50010", "49990"].iter().enumerate() {
        ex.inject_maker("BTC_USD", false, d(price), d("0.1"), T0);
        ex.inject_taker("BTC_USD", true, d("0.1"), T0 + k as u64 * 1_000);
    }
    let p = json!({"instrument_name": "BTC_USD", "count": "2"});
    let r = public(&mut ex, "public/get-trades", p).unwrap();
    let data = r["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["p"], "49990.00", "newest first");
    assert_eq!(data[0]["s"], "BUY");
    assert!(data[0]["tn"].is_string());
    let t = public(&mut ex, "public/get-tickers", json!({"instrument_name": "BTC_USD"})).unwrap();
    let t = &t["data"][0];
    assert_eq!(
        (t["h"].as_str(), t["l"].as_str(), t["a"].as_str()),
        (Some("50010.00"), Some("49990.00"), Some("49990.00"))
    );
    assert_eq!(t["v"], "0.3000");
    assert_eq!(t["c"], "-0.0002");
    assert!(t.get("bs").is_none(), "REST rows lack bs/ks");
    let all = public(&mut ex, "public/get-tickers", json!({})).unwrap();
    assert_eq!(all["data"].as_array().unwrap().len(), 5);
    let c = json!({"instrument_name": "BTC_USD", "timeframe": "1m"});
    let c = public(&mut ex, "public/get-candlestick", c).unwrap();
    assert_eq!(c["interval"], "1m");
    assert_eq!(
        c["data"],
        json!([{"o": "50000.00", "h": "50010.00", "l": "49990.00", "c": "49990.00", "v": "0.3000",
                "t": T0 - T0 % 60_000}])
    );
    let bad = json!({"instrument_name": "BTC_USD", "timeframe": "3m"});
    assert_eq!(public(&mut ex, "public/get-candlestick", bad).unwrap_err().code, 40004);
}

#[test]
fn candle_and_trade_bounds_accept_ms_us_and_ns() {
    let mut ex = quiet();
    ex.inject_maker("BTC_USD", false, d("50000"), d("0.1"), T0);
    ex.inject_taker("BTC_USD", true, d("0.1"), T0);
    let minute = T0 - T0 % 60_000;
    // ccxt's fetch_ohlcv sends end_ts in microseconds by default.
    for end in [T0 + 1, (T0 + 1) * 1_000, (T0 + 1) * 1_000_000] {
        let p = json!({"instrument_name": "BTC_USD", "timeframe": "1m", "end_ts": end.to_string()});
        let c = public(&mut ex, "public/get-candlestick", p).unwrap();
        assert_eq!(c["data"][0]["t"], minute, "end_ts {end}");
    }
    // Bounds are exclusive: nothing ends before the trade's own minute.
    for end in [minute, minute * 1_000, minute * 1_000_000] {
        let p = json!({"instrument_name": "BTC_USD", "timeframe": "1m", "end_ts": end.to_string()});
        let c = public(&mut ex, "public/get-candlestick", p).unwrap();
        assert_eq!(c["data"], json!([]), "end_ts {end} is before the only trade");
        let p = json!({"instrument_name": "BTC_USD", "end_ts": end});
        assert_eq!(public(&mut ex, "public/get-trades", p).unwrap()["data"], json!([]), "trades before {end}");
    }
}
