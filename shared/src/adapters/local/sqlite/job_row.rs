//! A job's row: the queried columns, and the rest of the definition as one JSON `body`.

use rusqlite::{Row, ToSql};
use serde::{Deserialize, Serialize};

use super::codec::{corrupt, int, ms, opt_ms, opt_time, status, time, uint};
use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::JobId;
use crate::domain::job::{Job, Policies, RunCounters};
use crate::domain::task::TaskSpec;
use crate::domain::trigger::Trigger;
use crate::ports::{StoreError, StoreResult};

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
    created_at: i64,
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
            counters: RunCounters {
                total: uint(self.runs[0])?,
                succeeded: uint(self.runs[1])?,
                failed: uint(self.runs[2])?,
            },
            version: uint(self.version)?,
        })
    }
}
