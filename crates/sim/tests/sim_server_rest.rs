//! REST side of the simulator: envelope checks, signatures, nonce window, status mapping and
//! the §10 rate limits.

mod sim_support;

use serde_json::{json, Value};
use sim_support::*;

#[tokio::test]
async fn signed_request_succeeds_and_echoes_id() {
    let sim = start_sim().await;
    let (status, body) = post_signed(&sim, "private/user-balance", 7, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["id"].clone(), body["method"].clone(), body["code"].clone()),
        (json!(7), json!("private/user-balance"), json!(0))
    );
    assert_eq!(body["result"]["data"][0]["total_available_balance"], "1000");
}

#[tokio::test]
async fn string_id_and_nonce_are_signed_as_sent() {
    let sim = start_sim().await;
    let nonce = now_ms().to_string();
    let params = json!({"instrument_name": INSTR, "client_oid": "s1", "exec_inst": ["POST_ONLY"], "limit": 20});
    let sig = sign(SECRET, "private/create-order", "42", KEY, Some(&params), &nonce);
    let body = json!({"id": "42", "method": "private/create-order", "params": params, "api_key": KEY, "sig": sig, "nonce": nonce});
    let (status, resp) = post(&sim, "private/create-order", body.to_string()).await;
    assert_eq!((status, resp["id"].clone(), resp["result"]["client_oid"].clone()), (200, json!("42"), json!("s1")));
}

#[tokio::test]
async fn wrong_secret_is_40101_with_http_401() {
    let sim = start_sim().await;
    let body = signed("private/user-balance", 1, json!({}), now_ms(), "not_the_secret");
    let (status, resp) = post(&sim, "private/user-balance", body.to_string()).await;
    assert_eq!((status, resp["code"].clone(), resp["message"].clone()), (401, json!(40101), json!("UNAUTHORIZED")));
    assert_eq!(sim.with_venue(|v| v.private_calls), 0, "refused requests are not executed");
}

#[tokio::test]
async fn wrong_key_is_40101() {
    let sim = start_sim().await;
    let mut body = signed("private/user-balance", 1, json!({}), now_ms(), SECRET);
    body["api_key"] = json!("someone_else");
    let (status, resp) = post(&sim, "private/user-balance", body.to_string()).await;
    assert_eq!((status, resp["code"].clone()), (401, json!(40101)));
}

#[tokio::test]
async fn credentials_only_in_headers_is_40101() {
    let sim = start_sim().await;
    let nonce = now_ms();
    let sig = sign(SECRET, "private/user-balance", "1", KEY, Some(&json!({})), &nonce.to_string());
    let resp = reqwest::Client::new()
        .post(format!("{}/private/user-balance", sim.rest_url()))
        .header("api-key", KEY)
        .header("signature", sig)
        .json(&json!({"id": 1, "method": "private/user-balance", "params": {}, "nonce": nonce}))
        .send()
        .await
        .expect("http");
    assert_eq!(resp.status().as_u16(), 401);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["code"], 40101);
}

#[tokio::test]
async fn skewed_nonce_is_40102() {
    let sim = start_sim().await;
    for skew in [-61_000i64, 61_000] {
        let nonce = (now_ms() as i64 + skew) as u64;
        let body = signed("private/user-balance", 1, json!({}), nonce, SECRET);
        let (status, resp) = post(&sim, "private/user-balance", body.to_string()).await;
        assert_eq!(
            (status, resp["code"].clone(), resp["message"].clone()),
            (400, json!(40102), json!("INVALID_NONCE"))
        );
    }
}

#[tokio::test]
async fn unknown_method_and_wrong_version_are_40002() {
    let sim = start_sim().await;
    let (status, resp) = post_signed(&sim, "private/no-such-thing", 1, json!({})).await;
    assert_eq!((status, resp["code"].clone()), (400, json!(40002)));
    let r = reqwest::Client::new()
        .post(format!("http://{}/v2/private/get-account-summary", sim.addr()))
        .body("{}")
        .send()
        .await
        .expect("http");
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.json::<Value>().await.expect("json")["code"], 40002);
    let (_, resp) = post_signed(&sim, "private/set-cancel-on-disconnect", 2, json!({"scope": "CONNECTION"})).await;
    assert_eq!(resp["code"], 40002, "cancel-on-disconnect is WS only");
}

#[tokio::test]
async fn malformed_bodies_are_40001() {
    let sim = start_sim().await;
    let nonce = now_ms();
    let sig = sign(SECRET, "private/user-balance", "1", KEY, None, &nonce.to_string());
    let cases = [
        "not json".to_string(),
        "[1,2]".to_string(),
        json!({"id": 1, "method": "private/user-balance", "params": [], "api_key": KEY, "sig": sig, "nonce": nonce})
            .to_string(),
        json!({"method": "private/user-balance", "params": {}, "api_key": KEY, "sig": sig, "nonce": nonce}).to_string(),
        json!({"id": 1, "method": "private/user-balance", "api_key": KEY, "sig": sig, "nonce": nonce}).to_string(),
        json!({"id": 1, "method": "private/get-trades", "params": {}, "api_key": KEY, "sig": sig, "nonce": nonce})
            .to_string(),
    ];
    for body in cases {
        let (status, resp) = post(&sim, "private/user-balance", body.clone()).await;
        assert_eq!(
            (status, resp["code"].clone(), resp["message"].clone()),
            (400, json!(40001), json!("BAD_REQUEST")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn venue_rejects_map_to_their_http_class() {
    let sim = start_sim().await;
    let (status, resp) = post_signed(&sim, "private/reject", 5, json!({})).await;
    assert_eq!(
        (status, resp["code"].clone(), resp["message"].clone()),
        (500, json!(306), json!("INSUFFICIENT_AVAILABLE_BALANCE"))
    );
}

#[tokio::test]
async fn public_get_passes_query_params_as_strings() {
    let sim = start_sim().await;
    let r = reqwest::get(format!("{}/public/get-instruments?depth=10&instrument_name={INSTR}", sim.rest_url()))
        .await
        .expect("http");
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["result"]["echo"], json!({"depth": "10", "instrument_name": INSTR}));
}

#[tokio::test]
async fn one_per_second_methods_refuse_the_second_call_with_429() {
    let sim = start_sim().await;
    let (s1, _) = post_signed(&sim, "private/get-trades", 1, json!({})).await;
    let (s2, r2) = post_signed(&sim, "private/get-trades", 2, json!({})).await;
    assert_eq!(
        (s1, s2, r2["code"].clone(), r2["message"].clone()),
        (200, 429, json!(42901), json!("TOO_MANY_REQUESTS"))
    );
    let st = sim.stats().rest["private/get-trades"].clone();
    assert_eq!((st.accepted, st.refused, st.max_in_window), (1, 1, 1));
}

#[tokio::test]
async fn burst_of_orders_never_exceeds_15_per_100ms_and_refusals_do_not_execute() {
    let sim = start_sim().await;
    let calls =
        (0..40u64).map(|i| post_signed(&sim, "private/create-order", i, json!({"client_oid": format!("b{i}")})));
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|(s, _)| *s == 200).count() as u64;
    assert!(results.iter().all(|(s, r)| *s == 200 || (*s == 429 && r["code"] == 42901)));
    let st = sim.stats().rest["private/create-order"].clone();
    assert!(st.max_in_window <= 15, "{st:?}");
    assert_eq!((st.accepted, st.accepted + st.refused), (ok, 40));
    assert_eq!(sim.with_venue(|v| v.orders.len()) as u64, ok);
}
