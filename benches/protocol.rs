//! Protocol hot paths: signing a create-order, and decoding `user.order`, `user.trade` and
//! `user.balance` pushes into typed models (with `serde_json::Value` parsing as the yardstick).

use std::hint::black_box;
use std::str::FromStr;

use cdc_engine::protocol::enums::{Side, TimeInForce};
use cdc_engine::protocol::requests::{ApiRequest, CreateOrder};
use cdc_engine::protocol::{decode_frame, Credentials};
use criterion::{criterion_group, criterion_main, Criterion};
use rust_decimal::Decimal;

const ORDER: &str = r#"{"id":-1,"method":"subscribe","code":0,"result":{"instrument_name":"BTC_USD","subscription":"user.order.BTC_USD","channel":"user.order","data":[{"account_id":"52e7c00f-1324-5a6z-bfgt-de445bde21a5","order_id":"5755600460443882762","client_oid":"e1-000000000042","order_type":"LIMIT","time_in_force":"GOOD_TILL_CANCEL","side":"BUY","exec_inst":["POST_ONLY"],"quantity":"0.0100","limit_price":"50000.50","order_value":"500.0050","maker_fee_rate":"0.001","taker_fee_rate":"0.002","avg_price":"50000.50","cumulative_quantity":"0.0040","cumulative_value":"200.0020","cumulative_fee":"0.0000040","status":"ACTIVE","update_user_id":"52e7c00f","order_date":"2026-11-29","instrument_name":"BTC_USD","fee_instrument_name":"BTC","create_time":1764400000000,"create_time_ns":"1764400000000123456","update_time":1764400000500}]}}"#;
const TRADE: &str = r#"{"id":-1,"method":"subscribe","code":0,"result":{"instrument_name":"BTC_USD","subscription":"user.trade.BTC_USD","channel":"user.trade","data":[{"account_id":"52e7c00f-1324-5a6z-bfgt-de445bde21a5","event_date":"2026-11-29","journal_type":"TRADING","traded_quantity":"0.0040","traded_price":"50000.50","fees":"-0.0000040","order_id":"5755600460443882762","trade_id":"5755600460443899001","trade_match_id":"4611686018427392001","client_oid":"e1-000000000042","taker_side":"MAKER","side":"BUY","instrument_name":"BTC_USD","fee_instrument_name":"BTC","create_time":1764400000500,"create_time_ns":"1764400000500123456"}]}}"#;
const BALANCE: &str = r#"{"id":-1,"method":"subscribe","code":0,"result":{"subscription":"user.balance","channel":"user.balance","data":[{"instrument_name":"USD","total_available_balance":"99799.99","total_margin_balance":"100000.00","total_initial_margin":"200.01","total_maintenance_margin":"100.00","total_position_cost":"0","total_cash_balance":"100000.00","total_collateral_value":"100000.00","total_session_unrealized_pnl":"0","total_session_realized_pnl":"0","is_liquidating":false,"total_effective_leverage":"0","position_balances":[{"instrument_name":"USD","quantity":"99800.00","reserved_qty":"300.00","market_value":"99800.00","collateral_eligible":"true","haircut":"0","collateral_amount":"99800.00","max_withdrawal_balance":"99500.00"},{"instrument_name":"BTC","quantity":"2.0040","reserved_qty":"0","market_value":"100200.00","collateral_eligible":"true","haircut":"0.1","collateral_amount":"90180.00","max_withdrawal_balance":"2.0040"}]}]}}"#;

fn signing(c: &mut Criterion) {
    let creds = Credentials::new("my_api_key_0123456789", "my_secret_key_0123456789").unwrap_or_else(|e| panic!("{e}"));
    let mut order = CreateOrder::limit(
        "BTC_USD",
        Side::Buy,
        Decimal::from_str("50000.50").unwrap_or_default(),
        Decimal::from_str("0.0100").unwrap_or_default(),
        "e1-000000000042",
    );
    order.time_in_force = Some(TimeInForce::GoodTillCancel);
    c.bench_function("sign create-order (params + payload + hmac)", |b| {
        let mut id = 0u64;
        b.iter(|| {
            id += 1;
            let mut req = order.to_request(id, 1_764_400_000_000 + id);
            black_box(req.sign(&creds));
        })
    });
}

fn decoding(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode push");
    for (name, frame) in [("user.order", ORDER), ("user.trade", TRADE), ("user.balance", BALANCE)] {
        g.bench_function(format!("{name} typed"), |b| b.iter(|| black_box(decode_frame(black_box(frame.as_bytes())))));
        g.bench_function(format!("{name} serde_json::Value"), |b| {
            b.iter(|| black_box(serde_json::from_slice::<serde_json::Value>(black_box(frame.as_bytes()))))
        });
    }
    g.finish();
}

criterion_group!(benches, signing, decoding);
criterion_main!(benches);
