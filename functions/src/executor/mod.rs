//! The executor function, EventBridge Scheduler's target. A job's own schedule sends the fire
//! time; a dispatched run (a manual trigger, or a retry) also names its execution.
//!
//! Every step is safe to repeat, because EventBridge and Lambda deliver at least once: a fire is
//! claimed with the store's conditional writes (one execution per job, time and attempt), a
//! pending retry is started only while it is still pending, and a finished execution is left
//! alone.
//!
//! A retry is always handed to EventBridge as a one-off schedule rather than run in this
//! invocation: each attempt then gets a whole invocation's time (a run the deadline cut short
//! would not fit again in what is left), the retry survives this environment being recycled, and
//! there is one path for every attempt.
//!
//! A scrape the deadline cuts short, within its job's timeout, is not finished: this invocation
//! lets go of it and dispatches its next leg, which takes it like a dispatched run and lists the
//! page again. The download archive skips what earlier legs stored, and counts it for the run.

mod deadline;
mod legs;
mod own_arn;
mod report;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, SecondsFormat, Utc};
use jobsmith::adapters::aws::app::{AwsApp, Reach};
use jobsmith::adapters::aws::scheduler::EventBridgeScheduler;
use jobsmith::app::Executor;
use jobsmith::domain::execution::{Execution, ExecutionStatus, TriggeredBy};
use jobsmith::domain::ids::{ExecutionId, JobId};
use jobsmith::domain::job::Job;
use jobsmith::ports::{StartOutcome, TaskRunner, TriggerBackend};
use lambda_http::{LambdaEvent, service_fn};
use tokio_util::sync::CancellationToken;

use crate::init::{init_tracing, load_app};
use deadline::DeadlineRunner;

pub use deadline::{DEADLINE_MARGIN, DEADLINE_MESSAGE};
pub use report::{ExecutorError, RunReport, ScheduledRun};

/// A retry delivered before its time waits for it, but never longer than this: EventBridge fires
/// within the minute an `at()` names, so a longer gap means the schedule was placed early, and
/// starting a little early beats spending the invocation asleep.
const MAX_EARLY_WAIT: Duration = Duration::from_secs(60);

/// Runs the executor function.
pub async fn serve_executor() -> Result<(), lambda_http::Error> {
    init_tracing();
    if let Err(err) = jobsmith::adapters::local::script::hide_own_environment() {
        tracing::warn!(error = %err, "scripts may be able to read this function's environment");
    }
    let app = load_app(Reach::everything()).await?;
    let runner = app.task_runner();
    let (app, runner) = (&app, &runner);
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<ScheduledRun>| async move {
        let deadline = instant_of(event.context.deadline());
        let arn = &event.context.invoked_function_arn;
        let report = handle_scheduled_run(app, runner, arn, event.payload, deadline).await?;
        tracing::info!(report = ?report, "scheduled run handled");
        Ok::<_, lambda_http::Error>(report)
    }))
    .await
}

/// Handles one event, delivered to `invoked_function_arn` (the invocation's own ARN: what the
/// executor's retries and next legs target), running its task with `runner` ([`AwsApp::task_runner`]). An error fails the invocation, which sends the
/// event to the function's failure destination; every error but [`ExecutorError::BadEvent`]
/// (the store or EventBridge failed) is worth redelivering from there, which is safe.
pub async fn handle_scheduled_run(
    app: &AwsApp,
    runner: &Arc<dyn TaskRunner>,
    invoked_function_arn: &str,
    event: ScheduledRun,
    deadline: Instant,
) -> Result<RunReport, ExecutorError> {
    let job_id = JobId::parse(&event.job_id).map_err(|err| ExecutorError::BadEvent(format!("job_id: {err}")))?;
    let scheduled_at = DateTime::parse_from_rfc3339(&event.scheduled_time)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|err| ExecutorError::BadEvent(format!("scheduled_time: {err}")))?;
    // A fresh id per invocation: the same event delivered twice is two invocations, and only
    // one of them may take a dispatched run.
    let taker = uuid::Uuid::new_v4().to_string();
    let scheduler = own_scheduler(app, invoked_function_arn);
    let run = Run { app, scheduler, executor: deadline_executor(app, runner, deadline), deadline, taker };
    // Boxed: the run's future nests too deep for the compiler to lay out inline.
    match event.execution_id {
        None => Box::pin(run.fire(&job_id, scheduled_at)).await,
        Some(raw) => {
            let id = ExecutionId::parse(&raw)
                .ok_or_else(|| ExecutorError::BadEvent(format!("execution_id: not a UUID: {raw}")))?;
            Box::pin(run.continue_execution(&job_id, id, event.leg.unwrap_or(0))).await
        }
    }
}

/// The app's scheduler, targeting this function as it was invoked. A local emulator's
/// invocation may carry no usable ARN; then the configured one, if any, is kept.
fn own_scheduler(app: &AwsApp, invoked_function_arn: &str) -> EventBridgeScheduler {
    match own_arn::unqualified(invoked_function_arn) {
        Some(arn) => app.scheduler.targeting(arn),
        None => {
            tracing::warn!(
                arn = invoked_function_arn,
                "the invocation names no function ARN; using the configured one"
            );
            app.scheduler.as_ref().clone()
        }
    }
}

/// The app's executor, with `runner` stopped before `deadline`.
fn deadline_executor(app: &AwsApp, runner: &Arc<dyn TaskRunner>, deadline: Instant) -> Executor {
    Executor::new(app.records.clone(), Arc::new(DeadlineRunner::new(runner.clone(), deadline)))
}

struct Run<'a> {
    app: &'a AwsApp,
    /// Targets this function (see [`own_scheduler`]).
    scheduler: EventBridgeScheduler,
    executor: Executor,
    deadline: Instant,
    taker: String,
}

impl Run<'_> {
    /// A job's own schedule fired.
    async fn fire(&self, job_id: &JobId, scheduled_at: DateTime<Utc>) -> Result<RunReport, ExecutorError> {
        let Some(job) = self.app.jobs.get_job(job_id).await? else { return Ok(RunReport::JobGone) };
        if !job.enabled {
            return Ok(RunReport::JobDisabled);
        }
        if job.paused {
            return Ok(RunReport::JobPaused);
        }
        let now = self.app.clock.now();
        self.advance_next_run(&job, now).await;
        let grace = job
            .policies
            .misfire_grace_seconds
            .and_then(|s| i64::try_from(s).ok())
            .map_or(self.app.misfire_grace, chrono::Duration::seconds);
        let lateness = now - scheduled_at;
        if lateness > grace {
            let why = format!(
                "misfired: due at {} but the executor started {} s late (grace {} s)",
                scheduled_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                lateness.num_seconds(),
                grace.num_seconds()
            );
            self.executor.records().record_skipped(&job, scheduled_at, why).await?;
            return Ok(RunReport::Misfired);
        }
        match self.executor.records().claim(&job, scheduled_at, TriggeredBy::Scheduler, None).await? {
            StartOutcome::Started(execution) => self.run(job, execution, 0).await,
            StartOutcome::Skipped(execution) => Ok(RunReport::Skipped { execution_id: execution.id }),
            StartOutcome::Duplicate => Ok(RunReport::AlreadyHandled),
        }
    }

    /// A dispatched run: a manual trigger already claimed it (running), or it is a retry
    /// waiting to start (pending), or an earlier invocation handed it on (running, `leg` ≥ 1).
    async fn continue_execution(&self, job_id: &JobId, id: ExecutionId, leg: u32) -> Result<RunReport, ExecutorError> {
        let Some(execution) = self.app.executions.get_execution(id).await? else {
            return Ok(RunReport::ExecutionGone);
        };
        if execution.job_id != *job_id {
            return Err(ExecutorError::BadEvent(format!("execution {id} belongs to job {}", execution.job_id)));
        }
        let Some(job) = self.app.jobs.get_job(job_id).await? else { return Ok(RunReport::JobGone) };
        match execution.status {
            ExecutionStatus::Pending => {
                self.wait_until_due(execution.not_before).await;
                match self.executor.records().start_retry(&job, &execution).await? {
                    StartOutcome::Started(started) => self.run(job, started, 0).await,
                    StartOutcome::Skipped(skipped) => Ok(RunReport::Skipped { execution_id: skipped.id }),
                    StartOutcome::Duplicate => Ok(RunReport::AlreadyHandled),
                }
            }
            // Claimed by the trigger route, which answered with this execution as running. Of
            // every delivery of this dispatch, the one that takes it runs it.
            ExecutionStatus::Running => {
                if !self.app.executions.take_dispatched(execution.id, &self.taker).await? {
                    return Ok(RunReport::AlreadyHandled);
                }
                // A leg may come after the lease its run started with would lapse.
                if leg > 0 && !self.app.store.extend_lease(execution.id, self.app.clock.now()).await? {
                    return Ok(RunReport::AlreadyHandled);
                }
                self.run(job, execution, leg).await
            }
            _ => Ok(RunReport::AlreadyHandled),
        }
    }

    /// Runs a started execution (its `leg`th continuation, from 0), then hands it on to the
    /// next leg, or records it and hands a retry to EventBridge.
    async fn run(&self, job: Job, execution: Execution, leg: u32) -> Result<RunReport, ExecutorError> {
        let (execution_id, attempt) = (execution.id, execution.attempt);
        // Nothing cancels a run here: the deadline runner stops it in time, and Lambda sends no
        // shutdown signal to a function without extensions.
        let never = CancellationToken::new();
        let left = legs::time_left(&job, &execution, self.app.clock.now());
        let outcome = self.executor.run_task(&job, &execution, left, never.clone()).await;
        if legs::goes_on(&job, &execution, &outcome, leg) {
            match self.hand_on(&execution, leg + 1).await {
                Ok(true) => return Ok(RunReport::Continued { execution_id, leg: leg + 1 }),
                Ok(false) => {}
                Err(err) => tracing::warn!(execution = %execution_id, error = %err, "could not continue the run"),
            }
        }
        let retry = self.executor.records().record(&job, execution, outcome, &never).await?;
        // Read back what was recorded: that is what the report is for.
        let Some(recorded) = self.app.executions.get_execution(execution_id).await? else {
            // The job and its history were deleted while it ran; a retry has nothing to run.
            return Ok(RunReport::ExecutionGone);
        };
        let retry_id = match retry {
            Some(retry) => {
                let id = retry.id;
                self.scheduler.dispatch(job, retry).await?;
                Some(id)
            }
            None => None,
        };
        Ok(RunReport::Ran { execution_id, attempt, status: recorded.status, retry: retry_id })
    }

    /// Lets go of the run and dispatches its next leg. `false` when the run is no longer this
    /// invocation's to hand on (cancelled, reaped or deleted meanwhile): then it is recorded
    /// here. A failed dispatch also leaves it to be recorded here, as stopped by the deadline.
    async fn hand_on(&self, execution: &Execution, next_leg: u32) -> Result<bool, ExecutorError> {
        if !self.app.store.release_run(execution.id, &self.taker).await? {
            return Ok(false);
        }
        self.scheduler.dispatch_leg(execution, next_leg).await?;
        Ok(true)
    }

    /// Moves the job's next run time past this fire so the API shows the one after it
    /// (EventBridge does not report it). Conditional on the time read, so concurrent deliveries
    /// move it once; a failure only leaves the shown time stale.
    async fn advance_next_run(&self, job: &Job, now: DateTime<Utc>) {
        let Some(next) = job.next_run_at else { return };
        // EventBridge's times are whole seconds while ours keep milliseconds.
        if next > now + chrono::Duration::seconds(1) {
            return;
        }
        let to = job.trigger.next_fire_after(now.max(next));
        if let Err(err) = self.app.jobs.advance_next_run(&job.id, next, to).await {
            tracing::warn!(job = %job.id, error = %err, "could not advance the next run time");
        }
    }

    async fn wait_until_due(&self, not_before: Option<DateTime<Utc>>) {
        let Some(at) = not_before else { return };
        let Ok(early) = (at - self.app.clock.now()).to_std() else { return };
        let left = self.deadline.saturating_duration_since(Instant::now()).saturating_sub(DEADLINE_MARGIN);
        tokio::time::sleep(early.min(MAX_EARLY_WAIT).min(left / 2)).await;
    }
}

/// The invocation's deadline (wall clock) on the monotonic clock the runner measures with.
fn instant_of(deadline: SystemTime) -> Instant {
    let left = deadline.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO);
    Instant::now() + left
}
