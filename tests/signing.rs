//! Signing (§3): the §3.7 vectors through the library, the typed requests and the
//! `cdc-engine sign` command; key-order independence; body and signature never diverge;
//! credentials never show their secret.

use std::process::Command;
use std::str::FromStr;

use cdc_protocol::enums::{ExecInst, Side, TimeInForce};
use cdc_protocol::requests::{ApiRequest, CreateOrder, GetOrderDetail, GetOrderHistory, OrderRef, UserBalance};
use cdc_protocol::sign::{canonical, payload};
use cdc_protocol::{Credentials, Request};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

const KEY: &str = "my_api_key";
const SECRET: &str = "my_secret_key";

struct Vector {
    method: &'static str,
    id: u64,
    nonce: u64,
    params: Value,
    payload: &'static str,
    sig: &'static str,
}

fn create_order_params() -> Value {
    json!({"instrument_name":"BTCUSD-PERP","side":"BUY","type":"LIMIT","price":"50000.5",
        "quantity":"0.0100","client_oid":"c5f682ed-7108-4f1c-b755-972fcdca0f02",
        "time_in_force":"GOOD_TILL_CANCEL","exec_inst":["POST_ONLY"]})
}

fn vectors() -> Vec<Vector> {
    vec![
        Vector { method: "public/auth", id: 1, nonce: 1700000000000, params: json!({}),
            payload: "public/auth1my_api_key1700000000000",
            sig: "640440c86226c76b7f301416a73aec4797d8abb0aec87eb14dddf8c66d04ca1b" },
        Vector { method: "private/get-order-detail", id: 11, nonce: 1587846358253, params: json!({"order_id":"53287421324"}),
            payload: "private/get-order-detail11my_api_keyorder_id532874213241587846358253",
            sig: "05cb784aa97d7d14ad0a6ecc10d5a32a66120f2bd1d9348126f6020cab04ed19" },
        Vector { method: "private/user-balance", id: 2, nonce: 1700000000123, params: json!({}),
            payload: "private/user-balance2my_api_key1700000000123",
            sig: "ee6301c45db2cadaaa5ee4bec9367e3e0c18437d74ee9bf0b5c3da1148ccc3d3" },
        Vector { method: "private/create-order", id: 3, nonce: 1700000000456, params: create_order_params(),
            payload: "private/create-order3my_api_keyclient_oidc5f682ed-7108-4f1c-b755-972fcdca0f02exec_instPOST_ONLYinstrument_nameBTCUSD-PERPprice50000.5quantity0.0100sideBUYtime_in_forceGOOD_TILL_CANCELtypeLIMIT1700000000456",
            sig: "f6967f9900432a863c29e35f84947e01740e64c1508b6276e564562f2e4b4f54" },
        Vector { method: "private/get-order-history", id: 4, nonce: 1700000000789,
            params: json!({"instrument_name":"BTCUSD-PERP","start_time":"1610905028000081486","end_time":"1613570791058211357","limit":20}),
            payload: "private/get-order-history4my_api_keyend_time1613570791058211357instrument_nameBTCUSD-PERPlimit20start_time16109050280000814861700000000789",
            sig: "771fd621b4546f20f685b9204ed34c67852efe45e092d02547d41bd333c6dea1" },
        Vector { method: "private/create-order-list", id: 5, nonce: 1750385416548,
            params: json!({"contingency_type":"LIST","order_list":[
                {"instrument_name":"CRO_USD","side":"SELL","type":"LIMIT","quantity":"10","price":"0.12","client_oid":"api_leg1"},
                {"instrument_name":"CRO_USD","side":"SELL","type":"LIMIT","quantity":"20","price":"0.122","client_oid":"api_leg2"}]}),
            payload: "private/create-order-list5my_api_keycontingency_typeLISTorder_listclient_oidapi_leg1instrument_nameCRO_USDprice0.12quantity10sideSELLtypeLIMITclient_oidapi_leg2instrument_nameCRO_USDprice0.122quantity20sideSELLtypeLIMIT1750385416548",
            sig: "66aa002b22dcefc513e6723486eb759e5258e579a2d633a3077c68aaf1e78154" },
    ]
}

fn obj(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn creds() -> Credentials {
    Credentials::new(KEY, SECRET).unwrap()
}

#[test]
fn vectors_1_to_6_through_the_library() {
    for v in vectors() {
        let signed = creds().sign(v.method, v.id, &obj(&v.params), v.nonce);
        assert_eq!(signed.payload, v.payload, "payload of {}", v.method);
        assert_eq!(signed.sig, v.sig, "sig of {}", v.method);
    }
}

#[test]
fn vector_7_nested_exec_inst_uses_full_recursion() {
    let params = json!({"contingency_type":"LIST","order_list":[{"exec_inst":["POST_ONLY"],"price":"0.10",
        "quantity":"10","side":"BUY","type":"LIMIT","instrument_name":"CRO_USD"}]});
    let signed = creds().sign("private/create-order-list", 6, &obj(&params), 1750385416549);
    assert!(signed.payload.ends_with(
        "order_listexec_instPOST_ONLYinstrument_nameCRO_USDprice0.10quantity10sideBUYtypeLIMIT1750385416549"
    ));
    assert_eq!(signed.sig, "e9b5c4b2bea63bec25f448960e6c3a951f99ee4c97391dc1556b3ccb3e249949");
}

#[test]
fn typed_requests_produce_the_vector_params() {
    let mut order = CreateOrder::limit(
        "BTCUSD-PERP",
        Side::Buy,
        Decimal::from_str("50000.5").unwrap(),
        Decimal::from_str("0.0100").unwrap(),
        "c5f682ed-7108-4f1c-b755-972fcdca0f02",
    );
    order.time_in_force = Some(TimeInForce::GoodTillCancel);
    order.exec_inst = vec![ExecInst::PostOnly];
    assert_eq!(Value::Object(order.params()), create_order_params());
    let mut req = order.to_request(3, 1700000000456);
    assert_eq!(req.sign(&creds()).sig, "f6967f9900432a863c29e35f84947e01740e64c1508b6276e564562f2e4b4f54");

    let detail = GetOrderDetail(OrderRef::OrderId("53287421324".into())).to_request(11, 1587846358253);
    assert_eq!(
        creds().sign(&detail.method, 11, &detail.params, 1587846358253).sig,
        "05cb784aa97d7d14ad0a6ecc10d5a32a66120f2bd1d9348126f6020cab04ed19"
    );

    let history = GetOrderHistory {
        instrument_name: Some("BTCUSD-PERP".into()),
        start_time: Some(1610905028000081486),
        end_time: Some(1613570791058211357),
        limit: Some(20),
    };
    let mut req = history.to_request(4, 1700000000789);
    assert_eq!(req.sign(&creds()).sig, "771fd621b4546f20f685b9204ed34c67852efe45e092d02547d41bd333c6dea1");

    let mut req = UserBalance.to_request(2, 1700000000123);
    assert_eq!(req.sign(&creds()).sig, "ee6301c45db2cadaaa5ee4bec9367e3e0c18437d74ee9bf0b5c3da1148ccc3d3");
}

fn run_sign(args: &[&str]) -> (String, String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .arg("sign")
        .args(args)
        .env("CDC_API_KEY", KEY)
        .env("CDC_API_SECRET", SECRET)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn vectors_1_to_6_through_the_sign_command() {
    for v in vectors() {
        let (id, nonce, params) = (v.id.to_string(), v.nonce.to_string(), v.params.to_string());
        let (stdout, stderr, ok) =
            run_sign(&["--method", v.method, "--id", &id, "--nonce", &nonce, "--params", &params, "--json"]);
        assert!(ok, "sign failed: {stderr}");
        let line: Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(line["payload"], v.payload);
        assert_eq!(line["sig"], v.sig);
        assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
        // The human form carries the same signature and a body ready to send.
        let (human, _, ok) = run_sign(&["--method", v.method, "--id", &id, "--nonce", &nonce, "--params", &params]);
        assert!(ok && human.contains(v.sig) && human.contains(v.payload) && !human.contains(SECRET));
    }
}

#[test]
fn sign_command_refuses_bad_params_and_missing_credentials() {
    let (_, err, ok) = run_sign(&["--method", "private/user-balance", "--params", "[]"]);
    assert!(!ok && err.contains("JSON object"), "{err}");
    let (_, err, ok) = run_sign(&["--method", "private/user-balance", "--params", "{\"price\":0.10}", "--json"]);
    assert!(ok && err.contains("float"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .args(["sign", "--method", "public/auth"])
        .env_remove("CDC_API_KEY")
        .env_remove("CDC_API_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CDC_API_KEY"));
}

#[test]
fn credentials_never_show_the_secret() {
    let c = Credentials::new("abcdefghijklmnop", "s3cr3t-value-XYZ").unwrap();
    for text in [format!("{c:?}"), format!("{c}"), format!("{c:#?}")] {
        assert!(!text.contains("s3cr3t-value-XYZ"), "{text}");
        assert!(!text.contains("abcdefghijklmnop"), "full key shown: {text}");
        assert!(text.contains("abcd…op"), "{text}");
    }
    assert!(Credentials::new("", "x").is_err() && Credentials::new("k", "").is_err());
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-zA-Z0-9_.-]{0,12}".prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        (0u64..1_000_000, 0u32..6).prop_map(|(m, s)| Value::from(Decimal::new(m as i64, s).to_string())),
    ]
}

fn params_strategy() -> impl Strategy<Value = Vec<(String, Value)>> {
    let value = leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map("[a-z_]{1,12}", value, 0..8).prop_map(|m| m.into_iter().collect())
}

/// The §3.2 rules written out independently of the library, sorting keys explicitly.
fn reference(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<_> = m.keys().collect();
            keys.sort();
            for k in keys {
                out.push_str(k);
                reference(&m[k], out);
            }
        }
        Value::Array(a) => a.iter().for_each(|e| reference(e, out)),
        Value::String(s) => out.push_str(s),
        other => out.push_str(&other.to_string()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn canonical_string_does_not_depend_on_key_order(pairs in params_strategy(), seed in any::<u64>()) {
        // Write the object's JSON text with its keys in a scrambled order, parse it back, and
        // compare with an independent rendering that sorts explicitly.
        let mut shuffled = pairs.clone();
        let n = shuffled.len().max(1);
        shuffled.rotate_left((seed as usize) % n);
        shuffled.reverse();
        let text = format!("{{{}}}", shuffled.iter()
            .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), v)).collect::<Vec<_>>().join(","));
        let parsed: Map<String, Value> = serde_json::from_str(&text).unwrap();
        let mut expected = String::new();
        reference(&Value::Object(pairs.into_iter().collect()), &mut expected);
        prop_assert_eq!(canonical(&parsed), expected);
    }

    #[test]
    fn the_signed_value_is_byte_for_byte_the_value_sent(pairs in params_strategy(), id in any::<u64>(), nonce in any::<u64>()) {
        let params: Map<String, Value> = pairs.into_iter().collect();
        let mut req = Request::new(id, "private/create-order", params, nonce);
        let signed = req.sign(&creds());
        // Re-derive the payload from the body as a server would: from its text.
        let body: Value = serde_json::from_str(&req.to_json()).unwrap();
        let body_params = body["params"].as_object().cloned().unwrap();
        let id_text = body["id"].to_string();
        let nonce_text = body["nonce"].to_string();
        prop_assert_eq!(&id_text, &id.to_string());
        prop_assert_eq!(&nonce_text, &nonce.to_string());
        let rebuilt = payload(body["method"].as_str().unwrap(), id, body["api_key"].as_str().unwrap(), &body_params, nonce);
        prop_assert_eq!(&rebuilt, &signed.payload);
        prop_assert_eq!(body["sig"].as_str().unwrap(), signed.sig.as_str());
        prop_assert_eq!(creds().sign_payload(&rebuilt), signed.sig);
    }
}

#[test]
fn sign_warns_about_v2_method_names_with_the_v1_name() {
    for (v2, v1) in
        [("private/get-account-summary", "private/user-balance"), ("public/get-ticker", "public/get-tickers")]
    {
        let (stdout, err, ok) = run_sign(&["--method", v2, "--json"]);
        assert!(ok, "{err}");
        assert!(err.contains("warning") && err.contains("v2") && err.contains(v1), "{v2}: {err}");
        assert!(!stdout.contains("warning"), "warnings go to stderr only: {stdout}");
    }
    let (_, err, ok) = run_sign(&["--method", "private/margin/get-account", "--json"]);
    assert!(ok && err.contains("v2") && err.contains("no v1 method"), "{err}");
    let (_, err, ok) = run_sign(&["--method", "private/user-balance", "--json"]);
    assert!(ok && !err.contains("v2"), "{err}");
}
