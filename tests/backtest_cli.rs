//! `cdc-engine backtest` and `convert` as a user runs them: the simulator's market recorded with
//! `cdc-engine record`, then backtested through the market maker, the JSON report identical to
//! the byte on a second run and from the compact form, a chart of the size asked for; and the
//! refusals (an unknown strategy, an instrument the data lacks, no market data, every order
//! refused) each exit non-zero naming the problem.

mod support;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use support::*;

/// The binary with no settings but those given: no config, profile or credentials from the
/// environment, and a HOME without a config file.
fn cdc(home: &Path, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    for var in ["CDC_CONFIG", "CDC_PROFILE", "CDC_ENV", "RUST_LOG", "CDC_API_KEY", "CDC_API_SECRET"] {
        c.env_remove(var);
    }
    c.env("HOME", home).args(args);
    c
}

fn run(home: &Path, args: &[&str]) -> Output {
    cdc(home, args).output().expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// A market maker that quotes BTC_USD inside the simulator's spread.
const MM_CONFIG: &str = "[strategies.market_maker]\ninstrument = \"BTC_USD\"\nspread_bps = \"4\"\n\
                         order_qty = \"0.001\"\nmax_position = \"0.01\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_backtests_to_the_same_bytes_every_time_and_from_the_compact_form() {
    let sim = sim(true).await;
    let dir = tempfile::tempdir().expect("dir");
    let rec = dir.path().join("rec");
    let mut record = tokio::process::Command::from(cdc(
        dir.path(),
        &["record", "--instruments", "BTC_USD", "--channels", "book,trade", "--depth", "10", "--duration", "4s"],
    ));
    record
        .arg("--out")
        .arg(&rec)
        .env("CDC_REST_URL", sim.rest_url())
        .env("CDC_MARKET_WS_URL", sim.market_ws_url())
        .env("CDC_USER_WS_URL", sim.user_ws_url())
        .kill_on_drop(true);
    let recorded = tokio::time::timeout(Duration::from_secs(30), record.output())
        .await
        .expect("the recorder stops after its --duration")
        .expect("the recorder runs");
    assert!(recorded.status.success(), "{}", text(&recorded.stderr));
    drop(sim);

    let config = dir.path().join("mm.toml");
    std::fs::write(&config, MM_CONFIG).unwrap();
    let backtest = |data: &Path, extra: &[&str]| {
        let mut args = vec!["backtest", "market_maker", "--data", p(data), "--config", p(&config)];
        args.extend_from_slice(extra);
        run(dir.path(), &args)
    };
    let first = backtest(&rec, &["--json"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let stdout = text(&first.stdout);
    assert_eq!(stdout.lines().count(), 1, "exactly one JSON object on stdout: {stdout}");
    let report: Value = serde_json::from_str(&stdout).expect("the report is JSON");
    assert!(report["data"]["book_updates"].as_u64().unwrap() > 0, "{report}");
    assert!(report["data"]["trades"].as_u64().unwrap() > 0, "{report}");
    assert!(report["orders"]["placed"].as_u64().unwrap() > 0, "the market maker quoted: {report}");
    assert_eq!(report["strategies"][0], "market_maker");

    let second = backtest(&rec, &["--json"]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert_eq!(first.stdout, second.stdout, "two runs on the same data print the same bytes");

    let compact = dir.path().join("all.cdcb");
    let converted = run(dir.path(), &["convert", "--data", p(&rec), "--out", p(&compact)]);
    assert!(converted.status.success(), "{}", text(&converted.stderr));
    assert!(text(&converted.stdout).contains(" records to "), "{}", text(&converted.stdout));
    let from_compact = backtest(&compact, &["--json"]);
    assert!(from_compact.status.success(), "{}", text(&from_compact.stderr));
    assert_eq!(text(&first.stdout), text(&from_compact.stdout), "the compact form replays the same");

    let png = dir.path().join("out.png");
    let charted = backtest(&rec, &["--chart", p(&png)]);
    assert!(charted.status.success(), "{}", text(&charted.stderr));
    let table = text(&charted.stdout);
    assert!(table.contains("net PnL") && table.contains("max drawdown") && table.contains("placed"), "{table}");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).expect("the chart exists")));
    let reader = decoder.read_info().expect("a PNG");
    assert_eq!((reader.info().width, reader.info().height), (1200, 700));
}

/// A few seconds of BTC_USD near 50 000: the venue's list, a book, deltas and a trade.
fn tape(dir: &Path) -> std::path::PathBuf {
    let t0: u64 = 1_700_000_000_000;
    let push = |t: u64, channel: &str, data: &str| {
        let sub = if channel == "trade" { "trade.BTC_USD".to_owned() } else { "book.BTC_USD.10".to_owned() };
        format!(
            r#"{{"recv_us":{},"frame":{{"id":-1,"method":"subscribe","code":0,"result":{{"instrument_name":"BTC_USD","subscription":"{sub}","channel":"{channel}","data":[{data}]}}}}}}"#,
            t * 1000
        )
    };
    let mut lines = vec![format!(
        r#"{{"recv_us":{},"instruments":[{{"symbol":"BTC_USD","inst_type":"CCY_PAIR","base_ccy":"BTC","quote_ccy":"USD","price_tick_size":"0.01","qty_tick_size":"0.0001","tradable":true}}]}}"#,
        t0 * 1000
    )];
    lines.push(push(t0 + 1, "book", r#"{"asks":[["50010","1","1"]],"bids":[["49990","1","1"]],"t":1,"u":10}"#));
    let mut u = 10;
    for k in 1..=5u64 {
        let data = format!(r#"{{"update":{{"asks":[],"bids":[["49990","{k}","1"]]}},"t":1,"u":{},"pu":{u}}}"#, u + 3);
        u += 3;
        lines.push(push(t0 + k * 700, "book.update", &data));
    }
    lines.push(push(t0 + 4000, "trade", r#"{"d":"1","t":1,"p":"50000","q":"0.5","s":"BUY","i":"BTC_USD"}"#));
    let path = dir.join("tape.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn an_unknown_strategy_a_missing_instrument_and_no_market_data_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("dir");
    let data = tape(dir.path());
    let config = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        path
    };
    let refused = |args: &[&str]| {
        let o = run(dir.path(), args);
        assert!(!o.status.success(), "{args:?} succeeded: {}", text(&o.stdout));
        text(&o.stderr)
    };

    let e = refused(&["backtest", "momentum", "--data", p(&data)]);
    assert!(e.contains("unknown strategy `momentum`") && e.contains("market_maker, grid, twap, protect"), "{e}");

    let eth = config("eth.toml", "[strategies.market_maker]\ninstrument = \"ETH_USD\"\n");
    let e = refused(&["backtest", "market_maker", "--data", p(&data), "--config", p(&eth)]);
    assert!(e.contains("ETH_USD") && e.contains("no market data") && e.contains("BTC_USD"), "{e}");

    let unlisted = config("foo.toml", "[strategies.market_maker]\ninstrument = \"FOO_USD\"\n");
    let e = refused(&["backtest", "market_maker", "--data", p(&data), "--config", p(&unlisted)]);
    assert!(e.contains("FOO_USD is not listed"), "the library's error names it: {e}");

    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let e = refused(&["backtest", "market_maker", "--data", p(&empty)]);
    assert!(e.contains("no market data"), "{e}");
    let e = refused(&["backtest", "market_maker", "--data", p(&dir.path().join("nope.jsonl"))]);
    assert!(e.contains("nope.jsonl") && e.contains("cannot read"), "{e}");

    // The market maker's quotes (0.001 at about 50 000) exceed a 1 USD notional limit.
    let strict = config(
        "strict.toml",
        "[profiles.p.risk]\nmax_order_notional = \"1\"\n[strategies.market_maker]\ninstrument = \"BTC_USD\"\n",
    );
    let o = run(dir.path(), &["backtest", "market_maker", "--data", p(&data), "--config", p(&strict), "--json"]);
    assert!(!o.status.success());
    let report: Value = serde_json::from_str(text(&o.stdout).trim()).expect("the report is printed first");
    assert!(report["orders"]["refused_by_risk"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(report["orders"]["placed"], 0);
    assert!(text(&o.stderr).contains("every order was refused"), "{}", text(&o.stderr));
}
