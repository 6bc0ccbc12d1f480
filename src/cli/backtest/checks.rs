//! The backtest's checks and explanations: that the data holds market data for what the
//! strategy trades (it would otherwise run and do nothing), and the library's errors turned into
//! messages that say what to change. It must NOT run the backtest or print.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::bail;
use cdc_engine::backtest::data::{self, Item, Source};
use cdc_engine::backtest::{BacktestError, Report};
use cdc_engine::protocol::models::Instrument;
use cdc_engine::protocol::utc;

/// The library's error, with what to do about it.
pub fn explain(e: BacktestError) -> anyhow::Error {
    match e {
        BacktestError::Empty(_) => anyhow::anyhow!(
            "{e}: the files hold no book, trade or other channel data; record some with `cdc-engine record`"
        ),
        BacktestError::Data(e) => anyhow::anyhow!("cannot read the data: {e}"),
        BacktestError::Unlisted(e) => anyhow::anyhow!(
            "{e}; the data's instrument list (or, without one, the simulator's) does not have it: record that \
             instrument or configure the strategy for one the data holds"
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Why the strategy never started: no market data at all, or none in the range asked for.
pub fn never_started(from: Option<u64>, r: &Report) -> String {
    let last = utc::format_ms(r.data.last_ms);
    match from {
        Some(from) => format!(
            "no market data at or after --from {} (the data read ends at {last}): pick an earlier --from",
            utc::format_ms(from)
        ),
        None => "the data holds no market data (only instrument lists or gaps); record some with `cdc-engine record`"
            .to_owned(),
    }
}

/// Fails, naming them, when instruments the strategy trades are listed but have no market data
/// in the files: it would run and do nothing. Unlisted ones are left to the library, whose
/// error suggests the closest listed names. Reads only until every one has been seen.
pub fn data_has(files: &[PathBuf], wanted: &[String], fallback: &[Instrument]) -> anyhow::Result<()> {
    let mut missing: BTreeSet<&str> = wanted.iter().map(String::as_str).collect();
    let mut listed: BTreeSet<String> = fallback.iter().map(|i| i.symbol.to_string()).collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut source = data::open_all(files).map_err(|e| anyhow::anyhow!("cannot read the data: {e}"))?;
    while !missing.is_empty() && source.advance().map_err(|e| anyhow::anyhow!("cannot read the data: {e}"))? {
        match &source.current().item {
            Item::Instruments(list) => listed.extend(list.iter().map(|i| i.symbol.to_string())),
            Item::Push(p) => {
                let name = p.instrument_name.as_ref().or(p.channel.instrument()).map(|n| n.as_str());
                if let Some(n) = name {
                    missing.remove(n);
                    if !seen.contains(n) {
                        seen.insert(n.to_owned());
                    }
                }
            }
            Item::Gap(_) => {}
        }
    }
    let absent: Vec<&str> = missing.into_iter().filter(|m| listed.contains(*m)).collect();
    if absent.is_empty() || seen.is_empty() {
        // Nothing at all is the library's "no market data" error, with its own advice.
        return Ok(());
    }
    bail!(
        "the data holds no market data for {} (it has {}): record it with `cdc-engine record --instruments {}`, or \
         set the strategy's instrument in [strategies.NAME] to one the data holds",
        absent.join(", "),
        seen.into_iter().collect::<Vec<_>>().join(", "),
        absent.join(",")
    )
}
