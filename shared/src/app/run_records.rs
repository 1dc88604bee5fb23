//! What every run leaves in the stores, apart from running it: claiming a fire, recording a skip,
//! a run that could not be handed over, an outcome and its retry. The API hands runs to a trigger
//! backend and needs only this; running them is the [`super::Executor`]'s.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::domain::execution::{Execution, ExecutionStatus, TriggeredBy};
use crate::domain::job::Job;
use crate::ports::{Clock, ExecutionStore, JobStore, RunOutcome, StartOutcome, StoreError, StoreResult};

#[derive(Clone)]
pub struct RunRecords {
    jobs: Arc<dyn JobStore>,
    executions: Arc<dyn ExecutionStore>,
    clock: Arc<dyn Clock>,
}

impl RunRecords {
    pub fn new(jobs: Arc<dyn JobStore>, executions: Arc<dyn ExecutionStore>, clock: Arc<dyn Clock>) -> Self {
        Self { jobs, executions, clock }
    }

    pub(super) fn executions(&self) -> &Arc<dyn ExecutionStore> {
        &self.executions
    }

    /// Claims the run of `job` for `scheduled_at` (first attempt) under the job's instance limit.
    pub async fn claim(
        &self,
        job: &Job,
        scheduled_at: DateTime<Utc>,
        triggered_by: TriggeredBy,
        principal: Option<String>,
    ) -> StoreResult<StartOutcome> {
        let execution = self.first_attempt(job, scheduled_at, triggered_by, principal);
        self.executions.start_execution(&execution, job.policies.max_instances).await
    }
    /// The record [`RunRecords::claim`] starts: the first attempt at `scheduled_at`, started now.
    pub fn first_attempt(
        &self,
        job: &Job,
        scheduled_at: DateTime<Utc>,
        triggered_by: TriggeredBy,
        principal: Option<String>,
    ) -> Execution {
        let now = self.clock.now();
        let mut execution = Execution::new(
            job.id.clone(),
            job.task.function().run_kind(),
            scheduled_at,
            1,
            triggered_by,
            principal,
            now,
        );
        execution.started_at = Some(now);
        execution
    }
    /// as running nor holds one of the job's `maxInstances` slots.
    pub async fn fail_undispatched(&self, job: &Job, execution: Execution, why: String) -> StoreResult<()> {
        let now = self.clock.now();
        let failed = execution.finish_without_running(ExecutionStatus::Failed, why, now);
        self.executions.finish_execution(&failed).await?;
        match self.jobs.record_run(&job.id, failed.status, now).await {
            Ok(()) | Err(StoreError::NotFound) => Ok(()),
            Err(err) => Err(err),
        }
    }
    /// Records a fire time that will not run (misfired, or coalesced away).
    pub async fn record_skipped(&self, job: &Job, scheduled_at: DateTime<Utc>, why: String) -> StoreResult<()> {
        let execution = self.skipped_fire(job, scheduled_at, why);
        // A skip is recorded through the same uniqueness guard as a run, so a redelivered fire
        // cannot add a second record for the same time.
        self.executions.insert_finished(&execution).await.map(|_| ())
    }
    /// The record [`RunRecords::record_skipped`] writes.
    pub fn skipped_fire(&self, job: &Job, scheduled_at: DateTime<Utc>, why: String) -> Execution {
        let now = self.clock.now();
        Execution::new(
            job.id.clone(),
            job.task.function().run_kind(),
            scheduled_at,
            1,
            TriggeredBy::Scheduler,
            None,
            now,
        )
        .finish_without_running(ExecutionStatus::Skipped, why, now)
    }
    /// Records a run's outcome on it and on the job; when the retry policy asks for another
    /// attempt, records that attempt as pending and returns it.
    pub async fn record(
        &self,
        job: &Job,
        mut execution: Execution,
        outcome: RunOutcome,
        shutdown: &CancellationToken,
    ) -> StoreResult<Option<Execution>> {
        let now = self.clock.now();
        execution.finished_at = Some(now);
        execution.result = outcome.result;
        execution.exit_code = outcome.exit_code;
        execution.stdout_tail = outcome.stdout_tail;
        execution.stderr_tail = outcome.stderr_tail;
        if let Some(progress) = outcome.progress {
            execution.progress = progress;
        }
        let interrupted = outcome.status == ExecutionStatus::Cancelled && shutdown.is_cancelled();
        if interrupted {
            execution.status = ExecutionStatus::Failed;
            execution.error = Some("interrupted".to_owned());
        } else {
            execution.status = outcome.status;
            execution.error = outcome.error;
        }
        // Whatever the task produced, the record must fit every store: a finish that cannot be
        // written would leave the run `running` for good.
        execution.fit_to_record_budget();
        match self.executions.finish_execution(&execution).await {
            Ok(()) => {}
            // Deleted while it ran (seed 002's delete of a running job): nothing left to record.
            Err(StoreError::NotFound) => return Ok(None),
            Err(err) => return Err(err),
        }
        match self.jobs.record_run(&job.id, execution.status, now).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(err) => return Err(err),
        }
        if interrupted || !execution.status.is_retryable() || execution.attempt > job.policies.retry_count {
            return Ok(None);
        }
        let mut retry = Execution::new(
            job.id.clone(),
            execution.kind,
            execution.scheduled_at,
            execution.attempt + 1,
            TriggeredBy::Retry,
            execution.principal.clone(),
            now,
        );
        let delay =
            chrono::Duration::seconds(i64::try_from(job.policies.retry_delay_seconds).unwrap_or(i64::MAX / 2_000));
        retry.not_before = Some(now + delay);
        match self.executions.insert_pending(&retry).await? {
            StartOutcome::Duplicate => Ok(None),
            _ => Ok(Some(retry)),
        }
    }
    /// Starts a pending retry once it is due.
    pub async fn start_retry(&self, job: &Job, retry: &Execution) -> StoreResult<StartOutcome> {
        self.executions.start_pending(retry.id, job.policies.max_instances, self.clock.now()).await
    }
}
