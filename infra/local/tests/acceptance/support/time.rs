//! Times as the seeds write them, and the expected next fire times computed independently of
//! the product (no shared code with its trigger module).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

/// A seed 001 `run_date` (naive UTC, whole seconds) at least `secs - 1` seconds from now.
pub fn run_date_in(secs: i64) -> (String, DateTime<Utc>) {
    let at = Utc::now() + Duration::seconds(secs);
    let at = Utc.timestamp_opt(at.timestamp(), 0).single().expect("whole second");
    (at.format("%Y-%m-%dT%H:%M:%S").to_string(), at)
}

/// Seed 004's `2024-01-15T12:00:00Z`.
#[track_caller]
pub fn parse_zulu(value: &serde_json::Value) -> DateTime<Utc> {
    let text = value.as_str().unwrap_or_else(|| panic!("not a time string: {value}"));
    assert!(text.ends_with('Z'), "not a Z time: {text}");
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}")).with_timezone(&Utc)
}

/// Seed 001's `2024-12-31T23:59:59+00:00`.
#[track_caller]
pub fn parse_offset(value: &serde_json::Value) -> DateTime<Utc> {
    let text = value.as_str().unwrap_or_else(|| panic!("not a time string: {value}"));
    assert!(text.ends_with("+00:00"), "not a +00:00 time: {text}");
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}")).with_timezone(&Utc)
}

/// Seed 000's naive `2024-11-11T20:30:00`.
#[track_caller]
pub fn parse_naive(value: &serde_json::Value) -> DateTime<Utc> {
    let text = value.as_str().unwrap_or_else(|| panic!("not a time string: {value}"));
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").unwrap_or_else(|e| panic!("{text}: {e}")).and_utc()
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_of_next =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) }
            .expect("date");
    let mut day = first_of_next.pred_opt().expect("date");
    while day.weekday() != Weekday::Sun {
        day = day.pred_opt().expect("date");
    }
    day
}

/// Europe/Berlin's UTC offset at 09:00 local on `date`: summer time runs from the last Sunday of
/// March (02:00 local) to the last Sunday of October (03:00 local).
fn berlin_offset_at_nine(date: NaiveDate) -> i64 {
    let summer = date >= last_sunday(date.year(), 3) && date < last_sunday(date.year(), 10);
    if summer { 2 } else { 1 }
}

/// The first Monday 09:00 strictly after `now`, at a fixed offset from UTC per date.
fn next_monday_nine(now: DateTime<Utc>, offset_hours: impl Fn(NaiveDate) -> i64) -> DateTime<Utc> {
    let start = (now + Duration::hours(2)).date_naive();
    (-1..9)
        .filter_map(|days| start.checked_add_signed(Duration::days(days)))
        .filter(|date| date.weekday() == Weekday::Mon)
        .map(|date| date.and_hms_opt(9, 0, 0).expect("time").and_utc() - Duration::hours(offset_hours(date)))
        .find(|at| *at > now)
        .expect("a Monday within nine days")
}

/// `cron(0 9 ? * MON *)` in Europe/Berlin.
pub fn next_monday_nine_berlin(now: DateTime<Utc>) -> DateTime<Utc> {
    next_monday_nine(now, berlin_offset_at_nine)
}

/// `{"hour": "9", "minute": "0", "day_of_week": "mon"}` in UTC.
pub fn next_monday_nine_utc(now: DateTime<Utc>) -> DateTime<Utc> {
    next_monday_nine(now, |_| 0)
}

#[test]
fn berlin_summer_time_bounds() {
    assert_eq!(last_sunday(2024, 3), NaiveDate::from_ymd_opt(2024, 3, 31).unwrap());
    assert_eq!(last_sunday(2024, 10), NaiveDate::from_ymd_opt(2024, 10, 27).unwrap());
    assert_eq!(berlin_offset_at_nine(NaiveDate::from_ymd_opt(2024, 1, 15).unwrap()), 1);
    assert_eq!(berlin_offset_at_nine(NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()), 2);
    assert_eq!(berlin_offset_at_nine(NaiveDate::from_ymd_opt(2024, 10, 28).unwrap()), 1);
    let sunday_evening = Utc.with_ymd_and_hms(2024, 1, 14, 23, 0, 0).unwrap();
    assert_eq!(next_monday_nine_berlin(sunday_evening), Utc.with_ymd_and_hms(2024, 1, 15, 8, 0, 0).unwrap());
    let monday_after_nine = Utc.with_ymd_and_hms(2024, 7, 1, 7, 30, 0).unwrap();
    assert_eq!(next_monday_nine_berlin(monday_after_nine), Utc.with_ymd_and_hms(2024, 7, 8, 7, 0, 0).unwrap());
    assert_eq!(next_monday_nine_utc(monday_after_nine), Utc.with_ymd_and_hms(2024, 7, 1, 9, 0, 0).unwrap());
}
