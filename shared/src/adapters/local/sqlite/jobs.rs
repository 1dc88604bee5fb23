//! `JobStore` over the `jobs` table.

use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior, params};

use super::SqliteStore;
use super::codec::{db_err, int, ms, opt_ms};
use super::job_row::{JOB_COLUMNS, JobRow, JobValues};
use super::paging::{self, JobKey, Listing};
use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::JobId;
use crate::domain::job::{Job, JobCounts, JobFilter};
use crate::ports::{JobStore, Page, PageRequest, StoreError, StoreResult};

/// The partial index `jobs_due` serves only queries that repeat its condition word for word.
const ACTIVE: &str = "enabled AND NOT paused AND next_run_at IS NOT NULL";
pub(super) const COUNT: &str = "SELECT total, enabled FROM job_counts WHERE id = 1";

/// The total of a listing of every job, from the kept counts.
const TOTAL: &str = "SELECT total FROM job_counts WHERE id = 1";

/// Built once: the statement cache is keyed by the text, and this is the hottest read.
pub(super) fn select_by_id() -> &'static str {
    static SQL: LazyLock<String> = LazyLock::new(|| format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"));
    &SQL
}

/// Due by `?1`, at most `?2`; without `until`, the one that fires next.
pub(super) fn select_due(until: bool) -> String {
    let bound = if until { " AND next_run_at <= ?1" } else { "" };
    let limit = if until { "?2" } else { "1" };
    format!("SELECT {JOB_COLUMNS} FROM jobs WHERE {ACTIVE}{bound} ORDER BY next_run_at, id LIMIT {limit}")
}

fn get(conn: &Connection, id: &str) -> StoreResult<Option<Job>> {
    let row = conn
        .prepare_cached(select_by_id())
        .and_then(|mut s| s.query_row([id], JobRow::read).optional())
        .map_err(db_err)?;
    row.map(JobRow::decode).transpose()
}

fn collect(conn: &Connection, sql: &str, params: &[&dyn ToSql]) -> StoreResult<Vec<Job>> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_err)?;
    let rows = stmt.query_map(params, JobRow::read).map_err(db_err)?;
    rows.map(|r| r.map_err(db_err).and_then(JobRow::decode)).collect()
}

pub(super) fn listing(filter: &JobFilter) -> Listing {
    let mut conditions = Vec::new();
    let mut args = Vec::new();
    if let Some(needle) = filter.name_contains.as_deref().filter(|n| !n.is_empty()) {
        // `instr` on a lowercased copy: LIKE would fold only ASCII and treat `%` and `_` as wildcards.
        conditions.push("instr(name_lower, ?) > 0");
        args.push(Value::Text(needle.to_lowercase()));
    }
    if let Some(enabled) = filter.enabled {
        conditions.push("enabled = ?");
        args.push(Value::Integer(i64::from(enabled)));
    }
    if let Some(function) = filter.function {
        conditions.push("function = ?");
        args.push(Value::Text(function.name().to_owned()));
    }
    Listing {
        table: "jobs",
        count_table: None,
        kept_count: conditions.is_empty().then_some(TOTAL),
        columns: JOB_COLUMNS,
        filter: conditions,
        args,
        order: "created_at, id",
        reverse: "created_at DESC, id DESC",
        after: "(created_at, id) > (?, ?)",
    }
}

/// The claim on a fire time: it holds only while the job is still due at the time it was read.
pub(super) const ADVANCE_NEXT_RUN: &str = "UPDATE jobs SET next_run_at = ?3 WHERE id = ?1 AND next_run_at = ?2";

#[async_trait]
impl JobStore for SqliteStore {
    async fn insert_job(&self, job: &Job) -> StoreResult<()> {
        let values = JobValues::new(job)?;
        self.pool
            .write(move |conn| {
                let sql = format!(
                    "INSERT INTO jobs ({JOB_COLUMNS}, name_lower, function) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) \
                     ON CONFLICT (id) DO NOTHING"
                );
                let inserted =
                    conn.prepare_cached(&sql).and_then(|mut s| s.execute(values.params())).map_err(db_err)?;
                if inserted == 0 { Err(StoreError::AlreadyExists) } else { Ok(()) }
            })
            .await
    }

    async fn get_job(&self, id: &JobId) -> StoreResult<Option<Job>> {
        Ok(self.get_job_shared(id).await?.map(Arc::unwrap_or_clone))
    }

    async fn get_job_shared(&self, id: &JobId) -> StoreResult<Option<Arc<Job>>> {
        let generation = self.pool.generation();
        if let Some(job) = self.jobs_by_id.get(id.as_str(), generation) {
            return Ok(Some(job));
        }
        let key = id.as_str().to_owned();
        let found = self.pool.read_by_key(move |conn| get(conn, &key)).await?.map(Arc::new);
        if let Some(job) = &found {
            self.jobs_by_id.put(job, generation);
        }
        Ok(found)
    }

    async fn update_job(&self, job: &Job, expected_version: u64) -> StoreResult<()> {
        let values = JobValues::new(job)?;
        let expected = int(expected_version)?;
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
                // The run record (last run, status, counters) belongs to `record_run`: a definition
                // read before a run finished must not write back the counters it saw.
                let sql = "UPDATE jobs SET name = ?2, enabled = ?3, paused = ?4, next_run_at = ?6, version = ?7, \
                           body = ?13, name_lower = ?14, function = ?15 WHERE id = ?1 AND version = ?16";
                let mut params: Vec<&dyn ToSql> = values.params().to_vec();
                params.push(&expected);
                let updated = tx.prepare_cached(sql).and_then(|mut s| s.execute(&params[..])).map_err(db_err)?;
                let outcome = if updated == 1 {
                    Ok(())
                } else {
                    let exists = tx
                        .prepare_cached("SELECT 1 FROM jobs WHERE id = ?1")
                        .and_then(|mut s| s.exists([&values.id]))
                        .map_err(db_err)?;
                    Err(if exists { StoreError::Conflict } else { StoreError::NotFound })
                };
                tx.commit().map_err(db_err)?;
                outcome
            })
            .await
    }

    async fn delete_job(&self, id: &JobId) -> StoreResult<bool> {
        let id = id.as_str().to_owned();
        self.pool
            .write(move |conn| {
                let deleted = conn
                    .prepare_cached("DELETE FROM jobs WHERE id = ?1")
                    .and_then(|mut s| s.execute([&id]))
                    .map_err(db_err)?;
                Ok(deleted > 0)
            })
            .await
    }

    async fn list_jobs(&self, filter: &JobFilter, page: &PageRequest) -> StoreResult<Page<Job>> {
        let listing = listing(filter);
        let after = page.cursor.as_deref().map(paging::parse_job_cursor).transpose()?;
        let (offset, limit) = (page.offset, page.limit);
        self.pool
            .read(move |conn| {
                let after = after.map(|k| vec![Value::Integer(k.created_at), Value::Text(k.id)]);
                let rows = paging::fetch(conn, &listing, after, offset, limit, JobRow::read)?;
                let items = rows.rows.into_iter().map(JobRow::decode).collect::<StoreResult<Vec<_>>>()?;
                let next_cursor = match items.last() {
                    Some(last) if rows.more => {
                        Some(paging::job_cursor(&JobKey { created_at: ms(last.created_at), id: last.id.to_string() }))
                    }
                    _ => None,
                };
                Ok(Page { items, total: rows.total, next_cursor })
            })
            .await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.pool
            .read(|conn| {
                conn.prepare_cached("SELECT 1 FROM jobs LIMIT 1")
                    .and_then(|mut s| s.exists([]))
                    .map(|_| ())
                    .map_err(db_err)
            })
            .await
    }

    async fn count_jobs(&self) -> StoreResult<JobCounts> {
        self.pool
            .read(|conn| {
                let (total, enabled): (i64, i64) = conn
                    .prepare_cached(COUNT)
                    .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))))
                    .map_err(db_err)?;
                let (total, enabled) = (u64::try_from(total).unwrap_or(0), u64::try_from(enabled).unwrap_or(0));
                Ok(JobCounts { total, enabled, disabled: total.saturating_sub(enabled) })
            })
            .await
    }

    async fn due_jobs(&self, until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Job>> {
        let until = ms(until);
        self.pool.read(move |conn| collect(conn, &select_due(true), params![until, limit])).await
    }

    async fn next_due_job(&self) -> StoreResult<Option<Job>> {
        self.pool.read(|conn| Ok(collect(conn, &select_due(false), &[])?.into_iter().next())).await
    }

    async fn advance_next_run(&self, id: &JobId, from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> StoreResult<bool> {
        let (id, from, to) = (id.as_str().to_owned(), ms(from), opt_ms(to));
        self.pool
            .write(move |conn| {
                let moved = conn
                    .prepare_cached(ADVANCE_NEXT_RUN)
                    .and_then(|mut s| s.execute(params![id, from, to]))
                    .map_err(db_err)?;
                Ok(moved == 1)
            })
            .await
    }

    /// `NotFound` when the job is gone (deleted while its run was going).
    async fn record_run(&self, id: &JobId, status: ExecutionStatus, at: DateTime<Utc>) -> StoreResult<()> {
        let (id, at) = (id.as_str().to_owned(), ms(at));
        let succeeded = i64::from(status == ExecutionStatus::Succeeded);
        let failed = i64::from(status.is_retryable());
        self.pool
            .write_grouped(move |conn| {
                let sql = "UPDATE jobs SET last_run_at = ?2, last_status = ?3, runs_total = runs_total + 1, \
                           runs_succeeded = runs_succeeded + ?4, runs_failed = runs_failed + ?5 WHERE id = ?1";
                let updated = conn
                    .prepare_cached(sql)
                    .and_then(|mut s| s.execute(params![id, at, status.as_str(), succeeded, failed]))
                    .map_err(db_err)?;
                if updated == 0 { Err(StoreError::NotFound) } else { Ok(()) }
            })
            .await
    }
}
