//! Between domain values and SQLite values: times, counters, and the row layouts.

use std::fmt::Display;

use chrono::{DateTime, Utc};
use rusqlite::{Row, ToSql};
use serde::{Deserialize, Serialize};

use crate::domain::execution::{Execution, ExecutionStatus, Progress, TriggeredBy};
use crate::domain::ids::{ExecutionId, JobId};
use crate::domain::job::{Job, Policies, RunCounters};
use crate::domain::task::TaskSpec;
use crate::domain::trigger::Trigger;
use crate::ports::{StoreError, StoreResult};

pub(super) fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("sqlite: {e}"))
}

/// A stored value this build cannot read back: only a hand-edited or foreign file gets here.
pub(super) fn corrupt(what: impl Display) -> StoreError {
    StoreError::Backend(format!("unreadable stored row: {what}"))
}

pub(super) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn opt_ms(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(ms)
}

pub(super) fn time(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt(format!("time {ms} out of range")))
}

fn opt_time(ms: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    ms.map(time).transpose()
}

/// What the store keeps of a time: what a caller reads back after writing `t`.
pub(super) fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms(t)).unwrap_or(t)
}

pub(super) fn int(v: u64) -> StoreResult<i64> {
    i64::try_from(v).map_err(|_| StoreError::Backend(format!("{v} does not fit a sqlite integer")))
}

fn uint(v: i64) -> StoreResult<u64> {
    u64::try_from(v).map_err(|_| corrupt(format!("negative count {v}")))
}

pub(super) fn status(raw: &str) -> StoreResult<ExecutionStatus> {
    ExecutionStatus::parse(raw).ok_or_else(|| corrupt(format!("status {raw:?}")))
}

pub(super) fn execution_id(raw: &[u8]) -> StoreResult<ExecutionId> {
    let uuid = uuid::Uuid::from_slice(raw).map_err(corrupt)?;
    ExecutionId::parse(uuid.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer())).ok_or_else(|| corrupt("id"))
}

pub(super) fn id_bytes(id: ExecutionId) -> [u8; 16] {
    id.as_uuid().into_bytes()
}

/// The part of a job no query looks inside.
#[derive(Serialize)]
struct BodyOut<'a> {
    description: &'a Option<String>,
    task: &'a TaskSpec,
    trigger: &'a Trigger,
    policies: &'a Policies,
    updated_at_ms: i64,
    created_by: &'a Option<String>,
    updated_by: &'a Option<String>,
}

#[derive(Deserialize)]
struct BodyIn {
    description: Option<String>,
    task: TaskSpec,
    trigger: Trigger,
    policies: Policies,
    updated_at_ms: i64,
    created_by: Option<String>,
    updated_by: Option<String>,
}

pub(super) const JOB_COLUMNS: &str = "id, name, enabled, paused, created_at, next_run_at, version, \
     last_run_at, last_status, runs_total, runs_succeeded, runs_failed, body";

/// A job as bound to statements, in `JOB_COLUMNS` order followed by `name_lower` and `function`.
pub(super) struct JobValues {
    pub id: String,
    name: String,
    enabled: bool,
    paused: bool,
    pub created_at: i64,
    next_run_at: Option<i64>,
    version: i64,
    last_run_at: Option<i64>,
    last_status: Option<&'static str>,
    runs: [i64; 3],
    body: String,
    name_lower: String,
    function: &'static str,
}

impl JobValues {
    pub fn new(job: &Job) -> StoreResult<Self> {
        let body = BodyOut {
            description: &job.description,
            task: &job.task,
            trigger: &job.trigger,
            policies: &job.policies,
            updated_at_ms: ms(job.updated_at),
            created_by: &job.created_by,
            updated_by: &job.updated_by,
        };
        Ok(Self {
            id: job.id.as_str().to_owned(),
            name: job.name.clone(),
            enabled: job.enabled,
            paused: job.paused,
            created_at: ms(job.created_at),
            next_run_at: opt_ms(job.next_run_at),
            version: int(job.version)?,
            last_run_at: opt_ms(job.last_run_at),
            last_status: job.last_status.map(ExecutionStatus::as_str),
            runs: [int(job.counters.total)?, int(job.counters.succeeded)?, int(job.counters.failed)?],
            body: serde_json::to_string(&body).map_err(|e| StoreError::Backend(format!("encoding job: {e}")))?,
            name_lower: job.name.to_lowercase(),
            function: job.task.function().name(),
        })
    }

    /// `?1`..`?13` follow `JOB_COLUMNS`; `?14` is `name_lower`, `?15` is `function`.
    pub fn params(&self) -> [&dyn ToSql; 15] {
        [
            &self.id,
            &self.name,
            &self.enabled,
            &self.paused,
            &self.created_at,
            &self.next_run_at,
            &self.version,
            &self.last_run_at,
            &self.last_status,
            &self.runs[0],
            &self.runs[1],
            &self.runs[2],
            &self.body,
            &self.name_lower,
            &self.function,
        ]
    }
}

/// A row read with `JOB_COLUMNS`, decoded after the statement is done with it.
pub(super) struct JobRow {
    id: String,
    name: String,
    enabled: bool,
    paused: bool,
    created_at: i64,
    next_run_at: Option<i64>,
    version: i64,
    last_run_at: Option<i64>,
    last_status: Option<String>,
    runs: [i64; 3],
    body: String,
}

impl JobRow {
    pub fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            name: row.get(1)?,
            enabled: row.get(2)?,
            paused: row.get(3)?,
            created_at: row.get(4)?,
            next_run_at: row.get(5)?,
            version: row.get(6)?,
            last_run_at: row.get(7)?,
            last_status: row.get(8)?,
            runs: [row.get(9)?, row.get(10)?, row.get(11)?],
            body: row.get(12)?,
        })
    }

    pub fn decode(self) -> StoreResult<Job> {
        let body: BodyIn = serde_json::from_str(&self.body).map_err(|e| corrupt(format!("job {}: {e}", self.id)))?;
        Ok(Job {
            id: JobId::parse(&self.id).map_err(corrupt)?,
            name: self.name,
            description: body.description,
            task: body.task,
            trigger: body.trigger,
            policies: body.policies,
            enabled: self.enabled,
            paused: self.paused,
            created_at: time(self.created_at)?,
            updated_at: time(body.updated_at_ms)?,
            created_by: body.created_by,
            updated_by: body.updated_by,
            next_run_at: opt_time(self.next_run_at)?,
            last_run_at: opt_time(self.last_run_at)?,
            last_status: self.last_status.as_deref().map(status).transpose()?,
            counters: RunCounters { total: uint(self.runs[0])?, succeeded: uint(self.runs[1])?, failed: uint(self.runs[2])? },
            version: uint(self.version)?,
        })
    }
}

pub(super) const EXECUTION_COLUMNS: &str = "id, job_id, scheduled_at, attempt, status, triggered_by, principal, \
     created_at, not_before, started_at, finished_at, progress_total, progress_processed, progress_succeeded, \
     progress_failed, result, error, exit_code, stdout_tail, stderr_tail";

/// An execution as bound to statements, in `EXECUTION_COLUMNS` order.
pub(super) struct ExecutionValues {
    id: [u8; 16],
    job_id: String,
    scheduled_at: i64,
    attempt: u32,
    status: &'static str,
    triggered_by: &'static str,
    principal: Option<String>,
    created_at: i64,
    not_before: Option<i64>,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    progress: [i64; 4],
    result: Option<String>,
    error: Option<String>,
    exit_code: Option<i32>,
    stdout_tail: Option<String>,
    stderr_tail: Option<String>,
}

impl ExecutionValues {
    pub fn new(e: &Execution) -> StoreResult<Self> {
        let result = match &e.result {
            Some(v) => Some(serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("encoding result: {e}")))?),
            None => None,
        };
        Ok(Self {
            id: id_bytes(e.id),
            job_id: e.job_id.as_str().to_owned(),
            scheduled_at: ms(e.scheduled_at),
            attempt: e.attempt,
            status: e.status.as_str(),
            triggered_by: e.triggered_by.as_str(),
            principal: e.principal.clone(),
            created_at: ms(e.created_at),
            not_before: opt_ms(e.not_before),
            started_at: opt_ms(e.started_at),
            finished_at: opt_ms(e.finished_at),
            progress: progress_values(&e.progress)?,
            result,
            error: e.error.clone(),
            exit_code: e.exit_code,
            stdout_tail: e.stdout_tail.clone(),
            stderr_tail: e.stderr_tail.clone(),
        })
    }

    /// `?1`..`?20` follow `EXECUTION_COLUMNS`.
    pub fn params(&self) -> [&dyn ToSql; 20] {
        [
            &self.id,
            &self.job_id,
            &self.scheduled_at,
            &self.attempt,
            &self.status,
            &self.triggered_by,
            &self.principal,
            &self.created_at,
            &self.not_before,
            &self.started_at,
            &self.finished_at,
            &self.progress[0],
            &self.progress[1],
            &self.progress[2],
            &self.progress[3],
            &self.result,
            &self.error,
            &self.exit_code,
            &self.stdout_tail,
            &self.stderr_tail,
        ]
    }
}

pub(super) fn progress_values(p: &Progress) -> StoreResult<[i64; 4]> {
    Ok([int(p.total)?, int(p.processed)?, int(p.succeeded)?, int(p.failed)?])
}

/// A row read with `EXECUTION_COLUMNS`.
pub(super) struct ExecutionRow {
    id: Vec<u8>,
    job_id: String,
    scheduled_at: i64,
    attempt: i64,
    status: String,
    triggered_by: String,
    principal: Option<String>,
    created_at: i64,
    not_before: Option<i64>,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    progress: [i64; 4],
    result: Option<String>,
    error: Option<String>,
    exit_code: Option<i32>,
    stdout_tail: Option<String>,
    stderr_tail: Option<String>,
}

impl ExecutionRow {
    pub fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            job_id: row.get(1)?,
            scheduled_at: row.get(2)?,
            attempt: row.get(3)?,
            status: row.get(4)?,
            triggered_by: row.get(5)?,
            principal: row.get(6)?,
            created_at: row.get(7)?,
            not_before: row.get(8)?,
            started_at: row.get(9)?,
            finished_at: row.get(10)?,
            progress: [row.get(11)?, row.get(12)?, row.get(13)?, row.get(14)?],
            result: row.get(15)?,
            error: row.get(16)?,
            exit_code: row.get(17)?,
            stdout_tail: row.get(18)?,
            stderr_tail: row.get(19)?,
        })
    }

    pub fn decode(self) -> StoreResult<Execution> {
        let result = match self.result {
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| corrupt(format!("result: {e}")))?),
            None => None,
        };
        Ok(Execution {
            id: execution_id(&self.id)?,
            job_id: JobId::parse(&self.job_id).map_err(corrupt)?,
            scheduled_at: time(self.scheduled_at)?,
            attempt: u32::try_from(self.attempt).map_err(|_| corrupt(format!("attempt {}", self.attempt)))?,
            status: status(&self.status)?,
            triggered_by: TriggeredBy::parse(&self.triggered_by)
                .ok_or_else(|| corrupt(format!("triggered_by {:?}", self.triggered_by)))?,
            principal: self.principal,
            created_at: time(self.created_at)?,
            not_before: opt_time(self.not_before)?,
            started_at: opt_time(self.started_at)?,
            finished_at: opt_time(self.finished_at)?,
            progress: Progress {
                total: uint(self.progress[0])?,
                processed: uint(self.progress[1])?,
                succeeded: uint(self.progress[2])?,
                failed: uint(self.progress[3])?,
            },
            result,
            error: self.error,
            exit_code: self.exit_code,
            stdout_tail: self.stdout_tail,
            stderr_tail: self.stderr_tail,
        })
    }
}

/// The execution as a later read returns it.
pub(super) fn as_stored(mut e: Execution) -> Execution {
    e.scheduled_at = truncate(e.scheduled_at);
    e.created_at = truncate(e.created_at);
    e.not_before = e.not_before.map(truncate);
    e.started_at = e.started_at.map(truncate);
    e.finished_at = e.finished_at.map(truncate);
    e
}
