//! `ExecutionStore` over the `executions` table.

use std::sync::LazyLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, ToSql, Transaction, TransactionBehavior, params};

use super::SqliteStore;
use super::codec::{db_err, execution_id, id_bytes, ms, opt_ms};
use super::execution_row::{EXECUTION_COLUMNS, ExecutionRow, ExecutionValues, as_stored, progress_values};
use super::paging::{self, Listing};
use crate::domain::execution::{Execution, ExecutionStatus, Progress};
use crate::domain::ids::{ExecutionId, JobId};
use crate::ports::{ExecutionFilter, ExecutionStore, Page, PageRequest, StartOutcome, StoreError, StoreResult};

const RUNNING: &str = "running";
pub(super) const RUNNING_FOR_JOB: &str = "SELECT count(*) FROM executions WHERE job_id = ?1 AND status = ?2";
pub(super) const COUNT_WITH_STATUS: &str = "SELECT count(*) FROM executions WHERE status = ?1";
pub(super) const FAIL_RUNNING: &str =
    "UPDATE executions SET status = 'failed', error = ?1, finished_at = ?2 WHERE status = ?3 RETURNING id";
pub(super) const DELETE_FOR_JOB: &str = "DELETE FROM executions WHERE job_id = ?1";
pub(super) const PURGE: &str =
    "DELETE FROM executions WHERE status = ?1 AND finished_at IS NOT NULL AND finished_at < ?2";
pub(super) const COUNT_PURGEABLE: &str =
    "SELECT COUNT(*) FROM executions WHERE status = ?1 AND finished_at IS NOT NULL AND finished_at < ?2";

/// Built once: the statement cache is keyed by the text, and this is a hot read.
pub(super) fn select_by_id() -> &'static str {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE id = ?1"));
    &SQL
}

pub(super) fn select_pending() -> String {
    format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE status = 'pending' ORDER BY id")
}

fn get(conn: &Connection, id: ExecutionId) -> StoreResult<Option<Execution>> {
    let row = conn
        .prepare_cached(select_by_id())
        .and_then(|mut s| s.query_row([id_bytes(id)], ExecutionRow::read).optional())
        .map_err(db_err)?;
    row.map(ExecutionRow::decode).transpose()
}

fn running_count(tx: &Transaction<'_>, job_id: &str) -> StoreResult<u64> {
    let n: i64 = tx
        .prepare_cached(RUNNING_FOR_JOB)
        .and_then(|mut s| s.query_row(params![job_id, RUNNING], |r| r.get(0)))
        .map_err(db_err)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// `start_execution`'s rules inside a transaction the caller commits.
pub(super) fn start_in(tx: &Transaction<'_>, execution: Execution, max_instances: u32) -> StoreResult<StartOutcome> {
    let running = running_count(tx, execution.job_id.as_str())?;
    let now = execution.created_at;
    let started_at = execution.started_at.unwrap_or(now);
    let outcome = admit(execution, running, max_instances, started_at, now);
    // A duplicate is decided by the insert itself: the unique key is the arbiter, so a lost race
    // ends here too, with nothing written.
    let inserted = match outcome_execution(&outcome) {
        Some(e) => insert(tx, e)?,
        None => false,
    };
    Ok(if inserted { stored(outcome) } else { StartOutcome::Duplicate })
}

/// Inserts unless the id or the (job, scheduled time, attempt) is taken; returns whether it did.
pub(super) fn insert(tx: &Transaction<'_>, execution: &Execution) -> StoreResult<bool> {
    let values = ExecutionValues::new(execution)?;
    let sql = format!(
        "INSERT INTO executions ({EXECUTION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, \
         ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22) ON CONFLICT DO NOTHING"
    );
    let inserted = tx.prepare_cached(&sql).and_then(|mut s| s.execute(values.params())).map_err(db_err)?;
    Ok(inserted == 1)
}

/// The `max_instances` guard: what the run becomes given how many of its job's runs are running.
fn admit(
    mut e: Execution,
    running: u64,
    max_instances: u32,
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StartOutcome {
    if running >= u64::from(max_instances) {
        e.started_at = None;
        let error = format!("skipped: max instances ({max_instances}) reached");
        StartOutcome::Skipped(e.finish_without_running(ExecutionStatus::Skipped, error, now))
    } else {
        e.status = ExecutionStatus::Running;
        e.started_at = Some(started_at);
        StartOutcome::Started(e)
    }
}

fn stored(outcome: StartOutcome) -> StartOutcome {
    match outcome {
        StartOutcome::Started(e) => StartOutcome::Started(as_stored(e)),
        StartOutcome::Skipped(e) => StartOutcome::Skipped(as_stored(e)),
        StartOutcome::Duplicate => StartOutcome::Duplicate,
    }
}

fn outcome_execution(outcome: &StartOutcome) -> Option<&Execution> {
    match outcome {
        StartOutcome::Started(e) | StartOutcome::Skipped(e) => Some(e),
        StartOutcome::Duplicate => None,
    }
}

/// `status IN (…)` for one to every status; the listing's conditions are static text.
const STATUS_IN: [&str; ExecutionStatus::ALL.len()] = [
    "status IN (?)",
    "status IN (?, ?)",
    "status IN (?, ?, ?)",
    "status IN (?, ?, ?, ?)",
    "status IN (?, ?, ?, ?, ?)",
    "status IN (?, ?, ?, ?, ?, ?)",
    "status IN (?, ?, ?, ?, ?, ?, ?)",
];

pub(super) fn listing(filter: &ExecutionFilter) -> Listing {
    let mut conditions = Vec::new();
    let mut args = Vec::new();
    if let Some(job_id) = &filter.job_id {
        conditions.push("job_id = ?");
        args.push(Value::Text(job_id.as_str().to_owned()));
    }
    if let Some(kind) = filter.kind {
        conditions.push("kind = ?");
        args.push(Value::Text(kind.as_str().to_owned()));
    }
    if !filter.statuses.is_empty() {
        conditions.push(STATUS_IN[filter.statuses.len().min(STATUS_IN.len()) - 1]);
        args.extend(filter.statuses.iter().take(STATUS_IN.len()).map(|s| Value::Text(s.as_str().to_owned())));
    }
    Listing {
        table: "executions",
        count_table: None,
        kept_count: None,
        columns: EXECUTION_COLUMNS,
        filter: conditions,
        args,
        order: "id DESC",
        reverse: "id",
        after: "id < ?",
    }
}

fn changed(conn: &Connection, sql: &str, params: &[&dyn ToSql]) -> StoreResult<u64> {
    let n = conn.prepare_cached(sql).and_then(|mut s| s.execute(params)).map_err(db_err)?;
    Ok(n as u64)
}

#[async_trait]
impl ExecutionStore for SqliteStore {
    async fn start_execution(&self, execution: &Execution, max_instances: u32) -> StoreResult<StartOutcome> {
        let execution = execution.clone();
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
                let outcome = start_in(&tx, execution, max_instances)?;
                tx.commit().map_err(db_err)?;
                Ok(outcome)
            })
            .await
    }

    async fn insert_pending(&self, execution: &Execution) -> StoreResult<StartOutcome> {
        let mut execution = execution.clone();
        execution.status = ExecutionStatus::Pending;
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
                let inserted = insert(&tx, &execution)?;
                tx.commit().map_err(db_err)?;
                Ok(if inserted { StartOutcome::Started(as_stored(execution)) } else { StartOutcome::Duplicate })
            })
            .await
    }

    async fn insert_finished(&self, execution: &Execution) -> StoreResult<bool> {
        let execution = execution.clone();
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
                let inserted = insert(&tx, &execution)?;
                tx.commit().map_err(db_err)?;
                Ok(inserted)
            })
            .await
    }

    async fn start_pending(
        &self,
        id: ExecutionId,
        max_instances: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<StartOutcome> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
                let Some(pending) = get(&tx, id)?.filter(|e| e.status == ExecutionStatus::Pending) else {
                    return Ok(StartOutcome::Duplicate);
                };
                let running = running_count(&tx, pending.job_id.as_str())?;
                let outcome = stored(admit(pending, running, max_instances, now, now));
                if let Some(e) = outcome_execution(&outcome) {
                    let sql = "UPDATE executions SET status = ?2, started_at = ?3, finished_at = ?4, error = ?5 \
                               WHERE id = ?1";
                    let (started, finished) = (opt_ms(e.started_at), opt_ms(e.finished_at));
                    changed(&tx, sql, params![id_bytes(id), e.status.as_str(), started, finished, e.error])?;
                }
                tx.commit().map_err(db_err)?;
                Ok(outcome)
            })
            .await
    }

    async fn take_dispatched(&self, id: ExecutionId, taker: &str) -> StoreResult<bool> {
        let taker = taker.to_owned();
        self.pool
            .write(move |conn| {
                let sql = "UPDATE executions SET dispatch_taker = ?2 \
                           WHERE id = ?1 AND status = ?3 AND (dispatch_taker IS NULL OR dispatch_taker = ?2)";
                let running = ExecutionStatus::Running.as_str();
                Ok(changed(conn, sql, params![id_bytes(id), taker, running])? == 1)
            })
            .await
    }

    async fn finish_execution(&self, execution: &Execution) -> StoreResult<()> {
        let values = ExecutionValues::new(execution)?;
        self.pool
            .write_grouped(move |conn| {
                // Identity columns (job, scheduled time, attempt, creation) never change after insert.
                let sql = "UPDATE executions SET status = ?5, triggered_by = ?6, principal = ?7, not_before = ?9, \
                           started_at = ?10, finished_at = ?11, progress_total = ?12, progress_processed = ?13, \
                           progress_succeeded = ?14, progress_failed = ?15, result = ?16, error = ?17, \
                           exit_code = ?18, stdout_tail = ?19, stderr_tail = ?20 WHERE id = ?1";
                // Kind and a cancel request (`?21`, `?22`) are never rewritten by a finish.
                match changed(conn, sql, &values.params()[..20])? {
                    0 => Err(StoreError::NotFound),
                    _ => Ok(()),
                }
            })
            .await
    }

    async fn update_progress(&self, id: ExecutionId, progress: Progress) -> StoreResult<()> {
        let [total, processed, succeeded, failed] = progress_values(&progress)?;
        self.pool
            .write_grouped(move |conn| {
                let sql = "UPDATE executions SET progress_total = ?2, progress_processed = ?3, \
                           progress_succeeded = ?4, progress_failed = ?5 WHERE id = ?1";
                match changed(conn, sql, params![id_bytes(id), total, processed, succeeded, failed])? {
                    0 => Err(StoreError::NotFound),
                    _ => Ok(()),
                }
            })
            .await
    }

    async fn request_cancel(&self, id: ExecutionId, now: DateTime<Utc>) -> StoreResult<Option<Execution>> {
        let now = ms(now);
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
                let sql = "UPDATE executions SET status = 'cancelled', finished_at = ?2, \
                           error = 'cancelled before it started' WHERE id = ?1 AND status = 'pending'";
                changed(&tx, sql, params![id_bytes(id), now])?;
                let sql = "UPDATE executions SET cancel_requested_at = ?2 \
                           WHERE id = ?1 AND status = 'running' AND cancel_requested_at IS NULL";
                changed(&tx, sql, params![id_bytes(id), now])?;
                let current = get(&tx, id)?;
                tx.commit().map_err(db_err)?;
                Ok(current)
            })
            .await
    }

    async fn delete_execution(&self, id: ExecutionId) -> StoreResult<bool> {
        let sql = "DELETE FROM executions WHERE id = ?1";
        self.pool.write(move |conn| Ok(changed(conn, sql, params![id_bytes(id)])? == 1)).await
    }

    async fn get_execution(&self, id: ExecutionId) -> StoreResult<Option<Execution>> {
        self.pool.read_by_key(move |conn| get(conn, id)).await
    }

    async fn list_executions(&self, filter: &ExecutionFilter, page: &PageRequest) -> StoreResult<Page<Execution>> {
        let listing = listing(filter);
        let after = page.cursor.as_deref().map(paging::parse_execution_cursor).transpose()?;
        let (offset, limit) = (page.offset, page.limit);
        self.pool
            .read(move |conn| {
                let after = after.map(|id| vec![Value::Blob(id_bytes(id).to_vec())]);
                let rows = paging::fetch(conn, &listing, after, offset, limit, ExecutionRow::read)?;
                let items = rows.rows.into_iter().map(ExecutionRow::decode).collect::<StoreResult<Vec<_>>>()?;
                let next_cursor = items.last().filter(|_| rows.more).map(|last| paging::execution_cursor(last.id));
                Ok(Page { items, total: rows.total, next_cursor })
            })
            .await
    }

    async fn count_running(&self) -> StoreResult<u64> {
        self.pool
            .read(|conn| {
                let n: i64 = conn
                    .prepare_cached(COUNT_WITH_STATUS)
                    .and_then(|mut s| s.query_row([RUNNING], |r| r.get(0)))
                    .map_err(db_err)?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
            .await
    }

    /// Oldest first.
    async fn pending_executions(&self) -> StoreResult<Vec<Execution>> {
        self.pool
            .read(|conn| {
                let mut stmt = conn.prepare_cached(&select_pending()).map_err(db_err)?;
                let rows = stmt.query_map([], ExecutionRow::read).map_err(db_err)?;
                rows.map(|r| r.map_err(db_err).and_then(ExecutionRow::decode)).collect()
            })
            .await
    }

    async fn fail_running(&self, error: &str, now: DateTime<Utc>) -> StoreResult<Vec<ExecutionId>> {
        let (error, now) = (error.to_owned(), ms(now));
        self.pool
            .write(move |conn| {
                let mut statement = conn.prepare_cached(FAIL_RUNNING).map_err(db_err)?;
                let ids = statement
                    .query_map(params![error, now, RUNNING], |row| row.get::<_, Vec<u8>>(0))
                    .map_err(db_err)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(db_err)?;
                ids.iter().map(|id| execution_id(id)).collect()
            })
            .await
    }

    async fn delete_job_executions(&self, job_id: &JobId) -> StoreResult<u64> {
        let job_id = job_id.as_str().to_owned();
        self.pool.write(move |conn| changed(conn, DELETE_FOR_JOB, params![job_id])).await
    }

    /// Failed and timed-out runs go by `failed_before`; every other finished run (succeeded,
    /// cancelled, skipped) by `succeeded_before`.
    async fn purge_finished(&self, succeeded_before: DateTime<Utc>, failed_before: DateTime<Utc>) -> StoreResult<u64> {
        let cutoffs = purge_cutoffs(succeeded_before, failed_before);
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
                let mut purged = 0;
                // One statement per status keeps each delete a range scan of `executions_finished`.
                for (status, cutoff) in cutoffs {
                    purged += changed(&tx, PURGE, params![status, cutoff])?;
                }
                tx.commit().map_err(db_err)?;
                Ok(purged)
            })
            .await
    }

    async fn count_purgeable(&self, succeeded_before: DateTime<Utc>, failed_before: DateTime<Utc>) -> StoreResult<u64> {
        let cutoffs = purge_cutoffs(succeeded_before, failed_before);
        self.pool
            .read(move |conn| {
                let mut count = 0u64;
                for (status, cutoff) in cutoffs {
                    let mut statement = conn.prepare_cached(COUNT_PURGEABLE).map_err(db_err)?;
                    let n: i64 = statement.query_row(params![status, cutoff], |row| row.get(0)).map_err(db_err)?;
                    count += u64::try_from(n).unwrap_or(0);
                }
                Ok(count)
            })
            .await
    }
}

/// Each finished status with the cutoff its retention applies: failures (the retryable
/// outcomes) are kept to the longer one.
fn purge_cutoffs(succeeded_before: DateTime<Utc>, failed_before: DateTime<Utc>) -> Vec<(&'static str, i64)> {
    ExecutionStatus::ALL
        .into_iter()
        .filter(|s| s.is_finished())
        .map(|s| (s.as_str(), ms(if s.is_retryable() { failed_before } else { succeeded_before })))
        .collect()
}
