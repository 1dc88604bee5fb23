//! An execution's item: one attribute per field, the task's result as JSON text (exact, where a
//! DynamoDB map would turn numbers into decimal strings), plus its lease and TTL.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::Retention;
use super::errors::corrupt;
use super::expr::Item;
use super::keys::{EXECUTION_SK, EXECUTIONS_PARTITION, execution_pk, ms};
use crate::domain::execution::{Execution, ExecutionStatus, Progress, TriggeredBy};
use crate::domain::ids::{ExecutionId, JobId};
use crate::domain::task::RunKind;
use crate::ports::{StoreError, StoreResult};

/// Attribute names, as `ExecutionItem` serializes them, that conditions and updates name.
pub(super) const STATUS: &str = "status";
pub(super) const JOB_ID: &str = "job_id";
pub(super) const SCHEDULED: &str = "scheduled_ms";
pub(super) const ATTEMPT: &str = "attempt";
pub(super) const STARTED: &str = "started_ms";
pub(super) const FINISHED: &str = "finished_ms";
pub(super) const ERROR: &str = "error";
pub(super) const LEASE_UNTIL: &str = "lease_until_ms";
/// The run's `RunKind`: the `executions_by_kind` index's partition. Written once, at insert.
pub(super) const KIND: &str = "exec_kind";
/// Set by `request_cancel` only; a finish keeps it.
pub(super) const CANCEL_REQUESTED: &str = "cancel_requested_ms";
/// Set by `take_dispatched` only; no other write names it, so a finish keeps it.
pub(super) const DISPATCH_TAKER: &str = "dispatch_taker";
pub(super) const PROGRESS: [&str; 4] =
    ["progress_total", "progress_processed", "progress_succeeded", "progress_failed"];

/// What `finish_execution` writes: everything but the identity (id, job, scheduled time,
/// attempt, creation), which never changes after the insert, and the lease, which follows the
/// status.
pub(super) const FINISH_ATTRS: &[&str] = &[
    STATUS,
    "triggered_by",
    "principal",
    "not_before_ms",
    STARTED,
    FINISHED,
    PROGRESS[0],
    PROGRESS[1],
    PROGRESS[2],
    PROGRESS[3],
    "result",
    ERROR,
    "exit_code",
    "stdout_tail",
    "stderr_tail",
    super::keys::EXPIRES_AT,
];

#[derive(Serialize, Deserialize)]
pub(super) struct ExecutionItem {
    pk: String,
    sk: String,
    execs_pk: String,
    exec_id: String,
    job_id: String,
    /// Missing on runs recorded before kinds were kept: they read back as scripts.
    #[serde(default)]
    exec_kind: Option<String>,
    status: String,
    scheduled_ms: i64,
    attempt: u32,
    triggered_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    principal: Option<String>,
    created_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_before_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    started_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    finished_ms: Option<i64>,
    progress_total: u64,
    progress_processed: u64,
    progress_succeeded: u64,
    progress_failed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exit_code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stdout_tail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stderr_tail: Option<String>,
    /// While running: until when the run counts as alive without renewing (epoch ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lease_until_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cancel_requested_ms: Option<i64>,
    /// Once finished: the TTL (epoch seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
}

impl ExecutionItem {
    pub fn new(e: &Execution, lease_until_ms: Option<i64>, expires_at: Option<i64>) -> StoreResult<Self> {
        let result = e
            .result
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|err| StoreError::Backend(format!("encoding the result of {}: {err}", e.id)))?;
        Ok(Self {
            pk: execution_pk(e.id),
            sk: EXECUTION_SK.to_owned(),
            execs_pk: EXECUTIONS_PARTITION.to_owned(),
            exec_id: e.id.to_string(),
            job_id: e.job_id.to_string(),
            exec_kind: Some(e.kind.as_str().to_owned()),
            status: e.status.as_str().to_owned(),
            scheduled_ms: ms(e.scheduled_at),
            attempt: e.attempt,
            triggered_by: e.triggered_by.as_str().to_owned(),
            principal: e.principal.clone(),
            created_ms: ms(e.created_at),
            not_before_ms: e.not_before.map(ms),
            started_ms: e.started_at.map(ms),
            finished_ms: e.finished_at.map(ms),
            progress_total: e.progress.total,
            progress_processed: e.progress.processed,
            progress_succeeded: e.progress.succeeded,
            progress_failed: e.progress.failed,
            result,
            error: e.error.clone(),
            exit_code: e.exit_code,
            stdout_tail: e.stdout_tail.clone(),
            stderr_tail: e.stderr_tail.clone(),
            lease_until_ms: (e.status == ExecutionStatus::Running).then_some(lease_until_ms).flatten(),
            cancel_requested_ms: e.cancel_requested_at.map(ms),
            expires_at,
        })
    }

    pub fn into_attrs(self) -> StoreResult<Item> {
        serde_dynamo::aws_sdk_dynamodb_1::to_item(self)
            .map_err(|e| StoreError::Backend(format!("encoding execution: {e}")))
    }

    pub fn decode(item: Item) -> StoreResult<Execution> {
        let row: Self =
            serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(|e| corrupt(format!("execution: {e}")))?;
        let id = ExecutionId::parse(&row.exec_id).ok_or_else(|| corrupt(format!("execution id {:?}", row.exec_id)))?;
        let time =
            |ms: i64| DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt(format!("execution {id}: time {ms}")));
        let result = row
            .result
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt(format!("execution {id} result: {e}")))?;
        Ok(Execution {
            id,
            job_id: JobId::parse(&row.job_id).map_err(corrupt)?,
            kind: match row.exec_kind.as_deref() {
                Some(raw) => RunKind::parse(raw).ok_or_else(|| corrupt(format!("execution {id}: kind {raw:?}")))?,
                None => RunKind::default(),
            },
            scheduled_at: time(row.scheduled_ms)?,
            attempt: row.attempt,
            status: ExecutionStatus::parse(&row.status).ok_or_else(|| corrupt(format!("status {:?}", row.status)))?,
            triggered_by: TriggeredBy::parse(&row.triggered_by)
                .ok_or_else(|| corrupt(format!("triggered by {:?}", row.triggered_by)))?,
            principal: row.principal,
            created_at: time(row.created_ms)?,
            not_before: row.not_before_ms.map(time).transpose()?,
            started_at: row.started_ms.map(time).transpose()?,
            finished_at: row.finished_ms.map(time).transpose()?,
            progress: Progress {
                total: row.progress_total,
                processed: row.progress_processed,
                succeeded: row.progress_succeeded,
                failed: row.progress_failed,
            },
            result,
            error: row.error,
            exit_code: row.exit_code,
            stdout_tail: row.stdout_tail,
            stderr_tail: row.stderr_tail,
            cancel_requested_at: row.cancel_requested_ms.map(time).transpose()?,
        })
    }
}

impl Retention {
    /// How long a run that ended with `status` is kept; `None` while it has not ended. Failed
    /// and timed-out runs, the ones a retry policy applies to, keep the longer retention.
    pub fn keep_for(&self, status: ExecutionStatus) -> Option<Duration> {
        match status {
            ExecutionStatus::Pending | ExecutionStatus::Running => None,
            s if s.is_retryable() => Some(self.failed),
            _ => Some(self.succeeded),
        }
    }

    /// The TTL (epoch seconds) of a run that ended with `status` at `finished` (`now` when it
    /// has no end time).
    pub fn expires_at(
        &self,
        status: ExecutionStatus,
        finished: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<i64> {
        let keep = self.keep_for(status)?;
        let end = finished.unwrap_or(now);
        Some(end.checked_add_signed(keep).unwrap_or(DateTime::<Utc>::MAX_UTC).timestamp())
    }
}

/// What the store keeps of a time: what a caller reads back after writing `t`.
pub(super) fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms(t)).unwrap_or(t)
}

/// The execution as it reads back: times at millisecond precision.
pub(super) fn as_stored(mut e: Execution) -> Execution {
    e.scheduled_at = truncate(e.scheduled_at);
    e.created_at = truncate(e.created_at);
    e.not_before = e.not_before.map(truncate);
    e.started_at = e.started_at.map(truncate);
    e.finished_at = e.finished_at.map(truncate);
    e.cancel_requested_at = e.cancel_requested_at.map(truncate);
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    #[test]
    fn ttl_follows_the_outcome() {
        let r = Retention { succeeded: Duration::days(1), failed: Duration::days(3) };
        let end = at(1_000_000);
        let day = 86_400;
        use ExecutionStatus::*;
        for (status, days) in [(Succeeded, 1), (Cancelled, 1), (Skipped, 1), (Failed, 3), (TimedOut, 3)] {
            assert_eq!(r.expires_at(status, Some(end), at(0)), Some(1_000 + days * day), "{status:?}");
        }
        assert_eq!(r.expires_at(Running, Some(end), at(0)), None, "a running run never expires");
        assert_eq!(r.expires_at(Pending, None, at(0)), None, "nor does a pending one");
        assert_eq!(r.expires_at(Succeeded, None, at(5_000)), Some(5 + day), "no end time: from now");
        assert!(Retention::default().failed > Retention::default().succeeded, "failed runs are kept longer");
    }

    #[test]
    fn an_execution_round_trips_with_its_result_exact() {
        let mut e = Execution::new(
            JobId::parse("j").unwrap(),
            RunKind::Script,
            at(5),
            2,
            TriggeredBy::Retry,
            Some("k".into()),
            at(6),
        );
        e.status = ExecutionStatus::Succeeded;
        e.finished_at = Some(at(9));
        e.result = Some(json!({"big": 18_446_744_073_709_551_615u64, "f": 2.5, "list": [null, true, "ü"]}));
        e.stdout_tail = Some(String::new());
        e.progress = Progress { total: 4, processed: 3, succeeded: 2, failed: 1 };
        let item = ExecutionItem::new(&e, Some(99), Some(1234)).unwrap().into_attrs().unwrap();
        assert!(!item.contains_key(LEASE_UNTIL), "only a running run holds a lease");
        assert_eq!(ExecutionItem::decode(item).unwrap(), e);
    }

    #[test]
    fn stored_times_are_whole_milliseconds() {
        let fine = at(1_500) + Duration::microseconds(700);
        let e = Execution::new(JobId::parse("j").unwrap(), RunKind::Script, fine, 1, TriggeredBy::Api, None, fine);
        let stored = as_stored(e);
        assert_eq!((stored.scheduled_at, stored.created_at), (at(1_500), at(1_500)));
    }
}
