//! Run use cases: one run started now for a new job, and a run read, stopped or deleted by its
//! id (seed 002's jobs are runs).

use crate::domain::execution::{Execution, ExecutionStatus, TriggeredBy};
use crate::domain::ids::ExecutionId;
use crate::domain::job::{Job, NewJob};
use crate::domain::principal::Principal;
use crate::domain::trigger::Trigger;
use crate::ports::{StartOutcome, StoreError};

use super::error::{AppError, AppResult};
use super::jobs::JobService;

impl JobService {
    /// Creates a job that runs once, now, and starts that run before answering, so that the
    /// caller gets the run itself (seed 002's `POST /jobs` answers with it). The job has no
    /// schedule and no next run: nothing but this call ever fires it.
    pub async fn run_now(&self, mut new: NewJob, principal: &Principal) -> AppResult<Execution> {
        self.check_task(&new.task)?;
        let now = self.clock.now();
        new.trigger = Trigger::Now { at: now };
        let mut job = Job::create(new, Some(principal.name.clone()), now);
        job.next_run_at = None;
        match self.jobs.insert_job(&job).await {
            Ok(()) => {}
            Err(StoreError::AlreadyExists) => {
                return Err(AppError::Conflict(format!("Job already exists: {}", job.id)));
            }
            Err(err) => return Err(err.into()),
        }
        let principal = Some(principal.name.clone());
        match self.records.claim(&job, now, TriggeredBy::Api, principal).await? {
            StartOutcome::Started(execution) => self.dispatch_claimed(&job, execution).await,
            // A job nobody has seen yet has no run under way and no run at this time.
            StartOutcome::Skipped(execution) => Ok(execution),
            StartOutcome::Duplicate => Err(AppError::Internal(format!("a new job {} already had a run", job.id))),
        }
    }

    pub async fn execution(&self, id: ExecutionId) -> AppResult<Execution> {
        self.executions.get_execution(id).await?.ok_or_else(|| AppError::run_not_found(&id))
    }

    /// Stops a run: a waiting one at once, a running one at its executor's next check (between
    /// two videos of a scrape; a script's process is killed). A finished run is a conflict.
    /// Returns the run as it stands after the request.
    pub async fn cancel_run(&self, id: ExecutionId, principal: &Principal) -> AppResult<Execution> {
        let run = self.execution(id).await?;
        if run.status.is_finished() {
            return Err(AppError::Conflict(format!(
                "Run {id} has finished ({}); nothing to cancel",
                run.status.as_str()
            )));
        }
        let now = self.clock.now();
        let run = self.executions.request_cancel(id, now).await?.ok_or_else(|| AppError::run_not_found(&id))?;
        tracing::info!(run = %id, job = %run.job_id, by = %principal.name, "cancel requested");
        if run.status == ExecutionStatus::Cancelled && run.finished_at == Some(now) {
            // It never started, so no executor records its end on the job.
            match self.jobs.record_run(&run.job_id, run.status, now).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(err) => return Err(err.into()),
            }
        }
        Ok(run)
    }

    /// Deletes one run's record, and its job with it when the job existed only for this run (a
    /// run-once job, see [`JobService::run_now`]). A run still going is asked to stop first; its
    /// executor stops when it finds the record gone.
    pub async fn delete_run(&self, id: ExecutionId) -> AppResult<Execution> {
        let run = self.execution(id).await?;
        if !run.status.is_finished() {
            self.executions.request_cancel(id, self.clock.now()).await?;
        }
        if !self.executions.delete_execution(id).await? {
            return Err(AppError::run_not_found(&id));
        }
        match self.jobs.get_job(&run.job_id).await? {
            Some(job) if matches!(job.trigger, Trigger::Now { .. }) => match self.delete(&job.id).await {
                Ok(()) | Err(AppError::NotFound(_)) => {}
                Err(err) => return Err(err),
            },
            _ => {}
        }
        Ok(run)
    }
}
