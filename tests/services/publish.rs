//! `--publish` and `tail --from` against a real `nats-server -js`: three engines on three
//! simulated accounts publish while one is killed with -9 and restarted on its journal and the
//! server is killed and restarted mid-trading; afterwards one `tail --from --durable` shows
//! every journalled fill of the three exactly once, and a durable read in two runs (one during
//! trading, one after) shows each exactly once across them. Also: `tail --from` ends with a
//! clear message when there is no server or no stream.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::{SimConfig, SimHandle};
use serde_json::Value;
use tokio::process::{Child, Command};

use crate::server::Nats;

/// The market maker as the demo runs it: inside the simulated participants' ladder, so fills
/// come within seconds.
const MM: &str = "instrument = \"BTC_USD\"\nspread_bps = \"0.3\"\norder_qty = \"0.01\"\nmax_position = \"0.2\"\n\
                  skew_bps_per_unit = \"0.75\"";

/// The keys of a published fill: `tail --json`'s fill and the two the publisher adds.
const FILL_KEYS: [&str; 14] = [
    "account",
    "client_oid",
    "fee",
    "fee_currency",
    "instrument_name",
    "order_id",
    "price",
    "quantity",
    "side",
    "taker_side",
    "time",
    "trade_id",
    "type",
    "v",
];

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cdc-engine"));
    c.env_remove("CDC_CONFIG").env_remove("CDC_PROFILE").env_remove("RUST_LOG").kill_on_drop(true);
    for k in [
        "CDC_API_KEY",
        "CDC_API_SECRET",
        "CDC_ENV",
        "CDC_REST_URL",
        "CDC_USER_WS_URL",
        "CDC_MARKET_WS_URL",
        "CDC_ACCOUNT_NAME",
    ] {
        c.env_remove(k);
    }
    c
}

/// One simulated account with its config file, journal and engine log.
struct Account {
    name: String,
    sim: SimHandle<Exchange>,
    config: PathBuf,
    journal: PathBuf,
    log: PathBuf,
}

impl Account {
    async fn start(i: usize, dir: &Path) -> Account {
        let (key, secret) = (format!("publish_key_{i}"), format!("publish_secret_{i}_do_not_print"));
        let mut sc = SimConfig::new(&key, &secret);
        sc.market_interval = Duration::from_millis(100);
        // The same seed on all three: their trade ids may well coincide, which the dedup ids
        // (account first) must keep apart.
        let core = Exchange::new(ExchangeConfig { synthetic_market: true, seed: 7, ..ExchangeConfig::default() });
        let sim = cdc_sim::start(sc, core).await.expect("sim starts");
        let (config, journal, log) =
            (dir.join(format!("a{i}.toml")), dir.join(format!("a{i}.sqlite")), dir.join(format!("a{i}.log")));
        let body = format!(
            "default_profile = \"s\"\n\n[profiles.s]\nrest_url = \"{}\"\nuser_ws_url = \"{}\"\nmarket_ws_url = \"{}\"\n\
             api_key = \"{key}\"\napi_secret = \"{secret}\"\njournal = \"{}\"\n\n[strategies.market_maker]\n{MM}\n",
            sim.rest_url(),
            sim.user_ws_url(),
            sim.market_ws_url(),
            journal.display()
        );
        std::fs::write(&config, body).unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        Account { name: format!("a{i}"), sim, config, journal, log }
    }

    /// `cdc-engine run market_maker --publish URL --account-name aN`, output appended to its log.
    fn engine(&self, url: &str) -> Child {
        let log = || std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        bin()
            .args(["run", "market_maker", "--publish", url, "--account-name", &self.name, "--config"])
            .arg(&self.config)
            .stdout(Stdio::from(log()))
            .stderr(Stdio::from(log()))
            .spawn()
            .expect("spawn the engine")
    }

    fn sim_fills(&self) -> usize {
        self.sim.with_venue(|x| x.user_trades()).len()
    }

    /// The journal's trade ids.
    fn journalled(&self) -> Vec<String> {
        let conn = rusqlite::Connection::open(&self.journal).unwrap();
        let mut stmt = conn.prepare("SELECT trade_id FROM fills ORDER BY seq").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }
}

impl Account {
    /// The publish cursor's `fills_seq` and the journal's last `fills.seq`.
    fn cursor_and_last_seq(&self) -> (i64, i64) {
        let mut path = self.journal.clone().into_os_string();
        path.push(".published");
        let cursor: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("a publish cursor")).unwrap();
        let conn = rusqlite::Connection::open(&self.journal).unwrap();
        let last: i64 = conn.query_row("SELECT MAX(seq) FROM fills", [], |r| r.get(0)).unwrap();
        (cursor["fills_seq"].as_i64().unwrap(), last)
    }
}

/// Every engine log, for a failure message.
fn logs(accounts: &[Account]) -> String {
    accounts
        .iter()
        .map(|a| format!("--- {} ---\n{}", a.name, std::fs::read_to_string(&a.log).unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits until every account's simulator has at least `at_least(i)` fills.
async fn fills_reach(accounts: &[Account], what: &str, at_least: impl Fn(usize) -> usize) {
    let deadline = Instant::now() + Duration::from_secs(40);
    while accounts.iter().enumerate().any(|(i, a)| a.sim_fills() < at_least(i)) {
        let counts: Vec<usize> = accounts.iter().map(Account::sim_fills).collect();
        assert!(Instant::now() < deadline, "{what}: fills {counts:?}\n{}", logs(accounts));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `tail --from URL --json --drain ARGS`: the published fills it printed, as (account, trade id).
/// A `tail --from --drain` run's fills; its readers' marks are kept in `state`.
async fn tail_fills(url: &str, state: &Path, args: &[&str]) -> Vec<(String, String)> {
    let o = bin()
        .args(["tail", "--from", url, "--json", "--drain", "--duration", "60"])
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "tail --from failed:\n{stderr}");
    assert!(stderr.contains("nats: connected"), "it says its connection state:\n{stderr}");
    let mut fills = Vec::new();
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_eq!(v["v"], 1, "{line}");
        if v["type"] == "fill" {
            let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, FILL_KEYS.into_iter().collect::<BTreeSet<_>>(), "{line}");
            fills.push((v["account"].as_str().unwrap().to_owned(), v["trade_id"].as_str().unwrap().to_owned()));
        }
    }
    fills
}

/// Each (account, trade id) once, and all of `expected`.
fn exactly_once(got: &[(String, String)], expected: &BTreeSet<(String, String)>, what: &str) {
    let mut seen: BTreeMap<&(String, String), usize> = BTreeMap::new();
    for f in got {
        *seen.entry(f).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{what}: fills shown more than once: {twice:?}");
    let shown: BTreeSet<(String, String)> = got.iter().cloned().collect();
    let missing: Vec<_> = expected.difference(&shown).collect();
    let extra: Vec<_> = shown.difference(expected).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{what}: missing {missing:?}, not journalled {extra:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_engines_publish_every_fill_exactly_once_across_an_engine_kill_and_a_server_restart() {
    let mut nats = Nats::start();
    let url = nats.url();
    let dir = tempfile::tempdir().unwrap();
    let mut accounts = Vec::new();
    for i in 1..=3 {
        accounts.push(Account::start(i, dir.path()).await);
    }
    let mut engines: Vec<Child> = accounts.iter().map(|a| a.engine(&url)).collect();
    fills_reach(&accounts, "every engine trading", |_| 2).await;

    // kill -9 one engine mid-trading (nothing flushed, its cursor behind what it published),
    // and start it again on the same journal.
    engines[0].start_kill().unwrap();
    engines[0].wait().await.unwrap();
    // The worst a crash can leave: a cursor behind everything published. Without it the
    // restarted publisher sends the whole journal again, and JetStream must drop every repeat.
    let mut cursor = accounts[0].journal.clone().into_os_string();
    cursor.push(".published");
    std::fs::remove_file(cursor).expect("the killed engine had saved a publish cursor");
    engines[0] = accounts[0].engine(&url);
    let before: Vec<usize> = accounts.iter().map(Account::sim_fills).collect();
    fills_reach(&accounts, "trading after the restart", |i| before[i] + 2).await;

    // A durable reader's first run, during trading.
    let first_part = tail_fills(&url, dir.path(), &["--durable", "y"]).await;
    assert!(!first_part.is_empty(), "fills were in the stream during trading");

    // The server dies mid-trading: the engines trade on; then it comes back on the same store.
    nats.stop();
    let before: Vec<usize> = accounts.iter().map(Account::sim_fills).collect();
    fills_reach(&accounts, "trading while NATS is down", |i| before[i] + 2).await;
    // Down until every publisher has seen it (an ack timed out), not a blip a reconnect hides.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !accounts
        .iter()
        .all(|a| std::fs::read_to_string(&a.log).unwrap_or_default().contains("publishing from the journal paused"))
    {
        assert!(Instant::now() < deadline, "no publisher noticed NATS was down\n{}", logs(&accounts));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (e, a) in engines.iter_mut().zip(&accounts) {
        assert!(e.try_wait().unwrap().is_none(), "{} stopped while NATS was down\n{}", a.name, logs(&accounts));
    }
    // A second engine dies while NATS is down: what its client held unsent dies with it, so
    // only a cursor that never passed an unacknowledged fill brings those fills to the stream.
    engines[1].start_kill().unwrap();
    engines[1].wait().await.unwrap();
    nats.restart();
    engines[1] = accounts[1].engine(&url);
    let before: Vec<usize> = accounts.iter().map(Account::sim_fills).collect();
    fills_reach(&accounts, "trading after NATS is back", |i| before[i] + 1).await;

    // Clean stops: each publisher drains before its process ends.
    for e in &engines {
        let pid = e.id().unwrap().to_string();
        assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    }
    for (e, a) in engines.iter_mut().zip(&accounts) {
        let status = tokio::time::timeout(Duration::from_secs(30), e.wait()).await.expect("the engine stops").unwrap();
        assert!(status.success(), "{} exited with {status}\n{}", a.name, logs(&accounts));
    }

    let mut expected = BTreeSet::new();
    for a in &accounts {
        let ids = a.journalled();
        assert!(ids.len() >= 4, "{} journalled {} fills", a.name, ids.len());
        let sim: BTreeSet<String> = a
            .sim
            .with_venue(|x| x.user_trades())
            .iter()
            .filter_map(|t| t["trade_id"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            ids.iter().cloned().collect::<BTreeSet<_>>(),
            sim,
            "{}: the journal holds the account's fills",
            a.name
        );
        let (cursor, last) = a.cursor_and_last_seq();
        assert_eq!(cursor, last, "{}: a clean stop leaves the publish cursor at the journal's last fill", a.name);
        expected.extend(ids.into_iter().map(|t| (a.name.clone(), t)));
    }
    let all = tail_fills(&url, dir.path(), &["--durable", "x"]).await;
    exactly_once(&all, &expected, "one durable read after trading");
    let mut split = first_part;
    split.extend(tail_fills(&url, dir.path(), &["--durable", "y"]).await);
    exactly_once(&split, &expected, "a durable read in two runs");
    // One account of the three.
    let a2 = tail_fills(&url, dir.path(), &["--durable", "only-a2", "--account", "a2"]).await;
    let expected_a2 = expected.iter().filter(|(a, _)| a == "a2").cloned().collect();
    exactly_once(&a2, &expected_a2, "one account");
    let o = bin().args(["tail", "--from", &url, "--drain", "--durable", "only-a2"]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && stderr.contains("use another --durable name"), "{stderr}");
    let logs = logs(&accounts);
    assert!(!logs.contains("publish_secret_"), "a secret reached a log:\n{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_from_ends_with_what_to_check_when_there_is_no_server_or_no_stream() {
    let run = |args: Vec<String>| async move {
        let t = Instant::now();
        let o = bin().arg("tail").args(args).output().await.unwrap();
        assert!(!o.status.success());
        assert!(t.elapsed() < Duration::from_secs(15), "gave up in {:?}", t.elapsed());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let wrong = run(vec!["--from".into(), "http://127.0.0.1:4222".into()]).await;
    assert!(wrong.contains("nats://HOST:PORT"), "{wrong}");

    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let none = run(vec!["--from".into(), format!("nats://127.0.0.1:{free}"), "--wait".into(), "2".into()]).await;
    assert!(none.contains("no NATS server answers") && none.contains("nats: connecting"), "{none}");

    let nats = Nats::start();
    let empty = run(vec!["--from".into(), nats.url(), "--wait".into(), "2".into()]).await;
    assert!(
        empty.contains("nats: connected") && empty.contains("does not exist") && empty.contains("--publish"),
        "{empty}"
    );
}
