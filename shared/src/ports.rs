//! The narrow ports the use cases need. Each names the access patterns it relies on so that
//! every backend can serve them without scanning: SQLite through indexes, DynamoDB through key
//! conditions on the table and its indexes.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::execution::{Execution, ExecutionStatus, Progress};
use crate::domain::ids::{ExecutionId, JobId};
use crate::domain::job::{Job, JobCounts, JobFilter};
use crate::domain::task::RunKind;

mod audit;
mod fires;
pub mod health;
mod objects;
mod video_source;
mod videos;

pub use audit::{AuditLog, AuditPage, MAX_AUDIT_PAGE};
pub use fires::{FireClaim, FireClaims, FireOutcome};
pub use health::{HealthProbe, HealthReport};
pub use objects::ObjectReader;
pub use objects::{DeleteReport, MAX_PAGE, ObjectError, ObjectInfo, ObjectPage, ObjectStore};
pub use video_source::{Downloaded, FetchError, ListRequest, ListedSink, ListedVideo, VideoSource};
pub use videos::{Archived, CHANGE_ROUNDS, Changed, Upserted, VideoCounts, VideoFilter, VideoStore, change_video};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("already exists")]
    AlreadyExists,
    #[error("not found")]
    NotFound,
    /// A conditional write lost: someone else changed the item first.
    #[error("changed concurrently")]
    Conflict,
    #[error("invalid page cursor")]
    BadCursor,
    /// The backend will not walk this far to serve an offset; the caller pages by cursor.
    #[error("offset too deep")]
    OffsetTooDeep,
    /// The backend failed; the text is for logs, never for a response body.
    #[error("store failure: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Offset paging is what the seeds ask for; `cursor` continues from an earlier page's
/// `next_cursor`, which is what a backend pages by inside.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: u64,
    pub limit: u32,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Items matching the filter, ignoring paging.
    pub total: u64,
    pub next_cursor: Option<String>,
}

/// A page without its total: what a walk through a whole listing needs. On DynamoDB a total is
/// a read of the whole listing, so a walk that asked for one on every page would read the
/// listing once per page.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> From<Page<T>> for Slice<T> {
    fn from(page: Page<T>) -> Self {
        Self { items: page.items, next_cursor: page.next_cursor }
    }
}

/// What [`JobStore::release_all_jobs`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleasedJobs {
    /// Job records deleted.
    pub deleted: u64,
    /// Jobs whose record could not be deleted; they stay, with their schedules and histories.
    pub failed: Vec<JobId>,
}

/// Access patterns: get by id; list in creation order with optional filters (name, enabled,
/// function); counts; the earliest due time among active jobs; the jobs due by a time.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Fails with `AlreadyExists` when the id is taken.
    async fn insert_job(&self, job: &Job) -> StoreResult<()>;
    async fn get_job(&self, id: &JobId) -> StoreResult<Option<Job>>;
    /// `get_job` for a caller that only reads the job. A store that keeps jobs in memory hands
    /// out the very one it keeps, the same `Arc` until a write replaces it; the default wraps
    /// a fresh read, which is never the same.
    async fn get_job_shared(&self, id: &JobId) -> StoreResult<Option<Arc<Job>>> {
        Ok(self.get_job(id).await?.map(Arc::new))
    }
    /// Writes the whole definition if the stored version is still `expected_version`
    /// (`Conflict` otherwise, `NotFound` when gone).
    async fn update_job(&self, job: &Job, expected_version: u64) -> StoreResult<()>;
    /// Returns whether it existed.
    async fn delete_job(&self, id: &JobId) -> StoreResult<bool>;
    /// Ordered by creation time, oldest first.
    async fn list_jobs(&self, filter: &JobFilter, page: &PageRequest) -> StoreResult<Page<Job>>;
    /// `list_jobs` without the total; a store whose count is a read of the listing leaves it out.
    async fn walk_jobs(&self, filter: &JobFilter, page: &PageRequest) -> StoreResult<Slice<Job>> {
        Ok(self.list_jobs(filter, page).await?.into())
    }
    async fn count_jobs(&self) -> StoreResult<JobCounts>;
    /// Whether the store answers, at a cost that does not grow with the data: what a health
    /// check asks on every call.
    async fn ping(&self) -> StoreResult<()>;
    /// Active (enabled, not paused) jobs whose next run is at or before `until`, earliest first.
    async fn due_jobs(&self, until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Job>>;
    /// The active job that fires next.
    async fn next_due_job(&self) -> StoreResult<Option<Job>>;
    /// Moves the next run time from `from` to `to` only if it is still `from`: this is how one
    /// fire time is claimed by exactly one scheduler. Returns whether it moved.
    async fn advance_next_run(&self, id: &JobId, from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> StoreResult<bool>;
    /// Records a finished run on the job without touching its definition or version.
    async fn record_run(&self, id: &JobId, status: ExecutionStatus, at: DateTime<Utc>) -> StoreResult<()>;
    /// Deletes every job's record at once and leaves its schedule and history to be removed in
    /// the background, for a store where removing them job by job can outlast a request
    /// (DynamoDB: the sweep function removes them). `None`, the default: the caller deletes job
    /// by job, each with its schedule and history.
    async fn release_all_jobs(&self) -> StoreResult<Option<ReleasedJobs>> {
        Ok(None)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecutionFilter {
    pub job_id: Option<JobId>,
    /// Runs in any of these; none means every status.
    pub statuses: Vec<ExecutionStatus>,
    pub kind: Option<RunKind>,
}

impl ExecutionFilter {
    pub fn of_job(job_id: JobId) -> Self {
        Self { job_id: Some(job_id), ..Self::default() }
    }

    pub fn with_status(status: ExecutionStatus) -> Self {
        Self { statuses: vec![status], ..Self::default() }
    }

    /// Whether `execution` is one the filter lists.
    pub fn matches(&self, execution: &Execution) -> bool {
        self.job_id.as_ref().is_none_or(|job| *job == execution.job_id)
            && (self.statuses.is_empty() || self.statuses.contains(&execution.status))
            && self.kind.is_none_or(|kind| kind == execution.kind)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StartOutcome {
    /// Recorded as running; the caller runs it.
    Started(Execution),
    /// Recorded as skipped because `max_instances` runs were already running.
    Skipped(Execution),
    /// This (job, scheduled time, attempt) already has an execution: nothing was written.
    Duplicate,
}

/// Access patterns: get by id; list newest first, all or per job, optionally by status; the
/// running count per job (the guard behind `max_instances`); pending retries; purge by age.
#[async_trait]
pub trait ExecutionStore: Send + Sync {
    /// Atomically: refuse a second execution for the same (job, scheduled time, attempt); record
    /// it as skipped when `max_instances` of the job's runs are running; otherwise as running.
    async fn start_execution(&self, execution: &Execution, max_instances: u32) -> StoreResult<StartOutcome>;
    /// Records a retry that waits for `not_before`; `Duplicate` rules as for `start_execution`.
    async fn insert_pending(&self, execution: &Execution) -> StoreResult<StartOutcome>;
    /// Records a run that never started (a skipped fire) in one write, finished as given; `false`
    /// when this (job, scheduled time, attempt) already has an execution.
    async fn insert_finished(&self, execution: &Execution) -> StoreResult<bool>;
    /// Starts a pending execution under the same guard as `start_execution`; `Duplicate` when
    /// it is no longer pending.
    async fn start_pending(&self, id: ExecutionId, max_instances: u32, now: DateTime<Utc>)
    -> StoreResult<StartOutcome>;
    /// Takes a dispatched run for one executor: `true` for the first `taker` to ask while the run
    /// is `running`, and again for that same taker (its own retried request); `false` for every
    /// other. Schedules and asynchronous invokes deliver at least once, so two deliveries of one
    /// dispatch must not run the task twice.
    async fn take_dispatched(&self, id: ExecutionId, taker: &str) -> StoreResult<bool>;
    /// Writes a finished run's status, times, result and output.
    async fn finish_execution(&self, execution: &Execution) -> StoreResult<()>;
    async fn update_progress(&self, id: ExecutionId, progress: Progress) -> StoreResult<()>;
    /// Asks a run to stop: a pending one is finished as cancelled at once; a running one is
    /// marked (`cancel_requested_at`, the first request's time) and stops at its next check; a
    /// finished one is left alone. Returns the run as it now stands, or `None` when there is none.
    async fn request_cancel(&self, id: ExecutionId, now: DateTime<Utc>) -> StoreResult<Option<Execution>>;
    /// Deletes one run's record; `false` when there was none.
    async fn delete_execution(&self, id: ExecutionId) -> StoreResult<bool>;
    async fn get_execution(&self, id: ExecutionId) -> StoreResult<Option<Execution>>;
    /// Newest first.
    async fn list_executions(&self, filter: &ExecutionFilter, page: &PageRequest) -> StoreResult<Page<Execution>>;
    /// `list_executions` without the total, as [`JobStore::walk_jobs`].
    async fn walk_executions(&self, filter: &ExecutionFilter, page: &PageRequest) -> StoreResult<Slice<Execution>> {
        Ok(self.list_executions(filter, page).await?.into())
    }
    async fn count_running(&self) -> StoreResult<u64>;
    async fn pending_executions(&self) -> StoreResult<Vec<Execution>>;
    /// Marks every running execution failed with `error`: what a process that restarts after a
    /// crash does with the runs it left behind. Returns their ids.
    async fn fail_running(&self, error: &str, now: DateTime<Utc>) -> StoreResult<Vec<ExecutionId>>;
    async fn delete_job_executions(&self, job_id: &JobId) -> StoreResult<u64>;
    /// What deleting a job does to its history: its pending and running runs go now, and its
    /// finished ones now or, where a history may be too long to delete within one request, in
    /// the background (DynamoDB: [`crate::adapters::aws::dynamo::DynamoStore::purge_deleted_histories`]).
    /// Returns how many runs went now.
    async fn release_job_history(&self, job_id: &JobId) -> StoreResult<u64> {
        self.delete_job_executions(job_id).await
    }
    /// Deletes finished executions that ended before the cutoff for their outcome.
    async fn purge_finished(&self, succeeded_before: DateTime<Utc>, failed_before: DateTime<Utc>) -> StoreResult<u64>;
    /// How many executions [`ExecutionStore::purge_finished`] would delete now, deleting none.
    async fn count_purgeable(&self, succeeded_before: DateTime<Utc>, failed_before: DateTime<Utc>) -> StoreResult<u64>;
}

/// Where the scheduler reads the time and waits for it, so that a test can move time instead of
/// sleeping through it.
#[async_trait]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Returns once `now()` has reached `at` (at once when it already has).
    async fn sleep_until(&self, at: DateTime<Utc>) {
        let wait = (at - self.now()).to_std().unwrap_or(std::time::Duration::ZERO);
        tokio::time::sleep(wait).await;
    }
}

/// The wall clock at millisecond precision: what every store keeps, so that a time read back
/// is the time that was written (an interval anchored at a finer instant would otherwise plan a
/// fire a fraction of a millisecond after the one just stored).
pub struct SystemClock;

/// How late tokio's timer may wake: it counts whole milliseconds and rounds a deadline up, and
/// the wait it hands the kernel is in whole milliseconds too.
const TIMER_SLACK: std::time::Duration = std::time::Duration::from_millis(2);

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        use chrono::DurationRound;
        let now = Utc::now();
        now.duration_trunc(chrono::Duration::milliseconds(1)).unwrap_or(now)
    }

    /// Wakes within a fraction of a millisecond of `at`, never before it: a scheduled script
    /// starts that much closer to its time. The timer covers all but its slack; a thread of the
    /// blocking pool sleeps the rest, to the kernel's precision.
    async fn sleep_until(&self, at: DateTime<Utc>) {
        let until_at = || (at - Utc::now()).to_std().ok();
        let Some(wait) = until_at() else { return };
        if wait > TIMER_SLACK {
            tokio::time::sleep(wait - TIMER_SLACK).await;
        }
        if let Some(rest) = until_at() {
            // A pool that cannot take the task any more only loses the precision.
            if tokio::task::spawn_blocking(move || std::thread::sleep(rest)).await.is_err() {
                tokio::time::sleep(rest).await;
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The backend cannot express this schedule (say, an interval under a minute).
    #[error("{0}")]
    Unsupported(String),
    #[error("trigger backend failure: {0}")]
    Backend(String),
}

/// Where schedules live and runs are dispatched: the in-process scheduler locally, EventBridge
/// Scheduler and the executor function on AWS.
#[async_trait]
pub trait TriggerBackend: Send + Sync {
    /// Creates or updates the job's schedule to match its definition (paused or disabled: off).
    async fn schedule(&self, job: &Job) -> Result<(), BackendError>;
    async fn unschedule(&self, id: &JobId) -> Result<(), BackendError>;
    /// Runs an execution that was already started (claimed) in the background.
    async fn dispatch(&self, job: Job, execution: Execution) -> Result<(), BackendError>;
}

/// What a task run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub status: ExecutionStatus,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub exit_code: Option<i32>,
    pub stdout_tail: Option<String>,
    pub stderr_tail: Option<String>,
    pub progress: Option<Progress>,
}

impl RunOutcome {
    pub fn failed(error: impl Into<String>) -> Self {
        Self {
            status: ExecutionStatus::Failed,
            result: None,
            error: Some(error.into()),
            exit_code: None,
            stdout_tail: None,
            stderr_tail: None,
            progress: None,
        }
    }
}

/// Runs one execution's task to its end, honouring the timeout and the cancellation token.
#[async_trait]
pub trait TaskRunner: Send + Sync {
    async fn run(
        &self,
        job: &Job,
        execution: &Execution,
        timeout: std::time::Duration,
        cancel: tokio_util::sync::CancellationToken,
    ) -> RunOutcome;
}

#[cfg(test)]
mod tests {
    use chrono::DurationRound;

    use super::{Clock, SystemClock};

    #[tokio::test]
    async fn the_system_clock_never_wakes_before_its_time() {
        for wait_ms in [0, 1, 3, 7] {
            let at = chrono::Utc::now() + chrono::Duration::milliseconds(wait_ms);
            SystemClock.sleep_until(at).await;
            let now = chrono::Utc::now();
            assert!(now >= at, "woke {} µs early", (at - now).num_microseconds().unwrap_or_default());
            let at_ms = at.duration_trunc(chrono::Duration::milliseconds(1)).expect("in range");
            assert!(SystemClock.now() >= at_ms, "the clock's own reading is not yet at the time");
        }
    }
}
