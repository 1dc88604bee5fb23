//! Daylight-saving changes follow EventBridge Scheduler: a local time that a spring-forward skips
//! does not fire that day, and a local time that a fall-back repeats fires once, at its first
//! (summer-time) occurrence. croner alone would move a skipped fixed time to the end of the gap
//! (03:00); these tests pin the EventBridge behaviour instead.

use super::{assert_error, cron, fires, now, utc};
use crate::domain::trigger::parse_expression;

#[test]
fn berlin_spring_forward_skips_the_missing_time() {
    // 2025-03-30: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist that day.
    assert_eq!(
        fires(&cron("30 2 * * ? *", "Europe/Berlin"), "2025-03-29T00:00:00Z", 2),
        ["2025-03-29T01:30:00Z", "2025-03-31T00:30:00Z"]
    );
    assert_eq!(
        fires(&cron("0/30 * * * ? *", "Europe/Berlin"), "2025-03-30T00:15:00Z", 3),
        ["2025-03-30T00:30:00Z", "2025-03-30T01:00:00Z", "2025-03-30T01:30:00Z"]
    );
}

#[test]
fn berlin_daily_time_keeps_its_wall_clock_across_the_change() {
    assert_eq!(
        fires(&cron("0 9 * * ? *", "Europe/Berlin"), "2025-03-29T00:00:00Z", 2),
        ["2025-03-29T08:00:00Z", "2025-03-30T07:00:00Z"]
    );
}

#[test]
fn berlin_fall_back_runs_a_repeated_time_once() {
    // 2025-10-26: 03:00 CEST falls back to 02:00 CET, so 02:00-02:59 happens twice.
    assert_eq!(
        fires(&cron("30 2 * * ? *", "Europe/Berlin"), "2025-10-25T12:00:00Z", 2),
        ["2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"]
    );
    let half_hourly = cron("0/30 * * * ? *", "Europe/Berlin");
    assert_eq!(
        fires(&half_hourly, "2025-10-25T23:45:00Z", 4),
        ["2025-10-26T00:00:00Z", "2025-10-26T00:30:00Z", "2025-10-26T02:00:00Z", "2025-10-26T02:30:00Z"]
    );
    // Asked from inside the repeated hour, the repeats are still skipped.
    assert_eq!(fires(&half_hourly, "2025-10-26T01:10:00Z", 1), ["2025-10-26T02:00:00Z"]);
}

#[test]
fn new_york_spring_forward() {
    // 2025-03-09: 02:00 EST jumps to 03:00 EDT.
    assert_eq!(
        fires(&cron("30 2 * * ? *", "America/New_York"), "2025-03-08T00:00:00Z", 2),
        ["2025-03-08T07:30:00Z", "2025-03-10T06:30:00Z"]
    );
    assert_eq!(
        fires(&cron("0 9 ? * MON-FRI *", "America/New_York"), "2025-03-07T00:00:00Z", 2),
        ["2025-03-07T14:00:00Z", "2025-03-10T13:00:00Z"]
    );
}

#[test]
fn new_york_fall_back() {
    // 2025-11-02: 02:00 EDT falls back to 01:00 EST.
    assert_eq!(
        fires(&cron("30 1 * * ? *", "America/New_York"), "2025-11-01T12:00:00Z", 2),
        ["2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"]
    );
    assert_eq!(
        fires(&cron("0 * * * ? *", "America/New_York"), "2025-11-02T04:30:00Z", 3),
        ["2025-11-02T05:00:00Z", "2025-11-02T07:00:00Z", "2025-11-02T08:00:00Z"]
    );
}

#[test]
fn a_cron_that_only_hits_a_gap_never_fires() {
    // The last Sunday of March at 02:xx never exists in Berlin.
    assert_error(
        parse_expression("scheduleConfig.expression", "cron(0 2 ? 3 1L 2026-2030)", Some("Europe/Berlin"), now()),
        "scheduleConfig.expression",
        "never fires",
    );
}

#[test]
fn at_uses_local_time_and_refuses_a_skipped_time() {
    let summer = parse_expression("e", "at(2025-07-01T09:00:00)", Some("Europe/Berlin"), now());
    assert_eq!(summer.expect("valid").next_fire_after(now()), Some(utc("2025-07-01T07:00:00Z")));
    // A repeated local time is its first occurrence (CEST).
    let repeated = parse_expression("e", "at(2025-10-26T02:30:00)", Some("Europe/Berlin"), now());
    assert_eq!(repeated.expect("valid").first_fire(now()), Some(utc("2025-10-26T00:30:00Z")));
    assert_error(
        parse_expression("e", "at(2025-03-30T02:30:00)", Some("Europe/Berlin"), now()),
        "e",
        "does not exist in Europe/Berlin",
    );
}
