//! The instrument list a recording starts with: one plain `GET {rest_url}/public/get-instruments`
//! per connection, whose `result.data` array is kept as the exchange wrote it (ticks, steps and
//! contract sizes as of the recording, for a backtest to round like the venue did).
//!
//! It must NOT retry or decide anything: a failure is returned for the caller to warn about,
//! and recording goes on without the list.

use std::time::Duration;

use anyhow::{bail, Context};
use cdc_engine::protocol::ExchangeError;
use serde::Deserialize;
use serde_json::value::RawValue;

/// Short, because the recorder has a socket open and a heartbeat may be waiting to be read.
pub(super) const TIMEOUT: Duration = Duration::from_secs(3);

const METHOD: &str = "public/get-instruments";

#[derive(Deserialize)]
struct Answer {
    code: Option<i64>,
    message: Option<String>,
    result: Option<Data>,
}

#[derive(Deserialize)]
struct Data {
    data: Box<RawValue>,
}

/// The `result.data` array's JSON text, untouched.
pub(super) async fn instruments(http: &reqwest::Client, rest_url: &str) -> anyhow::Result<String> {
    let url = format!("{}/{METHOD}", rest_url.trim_end_matches('/'));
    let fail = || format!("could not read the instrument list from {url}");
    let response = http.get(&url).send().await.with_context(fail)?;
    let status = response.status();
    let body = response.text().await.with_context(fail)?;
    let answer: Answer = serde_json::from_str(&body).with_context(|| {
        format!(
            "{}: HTTP {status}, the answer is not the exchange's JSON: {}",
            fail(),
            cdc_engine::protocol::error::trimmed(&body)
        )
    })?;
    match (answer.code.unwrap_or(0), answer.result) {
        (0, Some(r)) if r.data.get().trim_start().starts_with('[') => Ok(r.data.get().to_owned()),
        (0, _) => bail!("{}: HTTP {status}, the answer has no result.data array", fail()),
        (code, _) => bail!("{}: {}", fail(), ExchangeError::new(METHOD, code, answer.message, Some(status.as_u16()))),
    }
}
