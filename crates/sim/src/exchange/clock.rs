//! Calendar arithmetic on Unix milliseconds: `YYYY-MM-DD` dates and month starts.
//!
//! Pure functions; no clock is read here (time always comes in as `now_ms`).

use cdc_protocol::utc::{civil_from_days as civil, days_from_civil};

const MS_PER_DAY: i64 = 86_400_000;

/// The `YYYY-MM-DD` date of a timestamp, as in `order_date` and `event_date`.
pub(crate) fn date(ms: u64) -> String {
    cdc_protocol::utc::date(ms)
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
