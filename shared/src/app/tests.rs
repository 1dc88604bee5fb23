//! The job record and its schedule never disagree for long: each second write is made to fail,
//! before it happens or after (its answer lost), and the two sides must agree afterwards.

use std::sync::Arc;

use chrono::Utc;

use super::{AppError, AppResult, InstanceInfo, JobService, RunRecords};
use crate::adapters::local::sqlite::SqliteStore;
use crate::domain::execution::{ExecutionStatus, TriggeredBy};
use crate::domain::ids::JobId;
use crate::domain::job::{Job, NewJob, Policies};
use crate::domain::principal::Principal;
use crate::domain::script_path::ScriptRoots;
use crate::domain::task::{ScriptLanguage, TaskSpec};
use crate::domain::trigger::Trigger;
use crate::ports::{ExecutionFilter, ExecutionStore, JobStore, PageRequest, SystemClock};
use crate::test_support::fakes::{FakeBackend, Fault, FlakyJobs};

struct Fixture {
    service: JobService,
    /// The table read back past `flaky_jobs`.
    jobs: Arc<SqliteStore>,
    flaky_jobs: Arc<FlakyJobs>,
    backend: Arc<FakeBackend>,
    _scripts: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let scripts = tempfile::tempdir().unwrap();
    std::fs::write(scripts.path().join("a.sh"), "exit 0\n").unwrap();
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let flaky_jobs = Arc::new(FlakyJobs::new(store.clone(), Arc::default()));
    let backend = Arc::new(FakeBackend::default());
    let clock = Arc::new(SystemClock);
    let records = RunRecords::new(store.clone(), store.clone(), clock.clone());
    let roots = Arc::new(ScriptRoots::new(vec![scripts.path().to_path_buf()]).unwrap());
    let instance = Arc::new(InstanceInfo::new("test".into(), Utc::now()));
    let service = JobService::new(flaky_jobs.clone(), store.clone(), backend.clone(), records, clock, roots, instance);
    Fixture { service, jobs: store, flaky_jobs, backend, _scripts: scripts }
}

impl Fixture {
    /// The record, after asserting that the schedule agrees with it: both absent, or a schedule
    /// of the record's trigger that is on exactly when the record is active.
    async fn agreeing(&self, id: &JobId) -> Option<Job> {
        let record = self.jobs.get_job(id).await.unwrap();
        let schedule = self.backend.schedule_of(id);
        let fires = |job: &Job| (job.trigger.clone(), job.is_active());
        assert_eq!(record.as_ref().map(fires), schedule.as_ref().map(fires), "{id}: the schedule (right) disagrees");
        record
    }
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

fn a() -> JobId {
    JobId::parse("a").unwrap()
}

#[tokio::test]
async fn a_create_whose_schedule_fails_stores_nothing() {
    let f = fixture();
    f.backend.fault.set(Fault::Fail);
    let err = f.service.create(new_job("a"), &admin(), false).await.unwrap_err();
    assert!(matches!(err, AppError::Internal(_)), "{err:?}");
    assert_eq!(f.agreeing(&a()).await, None);
}

#[tokio::test]
async fn a_create_whose_schedule_landed_but_failed_leaves_neither() {
    let f = fixture();
    f.backend.fault.set(Fault::Lose);
    let err = f.service.create(new_job("a"), &admin(), false).await.unwrap_err();
    assert!(matches!(err, AppError::Internal(_)), "{err:?}");
    assert_eq!(f.agreeing(&a()).await, None, "the schedule went with the record");
}

#[tokio::test]
async fn a_replace_whose_schedule_fails_keeps_the_old_job() {
    let f = fixture();
    let original = f.service.create(new_job("a"), &admin(), false).await.unwrap();
    let mut replacement = new_job("a");
    replacement.name = Some("replacement".into());
    replacement.trigger = Trigger::Interval { every_seconds: 600, anchor: Utc::now() };
    f.backend.fault.set(Fault::Fail);
    let err = f.service.create(replacement.clone(), &admin(), true).await.unwrap_err();
    assert!(matches!(err, AppError::Internal(_)), "{err:?}");
    let stored = f.agreeing(&a()).await.unwrap();
    assert_eq!(
        (stored.name.as_str(), &stored.trigger),
        (original.name.as_str(), &original.trigger),
        "the old job is back"
    );
    assert_eq!(stored.version, original.version + 2, "the put-back has a version of its own");
    f.backend.fault.set(Fault::Off);
    let replaced = f.service.create(replacement, &admin(), true).await.unwrap();
    assert_eq!(replaced.name, "replacement", "and it can still be replaced afterwards");
    f.agreeing(&a()).await;
}

#[tokio::test]
async fn a_replace_whose_schedule_landed_but_failed_keeps_the_old_job_on_both_sides() {
    let f = fixture();
    let original = f.service.create(new_job("a"), &admin(), false).await.unwrap();
    let mut replacement = new_job("a");
    replacement.trigger = Trigger::Interval { every_seconds: 600, anchor: Utc::now() };
    f.backend.fault.set(Fault::Lose);
    f.service.create(replacement, &admin(), true).await.unwrap_err();
    assert_eq!(f.agreeing(&a()).await.unwrap().trigger, original.trigger, "the old schedule is back");
}

#[tokio::test]
async fn an_update_whose_schedule_fails_is_undone() {
    let f = fixture();
    let created = f.service.create(new_job("a"), &admin(), false).await.unwrap();
    let rename = |job: &mut Job| -> AppResult<()> {
        job.name = "renamed".into();
        Ok(())
    };
    f.backend.fault.set(Fault::Fail);
    assert!(f.service.update(&a(), &admin(), rename).await.is_err());
    let stored = f.agreeing(&a()).await.unwrap();
    assert_eq!(stored.name, created.name, "the old definition is back");
    f.backend.fault.set(Fault::Off);
    let renamed = f.service.update(&a(), &admin(), rename).await.unwrap();
    assert_eq!(renamed.name, "renamed", "and it can still be changed afterwards");
}

/// The paused schedule landed; the record is put back active, so the schedule must be too.
#[tokio::test]
async fn a_pause_whose_schedule_landed_but_failed_is_undone_on_both_sides() {
    let f = fixture();
    f.service.create(new_job("a"), &admin(), false).await.unwrap();
    f.backend.fault.set(Fault::Lose);
    assert!(f.service.pause(&a(), &admin()).await.is_err());
    let stored = f.agreeing(&a()).await.unwrap();
    assert!(!stored.paused, "the record is back as it was");
}

#[tokio::test]
async fn a_delete_whose_unschedule_fails_keeps_the_job() {
    let f = fixture();
    f.service.create(new_job("a"), &admin(), false).await.unwrap();
    f.backend.fault.set(Fault::Fail);
    assert!(f.service.delete(&a()).await.is_err());
    assert!(f.agreeing(&a()).await.is_some(), "the record stays with its schedule");
    f.backend.fault.set(Fault::Off);
    f.service.delete(&a()).await.unwrap();
    assert_eq!(f.agreeing(&a()).await, None);
}

/// The schedule is gone but the record stays: the schedule must come back.
#[tokio::test]
async fn a_delete_whose_unschedule_landed_but_failed_keeps_both() {
    let f = fixture();
    f.service.create(new_job("a"), &admin(), false).await.unwrap();
    f.backend.fault.set(Fault::Lose);
    assert!(f.service.delete(&a()).await.is_err());
    assert!(f.agreeing(&a()).await.is_some(), "the record stays with its schedule");
}

#[tokio::test]
async fn a_delete_whose_record_delete_fails_puts_the_schedule_back() {
    let f = fixture();
    f.service.create(new_job("a"), &admin(), false).await.unwrap();
    f.flaky_jobs.delete_fault.set(Fault::Fail);
    assert!(f.service.delete(&a()).await.is_err());
    assert!(f.agreeing(&a()).await.is_some(), "the record stays with its schedule");
}

/// The record is gone although its delete reported failure: its schedule must not come back.
#[tokio::test]
async fn a_delete_whose_record_delete_landed_but_failed_leaves_neither() {
    let f = fixture();
    f.service.create(new_job("a"), &admin(), false).await.unwrap();
    f.flaky_jobs.delete_fault.set(Fault::Lose);
    assert!(f.service.delete(&a()).await.is_err());
    assert_eq!(f.agreeing(&a()).await, None);
}

/// A claimed run that never reached whatever runs it must not stay `running`, holding one of the
/// job's `maxInstances` slots until a lease lapses.
#[tokio::test]
async fn a_trigger_whose_dispatch_fails_leaves_a_failed_run_not_a_running_one() {
    let f = fixture();
    f.service.create(new_job("a"), &admin(), false).await.unwrap();
    f.backend.fault.set(Fault::Fail);
    let err = f.service.trigger(&a(), &admin(), TriggeredBy::Manual).await.unwrap_err();
    assert!(matches!(err, AppError::Internal(_)), "{err:?}");
    let filter = ExecutionFilter::of_job(a());
    let page = PageRequest { offset: 0, limit: 10, cursor: None };
    let runs = f.service.executions(&filter, &page).await.unwrap().items;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].status, ExecutionStatus::Failed);
    assert_eq!(runs[0].error.as_deref(), Some("could not be started: the trigger backend failed"));
    assert_eq!(f.jobs.count_running().await.unwrap(), 0);

    f.backend.fault.set(Fault::Off);
    let again = f.service.trigger(&a(), &admin(), TriggeredBy::Manual).await.unwrap();
    assert!(matches!(again, super::TriggerOutcome::Started(_)), "the slot is free again");
}

/// A run-once job is started before the call returns and is never put on a schedule: the
/// scheduler has nothing to fire again.
#[tokio::test]
async fn run_now_starts_the_run_and_schedules_nothing() {
    let f = fixture();
    let run = f.service.run_now(new_job("once"), &admin()).await.unwrap();
    let once = JobId::parse("once").unwrap();
    assert_eq!(
        (run.job_id.clone(), run.status, run.triggered_by),
        (once.clone(), ExecutionStatus::Running, TriggeredBy::Api)
    );
    let job = f.jobs.get_job(&once).await.unwrap().expect("the job is stored");
    assert!(matches!(job.trigger, Trigger::Now { .. }), "{:?}", job.trigger);
    assert_eq!(job.next_run_at, None);
    assert!(f.backend.schedule_of(&once).is_none());

    f.backend.fault.set(Fault::Fail);
    let err = f.service.run_now(new_job("twice"), &admin()).await.unwrap_err();
    assert!(matches!(err, AppError::Internal(_)), "{err:?}");
    let twice = JobId::parse("twice").unwrap();
    let filter = ExecutionFilter::of_job(twice);
    let page = PageRequest { offset: 0, limit: 10, cursor: None };
    let runs = f.service.executions(&filter, &page).await.unwrap().items;
    assert_eq!(
        runs.iter().map(|r| r.status).collect::<Vec<_>>(),
        [ExecutionStatus::Failed],
        "an undispatched run is failed"
    );
}
