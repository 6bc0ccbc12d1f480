//! Field readers of the fast path, one per decoding rule of [`crate::num`], [`crate::enums`]
//! and [`crate::ids`]: each gives exactly what the serde rule gives for the plain forms (a
//! string, `null`, an integer literal) and `None` for every other form, which sends the frame
//! to the serde decoder. They must NOT widen a rule: a value the rule refuses or reads another
//! way is `None` here.
//!
//! The result of a reader is `Option<T>` where `T` is the field's type, so an optional field
//! reads as `Option<Option<_>>`: the outer `None` is "not mine", the inner one "absent".

use rust_decimal::Decimal;

use super::cursor::Cursor;
use crate::num::parse_decimal;

/// Puts a field's value in its slot: `None` if the value is not in a plain form, or if the
/// field came before (serde's "duplicate field").
pub(crate) fn set<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(())
}

/// The field under its current name, else under its legacy one.
pub(crate) fn either<T>(current: Option<Option<T>>, legacy: Option<Option<T>>) -> Option<T> {
    current.flatten().or(legacy.flatten())
}

/// A JSON array of items read by `item` (a `Vec` field: `null` is not a list).
pub(crate) fn list<'a, T>(c: &mut Cursor<'a>, mut item: impl FnMut(&mut Cursor<'a>) -> Option<T>) -> Option<Vec<T>> {
    let mut out = Vec::new();
    c.array(|c| item(c).map(|x| out.push(x)))?;
    Some(out)
}

/// A string, or `None` for any other value.
pub(crate) fn text<'a>(c: &mut Cursor<'a>) -> Option<&'a str> {
    c.str()
}

/// `Option<String>` as serde reads it: `null` is absent, any string (empty too) is kept.
pub(crate) fn opt_string(c: &mut Cursor<'_>) -> Option<Option<String>> {
    if c.null() {
        return Some(None);
    }
    c.str().map(|s| Some(s.to_owned()))
}

/// An optional value read by `read` from a string, as `num`'s optional rules: `null` and the
/// empty string are absent.
fn opt_from_str<'a, T>(c: &mut Cursor<'a>, read: impl FnOnce(&'a str) -> Option<T>) -> Option<Option<T>> {
    if c.null() {
        return Some(None);
    }
    match c.str()? {
        "" => Some(None),
        s => read(s).map(Some),
    }
}

/// `num::opt_text` for strings: `null` and `""` are absent (an integer is left to serde).
pub(crate) fn opt_text(c: &mut Cursor<'_>) -> Option<Option<String>> {
    opt_from_str(c, |s| Some(s.to_owned()))
}

/// `num::decimal` for a decimal written as a string.
pub(crate) fn decimal(c: &mut Cursor<'_>) -> Option<Decimal> {
    parse_decimal(c.str()?)
}

/// `num::opt_decimal` for strings and `null`.
pub(crate) fn opt_decimal(c: &mut Cursor<'_>) -> Option<Option<Decimal>> {
    opt_from_str(c, parse_decimal)
}

/// `num::decimal_or_zero`.
pub(crate) fn decimal_or_zero(c: &mut Cursor<'_>) -> Option<Decimal> {
    opt_decimal(c).map(Option::unwrap_or_default)
}

/// A JSON integer literal that serde_json hands over as a `u64` (no sign, no fraction or
/// exponent, no overflow).
fn u64_literal(c: &mut Cursor<'_>) -> Option<u64> {
    digits_u64(c.number()?)
}

fn digits_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
}

/// `num::u64`: an integer literal, or a string holding one.
pub(crate) fn u64(c: &mut Cursor<'_>) -> Option<u64> {
    match c.peek()? {
        b'"' => c.str()?.trim().parse().ok(),
        _ => u64_literal(c),
    }
}

/// `num::opt_u64`: `null`, `""`, an integer literal, or a string holding one.
pub(crate) fn opt_u64(c: &mut Cursor<'_>) -> Option<Option<u64>> {
    match c.peek()? {
        b'"' | b'n' => opt_from_str(c, |s| s.trim().parse().ok()),
        _ => u64_literal(c).map(Some),
    }
}

/// `num::opt_u64_or_none`: what `opt_u64`'s strict reading takes is kept, a string it refuses
/// is `None`; `null` and booleans are `None`.
pub(crate) fn opt_u64_or_none(c: &mut Cursor<'_>) -> Option<Option<u64>> {
    match c.peek()? {
        b'"' => Some(c.str()?.trim().parse().ok()),
        b'n' => c.null().then_some(None),
        b't' | b'f' => c.bool().map(|_| None),
        _ => u64_literal(c).map(Some),
    }
}

/// `num::i64` for an integer literal in range (serde_json reads `-0` as a float, refused).
pub(crate) fn i64(c: &mut Cursor<'_>) -> Option<i64> {
    let s = c.number()?;
    match s.strip_prefix('-') {
        Some(digits) => {
            let n = i64::try_from(digits_u64(digits)?).ok()?;
            (n != 0).then_some(-n)
        }
        None => i64::try_from(digits_u64(s)?).ok(),
    }
}

/// `num::opt_bool` for `null`, booleans and the strings it knows.
pub(crate) fn opt_bool(c: &mut Cursor<'_>) -> Option<Option<bool>> {
    if let Some(b) = c.bool() {
        return Some(Some(b));
    }
    opt_from_str(c, |s| match s.trim() {
        "true" | "TRUE" | "True" | "1" => Some(true),
        "false" | "FALSE" | "False" | "0" => Some(false),
        _ => None,
    })
}

/// A wire enum's `opt` rule: `null` and `""` are absent, any other string is read by `from`.
pub(crate) fn opt_enum<T>(c: &mut Cursor<'_>, from: fn(&str) -> T) -> Option<Option<T>> {
    opt_from_str(c, |s| Some(from(s)))
}

/// `Option<T>` of an id or enum read from a string (serde's plain `Option`: only `null` is
/// absent, the empty string is kept).
pub(crate) fn opt_of<'a, T>(c: &mut Cursor<'a>, from: impl FnOnce(&'a str) -> T) -> Option<Option<T>> {
    if c.null() {
        return Some(None);
    }
    c.str().map(|s| Some(from(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<'a, T>(text: &'a str, f: impl FnOnce(&mut Cursor<'a>) -> Option<T>) -> Option<T> {
        let mut c = Cursor::new(text);
        f(&mut c).filter(|_| c.end().is_some())
    }

    #[test]
    fn integers_match_what_serde_json_hands_over() {
        assert_eq!(read("-1", i64), Some(-1));
        assert_eq!(read("9223372036854775807", i64), Some(i64::MAX));
        for not_mine in ["-0", "9223372036854775808", "1.0", "1e2", r#""1""#] {
            assert_eq!(read(not_mine, i64), None, "{not_mine}");
        }
        assert_eq!(read("18446744073709551615", u64), Some(u64::MAX));
        assert_eq!(read("18446744073709551616", u64), None);
        assert_eq!(read(r#"" 12 ""#, u64), Some(12));
        assert_eq!(read(r#""""#, opt_u64), Some(None));
        assert_eq!(read(r#""x""#, opt_u64), None);
        assert_eq!(read(r#""x""#, opt_u64_or_none), Some(None));
        assert_eq!(read("-3", opt_u64_or_none), None);
    }

    #[test]
    fn optional_text_rules_differ_as_serde_s_do() {
        assert_eq!(read(r#""""#, opt_string), Some(Some(String::new())));
        assert_eq!(read(r#""""#, opt_text), Some(None));
        assert_eq!(read("null", opt_text), Some(None));
        assert_eq!(read("12", opt_text), None, "an integer id is left to serde");
        assert_eq!(read(r#""1.50""#, opt_decimal), Some(Some(Decimal::new(150, 2))));
        assert_eq!(read(r#""abc""#, opt_decimal), None);
        assert_eq!(read("1.5", decimal), None, "a JSON number is left to serde");
        assert_eq!(read(r#""True""#, opt_bool), Some(Some(true)));
        assert_eq!(read(r#""yes""#, opt_bool), None);
    }
}
