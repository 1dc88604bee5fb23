//! `run_date`, `at()`, `rate()`, `interval_minutes` and interval arithmetic.

use super::{assert_error, now, text, utc};
use crate::domain::trigger::{JobType, Trigger, from_interval_minutes, parse_expression, parse_run_date};

fn run_date(s: &str) -> String {
    text(parse_run_date("run_date", s).expect("valid run_date"))
}

#[test]
fn run_date_without_offset_is_utc() {
    assert_eq!(run_date("2024-12-31T23:59:59"), "2024-12-31T23:59:59Z");
    assert_eq!(run_date("2024-12-31 23:59:59"), "2024-12-31T23:59:59Z");
    assert_eq!(run_date("2025-01-01T02:00:00.250"), "2025-01-01T02:00:00.250Z");
    assert_eq!(run_date("2025-01-01T02:00"), "2025-01-01T02:00:00Z");
    assert_eq!(run_date("2025-01-01"), "2025-01-01T00:00:00Z");
}

#[test]
fn run_date_with_offset_is_converted() {
    assert_eq!(run_date("2024-12-31T23:59:59Z"), "2024-12-31T23:59:59Z");
    assert_eq!(run_date("2025-01-01T02:00:00+02:00"), "2025-01-01T00:00:00Z");
    assert_eq!(run_date("2025-01-01T02:00:00-0530"), "2025-01-01T07:30:00Z");
    assert_eq!(run_date("2025-06-01T12:00:00.5+01"), "2025-06-01T11:00:00.500Z");
}

#[test]
fn run_date_errors_name_the_field() {
    for bad in [
        "",
        "tomorrow",
        "2024-13-01T00:00:00",
        "2024-02-30T00:00:00",
        "2024-12-31T25:00:00",
        "2024-12-31T23:59:59+25:00",
        "24-12-31T23:59:59",
        "+2024-12-31T23:59:59",
        // chrono reads a 60th second as a leap second, which no clock here schedules by.
        "2030-06-30T23:59:60",
        "2030-06-30 23:59:60.5+02:00",
    ] {
        let err = parse_run_date("run_date", bad).expect_err(bad);
        assert_eq!(err.field, "run_date");
        assert!(err.message.contains("ISO 8601"), "{err}");
    }
}

#[test]
fn at_is_a_date_trigger() {
    let trigger = parse_expression("e", "at(2025-01-01T02:00:00)", None, now()).expect("valid");
    assert_eq!(trigger, Trigger::date(utc("2025-01-01T02:00:00Z")));
    assert_eq!(trigger.job_type(), JobType::Date);
    assert_error(parse_expression("e", "at(2025-01-01 02:00)", None, now()), "e", "yyyy-mm-ddThh:mm:ss");
}

#[test]
fn rate_counts_from_now() {
    let cases = [
        ("rate(5 minutes)", 300),
        ("rate(1 minute)", 60),
        ("rate(1 minutes)", 60),
        ("rate(2 hours)", 7_200),
        ("rate(1 day)", 86_400),
        ("rate(30 seconds)", 30),
        ("RATE( 3  Days )", 259_200),
    ];
    for (expr, every_seconds) in cases {
        let trigger = parse_expression("e", expr, None, now()).expect(expr);
        assert_eq!(trigger, Trigger::Interval { every_seconds, anchor: now() }, "{expr}");
    }
}

#[test]
fn rate_errors() {
    assert_error(parse_expression("e", "rate(0 minutes)", None, now()), "e", "at least 1");
    assert_error(parse_expression("e", "rate(-5 minutes)", None, now()), "e", "at least 1");
    assert_error(parse_expression("e", "rate(1.5 hours)", None, now()), "e", "whole number");
    assert_error(parse_expression("e", "rate(5 weeks)", None, now()), "e", "unknown unit");
    assert_error(parse_expression("e", "rate(5)", None, now()), "e", "a value and a unit");
    assert_error(parse_expression("e", "rate(99999999999999 days)", None, now()), "e", "too long");
    assert_error(parse_expression("e", "every 5 minutes", None, now()), "e", "not a schedule expression");
    assert_error(
        parse_expression("scheduleConfig.expression", "rate(5 minutes)", Some("Mars/Olympus"), now()),
        "scheduleConfig.timezone",
        "unknown time zone 'Mars/Olympus'",
    );
}

#[test]
fn interval_fires_on_its_anchor_grid() {
    let trigger = parse_expression("e", "rate(5 minutes)", None, now()).expect("valid");
    assert_eq!(trigger.first_fire(now()), Some(utc("2025-01-01T00:05:00Z")));
    assert_eq!(trigger.next_fire_after(utc("2025-01-01T00:07:30Z")), Some(utc("2025-01-01T00:10:00Z")));
    // Exactly on a fire time: the next one, strictly after.
    assert_eq!(trigger.next_fire_after(utc("2025-01-01T00:10:00Z")), Some(utc("2025-01-01T00:15:00Z")));
    assert_eq!(trigger.next_fire_after(utc("2025-01-01T00:10:00.001Z")), Some(utc("2025-01-01T00:15:00Z")));
    // Before the anchor: the first fire is still one period after it.
    assert_eq!(trigger.next_fire_after(utc("2024-06-01T00:00:00Z")), Some(utc("2025-01-01T00:05:00Z")));
    let broken = Trigger::Interval { every_seconds: 0, anchor: now() };
    assert_eq!(broken.next_fire_after(now()), None);
}

#[test]
fn interval_minutes_from_seed_002() {
    let trigger = from_interval_minutes("interval_minutes", 1440, now()).expect("valid");
    assert_eq!(trigger.first_fire(now()), Some(utc("2025-01-02T00:00:00Z")));
    assert_eq!(trigger.expression(), "rate(1 day)");
    assert_error(from_interval_minutes("interval_minutes", 0, now()), "interval_minutes", "at least 1 minute");
    assert_error(from_interval_minutes("interval_minutes", i64::MAX, now()), "interval_minutes", "at most");
}

#[test]
fn one_off_triggers() {
    let date = Trigger::date(utc("2024-12-31T23:59:59Z"));
    assert!(date.is_one_off());
    assert_eq!(date.next_fire_after(utc("2024-12-31T23:59:58Z")), Some(utc("2024-12-31T23:59:59Z")));
    assert_eq!(date.next_fire_after(utc("2024-12-31T23:59:59Z")), None);
    // A passed date keeps its time as the first fire; misfire rules decide what happens.
    assert_eq!(date.first_fire(now()), Some(utc("2024-12-31T23:59:59Z")));
    let at_once = Trigger::now(now());
    assert!(at_once.is_one_off());
    assert_eq!(at_once.job_type(), JobType::Date);
    assert_eq!(at_once.first_fire(now()), Some(now()));
    assert!(!parse_expression("e", "rate(1 hour)", None, now()).expect("valid").is_one_off());
}

/// Found by the `trigger` fuzz target: a character that straddles where a function's name would
/// end is refused, not a panic (a 500 through seed 004's `scheduleConfig.expression`).
#[test]
fn a_character_across_the_end_of_a_name_is_refused() {
    for bad in ["-(5\u{786}min", "rat\u{786}(5 minutes)", "a\u{786}(x)", "cro\u{786}(* * * * ? *)"] {
        assert_error(parse_expression("expression", bad, None, now()), "expression", "is not a schedule expression");
    }
}

/// Found by the `trigger` fuzz target: `at()` with a leap second read back as another time.
#[test]
fn at_refuses_a_leap_second() {
    for bad in ["at(2025-06-30T23:59:60)", "at(1657-06-15T23:59:60)"] {
        assert_error(parse_expression("expression", bad, Some("America/New_York"), now()), "expression", "at(");
    }
}

/// Found by the `trigger` fuzz target: a year that is not four digits read back as another.
#[test]
fn at_takes_a_four_digit_year() {
    for bad in ["at(-016-12-31T23:59:54)", "at(+999-12-31T23:59:54)"] {
        assert_error(parse_expression("expression", bad, None, now()), "expression", "at(");
    }
}
