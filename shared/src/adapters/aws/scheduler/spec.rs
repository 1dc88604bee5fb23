//! What one schedule says (name, expression, zone, state, target input), worked out from a job or
//! a dispatched run without touching AWS, so that these rules are tested on their own.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::execution::Execution;
use crate::domain::ids::{ExecutionId, JobId};
use crate::domain::job::Job;
use crate::domain::trigger::Trigger;
use crate::ports::BackendError;

/// The context attribute EventBridge Scheduler replaces with the fire time when it sends the
/// input, so the executor learns which fire it is running.
pub const SCHEDULED_TIME_PLACEHOLDER: &str = "<aws.scheduler.scheduled-time>";

/// EventBridge Scheduler's limit on a schedule name.
pub const MAX_SCHEDULE_NAME_LEN: usize = 64;

/// How far ahead of now a one-off `at()` is placed when its time is now or already past: the
/// service may refuse a time in the past, and one that passes while the request is on its way
/// might never fire. Schedules fire within the minute they name, so this adds little latency.
pub const AT_LEAD_SECONDS: i64 = 10;

pub const UNSUPPORTED_INTERVAL: &str =
    "intervals under one minute (or not whole minutes) cannot be scheduled on AWS; use 60 seconds or more";

const RUN_INFIX: &str = "-run-";
/// Between a run's schedule name and its leg's number: `<job>-run-<execution>-c<leg>`.
const LEG_INFIX: &str = "-c";

/// The JSON the executor function receives from a schedule. `execution_id` is present only for
/// a dispatched run, which names an execution that is already claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutorInput {
    pub job_id: String,
    /// RFC 3339; for a job's own schedule this is EventBridge's fire time (whole seconds).
    pub scheduled_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    /// A run continued in another invocation: which continuation this is (from 1). Each leg
    /// has its own schedule, so a leg never collides with the dispatch that began the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leg: Option<u32>,
}

/// One schedule as it should exist in the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSpec {
    pub name: String,
    pub expression: String,
    /// IANA name, the zone EventBridge evaluates the expression in.
    pub timezone: String,
    pub enabled: bool,
    pub input: String,
    /// One-off schedules remove themselves once they have fired.
    pub delete_after_completion: bool,
    /// Where a `rate()` schedule's fires are counted from. Without it AWS fires a new rate
    /// schedule at once and then every period from the moment it was written, so an interval
    /// job would drift to whenever it was last created or updated.
    pub start_date: Option<DateTime<Utc>>,
}

/// What a job needs on EventBridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobSchedule {
    Put(ScheduleSpec),
    /// A one-off job that has fired (or can no longer fire): its schedule goes, its record stays.
    Remove,
}

/// A job's schedule is named by its id, which is already EventBridge-safe.
pub fn schedule_name(id: &JobId) -> String {
    id.as_str().to_owned()
}

/// `<job id prefix>-run-<execution id>`, at most 64 characters. The whole execution id (32 hex
/// digits) is kept, so two runs never share a name; the job id is cut to what fits and is there
/// only to make the schedule recognisable.
pub fn run_schedule_name(job_id: &JobId, execution_id: ExecutionId) -> String {
    schedule_name_ending(job_id, format!("{RUN_INFIX}{}", execution_id.as_uuid().simple()))
}

/// `<job id prefix>-run-<execution id>-c<leg>`: the schedule of a run's `leg`th continuation.
pub fn leg_schedule_name(job_id: &JobId, execution_id: ExecutionId, leg: u32) -> String {
    schedule_name_ending(job_id, format!("{RUN_INFIX}{}{LEG_INFIX}{leg}", execution_id.as_uuid().simple()))
}

fn schedule_name_ending(job_id: &JobId, suffix: String) -> String {
    let room = MAX_SCHEDULE_NAME_LEN.saturating_sub(suffix.len());
    let id = job_id.as_str();
    // Job ids are ASCII, so any cut is on a character boundary.
    let prefix = id.get(..room.min(id.len())).unwrap_or_default();
    format!("{prefix}{suffix}")
}

/// `<job id prefix>-redrive-<digest>`: a dead-lettered event sent again, named by a digest of
/// the event so that sending the same one twice finds its schedule taken.
pub fn redrive_schedule_name(job_id: &JobId, input: &str) -> String {
    use sha2::Digest;
    let digest = hex::encode(&sha2::Sha256::digest(input.as_bytes())[..16]);
    schedule_name_ending(job_id, format!("-redrive-{digest}"))
}

/// The one-off schedule that sends `input` (a dead-lettered event, as it was) to the executor.
pub fn redrive_schedule(
    job_id: &JobId,
    input: &ExecutorInput,
    now: DateTime<Utc>,
) -> Result<ScheduleSpec, BackendError> {
    let input = encode(input)?;
    Ok(ScheduleSpec {
        name: redrive_schedule_name(job_id, &input),
        expression: one_off_expression(now, now),
        timezone: "UTC".to_owned(),
        enabled: true,
        input,
        delete_after_completion: true,
        start_date: None,
    })
}

/// `{"job_id":"<id>","scheduled_time":"<aws.scheduler.scheduled-time>"}`.
pub fn job_input(id: &JobId) -> Result<String, BackendError> {
    encode(&ExecutorInput {
        job_id: id.as_str().to_owned(),
        scheduled_time: SCHEDULED_TIME_PLACEHOLDER.to_owned(),
        execution_id: None,
        leg: None,
    })
}

/// The input of a dispatched run. Its scheduled time is the claimed execution's, not the
/// dispatch schedule's fire time, so the executor finds the run it is meant to continue.
pub fn run_input(execution: &Execution) -> Result<String, BackendError> {
    leg_input(execution, None)
}

fn leg_input(execution: &Execution, leg: Option<u32>) -> Result<String, BackendError> {
    encode(&ExecutorInput {
        job_id: execution.job_id.as_str().to_owned(),
        scheduled_time: execution.scheduled_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        execution_id: Some(execution.id.to_string()),
        leg,
    })
}

/// The schedule a job should have at `now`.
pub fn job_schedule(job: &Job, now: DateTime<Utc>) -> Result<JobSchedule, BackendError> {
    let one_off_at = match job.trigger {
        Trigger::Date { run_at } | Trigger::Now { at: run_at } => Some(run_at),
        Trigger::Interval { .. } | Trigger::Cron(_) => None,
    };
    if one_off_at.is_some() && job.next_run_at.is_none() {
        return Ok(JobSchedule::Remove);
    }
    let expression = match one_off_at {
        Some(run_at) => one_off_expression(run_at, now),
        None => job
            .trigger
            .eventbridge_expression()
            .ok_or_else(|| BackendError::Unsupported(UNSUPPORTED_INTERVAL.into()))?,
    };
    let start_date = match job.trigger {
        // The job's own next run when it is still ahead; after a pause or an outage, the
        // interval's next fire from now, so the schedule keeps the interval's phase.
        Trigger::Interval { .. } => job.next_run_at.filter(|at| *at > now).or_else(|| job.trigger.next_fire_after(now)),
        Trigger::Cron(_) | Trigger::Date { .. } | Trigger::Now { .. } => None,
    };
    Ok(JobSchedule::Put(ScheduleSpec {
        name: schedule_name(&job.id),
        expression,
        timezone: job.trigger.timezone().name().to_owned(),
        enabled: job.is_active(),
        input: job_input(&job.id)?,
        delete_after_completion: one_off_at.is_some(),
        start_date,
    }))
}

/// A one-off schedule that runs an execution as soon as EventBridge can, or for a retry that
/// waits, once its delay is over.
pub fn run_schedule(execution: &Execution, now: DateTime<Utc>) -> Result<ScheduleSpec, BackendError> {
    Ok(ScheduleSpec {
        name: run_schedule_name(&execution.job_id, execution.id),
        expression: one_off_expression(execution.not_before.unwrap_or(now), now),
        timezone: "UTC".to_owned(),
        enabled: true,
        input: run_input(execution)?,
        delete_after_completion: true,
        start_date: None,
    })
}

/// The one-off schedule of a running run's `leg`th continuation, as soon as EventBridge allows.
pub fn leg_schedule(execution: &Execution, leg: u32, now: DateTime<Utc>) -> Result<ScheduleSpec, BackendError> {
    Ok(ScheduleSpec {
        name: leg_schedule_name(&execution.job_id, execution.id, leg),
        input: leg_input(execution, Some(leg))?,
        ..run_schedule(execution, now)?
    })
}

/// `at()` in UTC for `run_at`, or for a moment just ahead of `now` when `run_at` is not far
/// enough in the future (a `now` job, or a late one-off the executor's misfire grace decides on).
fn one_off_expression(run_at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let earliest = now + TimeDelta::seconds(AT_LEAD_SECONDS);
    Trigger::date(run_at.max(earliest)).expression()
}

fn encode(input: &ExecutorInput) -> Result<String, BackendError> {
    serde_json::to_string(input).map_err(|e| BackendError::Backend(format!("cannot encode the schedule input: {e}")))
}
