//! Every raw sample of the protocol reference (stored in `crates/protocol/tests/fixtures/`) decoded through the
//! public protocol API, with concrete field values asserted. The `_numbers` / `_strings` variants
//! must decode to values equal to their base fixture (§2.2: numbers arrive either way).
//!
//! These tests only read fixtures; they must not open sockets or depend on the simulator.

#[path = "fixtures/support.rs"]
mod support;

#[path = "fixtures/rest_cases.rs"]
mod rest_cases;

use cdc_protocol::channel::Channel;
use cdc_protocol::decode_frame;
use cdc_protocol::enums::{ExecInst, OrderStatus, OrderType, Side, TakerSide, TimeInForce};
use cdc_protocol::envelope::{heartbeat_reply, DataList};
use cdc_protocol::models::{BalanceSummary, BookLevel, Instrument, Order, Trade};
use cdc_protocol::{Frame, PushData};
use support::{dec, fixture_dir, fx, push, response, rest};

fn level(price: &str, quantity: &str, orders: u64) -> BookLevel {
    BookLevel { price: dec(price), quantity: dec(quantity), orders }
}

fn orders(name: &str) -> Vec<Order> {
    match push(name).data {
        PushData::Orders(o) => o,
        other => panic!("{name}: expected orders, got {other:?}"),
    }
}

fn trades(name: &str) -> Vec<Trade> {
    match push(name).data {
        PushData::Trades(t) => t,
        other => panic!("{name}: expected trades, got {other:?}"),
    }
}

fn balances(name: &str) -> Vec<BalanceSummary> {
    match push(name).data {
        PushData::Balances(b) => b,
        other => panic!("{name}: expected balances, got {other:?}"),
    }
}

// ---------------------------------------------------------------- envelopes and session frames

#[test]
fn auth_success_and_failure() {
    let ok = response("auth_response");
    assert_eq!((ok.id, ok.method.as_str(), ok.code), (1, "public/auth", 0));
    assert!(ok.is_ok() && ok.result.is_none() && ok.message.is_none());

    let err = response("auth_error");
    assert_eq!((err.id, err.code), (1, 40101));
    assert_eq!(err.message.as_deref(), Some("UNAUTHORIZED"));
    assert!(!err.is_ok());
}

#[test]
fn heartbeat_is_classified_and_answered_with_the_same_id() {
    let Ok(Frame::Heartbeat { id }) = decode_frame(&fx("heartbeat")) else { panic!("heartbeat not classified") };
    assert_eq!(id, 1587523073344);
    let reply: serde_json::Value = serde_json::from_str(&heartbeat_reply(id)).expect("reply is JSON");
    assert_eq!(reply, serde_json::json!({"id": 1587523073344_i64, "method": "public/respond-heartbeat"}));
}

#[test]
fn subscribe_acks_without_data_are_responses() {
    let ack = response("subscribe_ack");
    assert_eq!((ack.id, ack.method.as_str(), ack.code), (2, "subscribe", 0));
    assert!(ack.result.is_none());

    // A result naming the channel but carrying no `data` is still only an ack.
    let ack = response("subscribe_ack_no_data");
    assert_eq!((ack.id, ack.code), (2, 0));
    let v: serde_json::Value = ack.result().expect("result is JSON");
    assert_eq!(v["subscription"], "user.order");

    let un = response("unsubscribe_response");
    assert_eq!((un.id, un.method.as_str(), un.code), (3, "unsubscribe", 0));
}

#[test]
fn subscription_and_ws_errors() {
    let e = response("subscribe_error");
    assert_eq!((e.id, e.method.as_str(), e.code), (0, "subscribe", 10004));
    assert_eq!(e.message.as_deref(), Some(r#"invalid channel {"channels":["trade.BTCUSD-PERP"]}"#));

    let e = response("ws_error");
    assert_eq!((e.id, e.method.as_str(), e.code), (-1, "ERROR", 40001));
    assert_eq!(e.message.as_deref(), Some("BAD_REQUEST"));
    let original: serde_json::Value = serde_json::from_str(e.original.as_deref().expect("original")).expect("json");
    assert_eq!(original["nonce"], 1700000000500_i64);
}

#[test]
fn legacy_error_without_id_or_method_keeps_its_string_code() {
    let e = rest("legacy_error");
    assert_eq!((e.id, e.method.as_str(), e.code), (-1, "", 10001));
    assert!(e.result.is_none() && !e.is_ok());
}

// ---------------------------------------------------------------- market data pushes

#[test]
fn book_snapshot_levels_and_sequence() {
    let p = push("book_snapshot");
    assert_eq!(p.request_id, None);
    assert_eq!(p.channel, Channel::Book { instrument: "BTCUSD-PERP".into(), depth: 10 });
    assert_eq!(p.instrument_name, Some("BTCUSD-PERP".into()));
    let PushData::BookSnapshots(books) = p.data else { panic!("not a snapshot: {:?}", p.data) };
    assert_eq!(books.len(), 1);
    let b = &books[0];
    assert_eq!(b.asks, vec![level("30082.5", "0.1689", 1), level("30083.0", "0.3000", 2), level("30090.5", "1.25", 0)]);
    assert_eq!(b.bids, vec![level("30079.0", "0.0505", 1), level("30078.5", "0.7", 3), level("30070", "2", 5)]);
    assert_eq!(
        (b.time_ms, b.last_update_ms, b.update_id),
        (Some(1654780033786), Some(1654780033755), Some(542048017824))
    );
}

#[test]
fn book_delta_carries_u_and_pu_and_zero_quantity_deletes() {
    let p = push("book_delta");
    assert_eq!(p.channel, Channel::Book { instrument: "BTCUSD-PERP".into(), depth: 10 });
    let PushData::BookDeltas(deltas) = p.data else { panic!("not a delta: {:?}", p.data) };
    let d = &deltas[0];
    assert_eq!(d.update.asks, vec![level("50126", "0", 0), level("50180", "3.279", 10)]);
    assert!(d.update.asks[0].quantity.is_zero());
    assert_eq!(d.update.bids, vec![level("50097.000000", "0.252000", 1)]);
    assert_eq!(
        (d.update_id, d.previous_update_id, d.time_ms, d.last_update_ms),
        (Some(7845460002), Some(7845460001), Some(1647917463003), Some(1647917463003))
    );
}

#[test]
fn empty_book_delta_is_the_quiet_heartbeat() {
    let PushData::BookDeltas(deltas) = push("book_delta_empty").data else { panic!("not a delta") };
    let d = &deltas[0];
    assert!(d.update.asks.is_empty() && d.update.bids.is_empty());
    assert_eq!((d.update_id, d.previous_update_id), (Some(7845460002), Some(7845460002)));
}

#[test]
fn ticker_fields() {
    let p = push("ticker");
    assert_eq!(p.channel, Channel::Ticker("BTCUSD-PERP".into()));
    let PushData::Tickers(t) = p.data else { panic!("not a ticker") };
    let t = &t[0];
    assert_eq!(t.instrument, Some("BTCUSD-PERP".into()));
    assert_eq!(
        (t.high, t.low, t.last, t.change),
        (Some(dec("51790.00")), Some(dec("47895.50")), Some(dec("51174.5")), Some(dec("0.0396")))
    );
    assert_eq!(
        (t.best_bid, t.best_bid_size, t.best_ask, t.best_ask_size),
        (Some(dec("51170")), Some(dec("0.1")), Some(dec("51180")), Some(dec("0.2")))
    );
    assert_eq!(
        (t.volume, t.volume_value, t.open_interest),
        (Some(dec("879.5024")), Some(dec("26370000.12")), Some(dec("12345.12")))
    );
    assert_eq!(t.time_ms, Some(1613580710768));
}

#[test]
fn public_trades_first_batch_keeps_the_request_id() {
    let p = push("public_trade");
    assert_eq!(p.request_id, Some(5));
    assert_eq!(p.channel, Channel::Trade("BTCUSD-PERP".into()));
    let PushData::PublicTrades(t) = p.data else { panic!("not trades") };
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t[0].trade_id.as_str(), t[0].side.clone(), t[0].price, t[0].quantity),
        ("2030407068", Side::Sell, dec("51327.5"), dec("0.0015"))
    );
    assert_eq!(
        (t[0].time_ms, t[0].match_id.as_deref(), t[0].instrument.as_str()),
        (Some(1613581138462), Some("76423"), "BTCUSD-PERP")
    );
    assert_eq!((t[1].side.clone(), t[1].match_id.clone(), t[1].time_ns.clone()), (Side::Buy, None, None));
}

#[test]
fn candlestick_push() {
    let p = push("candlestick");
    assert_eq!(p.channel, Channel::Candlestick { timeframe: "1m".into(), instrument: "BTCUSD-PERP".into() });
    let PushData::Candles(c) = p.data else { panic!("not candles") };
    assert_eq!(c.len(), 2);
    assert_eq!(
        (c[0].open, c[0].high, c[0].low, c[0].close, c[0].volume, c[0].start_ms),
        (dec("50000"), dec("50100"), dec("49900"), dec("50050"), dec("12.5"), 1613580000000)
    );
    assert_eq!((c[1].close, c[1].volume, c[1].start_ms), (dec("50020.5"), dec("3.042"), 1613580060000));
}

// ---------------------------------------------------------------- user pushes

#[test]
fn user_order_push_full_objects() {
    let p = push("user_order");
    assert_eq!((p.request_id, p.channel.clone()), (None, Channel::UserOrder(Some("BTCUSD-PERP".into()))));
    let o = orders("user_order");
    assert_eq!(o.len(), 2);
    let a = &o[0];
    assert_eq!(a.order_id.as_str(), "5755600460443882762");
    assert_eq!(a.client_oid.as_ref().map(|c| c.as_str()), Some("c5f682ed-7108-4f1c-b755-972fcdca0f02"));
    assert_eq!(a.account_id.as_deref(), Some("52e7c00f-1324-5a6a-bfab-de445bde21a5"));
    assert_eq!(
        (a.kind(), a.time_in_force.clone(), a.side.clone()),
        (Some(&OrderType::Limit), Some(TimeInForce::GoodTillCancel), Side::Buy)
    );
    assert_eq!((a.exec_inst.clone(), a.status.clone()), (vec![ExecInst::PostOnly], OrderStatus::Active));
    assert_eq!((a.quantity, a.price(), a.order_value), (dec("0.05"), Some(dec("50000.5")), Some(dec("2500.025"))));
    assert_eq!((a.maker_fee_rate, a.taker_fee_rate), (Some(dec("0.00025")), Some(dec("0.0005"))));
    assert_eq!(
        (a.avg_price, a.cumulative_quantity, a.cumulative_value),
        (Some(dec("50000.5")), dec("0.02"), Some(dec("1000.01")))
    );
    assert_eq!((a.cumulative_fee, a.remaining()), (Some(dec("0.250003")), dec("0.03")));
    assert_eq!((a.reason_code(), a.update_user_id.as_deref(), a.fee_currency()), (None, Some("11111111"), Some("USD")));
    assert_eq!((a.order_date.as_deref(), a.instrument_name.as_str()), (Some("2021-02-17"), "BTCUSD-PERP"));
    assert_eq!((a.create_time, a.create_time_ns), (Some(1613575617173), Some(1613575617173123456)));
    assert_eq!((a.update_time, a.transaction_time), (Some(1613575617250), Some(1613575617250)));

    let b = &o[1];
    assert_eq!(
        (b.order_id.as_str(), b.kind(), b.side.clone()),
        ("5755600460443882763", Some(&OrderType::Market), Side::Sell)
    );
    assert_eq!(
        (b.status.clone(), b.time_in_force.clone()),
        (OrderStatus::Filled, Some(TimeInForce::ImmediateOrCancel))
    );
    assert_eq!((b.price(), b.cumulative_quantity, b.remaining(), b.exec_inst.len()), (None, dec("0.1"), dec("0"), 0));
    assert_eq!(b.client_oid.as_ref().map(|c| c.as_str()), Some("1613575618001"));
}

#[test]
fn user_order_first_batch_answers_the_subscribe_request() {
    let p = push("user_order_first_batch");
    assert_eq!(p.request_id, Some(4));
    assert_eq!(p.channel, Channel::UserOrder(Some("BTC_USD".into())));
    let o = &orders("user_order_first_batch")[0];
    assert_eq!(
        (o.order_id.as_str(), o.status.clone(), o.quantity),
        ("5756817522898216000", OrderStatus::Active, dec("0.0002"))
    );
    assert_eq!((o.avg_price, o.cumulative_quantity, o.remaining()), (Some(dec("0")), dec("0"), dec("0.0002")));
}

#[test]
fn user_order_legacy_names_and_suffixed_channel() {
    let p = push("user_order_legacy");
    assert_eq!(p.channel, Channel::UserOrder(Some("ETH_CRO".into())));
    let o = &orders("user_order_legacy")[0];
    // Decoding folds the legacy names (`type`, `price`) into the current fields.
    assert_eq!((o.order_type.clone(), o.kind()), (Some(OrderType::Limit), Some(&OrderType::Limit)));
    assert_eq!((o.limit_price, o.price()), (Some(dec("1.5")), Some(dec("1.5"))));
    assert_eq!((o.fee_currency(), o.reason_code()), (Some("CRO"), Some("43012")));
    assert_eq!(
        (o.status.clone(), o.cumulative_quantity, o.remaining()),
        (OrderStatus::Canceled, dec("0.5"), dec("1.5"))
    );
}

#[test]
fn user_trade_push() {
    let p = push("user_trade");
    assert_eq!(p.channel, Channel::UserTrade(Some("BTCUSD-PERP".into())));
    let t = &trades("user_trade")[0];
    assert_eq!(
        (t.trade_id.as_str(), t.order_id.as_str(), t.trade_match_id.as_deref()),
        ("38554669", "19708564", Some("76423"))
    );
    assert_eq!((t.side.clone(), t.taker_side.clone()), (Side::Buy, Some(TakerSide::Maker)));
    assert_eq!(
        (t.traded_price, t.traded_quantity, t.fees, t.fee_cost()),
        (dec("51278.5"), dec("0.05"), dec("-1.02557"), dec("1.02557"))
    );
    assert_eq!((t.fee_instrument_name.as_deref(), t.journal_type.as_deref()), (Some("USD"), Some("TRADING")));
    assert_eq!((t.create_time, t.time_ns()), (Some(1613570791060), Some(1613570791060123456)));
    assert_eq!(t.client_oid.as_ref().map(|c| c.as_str()), Some("6ac2421d-5078-4ef6-a9d5-9680602ce123"));
}

#[test]
fn user_balance_snapshot_batch() {
    let p = push("user_balance");
    assert_eq!((p.request_id, p.channel.clone(), p.instrument_name.clone()), (Some(1), Channel::UserBalance, None));
    let b = &balances("user_balance")[0];
    assert_eq!(b.instrument_name.as_deref(), Some("USD"));
    assert_eq!(
        (b.total_available_balance, b.total_margin_balance),
        (Some(dec("4721.05898582")), Some(dec("7595.42571782")))
    );
    assert_eq!(
        (b.total_initial_margin, b.total_maintenance_margin),
        (Some(dec("2874.366732")), Some(dec("1437.183366")))
    );
    assert_eq!(
        (b.total_position_cost, b.total_cash_balance),
        (Some(dec("14517.54641363")), Some(dec("7890.00320721")))
    );
    assert_eq!(
        (b.total_collateral_value, b.total_session_unrealized_pnl),
        (Some(dec("7651.18811483")), Some(dec("-55.76239701")))
    );
    assert_eq!((b.total_session_realized_pnl, b.total_effective_leverage), (Some(dec("0")), Some(dec("1.9040123"))));
    assert_eq!(b.is_liquidating, Some(false));
    let rows = &b.position_balances;
    assert_eq!(rows.iter().map(|r| r.instrument_name.as_str()).collect::<Vec<_>>(), ["CRO", "BTC", "USD"]);
    assert_eq!(
        (rows[1].quantity, rows[1].reserved_qty, rows[1].available()),
        (dec("0.005"), dec("0.001"), dec("0.004"))
    );
    assert_eq!((rows[0].collateral_eligible, rows[1].collateral_eligible), (Some(true), Some(true)));
    assert_eq!((rows[0].haircut, rows[0].collateral_amount), (Some(dec("0.5")), Some(dec("4537.3019763"))));
    assert_eq!((rows[2].available(), rows[2].max_withdrawal_balance), (dec("1663.578"), Some(dec("1663.578"))));
}

#[test]
fn user_positions_push() {
    let p = push("user_positions");
    assert_eq!(p.channel, Channel::UserPositions);
    let PushData::Positions(ps) = p.data else { panic!("not positions") };
    assert_eq!(ps.len(), 2);
    let s = &ps[0];
    assert_eq!(
        (s.instrument_name.as_str(), s.kind.as_deref(), s.quantity),
        ("BTCUSD-PERP", Some("PERPETUAL_SWAP"), dec("-0.1984"))
    );
    assert_eq!(
        (s.cost, s.open_position_pnl, s.open_pos_cost),
        (Some(dec("-10159.5735")), Some(dec("-497.743736")), Some(dec("-10159.3522")))
    );
    assert_eq!((s.session_pnl, s.update_timestamp_ms), (Some(dec("2.236145")), Some(1613552240770)));
    assert_eq!((s.mark_price, s.liquidation_price), (Some(dec("51208.5")), Some(dec("86212"))));
    assert_eq!((ps[1].kind.as_deref(), ps[1].quantity, ps[1].mark_price), (Some("FUTURE"), dec("2.5"), None));
}

#[test]
fn unmodelled_channel_is_kept_raw() {
    let p = push("user_position_balance");
    assert_eq!(p.channel, Channel::UserPositionBalance);
    let PushData::Other(raw) = p.data else { panic!("expected raw data") };
    let v: serde_json::Value = serde_json::from_str(&raw).expect("raw data is JSON");
    assert_eq!(v[0]["balances"][0]["instrument_name"], "BTC");
}

// ---------------------------------------------------------------- number / string variants

#[test]
fn push_variants_decode_equal_to_their_base() {
    for (base, numbers, strings) in [
        ("user_order", "user_order_numbers", "user_order_strings"),
        ("user_trade", "user_trade_numbers", "user_trade_strings"),
        ("user_balance", "user_balance_numbers", "user_balance_strings"),
        ("book_snapshot", "book_snapshot_numbers", "book_snapshot_strings"),
        ("book_delta", "book_delta_numbers", "book_delta_strings"),
        ("ticker", "ticker_numbers", "ticker_strings"),
    ] {
        let want = push(base);
        assert_eq!(push(numbers), want, "{numbers} differs from {base}");
        assert_eq!(push(strings), want, "{strings} differs from {base}");
    }
}

#[test]
fn instrument_variants_decode_equal_to_their_base() {
    let rows = |name: &str| rest(name).result::<DataList<Instrument>>().unwrap_or_else(|e| panic!("{name}: {e}"));
    let want = rows("get_instruments");
    assert_eq!(rows("get_instruments_numbers"), want);
    assert_eq!(rows("get_instruments_strings"), want);
    let r = rest("get_instruments_strings");
    assert_eq!((r.id, r.code), (18, 0));
}

// ---------------------------------------------------------------- no dead fixtures

/// Every `*.json` in `crates/protocol/tests/fixtures/` must be named, in quotes, by one of the decoding tests.
#[test]
fn every_fixture_is_used() {
    let sources = [
        include_str!("decode_fixtures.rs"),
        include_str!("fixtures/rest_cases.rs"),
        include_str!("decode_malformed.rs"),
    ];
    let mut unused = Vec::new();
    for entry in std::fs::read_dir(fixture_dir()).expect("fixture dir") {
        let path = entry.expect("dir entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("utf-8 name").to_owned();
        let quoted = format!("\"{stem}\"");
        if !sources.iter().any(|s| s.contains(&quoted)) {
            unused.push(stem);
        }
    }
    unused.sort();
    assert!(unused.is_empty(), "fixtures not used by any test: {unused:?}");
}
