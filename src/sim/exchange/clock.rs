//! Calendar arithmetic on Unix milliseconds: `YYYY-MM-DD` dates and month starts.
//!
//! Pure functions; no clock is read here (time always comes in as `now_ms`).

const MS_PER_DAY: i64 = 86_400_000;

/// (year, month 1-12, day 1-31) of a count of days since 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of each 400-year era.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a civil date (inverse of [`civil`]).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The `YYYY-MM-DD` date of a timestamp, as in `order_date` and `event_date`.
pub(crate) fn date(ms: u64) -> String {
    let (y, m, d) = civil(ms as i64 / MS_PER_DAY);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The first millisecond of the calendar month holding `ms`.
pub(crate) fn month_start(ms: u64) -> u64 {
    let (y, m, _) = civil(ms as i64 / MS_PER_DAY);
    (days_from_civil(y, m, 1) * MS_PER_DAY).max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_month_starts() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_613_570_791_060), "2021-02-17");
        assert_eq!(date(951_782_400_000), "2000-02-29");
        assert_eq!(month_start(1_613_570_791_060), 1_612_137_600_000);
        assert_eq!(days_from_civil(2024, 3, 1), 19_783);
    }
}
