//! The network checks: public REST reachable, the clock against the exchange, `public/auth` on
//! the user socket and one signed private REST call. Every request, the replay's included, goes
//! through [`Net`] so that the transcript holds it, redacted. It sends no order-changing method.

use reqwest::Method;
use serde_json::{Map, Value};

use super::http::{self, explained, Reply};
use super::{ws_auth, Check, Exchange, Options, Redactor, Report, Status};
use cdc_engine::config::{Endpoints, RawSettings};
use cdc_engine::protocol::{Credentials, Request};

/// Clock offsets past this warn; past the nonce window (60 s) they fail.
const CLOCK_WARN_MS: u64 = 5_000;
const NONCE_WINDOW_MS: u64 = 60_000;

/// The network side of one run, with its transcript.
pub(super) struct Net<'a> {
    pub(super) endpoints: Endpoints,
    pub(super) redactor: Redactor,
    pub(super) opts: &'a Options,
    http: Result<reqwest::Client, http::HttpError>,
    transcript: Vec<Exchange>,
    next_id: u64,
}

impl<'a> Net<'a> {
    pub(super) fn new(endpoints: Endpoints, redactor: Redactor, opts: &'a Options) -> Self {
        let http = http::client(opts.timeout);
        Net { endpoints, redactor, next_id: opts.clock.now_ms(), opts, http, transcript: Vec::new() }
    }

    pub(super) fn into_transcript(self) -> Vec<Exchange> {
        self.transcript
    }

    pub(super) fn record(&mut self, step: &str, request: String, status: Option<u16>, response: &str) {
        let response = self.redactor.body(response);
        self.transcript.push(Exchange { step: step.to_owned(), request, status, response });
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(super) async fn exchange(
        &mut self,
        step: &str,
        verb: Method,
        url: &str,
        headers: &[(String, String)],
        body: Option<String>,
        shown_body: String,
    ) -> Result<Reply, http::HttpError> {
        let mut shown = format!("{verb} {}", self.redactor.clean(url));
        for (k, v) in headers {
            shown.push('\n');
            shown.push_str(&self.redactor.header(k, v));
        }
        if !shown_body.is_empty() {
            shown.push_str("\n\n");
            shown.push_str(&shown_body);
        }
        let http = self.http.clone()?;
        let out = http::send(&http, verb, url, headers, body).await;
        match &out {
            Ok(r) => self.record(step, shown, Some(r.status), &r.body.clone()),
            Err(e) => self.record(step, shown, None, &e.to_string()),
        }
        out
    }

    /// `GET public/get-instruments`: is the REST API there at all?
    pub(super) async fn public_rest(&mut self, report: &mut Report) -> bool {
        let url = format!("{}/public/get-instruments", self.endpoints.rest_url);
        let check = match self.exchange("public REST", Method::GET, &url, &[], None, String::new()).await {
            Err(e) => Check::new("public REST", Status::Fail, e.to_string(), Some(reach_fix())),
            Ok(r) => answer_check("public REST", &r, |j| {
                let n = j.pointer("/result/data").and_then(Value::as_array).map_or(0, Vec::len);
                format!("{url} answered with {n} instruments")
            }),
        };
        let ok = check.status == Status::Ok;
        report.push(check);
        ok
    }

    /// The local clock against the exchange's: `t` of `public/get-tickers`, else `Date`.
    pub(super) async fn clock(&mut self, report: &mut Report, reachable: bool) {
        if !reachable {
            report.push(Check::new("clock", Status::Skipped, "the REST API is not reachable", None));
            return;
        }
        let url = format!("{}/public/get-tickers?instrument_name=BTC_USD", self.endpoints.rest_url);
        let before = self.opts.clock.now_ms();
        let reply = self.exchange("clock", Method::GET, &url, &[], None, String::new()).await;
        let local = before / 2 + self.opts.clock.now_ms() / 2;
        let (server, how) = match &reply {
            Ok(r) => match (ticker_time(r), r.date_ms) {
                // A quiet market's last ticker can be old; the Date header is coarse but current.
                (Some(t), Some(d)) if d > t + 2_000 => (Some(d), "the HTTP Date header"),
                (Some(t), _) => (Some(t), "the ticker's t"),
                (None, Some(d)) => (Some(d), "the HTTP Date header"),
                (None, None) => (None, ""),
            },
            Err(_) => (None, ""),
        };
        let Some(server) = server else {
            report.push(Check::new("clock", Status::Warn, "the exchange gave no time to compare with", None));
            return;
        };
        report.push(clock_check(local, server, how));
    }

    /// `public/auth` over the user WebSocket.
    pub(super) async fn ws_auth(&mut self, report: &mut Report, creds: Option<&Credentials>) -> bool {
        let Some(creds) = creds else {
            report.push(Check::new("WebSocket auth", Status::Skipped, "no usable credentials", None));
            return false;
        };
        let id = self.id();
        let check = ws_auth::check(self, creds, id).await;
        let ok = check.status == Status::Ok;
        report.push(check);
        ok
    }

    /// One signed call: `private/user-balance`.
    pub(super) async fn private_rest(
        &mut self,
        report: &mut Report,
        creds: Option<&Credentials>,
        reachable: bool,
    ) -> bool {
        let name = "private REST";
        let Some(creds) = creds else {
            report.push(Check::new(name, Status::Skipped, "no usable credentials", None));
            return false;
        };
        if !reachable {
            report.push(Check::new(name, Status::Skipped, "the REST API is not reachable", None));
            return false;
        }
        let check = match self.signed(name, "private/user-balance", creds, false).await {
            Err(e) => Check::new(name, Status::Fail, e.to_string(), Some(reach_fix())),
            Ok(r) => answer_check(name, &r, |_| "private/user-balance answered code 0: signing works".into()),
        };
        let ok = check.status == Status::Ok;
        report.push(check);
        ok
    }

    async fn signed(
        &mut self,
        step: &str,
        method: &str,
        creds: &Credentials,
        hide_key: bool,
    ) -> Result<Reply, http::HttpError> {
        let url = format!("{}/{method}", self.endpoints.rest_url);
        let mut req = Request::new(self.id(), method.to_owned(), Map::new(), self.opts.clock.now_ms());
        req.sign(creds);
        let body = req.to_json();
        let mut shown = self.redactor.body(&body);
        if hide_key {
            shown = shown.replace(&cdc_engine::protocol::sign::shorten_key(creds.api_key()), super::REDACTED);
        }
        let headers = [("Content-Type".to_owned(), "application/json".to_owned())];
        self.exchange(step, Method::POST, &url, &headers, Some(body), shown).await
    }

    /// After a 40101: does auth succeed with key and secret exchanged?
    pub(super) async fn swapped(&mut self, report: &mut Report, raw: &RawSettings) {
        let name = "key/secret swapped";
        let (Some(key), Some(secret)) = (raw.get("CDC_API_KEY"), raw.get("CDC_API_SECRET")) else {
            return;
        };
        let Ok(creds) = Credentials::new(secret.trim(), key.trim()) else {
            return;
        };
        let check = match self.signed(name, "private/user-balance", &creds, true).await {
            Ok(r) if r.code() == Some(0) => Check::new(
                name,
                Status::Fail,
                "with the key and secret exchanged, private/user-balance succeeds: they are swapped",
                Some("swap the values of CDC_API_KEY and CDC_API_SECRET (api_key / api_secret)".into()),
            ),
            Ok(_) => {
                Check::new(name, Status::Ok, "exchanging key and secret does not help: they are not swapped", None)
            }
            Err(e) => Check::new(name, Status::Skipped, e.to_string(), None),
        };
        report.push(check);
    }
}

pub(super) fn reach_fix() -> String {
    "check the URL, DNS, proxy and firewall; the REST base should look like https://api.crypto.com/exchange/v1".into()
}

/// A check from an answer: code 0 is `ok(json)`, another code is explained, no JSON is a
/// transport-level failure.
pub(super) fn answer_check(name: &str, r: &Reply, ok: impl FnOnce(&Value) -> String) -> Check {
    match (r.code(), &r.json) {
        (Some(0), Some(j)) => Check::new(name, Status::Ok, ok(j), None),
        (Some(code), _) => {
            let (detail, hint) = explained(code, Some(r.status));
            Check::new(name, Status::Fail, format!("HTTP {}, {detail}", r.status), Some(hint)).with_code(code)
        }
        _ => Check::new(
            name,
            Status::Fail,
            format!("HTTP {} without a JSON envelope: this is not the exchange's API v1 at that URL", r.status),
            Some(reach_fix()),
        ),
    }
}

fn ticker_time(r: &Reply) -> Option<u64> {
    let rows = r.json.as_ref()?.pointer("/result/data")?.as_array()?;
    rows.iter()
        .filter_map(|row| match row.get("t")? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        })
        .max()
}

fn clock_check(local: u64, server: u64, how: &str) -> Check {
    let off = local.abs_diff(server);
    let dir = if local >= server { "ahead of" } else { "behind" };
    let detail = format!("the local clock is {:.1} s {dir} the exchange (from {how})", off as f64 / 1000.0);
    let fix = "synchronise the clock with NTP (e.g. `timedatectl set-ntp true` or `chronyc makestep`); nonces \
               must be UTC milliseconds within 60 s of the exchange"
        .to_owned();
    if off > NONCE_WINDOW_MS {
        Check::new(
            "clock",
            Status::Fail,
            format!("{detail}: past the 60 s nonce window, every signed request gets 40102"),
            Some(fix),
        )
    } else if off > CLOCK_WARN_MS {
        Check::new("clock", Status::Warn, format!("{detail}: inside the 60 s window, but drifting"), Some(fix))
    } else {
        Check::new("clock", Status::Ok, detail, None)
    }
}
