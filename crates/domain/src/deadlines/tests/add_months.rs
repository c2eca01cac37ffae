//! `add_months`, the calendar arithmetic every deadline is made of: properties over any date, and
//! the month-end and leap-year cases.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

use super::d;
use crate::deadlines::add_months;

/// The last day of `month` in `year`, computed independently of chrono's month arithmetic.
fn last_day_of_month(year: i32, month: u32) -> u32 {
    (28..=31)
        .rev()
        .find(|day| NaiveDate::from_ymd_opt(year, month, *day).is_some())
        .unwrap()
}

/// Months since year 0 (the calendar's month index).
fn month_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

// ---- add_months: properties ----------------------------------------------------------------

/// Any day from 1900-01-01 to about 2199.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..300 * 366).prop_map(|n| d(1900, 1, 1).checked_add_days(chrono::Days::new(n)).unwrap())
}

proptest! {
    #[test]
    fn add_months_never_goes_back(date in any_date(), months in 0u32..1200) {
        let later = add_months(date, months).unwrap();
        prop_assert!(later >= date, "{date} + {months} months = {later}");
        if months > 0 {
            prop_assert!(later > date, "{date} + {months} months = {later}");
        }
    }

    #[test]
    fn add_months_lands_exactly_that_many_calendar_months_later(date in any_date(), months in 0u32..1200) {
        let later = add_months(date, months).unwrap();
        prop_assert_eq!(month_index(later), month_index(date) + i64::from(months), "{} + {} months = {}", date, months, later);
    }

    #[test]
    fn add_months_keeps_the_day_or_takes_the_months_last_day(date in any_date(), months in 0u32..1200) {
        let later = add_months(date, months).unwrap();
        let last = last_day_of_month(later.year(), later.month());
        if date.day() <= last {
            prop_assert_eq!(later.day(), date.day(), "{} + {} months = {}", date, months, later);
        } else {
            prop_assert_eq!(later.day(), last, "{} + {} months = {}", date, months, later);
        }
    }

    #[test]
    fn add_months_in_steps_is_never_later_than_at_once(date in any_date(), a in 0u32..600, b in 0u32..600) {
        // Clamping can only shorten a step, so two steps may end earlier in the same month, never later.
        let stepwise = add_months(add_months(date, a).unwrap(), b).unwrap();
        let at_once = add_months(date, a + b).unwrap();
        prop_assert!(stepwise <= at_once, "({date} + {a}) + {b} = {stepwise} > {date} + {} = {at_once}", a + b);
        prop_assert_eq!(month_index(stepwise), month_index(at_once));
        // Days every month has are never clamped, so then the two agree exactly.
        if date.day() <= 28 {
            prop_assert_eq!(stepwise, at_once);
        }
    }

    #[test]
    fn add_months_is_monotonic_in_the_date(a in any_date(), b in any_date(), months in 0u32..1200) {
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        let (early_due, late_due) = (add_months(early, months).unwrap(), add_months(late, months).unwrap());
        prop_assert!(early_due <= late_due, "{early} -> {early_due}, {late} -> {late_due}");
    }
}

#[test]
fn add_months_zero_is_the_same_day() {
    for date in [d(2026, 1, 31), d(2028, 2, 29), d(2026, 12, 31)] {
        assert_eq!(add_months(date, 0), Some(date));
    }
}

#[test]
fn add_months_beyond_the_calendar_is_none() {
    assert_eq!(add_months(NaiveDate::MAX, 1), None);
}

// ---- add_months: calendar edge cases --------------------------------------------------------

#[test]
fn january_31_plus_a_month_is_the_end_of_february() {
    assert_eq!(add_months(d(2027, 1, 31), 1), Some(d(2027, 2, 28)));
    assert_eq!(
        add_months(d(2028, 1, 31), 1),
        Some(d(2028, 2, 29)),
        "2028 is a leap year"
    );
}

#[test]
fn leap_day_plus_a_year_is_february_28() {
    assert_eq!(add_months(d(2028, 2, 29), 12), Some(d(2029, 2, 28)));
    assert_eq!(
        add_months(d(2028, 2, 29), 48),
        Some(d(2032, 2, 29)),
        "four years on is a leap year again"
    );
}

#[test]
fn august_31_plus_six_months_is_the_end_of_february() {
    assert_eq!(add_months(d(2026, 8, 31), 6), Some(d(2027, 2, 28)));
    assert_eq!(add_months(d(2027, 8, 31), 6), Some(d(2028, 2, 29)));
}

#[test]
fn months_cross_the_year() {
    assert_eq!(add_months(d(2026, 12, 15), 2), Some(d(2027, 2, 15)));
    assert_eq!(add_months(d(2026, 11, 30), 2), Some(d(2027, 1, 30)));
    assert_eq!(add_months(d(2026, 12, 31), 1), Some(d(2027, 1, 31)));
}

#[test]
fn march_31_plus_six_months_is_september_30() {
    assert_eq!(add_months(d(2026, 3, 31), 6), Some(d(2026, 9, 30)));
}
