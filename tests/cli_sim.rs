//! `cdc-engine sim` as a user runs it: it prints `listening on http://ADDR` with the real port,
//! the credentials to use, and serves the v1 paths there.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn prints_its_address_and_serves_the_v1_paths() {
    let child = Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--api-key",
            "k-cli-test",
            "--api-secret",
            "s-cli-test",
            "--balance",
            "USD=5000,BTC=1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sim");
    let mut child = Child(child);
    let mut lines = BufReader::new(child.0.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let url = first.strip_prefix("listening on ").expect("listening line");
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{url}");
    let rest: Vec<String> = lines.by_ref().take(2).map(|l| l.unwrap_or_default()).collect();
    assert!(
        rest[0].contains("k-cli-test") && !rest.join("\n").contains("s-cli-test"),
        "given secrets are not echoed: {rest:?}"
    );

    let body: serde_json::Value = reqwest::get(format!("{url}/exchange/v1/public/get-instruments"))
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(body["code"], 0);
    let symbols: Vec<&str> =
        body["result"]["data"].as_array().unwrap().iter().filter_map(|i| i["symbol"].as_str()).collect();
    for s in ["BTC_USD", "ETH_USD", "CRO_USD"] {
        assert!(symbols.contains(&s), "{symbols:?}");
    }
}

#[test]
fn a_bad_balance_says_what_is_wrong() {
    let out = Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .args(["sim", "--listen", "127.0.0.1:0", "--balance", "USD=-5"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("negative"));
}
