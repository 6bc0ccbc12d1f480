//! The recording's line format (docs/recording.md), one JSON object per line:
//! `{"recv_us":N,"frame":<frame as received>}`, `{"recv_us":N,"bad_frame":"<text>"}`,
//! `{"recv_us":N,"gap":"<reason>"}` and `{"recv_us":N,"instruments":[...]}`; and the little a
//! recorder must read from a frame (heartbeat or subscribe answer).
//!
//! Pure text: it must NOT do I/O or read the clock. A frame is copied byte for byte except its
//! raw line breaks, which can only be JSON whitespace, so the format is public and stable.

use serde::de::IgnoredAny;
use serde::Deserialize;

/// What the recorder needs from a frame; everything else is skipped (but still checked to be
/// valid JSON by the parser).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Head {
    pub id: Option<i64>,
    pub method: Option<String>,
    pub code: Option<i64>,
    pub message: Option<String>,
    /// The channel a refusal names (the simulator puts it at the top level).
    pub channel: Option<String>,
    pub result: Option<HeadResult>,
}

/// The parts of a subscribe answer's `result` that name its channel.
#[derive(Debug, Default, Deserialize)]
pub(super) struct HeadResult {
    pub subscription: Option<String>,
    pub channel: Option<String>,
}

/// A received text frame, read just enough.
pub(super) enum Parsed {
    /// Valid JSON; `head` is empty when it is not an object of the usual shape.
    Json(Head),
    /// Not JSON at all: recorded as `bad_frame`.
    Bad,
}

/// Reads a frame's head; one pass validates the whole text.
pub(super) fn parse(text: &str) -> Parsed {
    if let Ok(head) = serde_json::from_str::<Head>(text) {
        return Parsed::Json(head);
    }
    // Valid JSON of another shape (an array, a string id) is still recorded as a frame.
    match serde_json::from_str::<IgnoredAny>(text) {
        Ok(_) => Parsed::Json(Head::default()),
        Err(_) => Parsed::Bad,
    }
}

impl Head {
    /// The channel a subscribe answer names, if any.
    pub fn named_channel(&self) -> Option<&str> {
        let r = self.result.as_ref();
        r.and_then(|r| r.subscription.as_deref().or(r.channel.as_deref())).or(self.channel.as_deref())
    }
}

/// JSON text on one line: raw CR and LF bytes outside strings are whitespace, inside strings
/// they are not allowed, so replacing them by spaces keeps the value and its meaning.
fn one_line(json: &str) -> std::borrow::Cow<'_, str> {
    if json.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(json.replace(['\n', '\r'], " "))
    } else {
        std::borrow::Cow::Borrowed(json)
    }
}

/// A JSON string literal (cannot fail for a `&str`).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// `{"recv_us":N,"frame":...}` for valid JSON, `{"recv_us":N,"bad_frame":"..."}` otherwise;
/// with the trailing newline.
pub(super) fn frame_line(recv_us: u64, text: &str, json: bool) -> String {
    if json {
        format!("{{\"recv_us\":{recv_us},\"frame\":{}}}\n", one_line(text))
    } else {
        format!("{{\"recv_us\":{recv_us},\"bad_frame\":{}}}\n", quoted(text))
    }
}

/// `{"recv_us":N,"gap":"reason"}` with the trailing newline.
pub(super) fn gap_line(recv_us: u64, reason: &str) -> String {
    format!("{{\"recv_us\":{recv_us},\"gap\":{}}}\n", quoted(reason))
}

/// `{"recv_us":N,"instruments":[...]}` with the trailing newline; `data` is the JSON array
/// as the exchange returned it.
pub(super) fn instruments_line(recv_us: u64, data: &str) -> String {
    format!("{{\"recv_us\":{recv_us},\"instruments\":{}}}\n", one_line(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn value(line: &str) -> Value {
        assert!(line.ends_with('\n') && !line[..line.len() - 1].contains('\n'), "not one line: {line:?}");
        serde_json::from_str(line).unwrap_or(Value::Null)
    }

    #[test]
    fn frames_are_kept_verbatim_on_one_line() {
        let frame = "{\"id\":-1,\n\"method\":\"subscribe\",\r\n\"result\":{\"data\":[\"a b\"]}}";
        let line = frame_line(7, frame, true);
        assert!(line.contains("\"result\":{\"data\":[\"a b\"]}"), "{line}");
        let v = value(&line);
        assert_eq!(v["recv_us"], 7);
        assert_eq!(v["frame"]["result"]["data"][0], "a b");
    }

    #[test]
    fn bad_frames_gaps_and_instruments_are_json_too() {
        let v = value(&frame_line(1, "this is not json\n{\"", false));
        assert_eq!(v["bad_frame"], "this is not json\n{\"");
        assert_eq!(value(&gap_line(2, "read error: \"reset\""))["gap"], "read error: \"reset\"");
        assert_eq!(value(&instruments_line(3, "[{\"symbol\":\n\"BTC_USD\"}]"))["instruments"][0]["symbol"], "BTC_USD");
    }

    #[test]
    fn heads_find_heartbeats_and_named_subscribe_answers() {
        let Parsed::Json(h) = parse(r#"{"id":5,"method":"public/heartbeat","code":0}"#) else { panic!("json") };
        assert_eq!((h.id, h.method.as_deref()), (Some(5), Some("public/heartbeat")));
        let answer = r#"{"id":9,"method":"subscribe","code":0,"result":{"subscription":"book.X.10","data":[{"u":1}]}}"#;
        let Parsed::Json(h) = parse(answer) else { panic!("json") };
        assert_eq!(h.named_channel(), Some("book.X.10"));
        assert!(matches!(parse("[]"), Parsed::Json(_)));
        assert!(matches!(parse(r#"{"id":"x","method":7}"#), Parsed::Json(_)));
        assert!(matches!(parse(r#"{"id":-1,"result":{"#), Parsed::Bad));
    }
}
