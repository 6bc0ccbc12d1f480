//! The TOML config file: profile selection, environment over file, risk limits, strategies, and
//! a file holding a secret that others can read refused with the explanation.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use cdc_engine::config::{default_path, load, load_raw, ConfigError};
use rust_decimal::Decimal;

const FILE: &str = r#"
default_profile = "main"

[profiles.main]
env = "production"
api_key = "main_key_0123456789"
api_secret = "main_secret_must_not_show"
journal = "main.sqlite"

[profiles.main.risk]
max_order_notional = "1000.50"
max_open_orders = 20
max_orders_per_sec = 5
max_position = { BTC_USD = "0.5" }

[profiles.uat]
env = "uat"
api_key = "uat_key_0123456789"
api_secret = "uat_secret_must_not_show"

[strategies.market_maker]
spread_bps = 12
"#;

fn write(dir: &Path, text: &str, mode: u32) -> PathBuf {
    let p = dir.join("config.toml");
    std::fs::write(&p, text).expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    p
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| m.get(k).cloned()
}

#[test]
fn the_default_profile_and_its_limits_load_from_a_private_file() {
    let dir = tempfile::tempdir().expect("dir");
    let p = write(dir.path(), FILE, 0o600);
    let s = load(Some(&p), None, &env(&[])).expect("loads");
    assert_eq!(s.profile, "main");
    assert_eq!(s.endpoints.rest_url, "https://api.crypto.com/exchange/v1");
    assert_eq!(s.creds.as_ref().map(|c| c.api_key().to_owned()).as_deref(), Some("main_key_0123456789"));
    assert_eq!(s.journal, Some(dir.path().join("main.sqlite")));
    assert_eq!(s.risk.max_order_notional, Decimal::from_str("1000.50").ok());
    assert_eq!(s.risk.max_open_orders, Some(20));
    assert_eq!(s.risk.max_orders_per_sec, Some(5));
    assert_eq!(s.risk.max_position.get("BTC_USD"), Decimal::from_str("0.5").ok().as_ref());
    assert_eq!(s.strategies["market_maker"]["spread_bps"].as_integer(), Some(12));
    assert!(!format!("{s:?}").contains("main_secret_must_not_show"));
}

#[test]
fn a_profile_is_picked_by_flag_then_variable() {
    let dir = tempfile::tempdir().expect("dir");
    let p = write(dir.path(), FILE, 0o600);
    let s = load(Some(&p), Some("uat"), &env(&[])).expect("loads");
    assert_eq!((s.profile.as_str(), s.endpoints.rest_url.as_str()), ("uat", "https://uat-api.3ona.co/exchange/v1"));
    let s = load(Some(&p), None, &env(&[("CDC_PROFILE", "uat")])).expect("loads");
    assert_eq!(s.profile, "uat");
    let err = load(Some(&p), Some("nope"), &env(&[])).unwrap_err();
    assert!(matches!(&err, ConfigError::UnknownProfile { known, .. } if known.contains("main")), "{err}");
}

#[test]
fn environment_variables_win_over_the_file() {
    let dir = tempfile::tempdir().expect("dir");
    let p = write(dir.path(), FILE, 0o600);
    let e = env(&[
        ("CDC_API_KEY", "env_key_0123456789"),
        ("CDC_ENV", "uat"),
        ("CDC_REST_URL", "http://127.0.0.1:9/exchange/v1"),
    ]);
    let s = load(Some(&p), None, &e).expect("loads");
    assert_eq!(s.creds.as_ref().map(|c| c.api_key().to_owned()).as_deref(), Some("env_key_0123456789"));
    assert_eq!(s.endpoints.rest_url, "http://127.0.0.1:9/exchange/v1");
    assert_eq!(s.endpoints.user_ws_url, "wss://uat-stream.3ona.co/exchange/v1/user");
}

#[test]
fn a_readable_file_holding_a_secret_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().expect("dir");
    let p = write(dir.path(), FILE, 0o644);
    let err = load_raw(Some(&p), None, &env(&[])).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ConfigError::SecretFileReadable { mode: 0o644, .. }), "{text}");
    assert!(text.contains("chmod 600") && text.contains("CDC_API_SECRET") && text.contains(p.to_str().expect("p")));
    assert!(!text.contains("main_secret_must_not_show"));
    // Without a secret in it, the same mode is fine.
    let p = write(dir.path(), "[profiles.a]\napi_key = \"k\"\n", 0o644);
    assert!(load_raw(Some(&p), None, &env(&[])).is_ok());
}

#[test]
fn mistakes_name_the_file_and_key_without_values() {
    let dir = tempfile::tempdir().expect("dir");
    let p = write(
        dir.path(),
        "[profiles.a]\napi_secret = \"hush_hush_value\"\n[profiles.a.risk]\nmax_order_notional = 1000.5\n",
        0o600,
    );
    let text = load(Some(&p), None, &env(&[])).unwrap_err().to_string();
    assert!(text.contains("profiles.a.risk.max_order_notional") && text.contains("quoted"), "{text}");
    let p = write(dir.path(), "[profiles.a]\napi_secret = \"hush_hush_value\nx", 0o600);
    let text = load(Some(&p), None, &env(&[])).unwrap_err().to_string();
    assert!(text.contains("line") && !text.contains("hush_hush_value"), "{text}");
    let p = write(dir.path(), "[profiles.a]\napi_kye = \"k\"\n", 0o600);
    assert!(load(Some(&p), None, &env(&[])).unwrap_err().to_string().contains("profiles.a.api_kye"));
}

#[test]
fn the_default_path_prefers_the_flag_then_cdc_config() {
    let flag = Path::new("/x/flag.toml");
    assert_eq!(default_path(Some(flag), &env(&[("CDC_CONFIG", "/y.toml")])), Some(flag.to_path_buf()));
    assert_eq!(default_path(None, &env(&[("CDC_CONFIG", "/y.toml")])), Some(PathBuf::from("/y.toml")));
    let home = tempfile::tempdir().expect("dir");
    let h = home.path().to_str().expect("p");
    assert_eq!(default_path(None, &env(&[("HOME", h)])), None);
    std::fs::create_dir_all(home.path().join(".config/cdc-engine")).expect("mkdir");
    std::fs::write(home.path().join(".config/cdc-engine/config.toml"), "").expect("write");
    assert!(default_path(None, &env(&[("HOME", h)])).is_some());
}

#[test]
fn cdc_env_takes_every_documented_name_in_any_case() {
    for (value, rest) in [
        ("UAT", "https://uat-api.3ona.co/exchange/v1"),
        ("Uat", "https://uat-api.3ona.co/exchange/v1"),
        ("SANDBOX", "https://uat-api.3ona.co/exchange/v1"),
        ("sandbox", "https://uat-api.3ona.co/exchange/v1"),
        ("Production", "https://api.crypto.com/exchange/v1"),
        ("PROD", "https://api.crypto.com/exchange/v1"),
        (" production ", "https://api.crypto.com/exchange/v1"),
    ] {
        let s = load(None, None, &env(&[("CDC_ENV", value)])).unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert_eq!(s.endpoints.rest_url, rest, "{value:?}");
    }
}

#[test]
fn a_bad_cdc_env_lists_every_accepted_value_and_blames_its_source() {
    let err = load(None, None, &env(&[("CDC_ENV", "staging")])).unwrap_err().to_string();
    for name in ["production", "prod", "uat", "sandbox", "any case"] {
        assert!(err.contains(name), "{name} in {err}");
    }
    assert!(err.contains("environment variable CDC_ENV=\"staging\""), "{err}");

    let dir = tempfile::tempdir().expect("dir");
    let p = write(dir.path(), "default_profile = \"live\"\n[profiles.live]\nenv = \"mainnet\"\n", 0o600);
    let err = load(Some(&p), None, &env(&[])).unwrap_err().to_string();
    let place = format!("in the config file {}, profile \"live\"", p.display());
    assert!(err.contains(&place), "{err}");
    assert!(err.contains("\"mainnet\"") && err.contains("sandbox") && !err.contains("variable"), "{err}");
    // The environment variable wins over the file, and is then the one named.
    let err = load(Some(&p), None, &env(&[("CDC_ENV", "testnet")])).unwrap_err().to_string();
    assert!(err.contains("environment variable CDC_ENV=\"testnet\""), "{err}");
    assert!(load(Some(&p), None, &env(&[("CDC_ENV", "UAT")])).is_ok());
}
