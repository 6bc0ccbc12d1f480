//! How a [`Report`] reads: one line per check for people, JSON for tools, and the support
//! report file with the transcript. Everything here is already redacted; it formats only.

use super::{Report, Status};

impl Status {
    /// The mark shown before a check.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Ok => "✔",
            Status::Warn => "⚠",
            Status::Fail => "✘",
            Status::Skipped => "-",
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
        let mut out = String::from("# cdc-engine doctor support report\n\n## Checks\n\n");
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
