//! Dates as they are in Finland.
//!
//! Deadlines and "not in the future" checks are about the Finnish calendar day, not the UTC one: at
//! 01:30 in Helsinki it is still yesterday in UTC. Finland follows EU summer time (UTC+3 from the last
//! Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC, otherwise UTC+2); computing it
//! here avoids a time-zone database dependency.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

/// The calendar date in Finland at the instant `at`.
pub fn finnish_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(finnish_utc_offset_hours(at))).date_naive()
}

/// UTC+2 in winter, UTC+3 in EU summer time.
pub fn finnish_utc_offset_hours(at: DateTime<Utc>) -> i64 {
    let year = at.year();
    let starts = last_sunday_at_one_utc(year, 3);
    let ends = last_sunday_at_one_utc(year, 10);
    if at >= starts && at < ends { 3 } else { 2 }
}

fn last_sunday_at_one_utc(year: i32, month: u32) -> DateTime<Utc> {
    let mut day = NaiveDate::from_ymd_opt(year, month, 31).unwrap_or(NaiveDate::MIN);
    while day.weekday() != Weekday::Sun {
        day = day.pred_opt().unwrap_or(day);
    }
    Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).unwrap_or_default())
}

/// `at` truncated to whole microseconds, the precision PostgreSQL keeps, so that what is written is
/// exactly what is read back on either backend.
pub fn to_storage_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    let micros = at.timestamp_micros();
    DateTime::from_timestamp_micros(micros).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn finnish_date_crosses_midnight_before_utc() {
        // Winter: 22:30 UTC is 00:30 next day in Helsinki.
        assert_eq!(
            finnish_date(utc("2026-01-14T22:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 1, 15).unwrap_or_default()
        );
        assert_eq!(
            finnish_date(utc("2026-01-14T21:59:59Z")),
            NaiveDate::from_ymd_opt(2026, 1, 14).unwrap_or_default()
        );
        // Summer: 21:00 UTC is 00:00 next day.
        assert_eq!(
            finnish_date(utc("2026-07-01T21:00:00Z")),
            NaiveDate::from_ymd_opt(2026, 7, 2).unwrap_or_default()
        );
    }

    #[test]
    fn summer_time_switches_on_the_last_sundays() {
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(finnish_utc_offset_hours(utc("2026-03-29T00:59:59Z")), 2);
        assert_eq!(finnish_utc_offset_hours(utc("2026-03-29T01:00:00Z")), 3);
        assert_eq!(finnish_utc_offset_hours(utc("2026-10-25T00:59:59Z")), 3);
        assert_eq!(finnish_utc_offset_hours(utc("2026-10-25T01:00:00Z")), 2);
    }

    #[test]
    fn storage_precision_drops_nanoseconds() {
        let at = utc("2026-05-01T12:00:00.123456789Z");
        assert_eq!(to_storage_precision(at).timestamp_subsec_nanos(), 123_456_000);
    }
}
