//! The job record and its schedule never disagree for long: each second write is made to fail
//! and the first must be undone.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::{AppError, Executor, InstanceInfo, JobService};
use crate::adapters::local::sqlite::SqliteStore;
use crate::domain::execution::Execution;
use crate::domain::ids::JobId;
use crate::domain::job::{Job, NewJob, Policies};
use crate::domain::principal::Principal;
use crate::domain::script_path::ScriptRoots;
use crate::domain::task::{ScriptLanguage, TaskSpec};
use crate::domain::trigger::Trigger;
use crate::ports::{BackendError, JobStore, RunOutcome, SystemClock, TaskRunner, TriggerBackend};

/// A trigger backend whose writes fail while `failing` is set.
#[derive(Default)]
struct FlakyBackend {
    failing: AtomicBool,
}

impl FlakyBackend {
    fn check(&self) -> Result<(), BackendError> {
        if self.failing.load(Ordering::SeqCst) { Err(BackendError::Backend("down".into())) } else { Ok(()) }
    }
}

#[async_trait]
impl TriggerBackend for FlakyBackend {
    async fn schedule(&self, _job: &Job) -> Result<(), BackendError> {
        self.check()
    }
    async fn unschedule(&self, _id: &JobId) -> Result<(), BackendError> {
        self.check()
    }
    async fn dispatch(&self, _job: Job, _execution: Execution) -> Result<(), BackendError> {
        self.check()
    }
}

struct NeverRuns;

#[async_trait]
impl TaskRunner for NeverRuns {
    async fn run(&self, _: &Job, _: &Execution, _: std::time::Duration, _: CancellationToken) -> RunOutcome {
        RunOutcome::failed("not run in these tests")
    }
}

struct Fixture {
    service: JobService,
    jobs: Arc<SqliteStore>,
    backend: Arc<FlakyBackend>,
    _scripts: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let scripts = tempfile::tempdir().unwrap();
    std::fs::write(scripts.path().join("a.sh"), "exit 0\n").unwrap();
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let backend = Arc::new(FlakyBackend::default());
    let clock = Arc::new(SystemClock);
    let executor = Executor::new(store.clone(), store.clone(), Arc::new(NeverRuns), clock.clone());
    let roots = Arc::new(ScriptRoots::new(vec![scripts.path().to_path_buf()]).unwrap());
    let instance = Arc::new(InstanceInfo::new("test".into(), Utc::now()));
    let service = JobService::new(store.clone(), store.clone(), backend.clone(), executor, clock, roots, instance);
    Fixture { service, jobs: store, backend, _scripts: scripts }
}

fn new_job(id: &str) -> NewJob {
    NewJob {
        id: Some(JobId::parse(id).unwrap()),
        name: None,
        description: None,
        task: TaskSpec::script(ScriptLanguage::Bash, "a.sh".into(), vec![]).unwrap(),
        trigger: Trigger::Interval { every_seconds: 3600, anchor: Utc::now() },
        policies: Policies::default(),
        enabled: true,
        paused: false,
    }
}

fn admin() -> Principal {
    Principal::anonymous_admin()
}

#[tokio::test]
async fn a_create_whose_schedule_fails_stores_nothing() {
    let f = fixture();
    f.backend.failing.store(true, Ordering::SeqCst);
    let err = f.service.create(new_job("a"), &admin(), false).await.unwrap_err();
    assert!(matches!(err, AppError::Internal(_)), "{err:?}");
    assert_eq!(f.jobs.get_job(&JobId::parse("a").unwrap()).await.unwrap(), None);
}

#[tokio::test]
async fn a_replace_whose_schedule_fails_keeps_the_old_job() {
    let f = fixture();
    let id = JobId::parse("a").unwrap();
    let original = f.service.create(new_job("a"), &admin(), false).await.unwrap();
    let mut replacement = new_job("a");
    replacement.name = Some("replacement".into());
    replacement.trigger = Trigger::Interval { every_seconds: 600, anchor: Utc::now() };
    f.backend.failing.store(true, Ordering::SeqCst);
    let err = f.service.create(replacement.clone(), &admin(), true).await.unwrap_err();
    assert!(matches!(err, AppError::Internal(_)), "{err:?}");
    let stored = f.jobs.get_job(&id).await.unwrap().unwrap();
    assert_eq!(
        (stored.name.as_str(), &stored.trigger),
        (original.name.as_str(), &original.trigger),
        "the old job is back"
    );
    assert_eq!(stored.version, original.version + 2, "the put-back has a version of its own");
    f.backend.failing.store(false, Ordering::SeqCst);
    let replaced = f.service.create(replacement, &admin(), true).await.unwrap();
    assert_eq!(replaced.name, "replacement", "and it can still be replaced afterwards");
}

#[tokio::test]
async fn an_update_whose_schedule_fails_is_undone() {
    let f = fixture();
    let id = JobId::parse("a").unwrap();
    let created = f.service.create(new_job("a"), &admin(), false).await.unwrap();
    f.backend.failing.store(true, Ordering::SeqCst);
    let result = f
        .service
        .update(&id, &admin(), |job| {
            job.name = "renamed".into();
            Ok(())
        })
        .await;
    assert!(result.is_err());
    let stored = f.jobs.get_job(&id).await.unwrap().unwrap();
    assert_eq!(stored.name, created.name, "the old definition is back");
    f.backend.failing.store(false, Ordering::SeqCst);
    let renamed = f
        .service
        .update(&id, &admin(), |job| {
            job.name = "renamed".into();
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(renamed.name, "renamed", "and it can still be changed afterwards");
}

#[tokio::test]
async fn a_delete_whose_unschedule_fails_keeps_the_job() {
    let f = fixture();
    let id = JobId::parse("a").unwrap();
    f.service.create(new_job("a"), &admin(), false).await.unwrap();
    f.backend.failing.store(true, Ordering::SeqCst);
    assert!(f.service.delete(&id).await.is_err());
    assert!(f.jobs.get_job(&id).await.unwrap().is_some(), "the record stays with its schedule");
    f.backend.failing.store(false, Ordering::SeqCst);
    f.service.delete(&id).await.unwrap();
    assert_eq!(f.jobs.get_job(&id).await.unwrap(), None);
}
