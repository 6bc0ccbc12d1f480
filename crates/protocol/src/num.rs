//! Lenient decoding of numbers and ids (§2.2): the live exchange sends integers and decimals as
//! JSON numbers while its docs send them as strings, so every such field accepts both.
//!
//! Used through `#[serde(deserialize_with = "…")]`. It must never go through `f64` for a decimal
//! written as a string, and never panic on absurd input (40-digit numbers give an error).

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};

/// Parses a decimal from its text, accepting the scientific form some serialisers emit.
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    if let Some(d) = plain_decimal(s.as_bytes()) {
        return Some(d);
    }
    let t = s.trim();
    // rust_decimal reads `1_000` as 1000; the exchange never writes that, so it is a mangled value.
    if t.contains('_') {
        return None;
    }
    Decimal::from_str(t).ok().or_else(|| if t.contains(['e', 'E']) { Decimal::from_scientific(t).ok() } else { None })
}

/// The fast path for what the exchange nearly always sends: `digits` or `digits.digits`, an
/// optional leading `-`, at most 18 characters after it (so the mantissa fits an `i64` and the scale is
/// the count of fraction digits, as `Decimal::from_str` keeps it). Anything else, and a negative
/// zero (whose sign `from_str` keeps), is `None` and goes to the general parser.
fn plain_decimal(b: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    // 18 characters hold at most 18 digits: the mantissa stays below 10^18, no overflow.
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let (mut mantissa, mut scale, mut dot) = (0i64, 0u32, false);
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + i64::from(c - b'0');
                scale += u32::from(dot);
            }
            // One dot, with digits on both sides.
            b'.' if !dot && i > 0 && i + 1 < digits.len() => dot = true,
            _ => return None,
        }
    }
    if negative && mantissa == 0 {
        return None;
    }
    Some(Decimal::new(if negative { -mantissa } else { mantissa }, scale))
}

/// Significant digits of a number's text (no sign, exponent, or leading/trailing zeros).
fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or("");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').trim_end_matches('0').len()
}

struct DecimalVisitor;

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Decimal;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal as a string or a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).ok_or_else(|| E::custom(format_args!("invalid decimal {v:?}")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        // A JSON number with a fraction reaches us as f64; its shortest round-trip text is the
        // text the sender most likely wrote, so parse that rather than the binary value.
        if !v.is_finite() {
            return Err(E::custom("non-finite decimal"));
        }
        // An f64 carries 15 significant decimal digits exactly; past that the sender's digits are
        // already lost, so refuse rather than compute with a different amount. (A longer text
        // that rounds to 15 digits or fewer cannot be told apart without serde_json's
        // `arbitrary_precision`; the exchange sends decimals as strings, §2.1.)
        let text = v.to_string();
        if significant_digits(&text) > 15 {
            return Err(E::custom(format_args!(
                "decimal {text} sent as a JSON number has more digits than can be read exactly; expected a string"
            )));
        }
        parse_decimal(&text).ok_or_else(|| E::custom(format_args!("decimal out of range: {text}")))
    }
}

/// A required decimal, from a string or a number.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor)
}

/// An optional decimal: absent, `null` or `""` give `None`.
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    d.deserialize_any(OptVisitor(DecimalVisitor))
}

struct U64Visitor;

impl<'de> Visitor<'de> for U64Visitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an unsigned integer as a string or a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        v.trim().parse().map_err(|_| E::custom(format_args!("invalid integer {v:?}")))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom("negative integer"))
    }
}

/// A required unsigned integer (timestamps, counts), from a string or a number.
pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(U64Visitor)
}

/// An optional unsigned integer: absent, `null` or `""` give `None`.
pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(OptVisitor(U64Visitor))
}

/// An optional unsigned integer that is informational only: anything that is not one (a
/// fraction, a word, a negative, an object) gives `None` instead of failing the whole object,
/// as the text it replaces never could.
pub fn opt_u64_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(U64OrNone)
}

struct U64OrNone;

impl<'de> Visitor<'de> for U64OrNone {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("anything (an unsigned integer is kept)")
    }
    // Whatever the strict visitor accepts is kept; what it refuses becomes `None`.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(U64Visitor.visit_str::<E>(v).ok())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(U64Visitor.visit_i64::<E>(v).ok())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

struct I64Visitor;

impl<'de> Visitor<'de> for I64Visitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer as a string or a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim().parse().map_err(|_| E::custom(format_args!("invalid integer {v:?}")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom("integer out of range"))
    }
}

/// An optional signed integer: absent, `null` or `""` give `None`.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_any(OptVisitor(I64Visitor))
}

/// A required signed integer (`id`, `code`), from a string or a number.
pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(I64Visitor)
}

/// Text into any owned string type (`String`, `Arc<str>`), built straight from the frame's bytes.
struct TextVisitor<T>(std::marker::PhantomData<T>);

impl<T> TextVisitor<T> {
    fn new() -> Self {
        TextVisitor(std::marker::PhantomData)
    }
}

impl<'de, T: From<String> + for<'a> From<&'a str>> Visitor<'de> for TextVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or an integer")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok(T::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Ok(T::from(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Ok(T::from(v.to_string()))
    }
}

/// Text that the exchange sometimes sends as a number (ids, reason codes).
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(TextVisitor::new())
}

/// [`text`] into any owned string type, e.g. the `Arc<str>` of the id types.
pub fn text_as<'de, T, D>(d: D) -> Result<T, D::Error>
where
    T: From<String> + for<'a> From<&'a str>,
    D: Deserializer<'de>,
{
    d.deserialize_any(TextVisitor::new())
}

/// Optional text that may arrive as a number; absent, `null` or `""` give `None`.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(OptVisitor(TextVisitor::<String>::new()))
}

struct BoolVisitor;

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a boolean, or \"true\"/\"false\"")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v.trim() {
            "true" | "TRUE" | "True" | "1" => Ok(true),
            "false" | "FALSE" | "False" | "0" => Ok(false),
            _ => Err(E::custom(format_args!("invalid boolean {v:?}"))),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        Ok(v != 0)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        Ok(v != 0)
    }
}

/// An optional boolean that may arrive as a string; absent, `null` or `""` give `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(OptVisitor(BoolVisitor))
}

/// Wraps a visitor so that `null` and the empty string mean "absent".
struct OptVisitor<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for OptVisitor<V> {
    type Value = Option<V::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.expecting(f)?;
        f.write_str(", or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.is_empty() {
            Ok(None)
        } else {
            self.0.visit_str(v).map(Some)
        }
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        if v.is_empty() {
            Ok(None)
        } else {
            self.0.visit_string(v).map(Some)
        }
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.0.visit_bool(v).map(Some)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.0.visit_u64(v).map(Some)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.0.visit_i64(v).map(Some)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.0.visit_f64(v).map(Some)
    }
}

/// A decimal where `null` or `""` mean zero (cumulative fields before any fill).
pub fn decimal_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    opt_decimal(d).map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the general path gives (the fast path must agree, scale included).
    fn general(s: &str) -> Option<Decimal> {
        let t = s.trim();
        if t.contains('_') {
            return None;
        }
        Decimal::from_str(t)
            .ok()
            .or_else(|| if t.contains(['e', 'E']) { Decimal::from_scientific(t).ok() } else { None })
    }

    fn same(s: &str) {
        let (fast, slow) = (parse_decimal(s), general(s));
        assert_eq!(fast, slow, "{s:?}");
        assert_eq!(fast.map(|d| d.to_string()), slow.map(|d| d.to_string()), "{s:?}: scale or sign differs");
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_parser_on_edge_cases() {
        for s in [
            "0",
            "-0",
            "-0.000",
            "0.0000040",
            "1.",
            ".5",
            "-",
            "",
            "007",
            "50000.00",
            "-12.5",
            "1.2.3",
            "999999999999999999",
            "9999999999999999999",
            "99999999999999999.9",
            "0.000000000000000001",
            "1e5",
            " 1.5",
            "1_000",
            "+1",
            "--1",
            "1-",
        ] {
            same(s);
        }
        assert!(plain_decimal(b"123.45").is_some() && plain_decimal(b"1e5").is_none());
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_the_general_parser(s in "-?[0-9]{0,12}(\\.[0-9]{0,10})?") {
            same(&s);
        }

        #[test]
        fn any_short_text_agrees(s in "[-0-9.e+ _]{0,20}") {
            same(&s);
        }
    }
}
