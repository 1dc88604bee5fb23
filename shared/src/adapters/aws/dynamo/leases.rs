//! Leases: a running execution counts against its job's `max_instances` until it finishes or
//! its lease lapses and a reaper fails it. The executor renews the lease of a run that outlives
//! it; every reaper fails a run, frees its slot and gives it its TTL in one transaction, which
//! is conditional on the run still running, so a run that finished meanwhile is left alone.

use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::errors::corrupt;
use super::execution_item::{ATTEMPT, ERROR, FINISHED, JOB_ID, LEASE_UNTIL, SCHEDULED, STATUS};
use super::expr::{Expr, Item, n, number, s, text};
use super::keys::{EXECUTIONS_BY_STATUS, EXPIRES_AT, ms, parse_execution_pk};
use super::query::{Kind, Listing};
use super::writes::{RUNNING, RunKey, execution_key};
use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::{ExecutionId, JobId};
use crate::ports::StoreResult;

/// What a reaped run's error says.
pub const LEASE_LAPSED: &str = "lease expired: the run stopped renewing it (its process crashed or was killed)";

/// Which running runs a sweep fails.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sweep<'a> {
    /// Only runs whose lease ends before this (epoch ms).
    pub lease_before: Option<i64>,
    pub job: Option<&'a JobId>,
}

/// The identity of a running run as `executions_by_status` projects it.
pub(super) fn run_of(item: &Item) -> StoreResult<(ExecutionId, RunKey)> {
    let id = text(item, super::keys::PK).and_then(parse_execution_pk);
    let job_id = text(item, JOB_ID).and_then(|j| JobId::parse(j).ok());
    let (scheduled_ms, attempt) = (number(item, SCHEDULED), number(item, ATTEMPT));
    match (id, job_id, scheduled_ms, attempt) {
        (Some(id), Some(job_id), Some(scheduled_ms), Some(attempt)) => {
            Ok((id, RunKey { job_id, scheduled_ms, attempt }))
        }
        _ => Err(corrupt("an execution index entry without its run key")),
    }
}

impl DynamoStore {
    /// Fails every running run the sweep selects with `error` at `now`; returns those it failed.
    pub(super) async fn fail_runs(
        &self,
        sweep: Sweep<'_>,
        error: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ExecutionId>> {
        let mut expr = Expr::default();
        let mut filters = Vec::new();
        if let Some(before) = sweep.lease_before {
            filters.push(format!("{} < {}", expr.name(LEASE_UNTIL), expr.value("before", n(before))));
        }
        if let Some(job) = sweep.job {
            filters.push(format!("{} = {}", expr.name(JOB_ID), expr.value("job", s(job.as_str()))));
        }
        let running = ExecutionStatus::Running.as_str().to_owned();
        let listing = Listing::new(&EXECUTIONS_BY_STATUS, Kind::Executions, running, true, filters, expr, true);
        let mut failed = Vec::new();
        for item in self.collect(&listing, &[]).await? {
            let (id, run) = run_of(&item)?;
            if self.fail_one(id, &run, sweep.lease_before, error, now).await? {
                failed.push(id);
            }
        }
        Ok(failed)
    }

    /// The reaper for one job, run when a start finds the job full.
    pub(super) async fn reap_job(&self, job: &JobId, now: DateTime<Utc>) -> StoreResult<Vec<ExecutionId>> {
        self.fail_runs(Sweep { lease_before: Some(ms(now)), job: Some(job) }, LEASE_LAPSED, now).await
    }

    async fn fail_one(
        &self,
        id: ExecutionId,
        run: &RunKey,
        lease_before: Option<i64>,
        error: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let failed = ExecutionStatus::Failed;
        let expires = self.retention.expires_at(failed, Some(now), now).unwrap_or(i64::MAX);
        let mut expr = Expr::default();
        let status = expr.name(STATUS);
        let update = format!(
            "SET {status} = {}, {} = {}, {} = {}, {} = {} REMOVE {}",
            expr.value("failed", s(failed.as_str())),
            expr.name(ERROR),
            expr.value("error", s(error)),
            expr.name(FINISHED),
            expr.value("now", n(ms(now))),
            expr.name(EXPIRES_AT),
            expr.value("expires", n(expires)),
            expr.name(LEASE_UNTIL),
        );
        let mut condition = format!("{status} = {}", expr.value("running", s(RUNNING)));
        if let Some(before) = lease_before {
            // A lease renewed since the sweep read it wins.
            condition += &format!(" AND {} < {}", expr.name(LEASE_UNTIL), expr.value("before", n(before)));
        }
        let actions = vec![
            self.update_execution(id, update, condition, expr)?,
            self.add_running(&run.job_id, -1, None)?,
            self.guard_expiry(run, expires)?,
        ];
        Ok(self.transact("fail running execution", actions).await?.is_ok())
    }

    /// Fails every running run whose lease ended before `now`, freeing its job's slot; returns
    /// their ids. What a periodic reaper (or the executor, before it starts a run) calls. A start
    /// that finds its job full reaps that job by itself.
    pub async fn reap_expired_leases(&self, now: DateTime<Utc>) -> StoreResult<Vec<ExecutionId>> {
        self.fail_runs(Sweep { lease_before: Some(ms(now)), job: None }, LEASE_LAPSED, now).await
    }

    /// Extends a running run's lease to `until`: the executor's heartbeat for a run that may
    /// outlast the lease it started with. `false` when the run is no longer running (finished,
    /// or reaped: its executor should stop it).
    pub async fn renew_lease(&self, id: ExecutionId, until: DateTime<Utc>) -> StoreResult<bool> {
        let mut expr = Expr::default();
        let update = format!("SET {} = {}", expr.name(LEASE_UNTIL), expr.value("until", n(ms(until))));
        let condition = format!("{} = {}", expr.name(STATUS), expr.value("running", s(RUNNING)));
        self.conditional_update(execution_key(id), &update, &condition, &expr, "renew lease").await
    }
}
