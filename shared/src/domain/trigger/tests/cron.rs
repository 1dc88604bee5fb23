//! EventBridge cron features, month ends, leap years and the year field (all in UTC).

use super::{assert_error, cron, fires, now, utc};
use crate::domain::trigger::{CronSchedule, parse_expression};

fn cron_error(expr: &str, fragment: &str) {
    assert_error(parse_expression("expression", &format!("cron({expr})"), None, now()), "expression", fragment);
}

#[test]
fn weekday_names_and_numbers_use_sunday_as_one() {
    // 2025-01-06 is a Monday.
    let by_name = cron("0 9 ? * MON *", "UTC");
    let by_number = cron("0 9 ? * 2 *", "UTC");
    assert_eq!(fires(&by_name, "2025-01-01T00:00:00Z", 1), ["2025-01-06T09:00:00Z"]);
    assert_eq!(fires(&by_number, "2025-01-01T00:00:00Z", 1), ["2025-01-06T09:00:00Z"]);
    assert_eq!(
        fires(&cron("0 0 ? * 1,7 *", "UTC"), "2025-01-01T00:00:00Z", 3),
        ["2025-01-04T00:00:00Z", "2025-01-05T00:00:00Z", "2025-01-11T00:00:00Z"]
    );
}

#[test]
fn weekday_ranges_and_lone_l_is_saturday() {
    assert_eq!(
        fires(&cron("0 12 ? * MON-FRI *", "UTC"), "2025-01-03T13:00:00Z", 2),
        ["2025-01-06T12:00:00Z", "2025-01-07T12:00:00Z"]
    );
    assert_eq!(fires(&cron("0 0 ? * L *", "UTC"), "2025-01-01T00:00:00Z", 1), ["2025-01-04T00:00:00Z"]);
}

#[test]
fn steps_lists_and_ranges() {
    assert_eq!(
        fires(&cron("0/15 * * * ? *", "UTC"), "2025-01-01T00:07:00Z", 3),
        ["2025-01-01T00:15:00Z", "2025-01-01T00:30:00Z", "2025-01-01T00:45:00Z"]
    );
    // 1/10 is minute 1, 11, 21, …, as the AWS documentation describes it.
    assert_eq!(
        fires(&cron("1/10 * * * ? *", "UTC"), "2025-01-01T00:50:00Z", 2),
        ["2025-01-01T00:51:00Z", "2025-01-01T01:01:00Z"]
    );
    assert_eq!(
        fires(&cron("0 8-10,14 * * ? *", "UTC"), "2025-01-01T09:30:00Z", 3),
        ["2025-01-01T10:00:00Z", "2025-01-01T14:00:00Z", "2025-01-02T08:00:00Z"]
    );
    assert_eq!(
        fires(&cron("0 0 1 JAN,JUL ? *", "UTC"), "2025-01-01T00:00:00Z", 2),
        ["2025-07-01T00:00:00Z", "2026-01-01T00:00:00Z"]
    );
}

#[test]
fn last_day_of_month_follows_leap_years() {
    let last = cron("0 0 L * ? *", "UTC");
    assert_eq!(
        fires(&last, "2024-01-31T00:00:00Z", 3),
        ["2024-02-29T00:00:00Z", "2024-03-31T00:00:00Z", "2024-04-30T00:00:00Z"]
    );
    assert_eq!(fires(&last, "2025-02-01T00:00:00Z", 1), ["2025-02-28T00:00:00Z"]);
}

#[test]
fn day_31_skips_short_months() {
    assert_eq!(
        fires(&cron("0 12 31 * ? *", "UTC"), "2025-03-31T12:00:00Z", 2),
        ["2025-05-31T12:00:00Z", "2025-07-31T12:00:00Z"]
    );
}

#[test]
fn february_29_waits_for_the_next_leap_year() {
    assert_eq!(
        fires(&cron("0 0 29 2 ? *", "UTC"), "2024-03-01T00:00:00Z", 2),
        ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]
    );
}

#[test]
fn nearest_weekday_stays_in_the_month() {
    let w15 = cron("0 9 15W * ? *", "UTC");
    // 2025-03-15 is a Saturday, 2025-06-15 a Sunday.
    assert_eq!(fires(&w15, "2025-03-01T00:00:00Z", 1), ["2025-03-14T09:00:00Z"]);
    assert_eq!(fires(&w15, "2025-06-01T00:00:00Z", 1), ["2025-06-16T09:00:00Z"]);
    // 2025-02-01 is a Saturday: the nearest weekday in February is Monday the 3rd.
    assert_eq!(fires(&cron("0 9 1W * ? *", "UTC"), "2025-01-15T00:00:00Z", 1), ["2025-02-03T09:00:00Z"]);
    // 2025-08-31 is a Sunday: back to Friday the 29th.
    assert_eq!(fires(&cron("0 9 31W * ? *", "UTC"), "2025-08-01T00:00:00Z", 1), ["2025-08-29T09:00:00Z"]);
}

#[test]
fn nth_and_last_weekday_of_month() {
    assert_eq!(
        fires(&cron("0 10 ? * 6#3 *", "UTC"), "2025-06-01T00:00:00Z", 2),
        ["2025-06-20T10:00:00Z", "2025-07-18T10:00:00Z"]
    );
    assert_eq!(fires(&cron("0 10 ? * FRI#1 *", "UTC"), "2025-02-01T00:00:00Z", 1), ["2025-02-07T10:00:00Z"]);
    assert_eq!(fires(&cron("0 10 ? * 6L *", "UTC"), "2025-02-01T00:00:00Z", 1), ["2025-02-28T10:00:00Z"]);
    assert_eq!(fires(&cron("0 10 ? * 2L *", "UTC"), "2025-05-01T00:00:00Z", 1), ["2025-05-26T10:00:00Z"]);
}

#[test]
fn year_field_limits_the_schedule() {
    let once = cron("0 0 1 1 ? 2030", "UTC");
    assert_eq!(fires(&once, "2025-01-01T00:00:00Z", 5), ["2030-01-01T00:00:00Z"]);
    let ranged = cron("0 0 1 1 ? 2026-2027", "UTC");
    assert_eq!(fires(&ranged, "2025-01-01T00:00:00Z", 5), ["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"]);
    // EventBridge's year field ends at 2199.
    let yearly = cron("0 0 1 1 ? *", "UTC");
    assert_eq!(fires(&yearly, "2198-06-01T00:00:00Z", 5), ["2199-01-01T00:00:00Z"]);
    assert_eq!(yearly.next_fire_after(utc("2250-01-01T00:00:00Z")), None);
}

#[test]
fn impossible_patterns_never_fire_and_are_refused() {
    let schedule = CronSchedule::parse("e", "0 0 30 2 ? *", chrono_tz::Tz::UTC).expect("syntax");
    assert_eq!(schedule.next_after(now()), None);
    cron_error("0 0 30 2 ? *", "never fires after 2025-01-01T00:00:00Z");
    cron_error("0 0 1 1 ? 2020-2022", "never fires");
}

#[test]
fn the_last_fire_of_a_dated_schedule_is_followed_by_none() {
    let once = cron("30 6 14 3 ? 2025", "UTC");
    assert_eq!(once.next_fire_after(utc("2025-03-14T06:30:00Z")), None);
    assert_eq!(
        once.next_fire_after(utc("2025-03-14T06:29:59.5Z")).map(super::text),
        Some("2025-03-14T06:30:00Z".to_string())
    );
}

#[test]
fn eventbridge_syntax_rules_are_enforced() {
    cron_error("0 9 * * MON *", "cannot both be set; use ? in one of them");
    cron_error("0 9 * * * *", "cannot both be set");
    cron_error("0 9 ? * ? *", "cannot both be ?");
    cron_error("0 9 * * ?", "exactly six fields");
    cron_error("0 0 9 * * ? *", "no seconds field");
    cron_error("60 * * * ? *", "minutes: 60 is out of range 0-59");
    cron_error("0 24 * * ? *", "hours: 24 is out of range 0-23");
    cron_error("0 0 32 * ? *", "day-of-month: 32 is out of range 1-31");
    cron_error("0 0 0 * ? *", "day-of-month: 0 is out of range");
    cron_error("0 0 1 13 ? *", "month: 13 is out of range 1-12 or JAN-DEC");
    cron_error("0 0 ? * 0 *", "day-of-week: 0 is out of range 1-7 or SUN-SAT");
    cron_error("0 0 ? * 8 *", "day-of-week: 8 is out of range");
    cron_error("0 0 1 1 ? 1969", "year: 1969 is out of range 1970-2199");
    cron_error("0 0 1 1 ? 2200", "year: 2200 is out of range");
    cron_error("0 0 ? * MON/2 *", "does not allow / in day-of-week");
    cron_error("0 0 ? * 6#3,2 *", "must be the only entry");
    cron_error("0 0 ? * 6#6 *", "the number after # is 1 to 5");
    cron_error("0 0 1,L * ? *", "stand alone");
    cron_error("0 0 1-5W * ? *", "W follows one day");
    cron_error("0 ? 1 * ? *", "hours: ? is only allowed");
    cron_error("0 5-1 * * ? *", "runs backwards");
    cron_error("0/0 * * * ? *", "step '0'");
    cron_error("0 0 1 FOO ? *", "'FOO' is not a value");
}

#[test]
fn expression_is_kept_upper_cased_and_single_spaced() {
    let trigger = cron("0  9 ? *   mon *", "UTC");
    assert_eq!(trigger.expression(), "cron(0 9 ? * MON *)");
}

#[test]
fn extreme_instants_do_not_panic() {
    use chrono::{DateTime, Utc};
    // 1970-01-05 was a Monday; New York was on EST (UTC-5).
    let monday = cron("0 9 ? * MON *", "America/New_York");
    assert_eq!(monday.next_fire_after(DateTime::<Utc>::MIN_UTC), Some(utc("1970-01-05T14:00:00Z")));
    assert_eq!(monday.next_fire_after(DateTime::<Utc>::MAX_UTC), None);
    let hourly = crate::domain::trigger::Trigger::Interval { every_seconds: 3_600, anchor: DateTime::<Utc>::MIN_UTC };
    assert_eq!(hourly.next_fire_after(DateTime::<Utc>::MAX_UTC), None);
}
