//! A forward-only reader over one frame's JSON text: whitespace, strings, numbers, literals,
//! and the skipping of values nobody reads. Every reader answers `Some` only for text that is
//! valid JSON and in the plain form the exchange sends; `None` means "not for the fast path",
//! never "invalid" (the general decoder decides that, and words the error).
//!
//! It must NOT accept what serde_json refuses: strings end at the first `"` and hold no
//! control character, numbers follow the JSON grammar, nothing trails the value. A backslash
//! anywhere, even in a skipped value, hands the frame over, so no escape rule lives here.

/// Deeper values than this are left to the general decoder (it owns the depth limit).
const MAX_SKIP_DEPTH: usize = 32;

const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that is zero, exactly (no carry between bytes).
fn zero_bytes(word: u64) -> u64 {
    !(((word & LOW) + LOW) | word) & HIGH
}

/// The high bit of each byte of `word` (little-endian) that ends a plain string's text: a
/// quote, a backslash, or a byte below 0x20. Exact for every byte, so the lowest one found is
/// the first such byte.
fn stops(word: u64) -> u64 {
    let quote = zero_bytes(word ^ 0x2222_2222_2222_2222);
    let backslash = zero_bytes(word ^ 0x5c5c_5c5c_5c5c_5c5c);
    // (b & 0x7f) + 0x60 has its high bit set exactly when b & 0x7f is at least 0x20.
    let control = !(((word & LOW) + 0x6060_6060_6060_6060) | word) & HIGH;
    quote | backslash | control
}

/// The reader: the text and how far it has got.
pub(crate) struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Cursor { text, at: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte past any whitespace, not consumed.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        let b = self.bytes();
        while let Some(&c) = b.get(self.at) {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(c);
            }
            self.at += 1;
        }
        None
    }

    /// Consumes `c` (after whitespace).
    pub(crate) fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.at += 1)
    }

    /// Whether the next byte is `c`; consumes it if so.
    pub(crate) fn eat_if(&mut self, c: u8) -> bool {
        self.eat(c).is_some()
    }

    /// Only whitespace is left.
    pub(crate) fn end(&mut self) -> Option<()> {
        self.peek().is_none().then_some(())
    }

    /// A string without escapes, borrowed from the frame.
    pub(crate) fn str(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let b = self.bytes();
        // Eight bytes at a time while they hold no quote, backslash or control character.
        while let Some(chunk) = b.get(self.at..self.at + 8) {
            let word = u64::from_le_bytes(chunk.try_into().ok()?);
            match stops(word) {
                0 => self.at += 8,
                found => {
                    self.at += found.trailing_zeros() as usize / 8;
                    break;
                }
            }
        }
        loop {
            match *b.get(self.at)? {
                b'"' => break,
                // An escape (decoded by serde_json only) or a raw control character (refused).
                b'\\' | 0..=0x1f => return None,
                _ => self.at += 1,
            }
        }
        self.at += 1;
        // Both ends sit next to an ASCII quote, so they are character boundaries.
        self.text.get(start..self.at - 1)
    }

    /// An object key and its colon.
    pub(crate) fn key(&mut self) -> Option<&'a str> {
        let k = self.str()?;
        self.eat(b':')?;
        Some(k)
    }

    /// A number's text, checked against the JSON grammar
    /// (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`).
    pub(crate) fn number(&mut self) -> Option<&'a str> {
        self.peek()?;
        let (b, start) = (self.bytes(), self.at);
        let digits = |at: &mut usize| {
            let from = *at;
            while b.get(*at).is_some_and(u8::is_ascii_digit) {
                *at += 1;
            }
            *at > from
        };
        let mut at = start + usize::from(b.get(start) == Some(&b'-'));
        match b.get(at)? {
            b'0' => at += 1,
            b'1'..=b'9' => {
                digits(&mut at);
            }
            _ => return None,
        }
        if b.get(at) == Some(&b'.') {
            at += 1;
            digits(&mut at).then_some(())?;
        }
        if matches!(b.get(at), Some(b'e' | b'E')) {
            at += 1;
            if matches!(b.get(at), Some(b'+' | b'-')) {
                at += 1;
            }
            digits(&mut at).then_some(())?;
        }
        self.at = at;
        self.text.get(start..at)
    }

    /// Consumes `null` if it comes next.
    pub(crate) fn null(&mut self) -> bool {
        self.word(b"null")
    }

    /// `true` or `false`, if one comes next.
    pub(crate) fn bool(&mut self) -> Option<bool> {
        if self.word(b"true") {
            Some(true)
        } else if self.word(b"false") {
            Some(false)
        } else {
            None
        }
    }

    fn word(&mut self, w: &[u8]) -> bool {
        if self.peek().is_none() || !self.bytes()[self.at..].starts_with(w) {
            return false;
        }
        self.at += w.len();
        true
    }

    /// Calls `field` for each key of an object, the cursor on its value; `field` must read
    /// exactly one value. An empty object calls nothing.
    pub(crate) fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.eat_if(b'}') {
            return Some(());
        }
        loop {
            let k = self.key()?;
            field(self, k)?;
            if !self.eat_if(b',') {
                return self.eat(b'}');
            }
        }
    }

    /// Calls `item` for each element of an array; `item` must read exactly one value.
    pub(crate) fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.eat_if(b']') {
            return Some(());
        }
        loop {
            item(self)?;
            if !self.eat_if(b',') {
                return self.eat(b']');
            }
        }
    }

    /// Skips one value of any kind, checking it as it goes.
    pub(crate) fn skip(&mut self) -> Option<()> {
        self.skip_at(0)
    }

    fn skip_at(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.str().map(drop),
            b'{' if depth < MAX_SKIP_DEPTH => self.object(|c, _| c.skip_at(depth + 1)),
            b'[' if depth < MAX_SKIP_DEPTH => self.array(|c| c.skip_at(depth + 1)),
            b't' | b'f' => self.bool().map(drop),
            b'n' => self.null().then_some(()),
            _ => self.number().map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole<'a>(text: &'a str, read: impl FnOnce(&mut Cursor<'a>) -> Option<()>) -> bool {
        let mut c = Cursor::new(text);
        read(&mut c).and_then(|()| c.end()).is_some()
    }

    #[test]
    fn numbers_follow_the_json_grammar() {
        for ok in ["0", "-0", "12", "-3.25", "1e5", "1E+5", "2.5e-3", " 7 "] {
            assert!(whole(ok, |c| c.number().map(drop)), "{ok}");
        }
        for bad in ["01", "-", "1.", ".5", "1e", "1e+", "+1", "--1", "0x1", "1.5.2", "NaN", "Infinity"] {
            assert!(!whole(bad, |c| c.number().map(drop)), "{bad}");
        }
    }

    #[test]
    fn strings_with_escapes_or_control_characters_are_not_read() {
        assert_eq!(Cursor::new(r#" "BTC_USD" "#).str(), Some("BTC_USD"));
        assert_eq!(Cursor::new(r#""é€""#).str(), Some("é€"));
        for s in [r#""a\"b""#, r#""a\u0041""#, "\"a\u{1}b\"", "\"a\tb\"", r#""unterminated"#] {
            assert_eq!(Cursor::new(s).str(), None, "{s:?}");
        }
    }

    #[test]
    fn the_eight_byte_search_stops_exactly_where_the_byte_loop_does() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut bytes = *b"abcdefgh";
                bytes[at] = b;
                let word = u64::from_le_bytes(bytes);
                let expect = matches!(b, b'"' | b'\\' | 0..=0x1f);
                let found = stops(word);
                assert_eq!(found != 0, expect, "byte {b:#x} at {at}");
                if expect {
                    assert_eq!(found.trailing_zeros() as usize / 8, at);
                }
            }
        }
        let long = format!("\"{}\"", "x".repeat(29));
        assert_eq!(Cursor::new(&long).str().map(str::len), Some(29));
        assert_eq!(Cursor::new("\"0123456789\\n\"").str(), None);
        assert_eq!(Cursor::new("\"0123456789\u{1f}\"").str(), None);
        assert_eq!(Cursor::new("\"0123456789").str(), None);
    }

    #[test]
    fn skipping_checks_what_it_skips() {
        for ok in [r#"{"a":[1,{"b":null}],"c":true}"#, "[]", "{}", r#"[false, "x", -1.5e3]"#] {
            assert!(whole(ok, Cursor::skip), "{ok}");
        }
        for bad in [r#"{"a":1,}"#, "[1,]", r#"{"a"}"#, "[01]", "tru", "nul", r#"{"a":1"#, r#"["\n"]"#, "{,}"] {
            assert!(!whole(bad, Cursor::skip), "{bad}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_SKIP_DEPTH + 2), "]".repeat(MAX_SKIP_DEPTH + 2));
        assert!(!whole(&deep, Cursor::skip), "too deep for the fast path");
    }

    #[test]
    fn trailing_text_is_seen() {
        assert!(!whole(r#"{"a":1} x"#, Cursor::skip));
        assert!(whole("{\"a\":1} \n", Cursor::skip));
    }
}
