//! An execution's row: one column per field, the task's result as JSON text.

use rusqlite::{Row, ToSql};

use super::codec::{corrupt, execution_id, id_bytes, int, ms, opt_ms, opt_time, status, time, truncate, uint};
use crate::domain::execution::{Execution, Progress, TriggeredBy};
use crate::domain::ids::JobId;
use crate::domain::task::RunKind;
use crate::ports::{StoreError, StoreResult};

pub(super) const EXECUTION_COLUMNS: &str = "id, job_id, scheduled_at, attempt, status, triggered_by, principal, \
     created_at, not_before, started_at, finished_at, progress_total, progress_processed, progress_succeeded, \
     progress_failed, result, error, exit_code, stdout_tail, stderr_tail, kind, cancel_requested_at";

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
    kind: &'static str,
    cancel_requested_at: Option<i64>,
}

impl ExecutionValues {
    pub fn new(e: &Execution) -> StoreResult<Self> {
        let result = match &e.result {
            Some(v) => {
                Some(serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("encoding result: {e}")))?)
            }
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
            kind: e.kind.as_str(),
            cancel_requested_at: opt_ms(e.cancel_requested_at),
        })
    }

    /// `?1`..`?22` follow `EXECUTION_COLUMNS`.
    pub fn params(&self) -> [&dyn ToSql; 22] {
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
            &self.kind,
            &self.cancel_requested_at,
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
    kind: String,
    cancel_requested_at: Option<i64>,
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
            kind: row.get(20)?,
            cancel_requested_at: row.get(21)?,
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
            kind: RunKind::parse(&self.kind).ok_or_else(|| corrupt(format!("kind {:?}", self.kind)))?,
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
            cancel_requested_at: opt_time(self.cancel_requested_at)?,
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
    e.cancel_requested_at = e.cancel_requested_at.map(truncate);
    e
}
