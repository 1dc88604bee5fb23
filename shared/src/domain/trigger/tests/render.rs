//! `expression()`, `eventbridge_expression()`, job types, serde.

use serde_json::json;

use super::{cron, now, utc};
use crate::domain::trigger::{CronFields, CronSchedule, JobType, Trigger, parse_expression};

fn interval(every_seconds: u64) -> Trigger {
    Trigger::Interval { every_seconds, anchor: now() }
}

#[test]
fn expressions() {
    assert_eq!(Trigger::date(utc("2025-01-01T02:00:00Z")).expression(), "at(2025-01-01T02:00:00)");
    assert_eq!(interval(300).expression(), "rate(5 minutes)");
    assert_eq!(interval(3_600).expression(), "rate(1 hour)");
    assert_eq!(interval(30).expression(), "rate(30 seconds)");
    assert_eq!(interval(90).expression(), "rate(90 seconds)");
    assert_eq!(interval(172_800).expression(), "rate(2 days)");
    assert_eq!(cron("0 9 ? * MON *", "Europe/Berlin").expression(), "cron(0 9 ? * MON *)");
}

#[test]
fn eventbridge_expressions() {
    assert_eq!(interval(30).eventbridge_expression(), None);
    assert_eq!(interval(90).eventbridge_expression(), None);
    assert_eq!(interval(120).eventbridge_expression().as_deref(), Some("rate(2 minutes)"));
    assert_eq!(
        Trigger::now(utc("2025-01-01T02:00:00.750Z")).eventbridge_expression().as_deref(),
        Some("at(2025-01-01T02:00:00)")
    );
    assert_eq!(cron("0 9 ? * MON *", "UTC").eventbridge_expression().as_deref(), Some("cron(0 9 ? * MON *)"));
}

#[test]
fn job_types() {
    let listed: Vec<_> = JobType::all().iter().map(|t| (t.id(), t.name(), t.display_name(), t.description())).collect();
    assert_eq!(
        listed,
        [
            (1, "interval", "Interval", "Run at fixed time intervals"),
            (2, "cron", "Cron", "Run on cron schedule"),
            (3, "date", "Date", "Run once at a given date and time"),
        ]
    );
    assert_eq!(JobType::from_id(2), Some(JobType::Cron));
    assert_eq!(JobType::from_id(4), None);
    assert_eq!(JobType::from_name("date"), Some(JobType::Date));
}

#[test]
fn serde_round_trips_every_variant() {
    let fields = CronFields { hour: Some("9".into()), day_of_week: Some("mon-fri".into()), ..CronFields::default() };
    let with_fields = Trigger::Cron(
        CronSchedule::parse("expression", "0 9 ? * MON-FRI *", chrono_tz::America::New_York)
            .expect("valid")
            .with_fields(fields),
    );
    let cases = [
        (Trigger::date(utc("2024-12-31T23:59:59Z")), json!({"type": "date", "run_at": "2024-12-31T23:59:59Z"})),
        (interval(300), json!({"type": "interval", "every_seconds": 300, "anchor": "2025-01-01T00:00:00Z"})),
        (Trigger::now(utc("2025-01-01T00:00:00.5Z")), json!({"type": "now", "at": "2025-01-01T00:00:00.500Z"})),
        (
            cron("0 9 ? * MON *", "Europe/Berlin"),
            json!({"type": "cron", "expression": "0 9 ? * MON *", "timezone": "Europe/Berlin"}),
        ),
        (
            with_fields,
            json!({
                "type": "cron",
                "expression": "0 9 ? * MON-FRI *",
                "timezone": "America/New_York",
                "fields": {"hour": "9", "day_of_week": "mon-fri"}
            }),
        ),
    ];
    for (trigger, stored) in cases {
        let value = serde_json::to_value(&trigger).expect("serialize");
        assert_eq!(value, stored);
        let back: Trigger = serde_json::from_value(value).expect("deserialize");
        assert_eq!(back, trigger);
        assert_eq!(back.next_fire_after(now()), trigger.next_fire_after(now()));
    }
}

#[test]
fn stored_cron_is_checked_on_load() {
    let bad = json!({"type": "cron", "expression": "0 9 * * MON *", "timezone": "UTC"});
    let err = serde_json::from_value::<Trigger>(bad).expect_err("invalid cron");
    assert!(err.to_string().contains("cannot both be set"), "{err}");
    let zone = json!({"type": "cron", "expression": "0 9 ? * MON *", "timezone": "Nowhere"});
    let err = serde_json::from_value::<Trigger>(zone).expect_err("invalid zone");
    assert!(err.to_string().contains("unknown time zone"), "{err}");
    let parsed = parse_expression("e", "cron(0 9 ? * MON *)", None, now()).expect("valid");
    assert_eq!(parsed.timezone(), chrono_tz::Tz::UTC);
}
