//! Ports whose writes fail on command, in the two ways a remote write fails: before it happens,
//! or after it happened with its answer lost (a timeout, or the SDK's retry of a conditional write
//! meeting its own first attempt). A journal keeps the order of the writes on either side.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::domain::execution::{Execution, ExecutionStatus};
use crate::domain::ids::JobId;
use crate::domain::job::{Job, JobCounts, JobFilter};
use crate::ports::{
    BackendError, JobStore, Page, PageRequest, RunOutcome, Slice, StoreError, StoreResult, TaskRunner, TriggerBackend,
};

/// The text every injected failure starts with, so that a test can tell it from a real one.
pub const INJECTED: &str = "injected failure";

/// How a write goes wrong, if at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Fault {
    #[default]
    Off,
    /// Fails before anything is written.
    Fail,
    /// Writes, then fails as if the answer was lost.
    Lose,
}

/// One write's fault, switched by the test.
#[derive(Default)]
pub struct Switch(Mutex<Fault>);

impl Switch {
    pub fn set(&self, fault: Fault) {
        *self.0.lock().expect("fault switch") = fault;
    }

    pub fn get(&self) -> Fault {
        *self.0.lock().expect("fault switch")
    }

    /// Runs `write` as the switch says: as it is, not at all, or with its answer replaced.
    pub async fn apply<T, E>(
        &self,
        write: impl Future<Output = Result<T, E>>,
        failure: impl FnOnce() -> E,
    ) -> Result<T, E> {
        match self.get() {
            Fault::Off => write.await,
            Fault::Fail => Err(failure()),
            Fault::Lose => {
                write.await?;
                Err(failure())
            }
        }
    }
}

/// Every write on either side, in order, as `<side> <write> <job id>`, with ` FAILED` when it
/// was made to fail before the call and ` LOST` when after it.
#[derive(Default)]
pub struct Journal(Mutex<Vec<String>>);

impl Journal {
    /// Records the write and runs it as `switch` says.
    pub async fn write<T, E>(
        &self,
        entry: String,
        switch: &Switch,
        write: impl Future<Output = Result<T, E>>,
        failure: impl FnOnce() -> E,
    ) -> Result<T, E> {
        let suffix = match switch.get() {
            Fault::Off => "",
            Fault::Fail => " FAILED",
            Fault::Lose => " LOST",
        };
        self.0.lock().expect("journal").push(format!("{entry}{suffix}"));
        switch.apply(write, failure).await
    }

    /// The writes since the last call.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().expect("journal"))
    }
}

pub fn backend_failure(what: &str, id: &JobId) -> BackendError {
    BackendError::Backend(format!("{INJECTED}: {what} {id}"))
}

pub fn store_failure(what: &str, id: &JobId) -> StoreError {
    StoreError::Backend(format!("{INJECTED}: {what} {id}"))
}

/// A trigger backend that keeps each job as it was last scheduled; every write obeys `fault`.
#[derive(Default)]
pub struct FakeBackend {
    pub fault: Switch,
    schedules: Mutex<HashMap<JobId, Job>>,
}

impl FakeBackend {
    pub fn schedule_of(&self, id: &JobId) -> Option<Job> {
        self.schedules.lock().expect("schedules").get(id).cloned()
    }
}

#[async_trait]
impl TriggerBackend for FakeBackend {
    async fn schedule(&self, job: &Job) -> Result<(), BackendError> {
        let write = async {
            self.schedules.lock().expect("schedules").insert(job.id.clone(), job.clone());
            Ok(())
        };
        self.fault.apply(write, || backend_failure("schedule", &job.id)).await
    }

    async fn unschedule(&self, id: &JobId) -> Result<(), BackendError> {
        let write = async {
            self.schedules.lock().expect("schedules").remove(id);
            Ok(())
        };
        self.fault.apply(write, || backend_failure("unschedule", id)).await
    }

    async fn dispatch(&self, job: Job, _execution: Execution) -> Result<(), BackendError> {
        self.fault.apply(async { Ok(()) }, || backend_failure("dispatch", &job.id)).await
    }
}

/// A real trigger backend whose `schedule` (the upsert) and `unschedule` go wrong as their
/// switch says, each write journaled.
pub struct FlakyBackend {
    pub inner: Arc<dyn TriggerBackend>,
    pub journal: Arc<Journal>,
    pub schedule_fault: Switch,
    pub unschedule_fault: Switch,
}

impl FlakyBackend {
    pub fn new(inner: Arc<dyn TriggerBackend>, journal: Arc<Journal>) -> Self {
        Self { inner, journal, schedule_fault: Switch::default(), unschedule_fault: Switch::default() }
    }
}

#[async_trait]
impl TriggerBackend for FlakyBackend {
    async fn schedule(&self, job: &Job) -> Result<(), BackendError> {
        let entry = format!("scheduler put {}", job.id);
        let write = self.inner.schedule(job);
        self.journal.write(entry, &self.schedule_fault, write, || backend_failure("schedule", &job.id)).await
    }

    async fn unschedule(&self, id: &JobId) -> Result<(), BackendError> {
        let write = self.inner.unschedule(id);
        let failure = || backend_failure("unschedule", id);
        self.journal.write(format!("scheduler delete {id}"), &self.unschedule_fault, write, failure).await
    }

    async fn dispatch(&self, job: Job, execution: Execution) -> Result<(), BackendError> {
        self.inner.dispatch(job, execution).await
    }
}

/// A real job store whose insert, update and delete go wrong as their switch says, each write
/// journaled.
pub struct FlakyJobs {
    pub inner: Arc<dyn JobStore>,
    pub journal: Arc<Journal>,
    pub insert_fault: Switch,
    pub update_fault: Switch,
    pub delete_fault: Switch,
}

impl FlakyJobs {
    pub fn new(inner: Arc<dyn JobStore>, journal: Arc<Journal>) -> Self {
        Self {
            inner,
            journal,
            insert_fault: Switch::default(),
            update_fault: Switch::default(),
            delete_fault: Switch::default(),
        }
    }
}

#[async_trait]
impl JobStore for FlakyJobs {
    async fn insert_job(&self, job: &Job) -> StoreResult<()> {
        let entry = format!("store insert {}", job.id);
        let write = self.inner.insert_job(job);
        self.journal.write(entry, &self.insert_fault, write, || store_failure("insert", &job.id)).await
    }

    async fn get_job(&self, id: &JobId) -> StoreResult<Option<Job>> {
        self.inner.get_job(id).await
    }

    async fn update_job(&self, job: &Job, expected_version: u64) -> StoreResult<()> {
        let entry = format!("store update {}", job.id);
        let write = self.inner.update_job(job, expected_version);
        self.journal.write(entry, &self.update_fault, write, || store_failure("update", &job.id)).await
    }

    async fn delete_job(&self, id: &JobId) -> StoreResult<bool> {
        let write = self.inner.delete_job(id);
        self.journal
            .write(format!("store delete {id}"), &self.delete_fault, write, || store_failure("delete", id))
            .await
    }

    async fn list_jobs(&self, filter: &JobFilter, page: &PageRequest) -> StoreResult<Page<Job>> {
        self.inner.list_jobs(filter, page).await
    }

    async fn walk_jobs(&self, filter: &JobFilter, page: &PageRequest) -> StoreResult<Slice<Job>> {
        self.inner.walk_jobs(filter, page).await
    }

    async fn count_jobs(&self) -> StoreResult<JobCounts> {
        self.inner.count_jobs().await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
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

/// A task runner for tests about scheduling, where nothing may run.
pub struct NeverRuns;

#[async_trait]
impl TaskRunner for NeverRuns {
    async fn run(&self, _: &Job, _: &Execution, _: std::time::Duration, _: CancellationToken) -> RunOutcome {
        RunOutcome::failed("not run in these tests")
    }
}
