//! The trigger backend on AWS: one EventBridge Scheduler schedule per job in the project's
//! schedule group, targeting the executor function.
//!
//! `schedule` is an upsert without a read: a new job's schedule is created, and an existing
//! job's updated, each falling back to the other when the service says the guess was wrong (a
//! conflict on create, not found on update). Reading first would cost a call on every change and
//! still race with a concurrent create; the job's version makes the guess, so the usual case
//! costs one request either way.
//!
//! Job schedules and run schedules live in two groups: a job id may be any EventBridge-safe name,
//! so in one group a job named like a run's schedule would overwrite that run's schedule.
//!
//! `dispatch` hands an already-claimed execution to the executor. A run due now (a manual
//! trigger, a run-once job) goes as an asynchronous Lambda `Invoke` when an invoker is set, and
//! starts within a second. A run due later (a retry after its delay), or one whose invoke Lambda
//! refused, goes through a one-off `at()` schedule (named `<job id prefix>-run-<execution id>`,
//! in the run group, deleted by EventBridge once it has fired), which fires within the minute it
//! names. Both deliver at least once; the executor's conditional take runs one of them.

mod invoke;
mod spec;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::error::DisplayErrorContext;
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, ScheduleState,
    Target,
};

use crate::domain::execution::Execution;
use crate::domain::ids::JobId;
use crate::domain::job::Job;
use crate::ports::{BackendError, Clock, SystemClock, TriggerBackend};

pub use spec::{
    AT_LEAD_SECONDS, ExecutorInput, JobSchedule, MAX_SCHEDULE_NAME_LEN, SCHEDULED_TIME_PLACEHOLDER, ScheduleSpec,
    UNSUPPORTED_INTERVAL, job_input, job_schedule, leg_schedule, leg_schedule_name, redrive_schedule,
    redrive_schedule_name, run_input, run_schedule, run_schedule_name, schedule_name,
};

/// Whether a run may start now rather than wait for its `not_before`.
fn is_due(execution: &Execution, now: chrono::DateTime<chrono::Utc>) -> bool {
    execution.not_before.is_none_or(|at| at <= now)
}

/// The run group of a job group when configuration names none.
pub fn default_run_group(group: &str) -> String {
    format!("{group}-runs")
}

/// A create that conflicts, then an update that finds the schedule gone (a one-off deleting
/// itself, a concurrent unschedule), goes round again; this bounds how often.
const UPSERT_ROUNDS: usize = 3;

/// Where schedules live and what they invoke; from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerTarget {
    /// Where each job's own schedule lives, named by the job's id.
    pub group: String,
    /// Where one-off run schedules (manual runs, retries) live: see the module's comment.
    pub run_group: String,
    /// The executor function's ARN: what every schedule targets and every dispatch invokes.
    /// `None` in the executor itself, which cannot be given its own ARN by the template (the
    /// function would depend on itself) and learns it from each invocation
    /// ([`EventBridgeScheduler::targeting`]); also in functions that start no run.
    pub executor_arn: Option<String>,
    /// The role EventBridge Scheduler assumes to invoke the executor.
    pub role_arn: String,
    /// Where events that exhausted their retries go (an SQS queue ARN).
    pub dead_letter_arn: Option<String>,
    pub maximum_retry_attempts: i32,
    pub maximum_event_age_seconds: i32,
}

pub use invoke::{ExecutorInvoker, InvokeExecutor};

#[derive(Clone)]
pub struct EventBridgeScheduler {
    client: Client,
    config: SchedulerTarget,
    clock: Arc<dyn Clock>,
    invoker: Option<Arc<dyn InvokeExecutor>>,
}

impl EventBridgeScheduler {
    pub fn new(client: Client, config: SchedulerTarget) -> Self {
        Self { client, config, clock: Arc::new(SystemClock), invoker: None }
    }

    /// Runs due now are invoked through `invoker` rather than scheduled.
    pub fn with_invoker(mut self, invoker: Arc<dyn InvokeExecutor>) -> Self {
        self.invoker = Some(invoker);
        self
    }

    /// Replaces the wall clock that places `at()` schedules for "now".
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn config(&self) -> &SchedulerTarget {
        &self.config
    }

    /// The same clients, targeting `executor_arn`: what the executor schedules and invokes with
    /// once it knows its own ARN.
    pub fn targeting(&self, executor_arn: impl Into<String>) -> Self {
        let mut targeted = self.clone();
        targeted.config.executor_arn = Some(executor_arn.into());
        targeted
    }

    fn executor_arn(&self) -> Result<&str, BackendError> {
        self.config.executor_arn.as_deref().ok_or_else(|| {
            BackendError::Backend("no executor ARN configured: this function cannot start runs".to_owned())
        })
    }

    async fn put(&self, spec: &ScheduleSpec, exists_likely: bool) -> Result<(), BackendError> {
        if exists_likely && self.update(spec).await? == Written::Done {
            return Ok(());
        }
        for _ in 0..UPSERT_ROUNDS {
            if self.create(&self.config.group, spec).await? == Written::Done {
                return Ok(());
            }
            if self.update(spec).await? == Written::Done {
                return Ok(());
            }
        }
        Err(BackendError::Backend(format!(
            "schedule {} kept appearing and disappearing while being written",
            spec.name
        )))
    }

    async fn create(&self, group: &str, spec: &ScheduleSpec) -> Result<Written, BackendError> {
        let result = self
            .client
            .create_schedule()
            .group_name(group)
            .name(&spec.name)
            .schedule_expression(&spec.expression)
            .schedule_expression_timezone(&spec.timezone)
            .state(state(spec))
            .flexible_time_window(flexible_window_off()?)
            .target(self.target(&spec.input)?)
            .action_after_completion(after_completion(spec))
            .set_start_date(start_date(spec))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Written::Done),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conflict_exception()) => Ok(Written::NameTaken),
            Err(err) => Err(failure("create", &spec.name, &err)),
        }
    }

    /// UpdateSchedule replaces every field, so it is given the whole spec again. `Gone` covers a
    /// schedule deleted meanwhile and one changed concurrently: both go round again.
    async fn update(&self, spec: &ScheduleSpec) -> Result<Written, BackendError> {
        let result = self
            .client
            .update_schedule()
            .group_name(&self.config.group)
            .name(&spec.name)
            .schedule_expression(&spec.expression)
            .schedule_expression_timezone(&spec.timezone)
            .state(state(spec))
            .flexible_time_window(flexible_window_off()?)
            .target(self.target(&spec.input)?)
            .action_after_completion(after_completion(spec))
            .set_start_date(start_date(spec))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Written::Done),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception() || e.is_conflict_exception()) =>
            {
                Ok(Written::Gone)
            }
            Err(err) => Err(failure("update", &spec.name, &err)),
        }
    }

    /// Deleting a schedule that is not there is what the caller wanted anyway.
    async fn delete(&self, name: &str) -> Result<(), BackendError> {
        let result = self.client.delete_schedule().group_name(&self.config.group).name(name).send().await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => Ok(()),
            Err(err) => Err(failure("delete", name, &err)),
        }
    }

    fn target(&self, input: &str) -> Result<Target, BackendError> {
        let retry = RetryPolicy::builder()
            .maximum_retry_attempts(self.config.maximum_retry_attempts)
            .maximum_event_age_in_seconds(self.config.maximum_event_age_seconds)
            .build();
        let dead_letter = self.config.dead_letter_arn.as_ref().map(|arn| DeadLetterConfig::builder().arn(arn).build());
        Target::builder()
            .arn(self.executor_arn()?)
            .role_arn(&self.config.role_arn)
            .input(input)
            .retry_policy(retry)
            .set_dead_letter_config(dead_letter)
            .build()
            .map_err(|e| BackendError::Backend(format!("cannot build the schedule target: {e}")))
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Written {
    Done,
    NameTaken,
    Gone,
}

fn state(spec: &ScheduleSpec) -> ScheduleState {
    if spec.enabled { ScheduleState::Enabled } else { ScheduleState::Disabled }
}

fn start_date(spec: &ScheduleSpec) -> Option<aws_sdk_scheduler::primitives::DateTime> {
    spec.start_date.map(|at| aws_sdk_scheduler::primitives::DateTime::from_millis(at.timestamp_millis()))
}

fn after_completion(spec: &ScheduleSpec) -> ActionAfterCompletion {
    if spec.delete_after_completion { ActionAfterCompletion::Delete } else { ActionAfterCompletion::None }
}

/// Jobs fire at their time, not somewhere in a window: the window is off.
fn flexible_window_off() -> Result<FlexibleTimeWindow, BackendError> {
    FlexibleTimeWindow::builder()
        .mode(FlexibleTimeWindowMode::Off)
        .build()
        .map_err(|e| BackendError::Backend(format!("cannot build the flexible time window: {e}")))
}

fn failure<E: std::error::Error + 'static>(what: &str, name: &str, err: &E) -> BackendError {
    BackendError::Backend(format!("{what} schedule {name}: {}", DisplayErrorContext(err)))
}

impl EventBridgeScheduler {
    /// Sends a dead-lettered executor event again, as it was: invoked when an invoker is set,
    /// else (or when the invoke is refused) through a one-off schedule. The executor decides
    /// what it means now (a fire long past its grace is recorded as a misfire; a finished run is
    /// left alone), so sending one twice does no harm.
    pub async fn redeliver(&self, job_id: &JobId, input: &ExecutorInput) -> Result<(), BackendError> {
        if let Some(invoker) = &self.invoker {
            let payload = serde_json::to_string(input)
                .map_err(|e| BackendError::Backend(format!("cannot encode the event: {e}")))?;
            match invoker.invoke(self.executor_arn()?, &payload).await {
                Ok(()) => return Ok(()),
                Err(err) => tracing::warn!(job = %job_id, error = %err, "falling back to a schedule"),
            }
        }
        let spec = redrive_schedule(job_id, input, self.clock.now())?;
        if self.create(&self.config.run_group, &spec).await? == Written::NameTaken {
            tracing::info!(schedule = %spec.name, "event already sent again");
        }
        Ok(())
    }

    /// Sends a running run on to its `leg`th continuation (see [`ExecutorInput::leg`]). Like a
    /// dispatch, a second call for the same leg finds its schedule taken and leaves it.
    pub async fn dispatch_leg(&self, execution: &Execution, leg: u32) -> Result<(), BackendError> {
        let spec = leg_schedule(execution, leg, self.clock.now())?;
        if self.create(&self.config.run_group, &spec).await? == Written::NameTaken {
            tracing::info!(schedule = %spec.name, "continuation already dispatched");
        }
        Ok(())
    }
}

#[async_trait]
impl TriggerBackend for EventBridgeScheduler {
    async fn schedule(&self, job: &Job) -> Result<(), BackendError> {
        match job_schedule(job, self.clock.now())? {
            // A job is created at version 1 with its schedule; every change since bumped it.
            JobSchedule::Put(spec) => self.put(&spec, job.version > 1).await,
            JobSchedule::Remove => self.delete(&schedule_name(&job.id)).await,
        }
    }

    async fn unschedule(&self, id: &JobId) -> Result<(), BackendError> {
        self.delete(&schedule_name(id)).await
    }

    /// A second dispatch of the same execution finds its schedule taken and leaves it: the run
    /// is already on its way.
    async fn dispatch(&self, _job: Job, execution: Execution) -> Result<(), BackendError> {
        let now = self.clock.now();
        if let Some(invoker) = self.invoker.as_ref().filter(|_| is_due(&execution, now)) {
            match invoker.invoke(self.executor_arn()?, &run_input(&execution)?).await {
                Ok(()) => return Ok(()),
                // A schedule still delivers it, later: slower beats lost.
                Err(err) => tracing::warn!(execution = %execution.id, error = %err, "falling back to a schedule"),
            }
        }
        let spec = run_schedule(&execution, now)?;
        if self.create(&self.config.run_group, &spec).await? == Written::NameTaken {
            tracing::info!(schedule = %spec.name, "run already dispatched");
        }
        Ok(())
    }
}
