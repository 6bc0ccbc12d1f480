//! The REST client against the simulator: signed private calls, public calls, classified
//! errors, and a burst of 1,000 calls that never exceeds a per-method limit (§10) as the
//! simulator counts it.

mod support;

use std::str::FromStr;
use std::sync::Arc;

use cdc_engine::clock::SystemClock;
use cdc_engine::protocol::codes::CodeClass;
use cdc_engine::protocol::enums::Side;
use cdc_engine::protocol::envelope::{DataList, OrderAck};
use cdc_engine::protocol::models::{BalanceSummary, Instrument, Order};
use cdc_engine::protocol::requests::{
    ApiRequest, CreateOrder, GetInstruments, GetOpenOrders, GetOrderDetail, OrderRef, UserBalance,
};
use cdc_engine::protocol::Credentials;
use cdc_engine::rest::{limits::limit_for, RestClient, RestError};
use rust_decimal::Decimal;
use support::*;

fn client(sim_url: &str, creds: Option<Credentials>) -> RestClient {
    RestClient::new(sim_url, creds, SystemClock::new()).expect("client")
}

#[tokio::test]
async fn private_and_public_calls_decode_and_refusals_are_classified() {
    let sim = sim(false).await;
    let c = client(&sim.rest_url(), Some(creds()));
    let instruments: DataList<Instrument> = c.call(&GetInstruments).await.unwrap();
    assert!(instruments.data.iter().any(|i| i.symbol.as_str() == "BTC_USD"));
    let balance: DataList<BalanceSummary> = c.call(&UserBalance).await.unwrap();
    assert!(balance.data[0].position_balances.iter().any(|b| b.instrument_name == "USD"));

    let order =
        CreateOrder::limit("BTC_USD", Side::Buy, Decimal::from(40000), Decimal::from_str("0.001").unwrap(), "rest-1");
    let ack: OrderAck = c.call(&order).await.unwrap();
    let detail: Order = c.call(&GetOrderDetail(OrderRef::ClientOid("rest-1".into()))).await.unwrap();
    assert_eq!(Some(detail.order_id.as_str()), ack.order_id.as_deref());

    match c.call::<_, OrderAck>(&order).await {
        Err(RestError::Exchange(e)) => assert_eq!((e.code, e.class()), (204, CodeClass::Reject)),
        other => panic!("a duplicate client_oid is 204: {other:?}"),
    }
    let wrong = client(&sim.rest_url(), Some(Credentials::new(KEY, "not-the-secret").unwrap()));
    match wrong.call::<_, DataList<BalanceSummary>>(&UserBalance).await {
        Err(RestError::Exchange(e)) => {
            assert_eq!((e.code, e.http_status, e.class()), (40101, Some(401), CodeClass::Auth));
            assert!(e.to_string().contains("header"));
        }
        other => panic!("wrong secret is 40101: {other:?}"),
    }
    let anonymous = client(&sim.rest_url(), None);
    assert!(matches!(
        anonymous.call::<_, DataList<Order>>(&GetOpenOrders::default()).await,
        Err(RestError::NoCredentials(_))
    ));
}

#[tokio::test]
async fn an_unreachable_exchange_is_a_transport_error_not_a_refusal() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut c = client(&format!("http://{addr}/exchange/v1"), Some(creds()));
    c.read_attempts = 2;
    let err = c.call::<_, DataList<BalanceSummary>>(&UserBalance).await.unwrap_err();
    assert!(matches!(err, RestError::Transport { .. }), "{err}");
    assert_eq!(err.class(), CodeClass::Transient);
    assert!(!err.to_string().contains(SECRET));
}

#[tokio::test]
async fn a_burst_of_1000_calls_never_exceeds_a_per_method_limit() {
    let sim = sim(false).await;
    let c = Arc::new(client(&sim.rest_url(), Some(creds())));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..1000u32 {
        let c = c.clone();
        tasks.spawn(async move {
            match i % 10 {
                0..=3 => {
                    let o = CreateOrder::limit(
                        "BTC_USD",
                        Side::Buy,
                        Decimal::from(30000),
                        Decimal::from_str("0.0001").unwrap(),
                        &format!("burst-{i}"),
                    );
                    c.send(CreateOrder::METHOD, o.params()).await.map(|_| ())
                }
                4..=7 => c
                    .send(
                        GetOrderDetail::METHOD,
                        GetOrderDetail(OrderRef::ClientOid(format!("burst-{}", i - 4).into())).params(),
                    )
                    .await
                    .map(|_| ()),
                8 => c.send(UserBalance::METHOD, UserBalance.params()).await.map(|_| ()),
                _ => c.send(GetOpenOrders::METHOD, GetOpenOrders::default().params()).await.map(|_| ()),
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        // An order looked up before it was created is 40401; never 42901.
        if let Err(e) = r.unwrap() {
            assert_ne!(e.code(), Some(42901), "{e}");
        }
    }
    let stats = sim.stats();
    let mut total = 0;
    for (method, s) in &stats.rest {
        let limit = limit_for(method);
        assert_eq!(s.refused, 0, "{method} got 42901");
        assert!(
            s.max_in_window as usize <= limit.count,
            "{method}: {} in one window, limit {}",
            s.max_in_window,
            limit.count
        );
        total += s.accepted;
    }
    assert_eq!(total, 1000);
}
