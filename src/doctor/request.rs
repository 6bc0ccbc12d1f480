//! Parsing what `doctor --request` is given: one or more raw HTTP requests a user's own client
//! sent (request line, headers, blank line, body), optionally after some free text such as the
//! lines of a support ticket. Reads text only; the checks live in `analyse`/`body`, sending in
//! `replay`.

/// A captured HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// `POST`, `GET`, …
    pub verb: String,
    /// The path and query, e.g. `/exchange/v1/private/user-balance`.
    pub target: String,
    /// The host of an absolute URL in the request line, when it had one.
    pub host: Option<String>,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The body (may be empty).
    pub body: String,
    /// Text after a complete JSON body, up to the next request (ticket prose); not sent.
    pub trailing: String,
}

/// Everything in a capture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    /// Text before the first request line (ticket prose, notes); never parsed as a request.
    pub preamble: String,
    /// The requests, in the order they appear.
    pub requests: Vec<Captured>,
}

impl Capture {
    /// Each request with the label its checks carry: `request` when there is one, else
    /// `request 1`, `request 2`, ….
    pub fn labelled(&self) -> impl Iterator<Item = (String, &Captured)> {
        let many = self.requests.len() > 1;
        self.requests
            .iter()
            .enumerate()
            .map(move |(i, r)| (if many { format!("request {}", i + 1) } else { "request".to_owned() }, r))
    }
}

impl Captured {
    /// The first header of that name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The query string, without `?` (empty when none).
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// The method the URL names: what follows `/exchange/v1/` or the last `/v2/`, when that
    /// looks like `public/...` or `private/...`. `None` for a URL without a method such as
    /// `/v2/private`.
    pub fn url_method(&self) -> Option<&str> {
        let path = self.path();
        let m = match path.split_once("/exchange/v1/") {
            Some((_, m)) => m,
            None => path.rsplit_once("/v2/").map(|(_, m)| m)?,
        };
        let m = m.trim_end_matches('/');
        (m.starts_with("public/") || m.starts_with("private/")).then_some(m)
    }

    /// The `method` field of a JSON body.
    pub fn body_method(&self) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(&self.body).ok()?;
        v.get("method")?.as_str().map(str::to_owned)
    }
}

const VERBS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// Whether a line opens a request: `VERB target [HTTP/x]`.
fn is_request_line(line: &str) -> bool {
    let mut parts = line.split_whitespace();
    let (Some(verb), Some(target)) = (parts.next(), parts.next()) else { return false };
    let rest: Vec<&str> = parts.collect();
    VERBS.contains(&verb.to_ascii_uppercase().as_str())
        && (target.starts_with('/') || target.contains("://"))
        && (rest.is_empty() || (rest.len() == 1 && rest[0].to_ascii_uppercase().starts_with("HTTP/")))
}

/// Why a capture could not be read as requests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    /// A request's first line is not a request line (the line as found).
    #[error("the first line {0:?} is not a request line like `POST /exchange/v1/... HTTP/1.1`")]
    NotARequestLine(String),
    /// No line of the text looks like a request line (its first non-empty line).
    #[error(
        "no request line found (the first line is {0:?}); a capture starts with a line like \
         `POST /exchange/v1/private/user-balance HTTP/1.1`, then the headers, a blank line and the body"
    )]
    NoRequest(String),
}

/// Parses one request: "request line, headers, blank line, body"; CRLF or LF; an absolute URL
/// in the request line keeps only its path (and its host in [`Captured::host`]).
pub fn parse_captured(text: &str) -> Result<Captured, CaptureError> {
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let (head, body) = match text.find("\r\n\r\n").map(|i| (i, 4)).or_else(|| text.find("\n\n").map(|i| (i, 2))) {
        Some((i, n)) => (&text[..i], text[i + n..].trim()),
        None => (text, ""),
    };
    let mut lines = head.lines();
    let first = lines.next().unwrap_or_default();
    let mut parts = first.split_whitespace();
    let (Some(verb), Some(target)) = (parts.next(), parts.next()) else {
        return Err(CaptureError::NotARequestLine(first.to_owned()));
    };
    let (host, target) = match target.find("://") {
        Some(i) => {
            let rest = &target[i + 3..];
            let (host, path) = rest.find('/').map_or((rest, "/"), |j| (&rest[..j], &rest[j..]));
            (Some(host.to_owned()), path.to_owned())
        }
        None => (None, target.to_owned()),
    };
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    let (body, trailing) = split_body(body);
    Ok(Captured { verb: verb.to_ascii_uppercase(), target, host, headers, body, trailing })
}

/// A JSON body followed by other text (the prose of a ticket) ends where its JSON value ends.
fn split_body(body: &str) -> (String, String) {
    if body.starts_with('{') || body.starts_with('[') {
        let mut values = serde_json::Deserializer::from_str(body).into_iter::<serde::de::IgnoredAny>();
        if let Some(Ok(_)) = values.next() {
            let end = values.byte_offset();
            return (body[..end].to_owned(), body[end..].trim().to_owned());
        }
    }
    (body.to_owned(), String::new())
}

/// Parses a capture file: free text, then one or more requests, each starting at a request
/// line. Fails when no line looks like a request line.
pub fn parse_capture(text: &str) -> Result<Capture, CaptureError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut starts = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if is_request_line(line.trim()) {
            starts.push(at);
        }
        at += line.len();
    }
    let Some(&first) = starts.first() else {
        let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
        return Err(CaptureError::NoRequest(line.to_owned()));
    };
    let mut requests = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        requests.push(parse_captured(&text[s..end])?);
    }
    Ok(Capture { preamble: text[..first].to_owned(), requests })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_splits_into_its_requests_after_the_preamble() {
        let text =
            "Subject: help\n\nPOST https://h/v2/private HTTP/1.1\nA: b\n\n{}\n\nGET /exchange/v1/public/get-tickers\n";
        let c = parse_capture(text).expect("parses");
        assert_eq!(c.preamble, "Subject: help\n\n");
        assert_eq!(c.requests.len(), 2);
        assert_eq!(c.requests[0].host.as_deref(), Some("h"));
        assert_eq!(c.requests[0].target, "/v2/private");
        assert_eq!(c.requests[0].url_method(), None);
        assert_eq!(c.requests[0].body, "{}");
        assert!(c.requests[0].trailing.is_empty());
        assert_eq!(c.requests[1].url_method(), Some("public/get-tickers"));
        let c = parse_capture("POST /exchange/v1/private/x\n\n{\"a\":1}\nThen we tried:\n").expect("parses");
        assert_eq!((c.requests[0].body.as_str(), c.requests[0].trailing.as_str()), ("{\"a\":1}", "Then we tried:"));
        assert!(parse_capture("just words\n").is_err());
    }
}
