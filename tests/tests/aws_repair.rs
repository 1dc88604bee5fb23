//! The job record and its schedule never disagree for long, over the real AWS adapters:
//! `JobService` wired as `AwsApp` wires it, on `DynamoStore` and `EventBridgeScheduler` against
//! moto, with the second write of each operation made to fail.
//!
//! What the service promises (`shared/src/app/jobs.rs`): create, replace and every change
//! (update, pause, resume, enable, disable) write the record first and the schedule second, and
//! when the schedule cannot be written the record is deleted again or put back as it was. Delete
//! removes the schedule first and the record second. Every repair ends by reading the record back
//! and putting or deleting its schedule to match. The caller gets the failed write's error. So
//! after every failure here, the record read from the table and the schedule read from the group
//! through the SDK agree: both absent, or a schedule with the expression, zone and input the
//! record asks for, ENABLED exactly when the record is enabled and not paused. A failing first
//! write leaves the other side alone.
//!
//! Failures are injected by decorators around the real adapters, in two ways (`Fault`): before
//! the call reaches AWS, so the failed write did not happen; or after AWS applied it, so it
//! happened and only its answer was lost (a timeout, or the SDK's retry of a conditional write
//! meeting its own first attempt). A journal of every write on either side shows the order.

use std::sync::Arc;

use aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput;
use aws_sdk_scheduler::types::{ActionAfterCompletion, ScheduleState};
use chrono::{DateTime, Utc};
use jobsmith::adapters::aws::dynamo::aws_sdk_dynamodb;
use jobsmith::adapters::aws::dynamo::{DynamoStore, Retention, create_table};
use jobsmith::adapters::aws::scheduler::{
    EventBridgeScheduler, JobSchedule, UNSUPPORTED_INTERVAL, job_schedule, schedule_name,
};
use jobsmith::app::{AppError, InstanceInfo, JobService, RunRecords};
use jobsmith::domain::ids::JobId;
use jobsmith::domain::job::Job;
use jobsmith::domain::script_path::ScriptRoots;
use jobsmith::domain::trigger::Trigger;
use jobsmith::ports::{Clock, ExecutionStore, JobStore, SystemClock};
use jobsmith::test_support::aws::scheduler_target;
use jobsmith::test_support::fakes::{Fault, FlakyBackend, FlakyJobs, INJECTED, Journal};
use jobsmith::test_support::fixtures::{admin, cleanup_job as new_job, cron, job_id as id};
use jobsmith_tests::moto::MotoServer;

const TABLE: &str = "jobsmith-repair";
const GROUP: &str = "jobsmith-repair";

struct Harness {
    _moto: MotoServer,
    /// The group read back through the SDK, past both decorators.
    schedules: aws_sdk_scheduler::Client,
    /// The table read back directly, past the decorator.
    store: Arc<DynamoStore>,
    jobs: Arc<FlakyJobs>,
    scheduler: Arc<FlakyBackend>,
    journal: Arc<Journal>,
    service: JobService,
}

/// A moto of its own with a table and a schedule group, and the service wired as
/// `AwsApp::build` wires it, with the two decorators between it and the adapters.
async fn harness() -> Harness {
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
    create_table(&dynamo, TABLE).await.expect("create the table");
    let schedules = aws_sdk_scheduler::Client::new(&sdk);
    jobsmith::test_support::aws::create_schedule_groups(&schedules, GROUP).await;
    let journal = Arc::new(Journal::default());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = Arc::new(DynamoStore::new(dynamo, TABLE, Retention::default()));
    let jobs = Arc::new(FlakyJobs::new(store.clone(), journal.clone()));
    let executions: Arc<dyn ExecutionStore> = store.clone();
    let adapter = EventBridgeScheduler::new(schedules.clone(), scheduler_target(GROUP));
    let scheduler = Arc::new(FlakyBackend::new(Arc::new(adapter), journal.clone()));
    let roots = Arc::new(ScriptRoots::new(Vec::new()).expect("no script roots"));
    let records = RunRecords::new(jobs.clone(), executions.clone(), clock.clone());
    let instance = Arc::new(InstanceInfo::new("aws-repair".to_owned(), clock.now()));
    let service = JobService::new(jobs.clone(), executions, scheduler.clone(), records, clock, roots, instance);
    Harness { _moto: moto, schedules, store, jobs, scheduler, journal, service }
}

/// Both sides of one job as read back after an operation.
struct Sides {
    record: Option<Job>,
    schedule: Option<GetScheduleOutput>,
}

impl Sides {
    fn record(&self) -> &Job {
        self.record.as_ref().expect("the record")
    }

    fn schedule(&self) -> &GetScheduleOutput {
        self.schedule.as_ref().expect("the schedule")
    }

    fn state(&self) -> &ScheduleState {
        self.schedule().state().expect("a state")
    }

    fn expression(&self) -> &str {
        self.schedule().schedule_expression().expect("an expression")
    }

    fn is_empty(&self) -> bool {
        self.record.is_none() && self.schedule.is_none()
    }
}

impl Harness {
    async fn schedule_of(&self, id: &JobId) -> Option<GetScheduleOutput> {
        let name = schedule_name(id);
        match self.schedules.get_schedule().group_name(GROUP).name(&name).send().await {
            Ok(output) => Some(output),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => None,
            Err(err) => panic!("get_schedule {name}: {err:?}"),
        }
    }

    /// Reads the record from the table and the schedule from the group, and asserts that they
    /// agree: both absent, or the schedule the adapter derives from the record.
    async fn agreeing(&self, id: &JobId) -> Sides {
        let record = self.store.get_job(id).await.expect("read the record");
        let schedule = self.schedule_of(id).await;
        let wanted = match &record {
            None => None,
            Some(job) => match job_schedule(job, Utc::now()).expect("the stored job is schedulable") {
                JobSchedule::Put(spec) => Some(spec),
                JobSchedule::Remove => None,
            },
        };
        match (&wanted, &schedule) {
            (None, None) => {}
            (None, Some(schedule)) => panic!("{id}: a schedule the record does not want: {schedule:?}, {record:?}"),
            (Some(spec), None) => panic!("{id}: the record wants {spec:?} but there is no schedule"),
            (Some(spec), Some(schedule)) => {
                let job = record.as_ref().expect("a record wants it");
                let state = if spec.enabled { ScheduleState::Enabled } else { ScheduleState::Disabled };
                let context = format!("{id}: record enabled {} paused {}", job.enabled, job.paused);
                assert_eq!(spec.enabled, job.is_active(), "{context}");
                assert_eq!(schedule.state(), Some(&state), "{context}");
                assert_eq!(schedule.schedule_expression(), Some(spec.expression.as_str()), "{context}");
                assert_eq!(schedule.schedule_expression_timezone(), Some(spec.timezone.as_str()), "{context}");
                assert_eq!(schedule.target().and_then(|t| t.input()), Some(spec.input.as_str()), "{context}");
                let after = if spec.delete_after_completion {
                    ActionAfterCompletion::Delete
                } else {
                    ActionAfterCompletion::None
                };
                assert_eq!(schedule.action_after_completion(), Some(&after), "{context}");
            }
        }
        Sides { record, schedule }
    }

    async fn create(&self, id: &str, trigger: Trigger) -> Job {
        let job = self.service.create(new_job(id, trigger), &admin(), false).await.expect("create");
        self.journal.take();
        job
    }
}

fn hourly() -> Trigger {
    Trigger::Interval { every_seconds: 3_600, anchor: Utc::now() }
}

fn at(time: &str) -> Trigger {
    Trigger::date(time.parse::<DateTime<Utc>>().expect("time"))
}

/// The injected failure came back as the service's error for a failed backend or store write:
/// `Internal`, carrying that failure's text (not one from a repair).
fn assert_injected(err: AppError, what: &str) {
    match err {
        AppError::Internal(text) => assert_eq!(text, format!("{INJECTED}: {what}")),
        other => panic!("expected Internal({INJECTED}: {what}), got {other:?}"),
    }
}

/// A change whose schedule failed before the call: the record is put back, and the schedule put
/// to match it fails again (nothing to repair: the failed put did not happen).
const UNDONE_CHANGE: [&str; 4] =
    ["store update sync", "scheduler put sync FAILED", "store update sync", "scheduler put sync FAILED"];

fn journal(entries: &[&str]) -> Vec<String> {
    entries.iter().map(|e| (*e).to_owned()).collect()
}

#[tokio::test]
async fn a_create_whose_schedule_fails_leaves_neither() {
    let h = harness().await;
    h.scheduler.schedule_fault.set(Fault::Fail);
    let err = h.service.create(new_job("nightly", cron("0 2 * * ? *", "Europe/Berlin")), &admin(), false).await;
    assert_injected(err.expect_err("the schedule failed"), "schedule nightly");
    assert_eq!(
        h.journal.take(),
        journal(&[
            "store insert nightly",
            "scheduler put nightly FAILED",
            "store delete nightly",
            "scheduler delete nightly",
        ])
    );
    assert!(h.agreeing(&id("nightly")).await.is_empty(), "the record went with its schedule");

    h.scheduler.schedule_fault.set(Fault::Off);
    h.service.create(new_job("nightly", cron("0 2 * * ? *", "Europe/Berlin")), &admin(), false).await.expect("again");
    let sides = h.agreeing(&id("nightly")).await;
    assert_eq!(sides.expression(), "cron(0 2 * * ? *)");
    assert_eq!(sides.state(), &ScheduleState::Enabled);
}

#[tokio::test]
async fn a_create_eventbridge_cannot_express_leaves_neither() {
    let h = harness().await;
    let trigger = Trigger::Interval { every_seconds: 90, anchor: Utc::now() };
    match h.service.create(new_job("ninety", trigger), &admin(), false).await {
        Err(AppError::Invalid { field, message }) => {
            assert_eq!((field.as_str(), message.as_str()), ("trigger", UNSUPPORTED_INTERVAL));
        }
        other => panic!("expected Invalid trigger, got {other:?}"),
    }
    assert_eq!(
        h.journal.take(),
        journal(&["store insert ninety", "scheduler put ninety", "store delete ninety", "scheduler delete ninety"])
    );
    assert!(h.agreeing(&id("ninety")).await.is_empty());
}

/// `POST /api/schedule-job` with `replace_existing`: the old job was paused at one time, the
/// replacement is active at another; a half-done replace would leave an active record over a
/// disabled schedule for the old time.
#[tokio::test]
async fn a_replace_whose_schedule_fails_keeps_the_old_job() {
    let h = harness().await;
    let report = id("report");
    let created = h.create("report", at("2099-06-01T08:30:15Z")).await;
    h.service.pause(&report, &admin()).await.expect("pause");
    h.journal.take();

    h.scheduler.schedule_fault.set(Fault::Fail);
    let err = h.service.create(new_job("report", at("2099-07-01T00:00:00Z")), &admin(), true).await;
    assert_injected(err.expect_err("the schedule failed"), "schedule report");
    assert_eq!(
        h.journal.take(),
        journal(&[
            "store insert report",
            "store update report",
            "scheduler put report FAILED",
            "store update report",
            "scheduler put report FAILED",
        ])
    );
    let sides = h.agreeing(&report).await;
    assert_eq!(sides.record().trigger, created.trigger, "the old job is back");
    assert!(sides.record().paused);
    assert_eq!(sides.record().version, created.version + 3, "pause, replace, put back");
    assert_eq!(sides.expression(), "at(2099-06-01T08:30:15)");
    assert_eq!(sides.state(), &ScheduleState::Disabled);

    h.scheduler.schedule_fault.set(Fault::Off);
    h.service.create(new_job("report", at("2099-07-01T00:00:00Z")), &admin(), true).await.expect("replace");
    let sides = h.agreeing(&report).await;
    assert_eq!(sides.expression(), "at(2099-07-01T00:00:00)");
    assert_eq!(sides.state(), &ScheduleState::Enabled);
}

#[tokio::test]
async fn an_update_whose_schedule_fails_is_undone() {
    let h = harness().await;
    let sync = id("sync");
    let created = h.create("sync", hourly()).await;
    let change = |job: &mut Job| {
        job.name = "renamed".to_owned();
        job.trigger = cron("0 9 ? * MON-FRI *", "America/New_York");
        Ok(())
    };

    h.scheduler.schedule_fault.set(Fault::Fail);
    let err = h.service.update(&sync, &admin(), change).await;
    assert_injected(err.expect_err("the schedule failed"), "schedule sync");
    assert_eq!(h.journal.take(), journal(&UNDONE_CHANGE));
    let sides = h.agreeing(&sync).await;
    assert_eq!(
        (sides.record().name.as_str(), &sides.record().trigger, sides.record().next_run_at),
        (created.name.as_str(), &created.trigger, created.next_run_at),
        "the old definition is back"
    );
    assert_eq!(sides.record().version, created.version + 2);
    assert_eq!(sides.expression(), "rate(1 hour)");
    assert_eq!(sides.schedule().schedule_expression_timezone(), Some("UTC"));

    h.scheduler.schedule_fault.set(Fault::Off);
    let updated = h.service.update(&sync, &admin(), change).await.expect("and it can still be changed");
    assert_eq!(updated.name, "renamed");
    let sides = h.agreeing(&sync).await;
    assert_eq!(sides.expression(), "cron(0 9 ? * MON-FRI *)");
    assert_eq!(sides.schedule().schedule_expression_timezone(), Some("America/New_York"));
}

/// The adapter itself refuses the new schedule (not a whole number of minutes): the same repair.
#[tokio::test]
async fn an_update_eventbridge_cannot_express_is_undone() {
    let h = harness().await;
    let sync = id("sync");
    let created = h.create("sync", hourly()).await;
    let err = h
        .service
        .update(&sync, &admin(), |job| {
            job.trigger = Trigger::Interval { every_seconds: 90, anchor: Utc::now() };
            Ok(())
        })
        .await;
    match err {
        Err(AppError::Invalid { field, message }) => {
            assert_eq!((field.as_str(), message.as_str()), ("trigger", UNSUPPORTED_INTERVAL));
        }
        other => panic!("expected Invalid trigger, got {other:?}"),
    }
    let sides = h.agreeing(&sync).await;
    assert_eq!(sides.record().trigger, created.trigger);
    assert_eq!(sides.expression(), "rate(1 hour)");
}

#[tokio::test]
async fn a_pause_whose_schedule_fails_is_undone() {
    let h = harness().await;
    let sync = id("sync");
    h.create("sync", hourly()).await;

    h.scheduler.schedule_fault.set(Fault::Fail);
    assert_injected(h.service.pause(&sync, &admin()).await.expect_err("the schedule failed"), "schedule sync");
    assert_eq!(h.journal.take(), journal(&UNDONE_CHANGE));
    let sides = h.agreeing(&sync).await;
    assert!(!sides.record().paused);
    assert_eq!(sides.state(), &ScheduleState::Enabled);

    h.scheduler.schedule_fault.set(Fault::Off);
    h.service.pause(&sync, &admin()).await.expect("pause");
    let sides = h.agreeing(&sync).await;
    assert!(sides.record().paused);
    assert_eq!(sides.state(), &ScheduleState::Disabled);
}

#[tokio::test]
async fn a_resume_whose_schedule_fails_is_undone() {
    let h = harness().await;
    let sync = id("sync");
    h.create("sync", hourly()).await;
    let paused = h.service.pause(&sync, &admin()).await.expect("pause");
    h.journal.take();

    h.scheduler.schedule_fault.set(Fault::Fail);
    assert_injected(h.service.resume(&sync, &admin()).await.expect_err("the schedule failed"), "schedule sync");
    assert_eq!(h.journal.take(), journal(&UNDONE_CHANGE));
    let sides = h.agreeing(&sync).await;
    assert!(sides.record().paused);
    assert_eq!(sides.record().next_run_at, paused.next_run_at, "resuming planned afresh; that is undone too");
    assert_eq!(sides.state(), &ScheduleState::Disabled);

    h.scheduler.schedule_fault.set(Fault::Off);
    h.service.resume(&sync, &admin()).await.expect("resume");
    let sides = h.agreeing(&sync).await;
    assert!(!sides.record().paused);
    assert_eq!(sides.state(), &ScheduleState::Enabled);
}

/// `PUT /api/v1/scheduler/jobs/{id}/status` both ways.
#[tokio::test]
async fn disable_and_enable_whose_schedule_fails_are_undone() {
    let h = harness().await;
    let sync = id("sync");
    h.create("sync", cron("*/15 * * * ? *", "UTC")).await;

    h.scheduler.schedule_fault.set(Fault::Fail);
    let err = h.service.set_enabled(&sync, false, &admin()).await.expect_err("the schedule failed");
    assert_injected(err, "schedule sync");
    let sides = h.agreeing(&sync).await;
    assert!(sides.record().enabled);
    assert_eq!(sides.state(), &ScheduleState::Enabled);

    h.scheduler.schedule_fault.set(Fault::Off);
    h.service.set_enabled(&sync, false, &admin()).await.expect("disable");
    assert_eq!(h.agreeing(&sync).await.state(), &ScheduleState::Disabled);

    h.scheduler.schedule_fault.set(Fault::Fail);
    let err = h.service.set_enabled(&sync, true, &admin()).await.expect_err("the schedule failed");
    assert_injected(err, "schedule sync");
    let sides = h.agreeing(&sync).await;
    assert!(!sides.record().enabled);
    assert_eq!(sides.state(), &ScheduleState::Disabled);

    h.scheduler.schedule_fault.set(Fault::Off);
    h.service.set_enabled(&sync, true, &admin()).await.expect("enable");
    assert_eq!(h.agreeing(&sync).await.state(), &ScheduleState::Enabled);
}

#[tokio::test]
async fn a_delete_whose_unschedule_fails_keeps_both() {
    let h = harness().await;
    let nightly = id("nightly");
    h.create("nightly", cron("0 2 * * ? *", "Europe/Berlin")).await;

    h.scheduler.unschedule_fault.set(Fault::Fail);
    assert_injected(h.service.delete(&nightly).await.expect_err("the unschedule failed"), "unschedule nightly");
    assert_eq!(
        h.journal.take(),
        journal(&["scheduler delete nightly FAILED", "scheduler put nightly"]),
        "the record is not touched"
    );
    let sides = h.agreeing(&nightly).await;
    assert!(sides.record.is_some());
    assert_eq!(sides.state(), &ScheduleState::Enabled);

    h.scheduler.unschedule_fault.set(Fault::Off);
    h.service.delete(&nightly).await.expect("delete");
    assert!(h.agreeing(&nightly).await.is_empty());
}

/// Delete is the one operation whose store write comes second: the schedule it removed first
/// is put back as it was, paused, zoned or one-off.
#[tokio::test]
async fn a_delete_whose_record_delete_fails_puts_the_schedule_back() {
    let h = harness().await;
    let weekly = id("weekly");
    let once = id("once");
    h.create("weekly", cron("30 6 ? * MON *", "Asia/Tokyo")).await;
    h.service.pause(&weekly, &admin()).await.expect("pause");
    h.create("once", at("2099-06-01T08:30:15Z")).await;

    h.jobs.delete_fault.set(Fault::Fail);
    assert_injected(h.service.delete(&weekly).await.expect_err("the record delete failed"), "delete weekly");
    assert_injected(h.service.delete(&once).await.expect_err("the record delete failed"), "delete once");
    assert_eq!(
        h.journal.take(),
        journal(&[
            "scheduler delete weekly",
            "store delete weekly FAILED",
            "scheduler put weekly",
            "scheduler delete once",
            "store delete once FAILED",
            "scheduler put once",
        ])
    );
    let sides = h.agreeing(&weekly).await;
    assert!(sides.record().paused);
    assert_eq!(sides.expression(), "cron(30 6 ? * MON *)");
    assert_eq!(sides.schedule().schedule_expression_timezone(), Some("Asia/Tokyo"));
    assert_eq!(sides.state(), &ScheduleState::Disabled);
    let sides = h.agreeing(&once).await;
    assert_eq!(sides.expression(), "at(2099-06-01T08:30:15)");
    assert_eq!(sides.state(), &ScheduleState::Enabled);
    assert_eq!(sides.schedule().action_after_completion(), Some(&ActionAfterCompletion::Delete));

    h.jobs.delete_fault.set(Fault::Off);
    h.service.delete(&weekly).await.expect("delete");
    h.service.delete(&once).await.expect("delete");
    assert!(h.agreeing(&weekly).await.is_empty());
    assert!(h.agreeing(&once).await.is_empty());
}

/// `DELETE /api/jobs/all` deletes job by job; the ones that fail stay whole and are reported.
#[tokio::test]
async fn delete_all_keeps_every_job_it_could_not_delete_whole() {
    let h = harness().await;
    h.create("a", hourly()).await;
    h.create("b", cron("0 2 * * ? *", "UTC")).await;

    h.jobs.delete_fault.set(Fault::Fail);
    let report = h.service.delete_all().await.expect("delete all");
    assert_eq!(report.deleted, 0);
    let failed: Vec<&str> = report.errors.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(failed, ["a", "b"]);
    for job in ["a", "b"] {
        let sides = h.agreeing(&id(job)).await;
        assert_eq!(sides.state(), &ScheduleState::Enabled, "{job}");
    }

    h.jobs.delete_fault.set(Fault::Off);
    h.scheduler.unschedule_fault.set(Fault::Fail);
    let report = h.service.delete_all().await.expect("delete all");
    assert_eq!((report.deleted, report.errors.len()), (0, 2));
    for job in ["a", "b"] {
        assert_eq!(h.agreeing(&id(job)).await.state(), &ScheduleState::Enabled, "{job}");
    }

    h.scheduler.unschedule_fault.set(Fault::Off);
    let report = h.service.delete_all().await.expect("delete all");
    assert_eq!((report.deleted, report.errors.len()), (2, 0));
    for job in ["a", "b"] {
        assert!(h.agreeing(&id(job)).await.is_empty(), "{job}");
    }
}

/// Where the record goes first, a failing record write stops the operation before the
/// scheduler is called at all.
#[tokio::test]
async fn a_failing_first_write_leaves_the_schedule_alone() {
    let h = harness().await;
    let sync = id("sync");

    h.jobs.insert_fault.set(Fault::Fail);
    let err = h.service.create(new_job("sync", hourly()), &admin(), false).await.expect_err("the insert failed");
    assert_injected(err, "insert sync");
    assert_eq!(h.journal.take(), journal(&["store insert sync FAILED"]));
    assert!(h.agreeing(&sync).await.is_empty());

    h.jobs.insert_fault.set(Fault::Off);
    h.create("sync", hourly()).await;
    h.jobs.update_fault.set(Fault::Fail);
    assert_injected(h.service.pause(&sync, &admin()).await.expect_err("the update failed"), "update sync");
    assert_eq!(h.journal.take(), journal(&["store update sync FAILED"]));
    let sides = h.agreeing(&sync).await;
    assert!(!sides.record().paused);
    assert_eq!(sides.state(), &ScheduleState::Enabled);
}

/// The schedule was created and its answer lost: the record is deleted again, and so is the
/// schedule, or it would fire for a job that does not exist.
#[tokio::test]
async fn a_create_whose_schedule_landed_but_was_lost_leaves_neither() {
    let h = harness().await;
    h.scheduler.schedule_fault.set(Fault::Lose);
    let err = h.service.create(new_job("nightly", cron("0 2 * * ? *", "Europe/Berlin")), &admin(), false).await;
    assert_injected(err.expect_err("the schedule failed"), "schedule nightly");
    assert!(h.agreeing(&id("nightly")).await.is_empty(), "the schedule went with the record");
    assert_eq!(
        h.journal.take(),
        journal(&[
            "store insert nightly",
            "scheduler put nightly LOST",
            "store delete nightly",
            "scheduler delete nightly",
        ])
    );
}

/// The schedule was disabled and its answer lost: the record is put back active, and the
/// schedule enabled again, or the job would never fire. The switch stays on, so that second put
/// lands and loses its answer too.
#[tokio::test]
async fn a_pause_whose_schedule_landed_but_was_lost_is_undone_on_both_sides() {
    let h = harness().await;
    let sync = id("sync");
    h.create("sync", hourly()).await;

    h.scheduler.schedule_fault.set(Fault::Lose);
    assert_injected(h.service.pause(&sync, &admin()).await.expect_err("the schedule failed"), "schedule sync");
    let sides = h.agreeing(&sync).await;
    assert!(!sides.record().paused);
    assert_eq!(sides.state(), &ScheduleState::Enabled);
    assert_eq!(
        h.journal.take(),
        journal(&["store update sync", "scheduler put sync LOST", "store update sync", "scheduler put sync LOST"])
    );
}

/// The schedule was deleted and its answer lost: the record stays, so its schedule comes back.
#[tokio::test]
async fn a_delete_whose_unschedule_landed_but_was_lost_keeps_both() {
    let h = harness().await;
    let nightly = id("nightly");
    h.create("nightly", cron("0 2 * * ? *", "Europe/Berlin")).await;

    h.scheduler.unschedule_fault.set(Fault::Lose);
    assert_injected(h.service.delete(&nightly).await.expect_err("the unschedule failed"), "unschedule nightly");
    let sides = h.agreeing(&nightly).await;
    assert!(sides.record.is_some());
    assert_eq!(sides.expression(), "cron(0 2 * * ? *)");
    assert_eq!(sides.state(), &ScheduleState::Enabled);
    assert_eq!(h.journal.take(), journal(&["scheduler delete nightly LOST", "scheduler put nightly"]));
}

/// The record was deleted and the answer lost: the schedule is not put back for a record that
/// is gone.
#[tokio::test]
async fn a_delete_whose_record_delete_landed_but_was_lost_leaves_neither() {
    let h = harness().await;
    let weekly = id("weekly");
    h.create("weekly", cron("30 6 ? * MON *", "Asia/Tokyo")).await;

    h.jobs.delete_fault.set(Fault::Lose);
    assert_injected(h.service.delete(&weekly).await.expect_err("the record delete failed"), "delete weekly");
    assert!(h.agreeing(&weekly).await.is_empty());
    assert_eq!(
        h.journal.take(),
        journal(&["scheduler delete weekly", "store delete weekly LOST", "scheduler delete weekly"])
    );
}
