//! Reading, cancelling and deleting scrape runs: the runs come from the execution store by kind,
//! their scrape from their job.

use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::ExecutionId;
use crate::domain::principal::Principal;
use crate::domain::task::RunKind;
use crate::ports::{ExecutionFilter, PageRequest};

use super::{AppError, AppResult, ScrapeRun, ScrapeRuns, run_not_found};

impl ScrapeRuns<'_> {
    /// Scrape runs in any of `statuses` (none: all), newest first.
    pub async fn list(&self, statuses: Vec<ExecutionStatus>, page: &PageRequest) -> AppResult<Vec<ScrapeRun>> {
        let filter = ExecutionFilter { job_id: None, statuses, kind: Some(RunKind::Scrape) };
        let page = self.jobs.executions(&filter, page).await?;
        self.with_tasks(page.items).await
    }

    /// One scrape run; a run of another kind is as unknown as no run.
    pub async fn get(&self, id: ExecutionId) -> AppResult<ScrapeRun> {
        let execution = match self.jobs.execution(id).await {
            Ok(execution) if execution.kind == RunKind::Scrape => execution,
            Ok(_) | Err(AppError::NotFound(_)) => return Err(run_not_found()),
            Err(err) => return Err(err),
        };
        let task = self.task_of(&execution.job_id).await?;
        Ok(ScrapeRun { execution, task })
    }

    /// Cancels a waiting run at once, or asks a running one to stop between videos; a finished
    /// run is a conflict.
    pub async fn cancel(&self, id: ExecutionId, principal: &Principal) -> AppResult<ScrapeRun> {
        let run = self.get(id).await?;
        let execution = match self.jobs.cancel_run(id, principal).await {
            Ok(execution) => execution,
            Err(AppError::NotFound(_)) => return Err(run_not_found()),
            Err(err) => return Err(err),
        };
        Ok(ScrapeRun { execution, task: run.task })
    }

    /// Deletes a run with its videos' records (tombstoned, so that no scrape fetches them again)
    /// and, with `delete_files`, their files and metadata. A run still going is asked to stop
    /// first, so that it stops recording videos (one it is storing at that moment may still
    /// land). Each step can be repeated: files go first and a failure stops before any record
    /// changes, then the videos, and the run's own record last, so that a delete that failed
    /// half-way is finished by asking again.
    pub async fn delete(&self, id: ExecutionId, delete_files: bool, principal: &Principal) -> AppResult<()> {
        let run = self.get(id).await?;
        if !run.execution.status.is_finished() {
            match self.jobs.cancel_run(id, principal).await {
                // Finished meanwhile: nothing left to stop.
                Ok(_) | Err(AppError::Conflict(_)) => {}
                Err(AppError::NotFound(_)) => return Err(run_not_found()),
                Err(err) => return Err(err),
            }
        }
        let videos = self.videos(id).await?;
        if delete_files {
            let keys = Self::files_of(&videos);
            let report = self
                .videos
                .objects()
                .delete_many(&keys)
                .await
                .map_err(|err| AppError::Internal(format!("cannot delete the files of run {id}: {err}")))?;
            if let Some((key, why)) = report.failed.first() {
                return Err(AppError::Internal(format!(
                    "{} of the files of run {id} were not deleted, {key} first: {why}",
                    report.failed.len()
                )));
            }
        }
        for video in &videos {
            match self.videos.delete(video.id).await {
                Ok(()) | Err(AppError::NotFound(_)) => {}
                Err(err) => return Err(err),
            }
        }
        match self.jobs.delete_run(id).await {
            Ok(_) => Ok(()),
            Err(AppError::NotFound(_)) => Err(run_not_found()),
            Err(err) => Err(err),
        }
    }
}
