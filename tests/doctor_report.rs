//! The support report: `--report` to a path that cannot be written fails before any check
//! runs, saying why; the report says which cdc-engine, which environment and when (UTC).

mod support;

use std::time::Duration;

use cdc_engine::clock::system_now_ms;

async fn doctor(home: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    cmd.env_clear().env("HOME", home).arg("doctor").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output()).await.expect("ends").expect("runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[tokio::test]
async fn an_unwritable_report_path_fails_before_any_check_runs() {
    let sim = support::sim(false).await;
    let dir = tempfile::tempdir().expect("dir");
    let env = [("CDC_REST_URL", sim.rest_url()), ("CDC_API_KEY", support::KEY.into())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let missing = dir.path().join("no/such/dir/report.md");
    let folder = dir.path().to_str().expect("path").to_owned();
    for (path, why) in [(missing.to_str().expect("path"), "No such file or directory"), (folder.as_str(), "directory")]
    {
        let started = std::time::Instant::now();
        let (ok, out, err) = doctor(dir.path(), &env, &["--report", path]).await;
        assert!(!ok, "{out}{err}");
        assert!(out.is_empty(), "checks ran before the report failed:\n{out}");
        assert!(
            err.contains("cannot write the report to") && err.contains(why) && err.contains("no check was run"),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

/// Days since 1970-01-01 of a civil date.
fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// `YYYY-MM-DDTHH:MM:SSZ` as UTC ms.
fn parse_utc(t: &str) -> u64 {
    let n = |a: usize, b: usize| t[a..b].parse::<i64>().expect("digits");
    assert_eq!((&t[4..5], &t[10..11], &t[19..20]), ("-", "T", "Z"), "{t}");
    let secs = days(n(0, 4), n(5, 7), n(8, 10)) * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19);
    u64::try_from(secs).expect("after 1970") * 1000
}

#[tokio::test]
async fn the_report_carries_the_version_the_environment_and_the_utc_time() {
    let sim = support::sim(false).await;
    let dir = tempfile::tempdir().expect("dir");
    let report = dir.path().join("report.md");
    let rep = report.to_str().expect("path");
    let env = [
        ("CDC_REST_URL", sim.rest_url()),
        ("CDC_USER_WS_URL", sim.user_ws_url()),
        ("CDC_MARKET_WS_URL", sim.market_ws_url()),
        ("CDC_API_KEY", support::KEY.into()),
        ("CDC_API_SECRET", support::SECRET.into()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let before = system_now_ms();
    let (ok, out, err) = doctor(dir.path(), &env, &["--report", rep]).await;
    assert!(ok, "{out}{err}");
    let file = std::fs::read_to_string(&report).expect("report");
    let line = |name: &str| {
        file.lines().find_map(|l| l.strip_prefix(name)).unwrap_or_else(|| panic!("no {name} in\n{file}")).to_owned()
    };
    assert_eq!(line("version: "), format!("cdc-engine {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(
        line("environment: "),
        format!(
            "custom URLs: REST {}, user WS {}, market WS {}",
            sim.rest_url(),
            sim.user_ws_url(),
            sim.market_ws_url()
        )
    );
    let time = line("time: ");
    let at = parse_utc(time.strip_suffix(" (UTC)").expect("says UTC"));
    assert!(at + 1000 >= before && at <= system_now_ms(), "{time} is not the time of the run");
    // A preset environment is named as such.
    let req = dir.path().join("req.http");
    std::fs::write(&req, "GET /exchange/v1/public/get-tickers HTTP/1.1\n\n").expect("write");
    let args = ["--report", rep, "--request", req.to_str().expect("path")];
    let _ = doctor(dir.path(), &[("CDC_ENV", "uat")], &args).await;
    let file = std::fs::read_to_string(&report).expect("report");
    assert!(file.contains("environment: uat (REST https://uat-api.3ona.co/exchange/v1)"), "{file}");
}
