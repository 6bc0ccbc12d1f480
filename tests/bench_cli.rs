//! `cdc-engine bench --json` runs end to end (debug build, small) and its last line carries
//! every figure with a sane value, the yardsticks of issue 15 among them. Targets are not asserted here: timed assertions flake; the
//! release figures are recorded in benches/README.md.

use std::process::Command;

#[test]
fn bench_json_line_has_every_figure() {
    let out = Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .args(["bench", "--json", "--frames", "20000", "--passes", "1", "--ticks", "30"])
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let last = stdout.lines().last().expect("some output");
    let v: serde_json::Value = serde_json::from_str(last).expect("the last line is JSON");
    let num = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k} missing or not a number in {last}"));
    for k in [
        "frames_per_s",
        "ns_per_frame",
        "p99_ns",
        "value_parse_ns_per_frame",
        "sign_ns",
        "tick_to_order_p50_us",
        "tick_to_order_p99_us",
        "rss_mb_100k_orders",
        "book_frames_per_s",
        "ws_events_per_s",
        "simd_parse_ns_per_frame",
        "path_vs_simd_parse",
        "tick_to_order_internal_p50_us",
        "tick_to_order_internal_p99_us",
        "echo_rtt_p50_us",
        "echo_rtt_p99_us",
    ] {
        let x = num(k);
        assert!(x.is_finite() && x > 0.0, "{k} = {x}");
    }
    assert_eq!(num("frames"), 20_000.0);
    // Consistent with each other, whatever the machine's speed.
    let (fps, ns) = (num("frames_per_s"), num("ns_per_frame"));
    assert!((fps * ns / 1e9 - 1.0).abs() < 0.01, "frames/s and ns/frame disagree");
    assert!(num("p99_ns") >= num("p50_ns"));
    assert!(num("tick_to_order_p99_us") >= num("tick_to_order_p50_us"));
    assert!(num("tick_to_order_samples") >= 10.0, "too few tick-to-order samples");
    // The engine's own part is within the whole engine-side figure; the ratio is the two
    // figures of the same run.
    assert!(num("tick_to_order_internal_p50_us") <= num("tick_to_order_p50_us"));
    assert!(num("echo_rtt_p99_us") >= num("echo_rtt_p50_us"));
    let ratio = num("ns_per_frame") / num("simd_parse_ns_per_frame");
    assert!((num("path_vs_simd_parse") / ratio - 1.0).abs() < 0.01, "the ratio is of the same run's figures");
    // 100,000 orders cannot fit in less than a few MB, nor should they need gigabytes.
    let rss = num("rss_mb_100k_orders");
    assert!((5.0..4_000.0).contains(&rss), "rss {rss} MB");
}

#[test]
fn bench_backtest_json_line_has_every_figure() {
    let out = Command::new(env!("CARGO_BIN_EXE_cdc-engine"))
        .args(["bench", "backtest", "--json", "--events", "20000", "--passes", "1"])
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench backtest failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let last = stdout.lines().last().expect("some output");
    let v: serde_json::Value = serde_json::from_str(last).expect("the last line is JSON");
    let num = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k} missing or not a number in {last}"));
    assert_eq!(num("events"), 20_000.0, "every generated event replayed");
    for k in ["events_per_s", "ns_per_event", "plain_events_per_s", "convert_events_per_s"] {
        assert!(num(k).is_finite() && num(k) > 0.0, "{k}");
    }
    assert!((num("events_per_s") * num("ns_per_event") / 1e9 - 1.0).abs() < 0.01);
    // The strategy acted every 1,000 events, and its bids at the touch were filled.
    assert_eq!(num("actions"), 20.0);
    assert!(num("fills") > 0.0, "{last}");
    let bytes = v["bytes"].as_array().expect("bytes");
    assert!(bytes[1].as_f64() < bytes[0].as_f64(), "the compact form is smaller: {last}");
}
