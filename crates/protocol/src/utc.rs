//! UTC calendar arithmetic without a date library: civil dates to and from day counts, RFC 3339
//! text to and from times since the Unix epoch, and the exchange's `YYYY-MM-DD` dates. Used by
//! the journal (lock holder, `--since`), doctor's report and the simulator's `event_date`.
//! Pure functions: this module must NOT read the clock.

/// Days from 1970-01-01 to the civil date `y-m-d` (proleptic Gregorian calendar).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month 1-12, day 1-31) of a day count from 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, u32::try_from(m).unwrap_or(1), u32::try_from(d).unwrap_or(1))
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The `YYYY-MM-DD` date of a time in ms since the epoch (the exchange's `event_date`).
pub fn date(ms: u64) -> String {
    let days = i64::try_from(ms / 86_400_000).unwrap_or(i64::MAX / 2);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2024-05-01T12:30:00Z` (whole seconds) for a time in ms since the epoch.
pub fn format_ms(ms: u64) -> String {
    let secs = i64::try_from(ms / 1000).unwrap_or(i64::MAX / 2);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// `2024-05-01T12:30:00.123456789Z` for a time in ns since the epoch (fraction only when not 0).
pub fn format_ns(ns: u128) -> String {
    let ms = u64::try_from(ns / 1_000_000).unwrap_or(u64::MAX);
    let base = format_ms(ms);
    let frac = ns % 1_000_000_000;
    if frac == 0 {
        return base;
    }
    let digits = format!("{frac:09}");
    format!("{}.{}Z", base.trim_end_matches('Z'), digits.trim_end_matches('0'))
}

/// Why a text is not a time [`parse_rfc3339`] reads; the message says what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimeParseError(String);

fn num(s: &str, what: &str) -> Result<u32, TimeParseError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TimeParseError(format!("the {what} {s:?} is not a number")));
    }
    s.parse().map_err(|_| TimeParseError(format!("the {what} {s:?} is out of range")))
}

/// Reads an RFC 3339 time (`2024-05-01T12:30:00Z`, `2024-05-01T12:30:00.5+02:00`; `t`/`z` and a
/// space for `T` accepted) or a bare date (`2024-05-01`, meaning midnight UTC) into ns since
/// the epoch. Times before 1970 are refused. The error says what is wrong.
pub fn parse_rfc3339(text: &str) -> Result<u128, TimeParseError> {
    let t = text.trim();
    let (date, rest) = match t.find(['T', 't', ' ']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let mut parts = date.splitn(3, '-');
    let (Some(y), Some(mo), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(TimeParseError("expected a date as YYYY-MM-DD".into()));
    };
    if y.len() != 4 || mo.len() != 2 || d.len() != 2 {
        return Err(TimeParseError("expected a date as YYYY-MM-DD".into()));
    }
    let (y, mo, d) = (i64::from(num(y, "year")?), num(mo, "month")?, num(d, "day")?);
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return Err(TimeParseError(format!("{date} is not a calendar date")));
    }
    let (mut secs, mut frac_ns, mut offset) = (0i64, 0u32, 0i64);
    if let Some(rest) = rest {
        let (clock, zone) = match rest.find(['Z', 'z', '+', '-']) {
            Some(i) => rest.split_at(i),
            None => {
                return Err(TimeParseError(
                    "the time needs a zone: end it with Z (UTC) or an offset like +02:00".into(),
                ))
            }
        };
        let (hms, frac) = match clock.split_once('.') {
            Some((hms, f)) => (hms, Some(f)),
            None => (clock, None),
        };
        let mut hms_parts = hms.splitn(3, ':');
        let (Some(h), Some(mi), Some(s)) = (hms_parts.next(), hms_parts.next(), hms_parts.next()) else {
            return Err(TimeParseError("expected the time as HH:MM:SS".into()));
        };
        let (h, mi, s) = (num(h, "hour")?, num(mi, "minute")?, num(s, "second")?);
        if h > 23 || mi > 59 || s > 60 {
            return Err(TimeParseError(format!("{hms} is not a time of day")));
        }
        secs = i64::from(h * 3600 + mi * 60 + s);
        if let Some(f) = frac {
            let digits: String = f.chars().take(9).collect();
            frac_ns = num(&digits, "fraction of a second")? * 10u32.pow(9 - u32::try_from(digits.len()).unwrap_or(9));
            if f.len() > 9 && !f[9..].bytes().all(|b| b.is_ascii_digit()) {
                return Err(TimeParseError(format!("the fraction of a second {f:?} is not a number")));
            }
        }
        if !zone.eq_ignore_ascii_case("z") {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let Some((oh, om)) = zone[1..].split_once(':') else {
                return Err(TimeParseError(format!("the offset {zone:?} should look like +02:00")));
            };
            let (oh, om) = (num(oh, "offset hour")?, num(om, "offset minute")?);
            if oh > 23 || om > 59 {
                return Err(TimeParseError(format!("the offset {zone:?} is out of range")));
            }
            offset = sign * i64::from(oh * 3600 + om * 60);
        }
    }
    let total = days_from_civil(y, mo, d) * 86_400 + secs - offset;
    let total =
        u128::try_from(total).map_err(|_| TimeParseError("times before 1970-01-01 are not supported".into()))?;
    Ok(total * 1_000_000_000 + u128::from(frac_ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_known_instants() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_ms(1_700_000_000_123), "2023-11-14T22:13:20Z");
        assert_eq!(format_ms(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(format_ns(1_700_000_000_120_000_000), "2023-11-14T22:13:20.12Z");
        assert_eq!(parse_rfc3339("2023-11-14T22:13:20Z"), Ok(1_700_000_000_000_000_000));
        assert_eq!(parse_rfc3339("2023-11-14t23:13:20.5+01:00"), Ok(1_700_000_000_500_000_000));
        assert_eq!(parse_rfc3339("2023-11-14 20:13:20-02:00"), Ok(1_700_000_000_000_000_000));
        assert_eq!(parse_rfc3339("2000-02-29"), Ok(951_782_400_000_000_000));
        for days in [-1, 0, 59, 60, 365, 10_957, 11_016, 19_000, 50_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn bad_times_say_what_is_wrong() {
        for (bad, says) in [
            ("2023-02-29T00:00:00Z", "calendar"),
            ("2023-11-14T22:13:20", "zone"),
            ("2023-11-14T25:00:00Z", "time of day"),
            ("14/11/2023", "YYYY-MM-DD"),
            ("1969-12-31T23:59:59Z", "1970"),
            ("2023-11-14T22:13:20+0100", "+02:00"),
        ] {
            let err = parse_rfc3339(bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
