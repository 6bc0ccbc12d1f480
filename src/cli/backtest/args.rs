//! What the backtest commands read before they run: times, latency, balances and fee rates
//! from the command line; the files a `--data` list names (a folder stands for its recordings);
//! the strategy built from the settings the way `run` builds it; and the simulator's instrument
//! list as the fallback for data without one. It must NOT run a backtest or print to stdout:
//! the commands do that.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use cdc_engine::config::{default_path, load_raw, RawSettings};
use cdc_engine::protocol::models::Instrument;
use cdc_engine::protocol::utc;
use cdc_engine::strategy::Strategy;
use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::venue::Venue;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::cli::common::AccountArgs;

/// The file names a folder given to `--data` contributes: what `record --out` and `convert`
/// write.
const DATA_SUFFIXES: [&str; 3] = [".jsonl", ".jsonl.gz", ".cdcb"];

/// `--from`/`--to`: an RFC 3339 time (`2026-11-30T12:00:00Z`) or ms since the epoch.
pub fn parse_time_ms(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| format!("{t:?} is too large for ms since the epoch"));
    }
    let ns = utc::parse_rfc3339(t)
        .map_err(|e| format!("{e}; write an RFC 3339 UTC time like 2026-11-30T12:00:00Z, or ms since the epoch"))?;
    u64::try_from(ns / 1_000_000).map_err(|_| format!("{t:?} is too far in the future"))
}

/// `--latency`: a decimal number of ms (`0.5`), kept in µs as the library counts it.
pub fn parse_latency_us(s: &str) -> Result<u64, String> {
    let ms: Decimal = s.trim().parse().map_err(|_| format!("{s:?} is not a number of ms (e.g. 0.5 or 20)"))?;
    if ms.is_sign_negative() {
        return Err(format!("{s}: a latency cannot be negative"));
    }
    (ms * Decimal::from(1000)).round().to_u64().ok_or_else(|| format!("{s}: too large a latency"))
}

/// `--balance CCY=AMOUNT`.
pub fn parse_balance(s: &str) -> Result<(String, Decimal), String> {
    let hint = "write CCY=AMOUNT, e.g. USD=100000 or BTC=0.5";
    let (ccy, amount) = s.split_once('=').ok_or_else(|| format!("{s:?}: {hint}"))?;
    let ccy = ccy.trim().to_ascii_uppercase();
    if ccy.is_empty() || !ccy.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!("{s:?}: the currency must be letters and digits; {hint}"));
    }
    let amount: Decimal = amount.trim().parse().map_err(|_| format!("{s:?}: the amount is not a number; {hint}"))?;
    if amount.is_sign_negative() {
        return Err(format!("{s:?}: a starting balance cannot be negative"));
    }
    Ok((ccy, amount))
}

/// `--maker-fee`/`--taker-fee`: a fraction of the traded value; negative is a rebate.
pub fn parse_rate(s: &str) -> Result<Decimal, String> {
    let r: Decimal = s.trim().parse().map_err(|_| format!("{s:?} is not a number; write a fraction: 0.001 = 0.1 %"))?;
    if r.abs() >= Decimal::ONE {
        return Err(format!("{s}: a fee rate is a fraction of the traded value (0.001 = 0.1 %), below 1"));
    }
    Ok(r)
}

/// The files `--data` names: files as given, folders as their recordings sorted by name
/// (which is time order for `record`'s names). Without `compact`, a folder's `*.cdcb` files
/// are left out (`convert` reads the plain form only; one may be its own earlier output).
pub fn data_files(given: &[PathBuf], compact: bool) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in given {
        let meta = std::fs::metadata(path).with_context(|| {
            format!("--data {}: cannot read it; name files or folders written by `cdc-engine record`", path.display())
        })?;
        if !meta.is_dir() {
            out.push(path.clone());
            continue;
        }
        let mut found: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("--data {}: cannot list the folder", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_data_name(p, compact))
            .collect();
        if found.is_empty() {
            bail!(
                "--data {}: the folder holds no {} file; record some with `cdc-engine record --out {}`",
                path.display(),
                if compact { "*.jsonl, *.jsonl.gz or *.cdcb" } else { "*.jsonl or *.jsonl.gz" },
                path.display()
            );
        }
        found.sort();
        let compact_too = found.iter().any(|p| p.to_string_lossy().ends_with(".cdcb"));
        if compact_too && found.iter().any(|p| !p.to_string_lossy().ends_with(".cdcb")) {
            bail!(
                "--data {}: the folder holds recordings and compact files, which would replay the same market twice; name the files you mean, or keep converted files elsewhere",
                path.display()
            );
        }
        out.extend(found);
    }
    Ok(out)
}

fn is_data_name(p: &Path, compact: bool) -> bool {
    let suffixes = if compact { &DATA_SUFFIXES[..] } else { &DATA_SUFFIXES[..2] };
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| suffixes.iter().any(|s| n.ends_with(s)))
}

/// Whether a file starts as the compact form does.
pub fn is_compact(path: &Path) -> bool {
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| &head == cdc_engine::backtest::data::COMPACT_MAGIC)
}

/// The settings without their validation: a backtest needs no credentials or endpoints, so
/// neither may stop it. With no config file at all the defaults apply; a file named by
/// `--config` or `$CDC_CONFIG` must exist.
pub fn lenient_settings(args: &AccountArgs) -> anyhow::Result<RawSettings> {
    let env = |k: &str| std::env::var(k).ok();
    let path = default_path(args.config.as_deref(), &env);
    Ok(load_raw(path.as_deref(), args.profile.as_deref(), &env)?)
}

/// Builds built-in strategy `name` with its `[strategies.NAME]` table, as `run` does.
pub fn build_strategy(name: &str, s: &RawSettings) -> anyhow::Result<Box<dyn Strategy>> {
    let params = match s.strategies.get(name) {
        Some(toml::Value::Table(t)) => t.clone(),
        Some(_) => bail!("[strategies.{name}] in the config file must be a table"),
        None => toml::Table::new(),
    };
    Ok(cdc_strategies::build(name, &params)?)
}

/// The simulator's instruments as `public/get-instruments` lists them: the fallback for data
/// recorded by other tools, which carry no instrument list.
pub fn sim_instruments() -> Vec<Instrument> {
    let cfg = ExchangeConfig { synthetic_market: false, ..ExchangeConfig::default() };
    let listed = Exchange::new(cfg).public("public/get-instruments", &serde_json::json!({}), 0);
    let rows = match listed {
        Ok(v) => v.get("data").and_then(|d| d.as_array()).cloned().unwrap_or_default(),
        Err(e) => {
            tracing::warn!(?e, "the simulator did not list its instruments");
            Vec::new()
        }
    };
    rows.into_iter()
        .filter_map(|row| match serde_json::from_value::<Instrument>(row) {
            Ok(i) => Some(i),
            Err(e) => {
                tracing::warn!(%e, "skipped a simulator instrument row");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_latencies_balances_and_rates_parse_or_say_why() {
        assert_eq!(parse_time_ms("2023-11-14T22:13:20Z"), Ok(1_700_000_000_000));
        assert_eq!(parse_time_ms("1700000000123"), Ok(1_700_000_000_123));
        assert!(parse_time_ms("yesterday").unwrap_err().contains("RFC 3339"));
        assert_eq!(parse_latency_us("0.5"), Ok(500));
        assert_eq!(parse_latency_us("20"), Ok(20_000));
        assert!(parse_latency_us("-1").is_err());
        assert_eq!(parse_balance("btc=0.5"), Ok(("BTC".into(), Decimal::new(5, 1))));
        assert!(parse_balance("USD").unwrap_err().contains("CCY=AMOUNT"));
        assert_eq!(parse_rate("-0.0001"), Ok(Decimal::new(-1, 4)));
        assert!(parse_rate("2").is_err());
    }

    #[test]
    fn the_simulator_lists_btc_usd() {
        assert!(sim_instruments().iter().any(|i| i.symbol.as_str() == "BTC_USD"));
    }
}
