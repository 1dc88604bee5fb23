//! The EventBridge Scheduler trigger backend against moto, every field read back through the
//! SDK. moto accepts any expression and never fires, so what is checked is what we send.

use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput;
use aws_sdk_scheduler::types::{ActionAfterCompletion, FlexibleTimeWindowMode, ScheduleState};
use chrono::{DateTime, Duration, Utc};
use jobsmith::adapters::aws::request_count::RequestCounter;
use jobsmith::adapters::aws::scheduler::{
    EventBridgeScheduler, ExecutorInput, SchedulerTarget, UNSUPPORTED_INTERVAL, default_run_group, run_schedule_name,
};
use jobsmith::domain::execution::{Execution, TriggeredBy};
use jobsmith::domain::job::Job;
use jobsmith::domain::trigger::Trigger;
use jobsmith::ports::{BackendError, TriggerBackend};
use jobsmith::test_support::aws::scheduler_target;
use jobsmith::test_support::aws::{DEAD_LETTER_ARN as DLQ, EXECUTOR_ARN as EXECUTOR, SCHEDULER_ROLE_ARN as ROLE};
use jobsmith::test_support::fixtures::{cleanup_job, cron, job_id};
use jobsmith_tests::moto::MotoServer;

const GROUP: &str = "jobsmith-test";

struct Harness {
    _moto: MotoServer,
    client: Client,
    backend: EventBridgeScheduler,
    /// Counts what `backend` sends; `client`, which reads back, is not counted.
    requests: RequestCounter,
}

async fn harness() -> Harness {
    let moto = MotoServer::start().await;
    let sdk_config = moto.sdk_config().await;
    let client = Client::new(&sdk_config);
    jobsmith::test_support::aws::create_schedule_groups(&client, GROUP).await;
    let requests = RequestCounter::new();
    let counted = aws_sdk_scheduler::config::Builder::from(&sdk_config).interceptor(requests.interceptor()).build();
    let target = SchedulerTarget { dead_letter_arn: Some(DLQ.to_owned()), ..scheduler_target(GROUP) };
    let backend = EventBridgeScheduler::new(Client::from_conf(counted), target);
    Harness { _moto: moto, client, backend, requests }
}

impl Harness {
    async fn get(&self, name: &str) -> Option<GetScheduleOutput> {
        self.get_in(GROUP, name).await
    }

    async fn get_in(&self, group: &str, name: &str) -> Option<GetScheduleOutput> {
        match self.client.get_schedule().group_name(group).name(name).send().await {
            Ok(output) => Some(output),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => None,
            Err(err) => panic!("get_schedule {name}: {err:?}"),
        }
    }

    async fn must_get(&self, name: &str) -> GetScheduleOutput {
        self.get(name).await.unwrap_or_else(|| panic!("schedule {name} should exist"))
    }

    /// The Scheduler operations sent since the last call, each with how often.
    fn sent(&self) -> Vec<(String, u64)> {
        self.requests.take().into_iter().map(|((_, operation), count)| (operation, count)).collect()
    }

    async fn count(&self) -> usize {
        let listed = self.client.list_schedules().group_name(GROUP).send().await.expect("list schedules");
        listed.schedules().len()
    }
}

fn job(id: &str, trigger: Trigger) -> Job {
    Job::create(cleanup_job(id, trigger), None, Utc::now())
}

fn every(seconds: u64) -> Trigger {
    Trigger::Interval { every_seconds: seconds, anchor: Utc::now() }
}

fn input(schedule: &GetScheduleOutput) -> ExecutorInput {
    let raw = schedule.target().and_then(|t| t.input()).expect("target input");
    serde_json::from_str(raw).expect("input is JSON")
}

/// Everything every job schedule has, whatever its trigger.
fn assert_common(schedule: &GetScheduleOutput, id: &str) {
    assert_eq!(schedule.name(), Some(id));
    assert_eq!(schedule.group_name(), Some(GROUP));
    assert_eq!(schedule.flexible_time_window().map(|w| w.mode()), Some(&FlexibleTimeWindowMode::Off));
    let target = schedule.target().expect("target");
    assert_eq!(target.arn(), EXECUTOR);
    assert_eq!(target.role_arn(), ROLE);
    assert_eq!(
        target.input(),
        Some(format!(r#"{{"job_id":"{id}","scheduled_time":"<aws.scheduler.scheduled-time>"}}"#).as_str())
    );
    assert_eq!(target.dead_letter_config().and_then(|d| d.arn()), Some(DLQ));
    let retry = target.retry_policy().expect("retry policy");
    assert_eq!(retry.maximum_retry_attempts(), Some(3));
    assert_eq!(retry.maximum_event_age_in_seconds(), Some(3_600));
}

#[tokio::test]
async fn create_pause_resume_update_delete() {
    let h = harness().await;
    let mut job = job("lifecycle", every(600));
    h.backend.schedule(&job).await.expect("create");
    let created = h.must_get("lifecycle").await;
    assert_common(&created, "lifecycle");
    assert_eq!(created.schedule_expression(), Some("rate(10 minutes)"));
    assert_eq!(created.schedule_expression_timezone(), Some("UTC"));
    assert_eq!(created.state(), Some(&ScheduleState::Enabled));
    assert_eq!(created.action_after_completion(), Some(&ActionAfterCompletion::None));

    job.paused = true;
    h.backend.schedule(&job).await.expect("pause");
    assert_eq!(h.must_get("lifecycle").await.state(), Some(&ScheduleState::Disabled));

    job.paused = false;
    h.backend.schedule(&job).await.expect("resume");
    assert_eq!(h.must_get("lifecycle").await.state(), Some(&ScheduleState::Enabled));

    job.enabled = false;
    h.backend.schedule(&job).await.expect("disable");
    assert_eq!(h.must_get("lifecycle").await.state(), Some(&ScheduleState::Disabled));

    job.enabled = true;
    job.trigger = cron("30 6 ? * MON *", "America/New_York");
    h.backend.schedule(&job).await.expect("update");
    let updated = h.must_get("lifecycle").await;
    assert_common(&updated, "lifecycle");
    assert_eq!(updated.schedule_expression(), Some("cron(30 6 ? * MON *)"));
    assert_eq!(updated.schedule_expression_timezone(), Some("America/New_York"));
    assert_eq!(updated.state(), Some(&ScheduleState::Enabled));
    assert_eq!(h.count().await, 1, "an update never makes a second schedule");

    h.backend.unschedule(&job.id).await.expect("delete");
    assert!(h.get("lifecycle").await.is_none());
}

fn sent(operations: &[(&str, u64)]) -> Vec<(String, u64)> {
    operations.iter().map(|(operation, count)| ((*operation).to_owned(), *count)).collect()
}

/// A job at version 1 has just been created and has no schedule yet; every change since bumped
/// its version, so its schedule is there to update. Either guess, when wrong, falls back.
#[tokio::test]
async fn a_new_job_costs_one_create_and_a_changed_one_one_update() {
    let h = harness().await;
    let mut job = job("guessed", every(600));
    h.backend.schedule(&job).await.expect("create");
    assert_eq!(h.sent(), sent(&[("CreateSchedule", 1)]));

    job.paused = true;
    job.touch(None, Utc::now());
    h.backend.schedule(&job).await.expect("pause");
    assert_eq!(h.sent(), sent(&[("UpdateSchedule", 1)]));
    assert_eq!(h.must_get("guessed").await.state(), Some(&ScheduleState::Disabled));

    // Gone behind the job's back (removed by hand, or a one-off that fired): created again.
    h.client.delete_schedule().group_name(GROUP).name("guessed").send().await.expect("delete by hand");
    job.paused = false;
    job.touch(None, Utc::now());
    h.backend.schedule(&job).await.expect("resume");
    assert_eq!(h.sent(), sent(&[("CreateSchedule", 1), ("UpdateSchedule", 1)]));
    assert_eq!(h.must_get("guessed").await.state(), Some(&ScheduleState::Enabled));

    // A new record over a schedule left behind (an undo that failed): the schedule follows it.
    let replacement = Job { trigger: cron("30 6 ? * MON *", "UTC"), ..self::job("guessed", every(600)) };
    h.backend.schedule(&replacement).await.expect("create over a left-over schedule");
    assert_eq!(h.sent(), sent(&[("CreateSchedule", 1), ("UpdateSchedule", 1)]));
    assert_eq!(h.must_get("guessed").await.schedule_expression(), Some("cron(30 6 ? * MON *)"));
    assert_eq!(h.count().await, 1);
}

#[tokio::test]
async fn cron_runs_in_the_jobs_time_zone() {
    let h = harness().await;
    let job = job("berlin", cron("0 9 ? * MON-FRI *", "Europe/Berlin"));
    h.backend.schedule(&job).await.expect("schedule");
    let schedule = h.must_get("berlin").await;
    assert_common(&schedule, "berlin");
    assert_eq!(schedule.schedule_expression(), Some("cron(0 9 ? * MON-FRI *)"));
    assert_eq!(schedule.schedule_expression_timezone(), Some("Europe/Berlin"));
    assert_eq!(schedule.action_after_completion(), Some(&ActionAfterCompletion::None));
}

#[tokio::test]
async fn interval_is_a_rate() {
    let h = harness().await;
    h.backend.schedule(&job("five", every(300))).await.expect("schedule");
    let schedule = h.must_get("five").await;
    assert_common(&schedule, "five");
    assert_eq!(schedule.schedule_expression(), Some("rate(5 minutes)"));
}

#[tokio::test]
async fn a_rate_starts_at_the_jobs_next_run_on_every_create_update_pause_and_resume() {
    let h = harness().await;
    let start_of = |schedule: &GetScheduleOutput| schedule.start_date().map(|at| at.to_millis().expect("millis"));
    let mut job = job("phased", every(600));
    // Whole seconds: moto keeps the date as a float of seconds, which may round a millisecond.
    let next = job.next_run_at.expect("an interval job has a next run");
    let first = DateTime::from_timestamp(next.timestamp(), 0).expect("a time");
    job.next_run_at = Some(first);
    h.backend.schedule(&job).await.expect("create");
    assert_eq!(start_of(&h.must_get("phased").await), Some(first.timestamp_millis()));

    // An update (here a new interval) resends the start: without it AWS would start the
    // rate from the moment of the update.
    let later = first + Duration::seconds(1_200);
    (job.trigger, job.next_run_at) = (every(1_200), Some(later));
    h.backend.schedule(&job).await.expect("update");
    let updated = h.must_get("phased").await;
    assert_eq!(updated.schedule_expression(), Some("rate(20 minutes)"));
    assert_eq!(start_of(&updated), Some(later.timestamp_millis()));

    // Pausing and resuming rewrite the schedule too, and keep the start with it.
    job.paused = true;
    h.backend.schedule(&job).await.expect("pause");
    let paused = h.must_get("phased").await;
    assert_eq!((paused.state(), start_of(&paused)), (Some(&ScheduleState::Disabled), Some(later.timestamp_millis())));
    job.paused = false;
    h.backend.schedule(&job).await.expect("resume");
    let resumed = h.must_get("phased").await;
    assert_eq!((resumed.state(), start_of(&resumed)), (Some(&ScheduleState::Enabled), Some(later.timestamp_millis())));
}

#[tokio::test]
async fn date_job_is_a_self_deleting_at() {
    let h = harness().await;
    let run_at: DateTime<Utc> = "2099-06-01T08:30:15Z".parse().expect("time");
    h.backend.schedule(&job("once", Trigger::date(run_at))).await.expect("schedule");
    let schedule = h.must_get("once").await;
    assert_common(&schedule, "once");
    assert_eq!(schedule.schedule_expression(), Some("at(2099-06-01T08:30:15)"));
    assert_eq!(schedule.schedule_expression_timezone(), Some("UTC"));
    assert_eq!(schedule.action_after_completion(), Some(&ActionAfterCompletion::Delete));
}

#[tokio::test]
async fn fired_one_off_loses_its_schedule() {
    let h = harness().await;
    let mut job = job("fired", Trigger::date(Utc::now() + Duration::hours(1)));
    h.backend.schedule(&job).await.expect("schedule");
    assert!(h.get("fired").await.is_some());
    job.next_run_at = None;
    h.backend.schedule(&job).await.expect("reschedule a fired one-off");
    assert!(h.get("fired").await.is_none());
    h.backend.schedule(&job).await.expect("again, with nothing left to delete");
}

#[tokio::test]
async fn sub_minute_interval_is_refused_and_nothing_is_created() {
    let h = harness().await;
    for (id, seconds) in [("thirty", 30), ("ninety", 90)] {
        match h.backend.schedule(&job(id, every(seconds))).await {
            Err(BackendError::Unsupported(message)) => assert_eq!(message, UNSUPPORTED_INTERVAL),
            other => panic!("{seconds}s: expected Unsupported, got {other:?}"),
        }
    }
    assert_eq!(h.count().await, 0);
}

#[tokio::test]
async fn unscheduling_a_missing_job_is_fine() {
    let h = harness().await;
    h.backend.unschedule(&job_id("never-scheduled")).await.expect("unschedule");
}

#[tokio::test]
async fn dispatch_creates_a_one_off_run_schedule() {
    let h = harness().await;
    let job = job("manual", every(3_600));
    let now = Utc::now();
    let execution = Execution::new(
        job.id.clone(),
        jobsmith::domain::task::RunKind::Script,
        now,
        0,
        TriggeredBy::Manual,
        Some("ops".into()),
        now,
    );
    h.backend.dispatch(job.clone(), execution.clone()).await.expect("dispatch");

    let name = run_schedule_name(&job.id, execution.id);
    let schedule = h.get_in(&default_run_group(GROUP), &name).await.expect("the run schedule");
    assert_eq!(schedule.group_name(), Some(default_run_group(GROUP).as_str()));
    assert!(h.get(&name).await.is_none(), "runs are not in the jobs' group");
    assert_eq!(schedule.state(), Some(&ScheduleState::Enabled));
    assert_eq!(schedule.action_after_completion(), Some(&ActionAfterCompletion::Delete));
    assert_eq!(schedule.schedule_expression_timezone(), Some("UTC"));
    let expression = schedule.schedule_expression().expect("expression");
    let at = expression.strip_prefix("at(").and_then(|s| s.strip_suffix(')')).expect("an at() expression");
    let at = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S").expect("at() time").and_utc();
    assert!(at >= now && at <= now + Duration::minutes(1), "{expression} should be just ahead of {now}");
    let input = input(&schedule);
    assert_eq!(input.job_id, "manual");
    assert_eq!(input.execution_id, Some(execution.id.to_string()));
    assert_eq!(input.scheduled_time.parse::<DateTime<Utc>>().ok(), Some(execution.scheduled_at));
    assert_eq!(schedule.target().map(|t| t.arn()), Some(EXECUTOR));

    h.backend.dispatch(job, execution).await.expect("a second dispatch of the same run is a no-op");
    let runs = h.client.list_schedules().group_name(default_run_group(GROUP)).send().await.expect("list runs");
    assert_eq!(runs.schedules().len(), 1);
}

#[tokio::test]
async fn without_a_dead_letter_queue_none_is_set() {
    let moto = MotoServer::start().await;
    let client = Client::new(&moto.sdk_config().await);
    jobsmith::test_support::aws::create_schedule_groups(&client, GROUP).await;
    let target =
        SchedulerTarget { maximum_retry_attempts: 0, maximum_event_age_seconds: 60, ..scheduler_target(GROUP) };
    let backend = EventBridgeScheduler::new(client.clone(), target);
    backend.schedule(&job("no-dlq", every(60))).await.expect("schedule");
    let schedule = client.get_schedule().group_name(GROUP).name("no-dlq").send().await.expect("get");
    let target = schedule.target().expect("target");
    assert!(target.dead_letter_config().is_none());
    assert_eq!(target.retry_policy().and_then(|r| r.maximum_retry_attempts()), Some(0));
    assert_eq!(schedule.schedule_expression(), Some("rate(1 minute)"));
}

/// A job id may be any EventBridge-safe name, a run schedule's name included: the two live in
/// separate groups, so such a job cannot overwrite (or be overwritten by) a run's schedule.
#[tokio::test]
async fn a_job_named_like_a_run_schedule_leaves_the_run_alone() {
    let h = harness().await;
    let first = job("first", every(3_600));
    let now = Utc::now();
    let execution = Execution::new(
        first.id.clone(),
        jobsmith::domain::task::RunKind::Script,
        now,
        2,
        TriggeredBy::Retry,
        None,
        now,
    );
    h.backend.dispatch(first.clone(), execution.clone()).await.expect("dispatch");
    let name = run_schedule_name(&first.id, execution.id);

    let impostor = job(&name, every(600));
    h.backend.schedule(&impostor).await.expect("schedule the impostor job");
    h.backend.unschedule(&impostor.id).await.expect("and remove it");

    let run = h.get_in(&default_run_group(GROUP), &name).await.expect("the run schedule is still there");
    assert_eq!(input(&run).execution_id, Some(execution.id.to_string()));
}
