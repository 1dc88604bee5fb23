//! Removing history: a job's executions, and finished ones past a cutoff. An execution goes with
//! its guard, so that its run key is free again as it is in SQLite. Finished runs go in batches;
//! a pending or running one in a transaction conditional on its status, which also frees its
//! slot when it was running.

use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::errors::{backend, backoff, build_err};
use super::execution_item::{FINISHED, STATUS};
use super::expr::{Expr, Item, n, number, text};
use super::keys::{EXECUTIONS_BY_JOB, EXECUTIONS_BY_STATUS, EXPIRES_AT, ms};
use super::leases::run_of;
use super::query::{Kind, Listing};
use super::writes::{RUNNING, RunKey, execution_key};
use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::{ExecutionId, JobId};
use crate::ports::{StoreError, StoreResult};

/// BatchWriteItem's limit.
const BATCH: usize = 25;
/// Rounds for writes DynamoDB left unprocessed (throttling), and for a run that keeps changing
/// status while it is deleted.
const ROUNDS: u32 = 8;

impl DynamoStore {
    /// Expired executions are deleted too but not counted: for the store they were gone already.
    pub(super) async fn delete_history(&self, job: &JobId) -> StoreResult<u64> {
        let listing = Listing::new(
            &EXECUTIONS_BY_JOB,
            Kind::Executions,
            job.to_string(),
            true,
            Vec::new(),
            Expr::default(),
            false,
        );
        let now = self.now_secs();
        let mut finished = Vec::new();
        let mut deleted = 0;
        for item in self.collect(&listing, &[]).await? {
            let (id, run) = run_of(&item)?;
            let live = number::<i64>(&item, EXPIRES_AT).is_none_or(|at| at > now);
            let status = text(&item, STATUS).and_then(ExecutionStatus::parse);
            let gone = match status {
                Some(s) if s.is_finished() => {
                    finished.extend([execution_key(id), run.key()]);
                    true
                }
                _ => self.delete_unfinished(id, &run, status).await?,
            };
            deleted += u64::from(gone && live);
        }
        self.batch_delete(finished).await?;
        Ok(deleted)
    }

    /// One run and its guard; `false` when it was gone (or expired) already.
    pub(super) async fn delete_run(&self, id: ExecutionId) -> StoreResult<bool> {
        let Some(item) = self.read_execution_even_expired(id).await? else { return Ok(false) };
        let live = number::<i64>(&item, EXPIRES_AT).is_none_or(|at| at > self.now_secs());
        let (id, run) = run_of(&item)?;
        let gone = match text(&item, STATUS).and_then(ExecutionStatus::parse) {
            Some(status) if status.is_finished() => {
                self.batch_delete(vec![execution_key(id), run.key()]).await?;
                true
            }
            status => self.delete_unfinished(id, &run, status).await?,
        };
        Ok(gone && live)
    }

    /// Deletes a run that may be starting or finishing meanwhile: conditional on the status it
    /// was last seen with, re-read when that changed. `false` when it is gone already.
    pub(super) async fn delete_unfinished(
        &self,
        id: ExecutionId,
        run: &RunKey,
        mut seen: Option<ExecutionStatus>,
    ) -> StoreResult<bool> {
        for _ in 0..ROUNDS {
            let Some(status) = seen else { return Ok(false) };
            let mut actions = vec![self.delete_execution_in(id, status.as_str())?, self.delete_guard(run)?];
            if status.as_str() == RUNNING {
                actions.push(self.add_running(&run.job_id, -1, None)?);
            }
            if self.transact("delete execution", actions).await?.is_ok() {
                return Ok(true);
            }
            seen = self.stored_status(id).await?;
        }
        Err(StoreError::Backend(format!("execution {id} kept changing while it was deleted")))
    }

    async fn stored_status(&self, id: ExecutionId) -> StoreResult<Option<ExecutionStatus>> {
        let item = self.read_execution_even_expired(id).await?;
        Ok(item.as_ref().and_then(|item| text(item, STATUS)).and_then(ExecutionStatus::parse))
    }

    /// Failed and timed-out runs go by `failed_before`; every other finished run (succeeded,
    /// cancelled, skipped) by `succeeded_before`. One status partition at a time, reading only
    /// the runs that ended before the cutoff and have not expired.
    pub(super) async fn purge(
        &self,
        succeeded_before: DateTime<Utc>,
        failed_before: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let (doomed, purged) = self.purgeable(succeeded_before, failed_before).await?;
        self.batch_delete(doomed).await?;
        Ok(purged)
    }

    /// The keys a purge deletes (each run's item and its run key), and how many runs they are.
    pub(super) async fn purgeable(
        &self,
        succeeded_before: DateTime<Utc>,
        failed_before: DateTime<Utc>,
    ) -> StoreResult<(Vec<Item>, u64)> {
        let mut doomed = Vec::new();
        let mut purged = 0;
        for status in ExecutionStatus::ALL.into_iter().filter(|s| s.is_finished()) {
            let cutoff = if status.is_retryable() { failed_before } else { succeeded_before };
            let mut expr = Expr::default();
            let ended = format!("{} < {}", expr.name(FINISHED), expr.value("cutoff", n(ms(cutoff))));
            let filters = vec![ended, expr.unexpired(self.now_secs())];
            let listing = Listing::new(
                &EXECUTIONS_BY_STATUS,
                Kind::Executions,
                status.as_str().to_owned(),
                true,
                filters,
                expr,
                true,
            );
            for item in self.collect(&listing, &[]).await? {
                let (id, run) = run_of(&item)?;
                doomed.extend([execution_key(id), run.key()]);
                purged += 1;
            }
        }
        Ok((doomed, purged))
    }

    pub(super) async fn batch_delete(&self, keys: Vec<Item>) -> StoreResult<()> {
        let requests = keys
            .into_iter()
            .map(|key| {
                let delete = DeleteRequest::builder().set_key(Some(key)).build().map_err(build_err)?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.batch_write(requests, "batch delete").await
    }

    /// BatchWriteItem, 25 requests at a time, sending again what DynamoDB left unprocessed.
    pub(super) async fn batch_write(&self, requests: Vec<WriteRequest>, what: &str) -> StoreResult<()> {
        for chunk in requests.chunks(BATCH) {
            let mut requests = chunk.to_vec();
            for round in 0.. {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(|e| backend(what, e))?;
                requests = out.unprocessed_items.and_then(|mut left| left.remove(&self.table)).unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
                if round + 1 == ROUNDS {
                    return Err(StoreError::Backend(format!("dynamodb {what}: {} left unprocessed", requests.len())));
                }
                backoff(round).await;
            }
        }
        Ok(())
    }
}
