//! The schedule rules without AWS: names, inputs, expressions, states.

use chrono::{DateTime, Utc};

use super::*;
use crate::domain::execution::{Execution, TriggeredBy};
use crate::domain::ids::ExecutionId;
use crate::domain::task::RunKind;
use crate::domain::trigger::{CronSchedule, Trigger, parse_timezone};
use crate::test_support::fixtures::{cleanup_job, job_id as id};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).expect("test time")
}

fn job(raw_id: &str, trigger: Trigger, now: DateTime<Utc>) -> Job {
    Job::create(cleanup_job(raw_id, trigger), None, now)
}

fn put(schedule: JobSchedule) -> ScheduleSpec {
    match schedule {
        JobSchedule::Put(spec) => spec,
        JobSchedule::Remove => panic!("expected a schedule, got Remove"),
    }
}

const NOW: &str = "2025-03-01T12:00:00.250Z";

#[test]
fn job_input_is_exactly_the_executor_event() {
    assert_eq!(
        job_input(&id("nightly")).expect("input"),
        r#"{"job_id":"nightly","scheduled_time":"<aws.scheduler.scheduled-time>"}"#
    );
}

#[test]
fn run_input_names_the_claimed_execution_and_its_time() {
    let now = utc(NOW);
    let execution = Execution::new(id("nightly"), RunKind::Script, now, 0, TriggeredBy::Manual, None, now);
    let input: ExecutorInput = serde_json::from_str(&run_input(&execution).expect("input")).expect("json");
    assert_eq!(input.job_id, "nightly");
    assert_eq!(input.scheduled_time, "2025-03-01T12:00:00.250Z");
    assert_eq!(input.execution_id, Some(execution.id.to_string()));
}

#[test]
fn job_schedule_is_named_by_the_job_id() {
    assert_eq!(schedule_name(&id("a.b_c-d")), "a.b_c-d");
}

#[test]
fn run_schedule_name_fits_and_keeps_the_whole_execution_id() {
    let execution = ExecutionId::generate();
    let hex = execution.as_uuid().simple().to_string();
    assert_eq!(run_schedule_name(&id("short"), execution), format!("short-run-{hex}"));
    let long = "j".repeat(64);
    let name = run_schedule_name(&id(&long), execution);
    assert_eq!(name.len(), MAX_SCHEDULE_NAME_LEN);
    assert!(name.ends_with(&format!("-run-{hex}")), "{name}");
    assert!(JobId::parse(&name).is_ok(), "still EventBridge-safe: {name}");
}

#[test]
fn interval_becomes_a_rate_in_utc() {
    let now = utc(NOW);
    let spec =
        put(job_schedule(&job("every5", Trigger::Interval { every_seconds: 300, anchor: now }, now), now).expect("ok"));
    assert_eq!(spec.expression, "rate(5 minutes)");
    assert_eq!(spec.timezone, "UTC");
    assert!(spec.enabled);
    assert!(!spec.delete_after_completion);
    assert_eq!(spec.start_date, Some(now + chrono::Duration::seconds(300)), "counted from the job's next run");
}

#[test]
fn a_rate_keeps_its_phase_after_its_next_run_has_passed() {
    let anchor = utc(NOW);
    let mut job = job("every5", Trigger::Interval { every_seconds: 300, anchor }, anchor);
    // Paused through two fires and resumed 12.5 minutes after the anchor: the next fire of the
    // interval is at 15 minutes, not 12.5 + 5.
    job.next_run_at = None;
    let resumed = anchor + chrono::Duration::milliseconds(750_000);
    let spec = put(job_schedule(&job, resumed).expect("ok"));
    assert_eq!(spec.start_date, Some(anchor + chrono::Duration::seconds(900)));
}

#[test]
fn only_rates_have_a_start_date() {
    let now = utc(NOW);
    let berlin = parse_timezone("tz", "Europe/Berlin").expect("zone");
    let cron = Trigger::Cron(CronSchedule::parse("cron", "0 9 * * ? *", berlin).expect("cron"));
    let date = Trigger::date(now + chrono::Duration::hours(1));
    for trigger in [cron, date] {
        assert_eq!(put(job_schedule(&job("other", trigger, now), now).expect("ok")).start_date, None);
    }
}

#[test]
fn sub_minute_or_uneven_intervals_are_unsupported() {
    let now = utc(NOW);
    for seconds in [1, 30, 59, 90] {
        let job = job("fast", Trigger::Interval { every_seconds: seconds, anchor: now }, now);
        match job_schedule(&job, now) {
            Err(BackendError::Unsupported(message)) => assert_eq!(message, UNSUPPORTED_INTERVAL),
            other => panic!("{seconds}s: expected Unsupported, got {other:?}"),
        }
    }
}

#[test]
fn cron_keeps_its_zone() {
    let now = utc(NOW);
    let berlin = parse_timezone("tz", "Europe/Berlin").expect("zone");
    let cron = CronSchedule::parse("cron", "0 9 ? * MON-FRI *", berlin).expect("cron");
    let spec = put(job_schedule(&job("weekdays", Trigger::Cron(cron), now), now).expect("ok"));
    assert_eq!(spec.expression, "cron(0 9 ? * MON-FRI *)");
    assert_eq!(spec.timezone, "Europe/Berlin");
}

#[test]
fn future_date_is_an_at_that_deletes_itself() {
    let now = utc(NOW);
    let spec = put(job_schedule(&job("once", Trigger::date(utc("2025-06-01T08:30:15.900Z")), now), now).expect("ok"));
    assert_eq!(spec.expression, "at(2025-06-01T08:30:15)");
    assert_eq!(spec.timezone, "UTC");
    assert!(spec.delete_after_completion);
}

#[test]
fn now_or_late_one_offs_are_placed_just_ahead_of_now() {
    let now = utc(NOW);
    let spec = put(job_schedule(&job("asap", Trigger::now(now), now), now).expect("ok"));
    assert_eq!(spec.expression, "at(2025-03-01T12:00:10)");
    let later = utc("2025-03-01T12:05:00Z");
    let spec = put(job_schedule(&job("late", Trigger::date(utc("2025-03-01T12:01:00Z")), now), later).expect("ok"));
    assert_eq!(spec.expression, "at(2025-03-01T12:05:10)");
}

#[test]
fn fired_one_off_is_removed() {
    let now = utc(NOW);
    let mut fired = job("done", Trigger::date(utc("2025-03-01T12:01:00Z")), now);
    fired.next_run_at = None;
    assert_eq!(job_schedule(&fired, now).expect("ok"), JobSchedule::Remove);
}

#[test]
fn paused_or_disabled_jobs_are_disabled_schedules() {
    let now = utc(NOW);
    let mut paused = job("p", Trigger::Interval { every_seconds: 60, anchor: now }, now);
    paused.paused = true;
    assert!(!put(job_schedule(&paused, now).expect("ok")).enabled);
    let mut disabled = job("d", Trigger::Interval { every_seconds: 60, anchor: now }, now);
    disabled.enabled = false;
    assert!(!put(job_schedule(&disabled, now).expect("ok")).enabled);
}

#[test]
fn run_schedule_fires_once_just_ahead_of_now() {
    let now = utc(NOW);
    let execution = Execution::new(id("nightly"), RunKind::Script, now, 0, TriggeredBy::Api, None, now);
    let spec = run_schedule(&execution, now).expect("ok");
    assert_eq!(spec.name, run_schedule_name(&execution.job_id, execution.id));
    assert_eq!(spec.expression, "at(2025-03-01T12:00:10)");
    assert_eq!(spec.timezone, "UTC");
    assert!(spec.enabled && spec.delete_after_completion);
}

#[test]
fn a_retry_run_waits_for_its_delay() {
    let now = utc(NOW);
    let mut retry = Execution::new(id("nightly"), RunKind::Script, now, 2, TriggeredBy::Retry, None, now);
    retry.not_before = Some(now + chrono::Duration::minutes(5));
    assert_eq!(run_schedule(&retry, now).expect("ok").expression, "at(2025-03-01T12:05:00)");
}

#[test]
fn each_leg_of_a_run_has_its_own_schedule_naming_the_leg() {
    let now = utc(NOW);
    let execution = Execution::new(id(&"j".repeat(64)), RunKind::Scrape, now, 1, TriggeredBy::Manual, None, now);
    let hex = execution.id.as_uuid().simple().to_string();
    let first = leg_schedule(&execution, 1, now).expect("ok");
    let second = leg_schedule(&execution, 2, now).expect("ok");
    assert!(first.name.ends_with(&format!("-run-{hex}-c1")), "{}", first.name);
    assert!(second.name.ends_with(&format!("-run-{hex}-c2")), "{}", second.name);
    assert_ne!(first.name, run_schedule_name(&execution.job_id, execution.id));
    assert!(first.name.len() <= MAX_SCHEDULE_NAME_LEN && JobId::parse(&first.name).is_ok(), "{}", first.name);
    assert_eq!(first.expression, "at(2025-03-01T12:00:10)");
    let input: ExecutorInput = serde_json::from_str(&first.input).expect("json");
    assert_eq!((input.execution_id, input.leg), (Some(execution.id.to_string()), Some(1)));
    let plain: ExecutorInput = serde_json::from_str(&run_input(&execution).expect("input")).expect("json");
    assert_eq!(plain.leg, None, "a dispatch is no continuation");
}
