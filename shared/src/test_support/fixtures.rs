//! Values tests build on. Every time is whole milliseconds: stores keep at least that much
//! precision, and a test must not fail on what a backend is allowed to drop.

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::execution::{Execution, ExecutionStatus, TriggeredBy};
use crate::domain::ids::JobId;
use crate::domain::job::{Job, NewJob, Policies, RunCounters};
use crate::domain::principal::Principal;
use crate::domain::task::{RunKind, ScriptLanguage, TaskSpec};
use crate::domain::trigger::{CronSchedule, Trigger, parse_timezone};
use crate::ports::PageRequest;

/// A fixed instant, so that failures reproduce; tests place everything relative to it.
pub fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_893_553_445_678).expect("t0 is in range")
}

pub fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

pub fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

pub fn job_id(raw: &str) -> JobId {
    JobId::parse(raw).expect("fixture job ids are valid")
}

pub fn admin() -> Principal {
    Principal::anonymous_admin()
}

/// An EventBridge cron in `zone`.
pub fn cron(expression: &str, zone: &str) -> Trigger {
    let zone = parse_timezone("timezone", zone).expect("fixture zones are valid");
    Trigger::Cron(CronSchedule::parse("cron", expression, zone).expect("fixture crons are valid"))
}

/// A job definition that needs nothing on disk (its task prunes execution history), enabled,
/// with default policies: what the scheduling tests create when the task does not matter.
pub fn cleanup_job(id: &str, trigger: Trigger) -> NewJob {
    NewJob {
        id: Some(job_id(id)),
        name: None,
        description: None,
        task: TaskSpec::CleanupExecutions { retention_days: 30, failed_retention_days: 90, dry_run: false },
        trigger,
        policies: Policies::default(),
        enabled: true,
        paused: false,
    }
}

/// An enabled interval job with the optional parts left empty, as a store holds it.
pub fn job(id: &str, created_at: DateTime<Utc>) -> Job {
    Job {
        id: job_id(id),
        name: format!("job {id}"),
        description: None,
        task: TaskSpec::Script { language: ScriptLanguage::Bash, script_path: "backup.sh".to_owned(), args: vec![] },
        trigger: Trigger::Interval { every_seconds: 300, anchor: created_at },
        policies: Policies::default(),
        enabled: true,
        paused: false,
        created_at,
        updated_at: created_at,
        created_by: None,
        updated_by: None,
        next_run_at: Some(created_at + secs(300)),
        last_run_at: None,
        last_status: None,
        counters: RunCounters::default(),
        version: 1,
    }
}

/// A job with every optional field set, so that a round trip shows each one survives.
pub fn full_job(id: &str) -> Job {
    Job {
        description: Some("copies the database, then — ✓ — verifies it".to_owned()),
        task: TaskSpec::Script {
            language: ScriptLanguage::Python,
            script_path: "etl/run.py".to_owned(),
            args: vec!["--full".to_owned(), "two words".to_owned()],
        },
        trigger: Trigger::Date { run_at: t0() + days(1) },
        policies: Policies {
            max_instances: 3,
            timeout_seconds: Some(90),
            retry_count: 2,
            retry_delay_seconds: 15,
            misfire_grace_seconds: Some(30),
        },
        paused: true,
        updated_at: t0() + secs(5),
        created_by: Some("alice".to_owned()),
        updated_by: Some("bob".to_owned()),
        next_run_at: Some(t0() + days(1)),
        last_run_at: Some(t0() - secs(60)),
        last_status: Some(ExecutionStatus::TimedOut),
        counters: RunCounters { total: 7, succeeded: 4, failed: 3 },
        version: 4,
        ..job(id, t0())
    }
}

/// A scheduler-fired run, created at its scheduled time, not yet recorded.
pub fn run(job: &str, scheduled_at: DateTime<Utc>, attempt: u32) -> Execution {
    Execution::new(job_id(job), RunKind::Script, scheduled_at, attempt, TriggeredBy::Scheduler, None, scheduled_at)
}

pub fn offset(offset: u64, limit: u32) -> PageRequest {
    PageRequest { offset, limit, cursor: None }
}

pub fn after(cursor: &str, limit: u32) -> PageRequest {
    PageRequest { offset: 0, limit, cursor: Some(cursor.to_owned()) }
}

/// The job fields the clients of `/api/v1/scheduler` read.
pub const SCHEDULER_JOB_KEYS: [&str; 20] = [
    "id",
    "name",
    "description",
    "taskFunctionId",
    "jobTypeId",
    "scheduleConfig",
    "taskArgs",
    "maxInstances",
    "timeoutSeconds",
    "retryCount",
    "retryDelaySeconds",
    "isEnabled",
    "isPaused",
    "nextRunTime",
    "lastRunTime",
    "lastStatus",
    "createdAt",
    "updatedAt",
    "createdBy",
    "updatedBy",
];

/// Large enough for every listing a test makes, so that one page is "everything".
pub const ALL: u32 = 1000;

/// A seed-004 job body: a bash script `ok.sh` every six hours, retried three times.
pub fn scheduler_job_body(id: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "name": name,
        "description": "every six hours",
        "taskFunctionId": 1,
        "jobTypeId": 1,
        "scheduleConfig": {"hours": 6, "minutes": 0, "seconds": 0},
        "taskArgs": {"script_path": "ok.sh", "args": ["--full"]},
        "retryCount": 3
    })
}
