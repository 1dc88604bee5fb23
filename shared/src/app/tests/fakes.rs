//! Fakes whose writes can fail before they happen, or happen and then report failure (the
//! answer was lost, as when a timeout follows a write AWS applied).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::adapters::local::sqlite::SqliteStore;
use crate::domain::execution::{Execution, ExecutionStatus};
use crate::domain::ids::JobId;
use crate::domain::job::{Job, JobCounts, JobFilter};
use crate::ports::{
    BackendError, JobStore, Page, PageRequest, RunOutcome, StoreError, StoreResult, TaskRunner, TriggerBackend,
};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Fault {
    #[default]
    Off,
    /// The write fails before anything is written.
    Fail,
    /// The write is applied, then reports failure.
    Lose,
}

#[derive(Default)]
pub struct Switch(Mutex<Fault>);

impl Switch {
    pub fn set(&self, fault: Fault) {
        *self.0.lock().unwrap() = fault;
    }

    /// Runs `write` as the switch says: as it is, not at all, or with its answer replaced.
    async fn apply<T, E>(
        &self,
        write: impl Future<Output = Result<T, E>>,
        failure: impl FnOnce() -> E,
    ) -> Result<T, E> {
        let fault = *self.0.lock().unwrap();
        match fault {
            Fault::Off => write.await,
            Fault::Fail => Err(failure()),
            Fault::Lose => {
                write.await?;
                Err(failure())
            }
        }
    }
}

fn down() -> BackendError {
    BackendError::Backend("down".into())
}

/// A trigger backend that keeps each job as it was last scheduled; every write obeys `fault`.
#[derive(Default)]
pub struct FakeBackend {
    pub fault: Switch,
    schedules: Mutex<HashMap<JobId, Job>>,
}

impl FakeBackend {
    pub fn schedule_of(&self, id: &JobId) -> Option<Job> {
        self.schedules.lock().unwrap().get(id).cloned()
    }
}

#[async_trait]
impl TriggerBackend for FakeBackend {
    async fn schedule(&self, job: &Job) -> Result<(), BackendError> {
        let write = async {
            self.schedules.lock().unwrap().insert(job.id.clone(), job.clone());
            Ok(())
        };
        self.fault.apply(write, down).await
    }

    async fn unschedule(&self, id: &JobId) -> Result<(), BackendError> {
        let write = async {
            self.schedules.lock().unwrap().remove(id);
            Ok(())
        };
        self.fault.apply(write, down).await
    }

    async fn dispatch(&self, _job: Job, _execution: Execution) -> Result<(), BackendError> {
        self.fault.apply(async { Ok(()) }, down).await
    }
}

/// The SQLite store with a job's delete obeying `delete_fault`.
pub struct FlakyJobs {
    pub inner: Arc<SqliteStore>,
    pub delete_fault: Switch,
}

#[async_trait]
impl JobStore for FlakyJobs {
    async fn insert_job(&self, job: &Job) -> StoreResult<()> {
        self.inner.insert_job(job).await
    }

    async fn get_job(&self, id: &JobId) -> StoreResult<Option<Job>> {
        self.inner.get_job(id).await
    }

    async fn update_job(&self, job: &Job, expected_version: u64) -> StoreResult<()> {
        self.inner.update_job(job, expected_version).await
    }

    async fn delete_job(&self, id: &JobId) -> StoreResult<bool> {
        self.delete_fault.apply(self.inner.delete_job(id), || StoreError::Backend("down".into())).await
    }

    async fn list_jobs(&self, filter: &JobFilter, page: &PageRequest) -> StoreResult<Page<Job>> {
        self.inner.list_jobs(filter, page).await
    }

    async fn count_jobs(&self) -> StoreResult<JobCounts> {
        self.inner.count_jobs().await
    }

    async fn due_jobs(&self, until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Job>> {
        self.inner.due_jobs(until, limit).await
    }

    async fn next_due_job(&self) -> StoreResult<Option<Job>> {
        self.inner.next_due_job().await
    }

    async fn advance_next_run(&self, id: &JobId, from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> StoreResult<bool> {
        self.inner.advance_next_run(id, from, to).await
    }

    async fn record_run(&self, id: &JobId, status: ExecutionStatus, at: DateTime<Utc>) -> StoreResult<()> {
        self.inner.record_run(id, status, at).await
    }
}

pub struct NeverRuns;

#[async_trait]
impl TaskRunner for NeverRuns {
    async fn run(&self, _: &Job, _: &Execution, _: std::time::Duration, _: CancellationToken) -> RunOutcome {
        RunOutcome::failed("not run in these tests")
    }
}
