//! Seed 004's `scheduleConfig` forms, read and shown.

use serde_json::{Value, json};

use super::{from_schedule_config, schedule_config_view};
use crate::domain::trigger::tests::{assert_error, cron, fires, now, utc};
use crate::domain::trigger::{JobType, Trigger, TriggerError};

fn config(job_type: JobType, value: Value) -> Result<Trigger, TriggerError> {
    from_schedule_config(job_type, &value, now())
}

fn cron_of(value: Value) -> String {
    config(JobType::Cron, value).expect("valid cron config").expression()
}

#[test]
fn interval_forms() {
    let every = |value: Value| match config(JobType::Interval, value) {
        Ok(Trigger::Interval { every_seconds, anchor }) => {
            assert_eq!(anchor, now());
            every_seconds
        }
        other => panic!("not an interval: {other:?}"),
    };
    assert_eq!(every(json!({"hours": 1, "minutes": 0, "seconds": 0})), 3_600);
    assert_eq!(every(json!({"hours": 0, "minutes": 0, "seconds": 30})), 30);
    assert_eq!(every(json!({"minutes": 5})), 300);
    assert_eq!(every(json!({"hours": 24})), 86_400);
    assert_eq!(every(json!({"weeks": 1, "days": 1, "seconds": 1})), 691_201);
    assert_eq!(every(json!({"minutes": 90, "timezone": "Europe/Berlin"})), 5_400);
}

#[test]
fn interval_errors() {
    assert_error(
        config(JobType::Interval, json!({"hours": "1"})),
        "scheduleConfig.hours",
        "must be a non-negative integer",
    );
    assert_error(config(JobType::Interval, json!({"minutes": -5})), "scheduleConfig.minutes", "non-negative integer");
    assert_error(config(JobType::Interval, json!({"seconds": 1.5})), "scheduleConfig.seconds", "non-negative integer");
    assert_error(
        config(JobType::Interval, json!({"hours": 0, "minutes": 0, "seconds": 0})),
        "scheduleConfig",
        "longer than zero",
    );
    assert_error(
        config(JobType::Interval, json!({"hours": 1, "minute": 5})),
        "scheduleConfig.minute",
        "unknown key 'minute'",
    );
    assert_error(config(JobType::Interval, json!({"weeks": u64::MAX})), "scheduleConfig", "at most");
    assert_error(config(JobType::Interval, json!([1])), "scheduleConfig", "must be an object");
}

#[test]
fn seed_004_cron_examples() {
    assert_eq!(cron_of(json!({"hour": "0", "minute": "0"})), "cron(0 0 * * ? *)");
    assert_eq!(cron_of(json!({"hour": "9", "minute": "0"})), "cron(0 9 * * ? *)");
    assert_eq!(cron_of(json!({"hour": "*", "minute": "30"})), "cron(30 * * * ? *)");
    assert_eq!(cron_of(json!({"hour": "8", "minute": "0", "day_of_week": "mon"})), "cron(0 8 ? * MON *)");
    assert_eq!(cron_of(json!({"hour": "0", "minute": "0", "day": "1"})), "cron(0 0 1 * ? *)");
}

#[test]
fn unset_fields_follow_apscheduler_defaults() {
    // Finer than the finest given field: the minimum; coarser: every value.
    assert_eq!(cron_of(json!({"hour": "9"})), "cron(0 9 * * ? *)");
    assert_eq!(cron_of(json!({"minute": "15"})), "cron(15 * * * ? *)");
    assert_eq!(cron_of(json!({"month": "6"})), "cron(0 0 1 6 ? *)");
    assert_eq!(cron_of(json!({"day_of_week": "fri"})), "cron(0 0 ? * FRI *)");
    assert_eq!(cron_of(json!({"hour": 9, "minute": 30})), "cron(30 9 * * ? *)");
    assert_eq!(cron_of(json!({"minute": "*/15", "hour": "8-17", "year": "2026"})), "cron(0/15 8-17 * * ? 2026)");
}

#[test]
fn apscheduler_weekdays_start_on_monday() {
    // APScheduler 0 = mon … 6 = sun; EventBridge 1 = SUN … 7 = SAT.
    assert_eq!(cron_of(json!({"hour": "8", "day_of_week": "0"})), "cron(0 8 ? * MON *)");
    assert_eq!(cron_of(json!({"hour": "8", "day_of_week": "6"})), "cron(0 8 ? * SUN *)");
    assert_eq!(cron_of(json!({"hour": "8", "day_of_week": "mon-fri"})), "cron(0 8 ? * MON-FRI *)");
    assert_eq!(cron_of(json!({"hour": "8", "day_of_week": "fri-sun"})), "cron(0 8 ? * SUN,FRI-SAT *)");
    assert_eq!(cron_of(json!({"hour": "8", "day_of_week": "0-6"})), "cron(0 8 * * ? *)");
    // And the times agree: 2025-01-06 is a Monday.
    let monday = config(JobType::Cron, json!({"hour": "8", "minute": "0", "day_of_week": "mon"})).expect("valid");
    assert_eq!(fires(&monday, "2025-01-01T00:00:00Z", 1), ["2025-01-06T08:00:00Z"]);
}

#[test]
fn apscheduler_day_positions() {
    assert_eq!(cron_of(json!({"hour": "8", "day": "last"})), "cron(0 8 L * ? *)");
    assert_eq!(cron_of(json!({"hour": "8", "day": "last fri"})), "cron(0 8 ? * 6L *)");
    assert_eq!(cron_of(json!({"hour": "8", "day": "2nd mon"})), "cron(0 8 ? * 2#2 *)");
}

#[test]
fn cron_config_errors() {
    assert_error(
        config(JobType::Cron, json!({"hour": "9", "day": "1", "day_of_week": "mon"})),
        "scheduleConfig.day_of_week",
        "day and day_of_week cannot both be set",
    );
    assert_error(config(JobType::Cron, json!({"hour": "25"})), "scheduleConfig.hour", "25 is out of range 0-23");
    assert_error(
        config(JobType::Cron, json!({"hour": "9", "day_of_week": "7"})),
        "scheduleConfig.day_of_week",
        "7 is out of range 0-6 or mon-sun",
    );
    assert_error(
        config(JobType::Cron, json!({"hour": ["9"]})),
        "scheduleConfig.hour",
        "must be a string or a non-negative integer",
    );
    assert_error(config(JobType::Cron, json!({"hour": "9", "week": "1"})), "scheduleConfig.week", "unknown key 'week'");
    assert_error(config(JobType::Cron, json!({"second": "0", "hour": "9"})), "scheduleConfig.second", "whole minutes");
    assert_error(config(JobType::Cron, json!({})), "scheduleConfig", "at least one of");
    assert_error(
        config(JobType::Cron, json!({"hour": "9", "timezone": "Europe/Nowhere"})),
        "scheduleConfig.timezone",
        "unknown time zone 'Europe/Nowhere'",
    );
    assert_error(config(JobType::Cron, json!({"day": "30", "month": "2"})), "scheduleConfig", "never fires");
}

#[test]
fn cron_config_time_zone() {
    let trigger = config(JobType::Cron, json!({"hour": "9", "timezone": "Europe/Berlin"})).expect("valid");
    assert_eq!(trigger.timezone(), chrono_tz::Europe::Berlin);
    assert_eq!(fires(&trigger, "2025-07-01T00:00:00Z", 1), ["2025-07-01T07:00:00Z"]);
}

#[test]
fn expression_form_must_match_the_job_type() {
    let trigger = config(JobType::Cron, json!({"expression": "cron(0 9 ? * MON *)", "timezone": "Europe/Berlin"}))
        .expect("valid");
    assert_eq!(
        (trigger.expression(), trigger.timezone()),
        ("cron(0 9 ? * MON *)".to_owned(), chrono_tz::Europe::Berlin)
    );
    let rate = config(JobType::Interval, json!({"expression": "rate(5 minutes)"})).expect("valid");
    assert_eq!(rate.first_fire(now()), Some(utc("2025-01-01T00:05:00Z")));
    let at = config(JobType::Date, json!({"expression": "at(2025-02-01T10:00:00)"})).expect("ok");
    assert_eq!(at, Trigger::date(utc("2025-02-01T10:00:00Z")));
    assert_error(
        config(JobType::Cron, json!({"expression": "rate(5 minutes)"})),
        "scheduleConfig.expression",
        "makes an interval job but the job type is cron; use cron(…)",
    );
    assert_error(
        config(JobType::Interval, json!({"expression": "cron(0 9 * * ? *)", "hours": 1})),
        "scheduleConfig.expression",
        "makes a cron job but the job type is interval",
    );
    assert_error(
        config(JobType::Cron, json!({"expression": "cron(0 9 * * MON *)"})),
        "scheduleConfig.expression",
        "day-of-month and day-of-week cannot both be set; use ? in one of them",
    );
    assert_error(config(JobType::Cron, json!({"expression": 5})), "scheduleConfig.expression", "must be a string");
}

#[test]
fn date_form() {
    let trigger = config(JobType::Date, json!({"run_date": "2025-01-01T02:00:00"})).expect("ok");
    assert_eq!(trigger, Trigger::date(utc("2025-01-01T02:00:00Z")));
    let local =
        config(JobType::Date, json!({"run_date": "2025-01-01T02:00:00", "timezone": "Europe/Berlin"})).expect("ok");
    assert_eq!(local, Trigger::date(utc("2025-01-01T01:00:00Z")));
    assert_error(config(JobType::Date, json!({})), "scheduleConfig.run_date", "is required");
    assert_error(config(JobType::Date, json!({"run_date": "soon"})), "scheduleConfig.run_date", "ISO 8601");
}

#[test]
fn a_view_sent_back_with_both_forms_is_accepted_when_they_agree() {
    let fields = json!({"hour": "9", "minute": "0", "day_of_week": "mon", "timezone": "Europe/Berlin"});
    let original = config(JobType::Cron, fields).expect("valid");
    let view = schedule_config_view(&original);
    assert!(view.get("expression").is_some() && view.get("hour").is_some(), "{view}");
    assert_eq!(config(JobType::Cron, view.clone()).expect("round trip"), original);
    let mut edited = view;
    edited["expression"] = json!("cron(0 10 ? * MON *)");
    assert_error(config(JobType::Cron, edited), "scheduleConfig.expression", "disagrees with the other fields");
    let date = config(JobType::Date, json!({"run_date": "2030-01-01T02:00:00"})).expect("ok");
    assert_eq!(config(JobType::Date, schedule_config_view(&date)).expect("round trip"), date);
}

#[test]
fn views() {
    let interval = |every_seconds| schedule_config_view(&Trigger::Interval { every_seconds, anchor: now() });
    assert_eq!(interval(3_600), json!({"hours": 1, "minutes": 0, "seconds": 0}));
    assert_eq!(interval(86_400), json!({"hours": 24, "minutes": 0, "seconds": 0}));
    assert_eq!(interval(5_430), json!({"hours": 1, "minutes": 30, "seconds": 30}));
    // Given as 90 minutes, shown normalised.
    let ninety = config(JobType::Interval, json!({"minutes": 90})).expect("valid");
    assert_eq!(schedule_config_view(&ninety), json!({"hours": 1, "minutes": 30, "seconds": 0}));
    assert_eq!(
        schedule_config_view(&Trigger::date(utc("2024-12-31T23:59:59Z"))),
        json!({"run_date": "2024-12-31T23:59:59Z", "expression": "at(2024-12-31T23:59:59)"})
    );
    assert_eq!(
        schedule_config_view(&cron("0 9 ? * MON *", "Europe/Berlin")),
        json!({"expression": "cron(0 9 ? * MON *)", "timezone": "Europe/Berlin"})
    );
    let fields = config(JobType::Cron, json!({"hour": "8", "minute": "0", "day_of_week": "mon"})).expect("valid");
    assert_eq!(
        schedule_config_view(&fields),
        json!({
            "hour": "8",
            "minute": "0",
            "day_of_week": "mon",
            "expression": "cron(0 8 ? * MON *)",
            "timezone": "UTC"
        })
    );
}
