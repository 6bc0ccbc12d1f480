//! How a [`Report`] reads: one line per check for people, JSON for tools, and the support
//! report file (version, environment, UTC time, checks, transcript). Everything arrives
//! redacted, and [`Report::scrub`] passes it all through the redactor once more before it is
//! shown; otherwise it formats only.

use super::{Redactor, Report, Status};
use cdc_engine::config::{Endpoints, Environment, RawSettings};

impl Status {
    /// The mark shown before a check.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Ok => "✔",
            Status::Warn => "⚠",
            Status::Fail => "✘",
            Status::Skipped => "-",
            Status::Info => "ℹ",
        }
    }
}

impl Report {
    /// One line per check (and its fix), for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            out.push_str(&format!("{} {}: {}\n", c.status.mark(), c.name, c.detail));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("    fix: {fix}\n"));
            }
        }
        let fails = self.checks.iter().filter(|c| c.status == Status::Fail).count();
        out.push_str(&match fails {
            0 => "all checks passed\n".to_owned(),
            n => format!("{n} check(s) failed\n"),
        });
        out
    }

    /// The report as one JSON value (checks and transcript).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The support report: the checks, then every request and response. The key is shortened
    /// and the secret absent (both were redacted when recorded).
    pub fn support_report(&self) -> String {
        let mut out = String::from("# cdc-engine doctor support report\n\n");
        out.push_str(&format!(
            "version: {}\nenvironment: {}\ntime: {} (UTC)\n\n## Checks\n\n",
            self.version, self.environment, self.time_utc
        ));
        out.push_str(&self.to_text());
        out.push_str("\n## Transcript\n");
        for (i, x) in self.transcript.iter().enumerate() {
            let status = x.status.map_or(String::new(), |s| format!(" (HTTP {s})"));
            out.push_str(&format!(
                "\n### {} [{}]\n\n>>> request\n{}\n<<< response{status}\n{}\n",
                i + 1,
                x.step,
                x.request,
                x.response
            ));
        }
        out
    }
}

impl Report {
    /// Passes every text of the report through the redactor, so that nothing it knows to be
    /// secret survives in any output, whichever check wrote it.
    pub fn scrub(&mut self, r: &Redactor) {
        self.environment = r.clean(&self.environment);
        for c in &mut self.checks {
            c.detail = r.clean(&c.detail);
            c.fix = c.fix.as_deref().map(|f| r.clean(f));
        }
        for x in &mut self.transcript {
            x.request = r.clean(&x.request);
            x.response = r.clean(&x.response);
        }
    }
}

/// Which exchange a configuration points at: a preset's name, or the custom URLs.
pub(super) fn environment(raw: &RawSettings, e: &Endpoints) -> String {
    for (env, name) in [(Environment::Production, "production"), (Environment::Uat, "uat")] {
        if *e == Endpoints::preset(env) {
            return format!("{name} (REST {})", e.rest_url);
        }
    }
    let env = raw.get("CDC_ENV").map_or(String::new(), |v| format!(", CDC_ENV={}", v.trim()));
    format!("custom URLs: REST {}, user WS {}, market WS {}{env}", e.rest_url, e.user_ws_url, e.market_ws_url)
}

/// UTC milliseconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub(super) fn utc_text(ms: u64) -> String {
    cdc_engine::protocol::utc::format_ms(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_text_is_iso_8601() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_text(1_709_251_199_000), "2024-02-29T23:59:59Z");
        assert_eq!(utc_text(1_735_689_600_000), "2025-01-01T00:00:00Z");
    }
}
