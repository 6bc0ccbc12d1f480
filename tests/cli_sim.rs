//! `cdc-engine sim` as a user runs it: it prints `listening on http://ADDR` with the real port,
//! the credentials to use and `export` lines that work as printed, serves the v1 paths there,
//! and takes `--listen` as a bare port or a loopback host name, refusing other addresses unless
//! `--allow-remote`.

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

/// Starts `sim ARGS` and reads what it prints up to the fault-switches line.
fn start_sim(args: &[&str]) -> (Child, Vec<String>) {
    let child = Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .arg("sim")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sim");
    let mut child = Child(child);
    let mut printed = Vec::new();
    for line in BufReader::new(child.0.stdout.take().expect("stdout")).lines() {
        let line = line.expect("utf-8");
        let last = line.starts_with("fault switches");
        printed.push(line);
        if last {
            break;
        }
    }
    assert!(printed.last().is_some_and(|l| l.starts_with("fault switches")), "the sim stopped early: {printed:?}");
    (child, printed)
}

/// Runs a command that must end at once with a failure; one still running after 10 s (a
/// simulator that started after all) is killed and fails the test.
fn run_refused(args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`cdc-engine {}` was not refused: it is still running", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("output");
    assert!(!out.status.success(), "`cdc-engine {}` must fail", args.join(" "));
    out
}

fn listening_on(printed: &[String]) -> String {
    printed[0].strip_prefix("listening on http://").expect("listening line").to_owned()
}

#[test]
fn listen_takes_a_bare_port_or_a_loopback_host_name() {
    for listen in ["0", "localhost:0"] {
        let (_child, printed) = start_sim(&["--listen", listen]);
        let addr = listening_on(&printed);
        assert!(addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"), "--listen {listen}: {addr}");
    }
}

#[test]
fn listen_refuses_an_address_others_can_reach_unless_allowed() {
    let out = run_refused(&["sim", "--listen", "0.0.0.0:0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a loopback address") && err.contains("--allow-remote"), "{err}");

    let (_child, printed) = start_sim(&["--listen", "0.0.0.0:0", "--allow-remote"]);
    assert!(listening_on(&printed).starts_with("0.0.0.0:"), "{printed:?}");

    let out = run_refused(&["sim", "--listen", "localhost"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no port"));
}

/// The `export` line, run as a shell would, points `balance` at the simulator with its
/// throwaway credentials.
#[test]
fn the_export_line_carries_the_throwaway_credentials_and_works() {
    let (_child, printed) = start_sim(&["--listen", "127.0.0.1:0"]);
    let export = printed.iter().find(|l| l.starts_with("export ")).expect("an export line");
    let vars: Vec<(String, String)> = export["export ".len()..]
        .split(' ')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("NAME=value");
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    for name in ["CDC_REST_URL", "CDC_USER_WS_URL", "CDC_MARKET_WS_URL", "CDC_API_KEY", "CDC_API_SECRET"] {
        assert!(names.contains(&name), "{name} in {export}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .arg("balance")
        .env_remove("CDC_CONFIG")
        .env_remove("CDC_PROFILE")
        .env_remove("CDC_ENV")
        .envs(vars)
        .output()
        .expect("run balance");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("USD"));
}

#[test]
fn a_secret_given_on_the_command_line_is_not_echoed_in_the_exports() {
    let (_child, printed) = start_sim(&["--listen", "127.0.0.1:0", "--api-key", "k-given", "--api-secret", "s-given"]);
    let all = printed.join("\n");
    assert!(all.contains("CDC_API_KEY=k-given") && !all.contains("s-given"), "{all}");
}
