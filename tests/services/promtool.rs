//! Prometheus's own checker on the engine's metrics: an engine trading the market maker against
//! the simulator (fills, books, reconnects counted), its `/metrics` piped into
//! `promtool check metrics` (Debian package `prometheus`), which must find no problem.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use cdc_engine::config::Endpoints;
use cdc_engine::engine::{start, EngineConfig};
use cdc_engine::protocol::Credentials;
use cdc_sim::exchange::{Exchange, ExchangeConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promtool_finds_no_problem_in_the_metrics_of_an_engine_trading_against_the_simulator() {
    let sim = cdc_sim::start(
        cdc_sim::SimConfig::new("promtool-key", "promtool-secret-0001"),
        Exchange::new(ExchangeConfig { synthetic_market: true, ..ExchangeConfig::default() }),
    )
    .await
    .unwrap();
    let mut cfg = EngineConfig::new(
        Endpoints::local(sim.addr()),
        Credentials::new("promtool-key", "promtool-secret-0001").unwrap(),
    );
    cfg.connect_pause = Duration::from_millis(100);
    let dir = tempfile::tempdir().unwrap();
    cfg.journal = Some(dir.path().join("journal.sqlite"));
    let mut params = toml::Table::new();
    for (k, v) in [("instrument", "BTC_USD"), ("spread_bps", "0.3"), ("order_qty", "0.001"), ("max_position", "0.01")] {
        params.insert(k.into(), v.into());
    }
    let mm = cdc_strategies::build("market_maker", &params).unwrap();
    let engine = start(cfg, vec![mm]).await.unwrap();
    let ops = cdc_cli::ops::serve_metrics("127.0.0.1:0".parse().unwrap(), engine.clone()).await.unwrap();
    let url = format!("http://{}/metrics", ops.addr());
    // Trading, then a drop and a reconnect, so every family has samples.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while engine.state().fills.total() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no fill within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sim.faults().drop_connections();
    while !engine.metrics().ready()
        || !reqwest::get(&url).await.unwrap().text().await.unwrap().contains("cdc_reconnects_total")
    {
        assert!(tokio::time::Instant::now() < deadline, "not ready again after the drop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let resp = reqwest::get(&url).await.unwrap();
    let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    let text = resp.text().await.unwrap();
    for family in [
        "cdc_fills_total",
        "cdc_order_round_trip_seconds_bucket",
        "cdc_tick_to_order_seconds_count",
        "cdc_realised_pnl",
        "cdc_last_message_age_seconds",
        "cdc_journal_pending_entries",
    ] {
        assert!(text.contains(family), "{family} missing:\n{text}");
    }
    let (ok, said) = promtool(&text);
    assert!(ok && said.trim().is_empty(), "promtool: {said}\n--- metrics ---\n{text}");
    ops.shutdown().await;
    engine.shutdown(false).await.unwrap();
}

/// The text `promtool check metrics` says about `text` (empty: no problem), and whether it passed.
fn promtool(text: &str) -> (bool, String) {
    let mut p = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool on PATH (Debian package prometheus; .ci/run installs it)");
    p.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = p.wait_with_output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn promtool_finds_no_problem_in_the_gateways_metrics() {
    let m = cdc_cli::bus::market::metrics::GatewayMetrics::default();
    m.published.get_or_create(&cdc_cli::bus::market::metrics::FamilyLabel { channel: "book".into() }).inc();
    m.reconnects.inc();
    let text = m.encode();
    assert!(text.contains("cdc_gateway_feed_up 0") && text.contains("cdc_gateway_nats_connected 0"), "{text}");
    let (ok, said) = promtool(&text);
    assert!(ok && said.trim().is_empty(), "promtool: {said}\n{text}");
}
