//! The sweep function, on a `rate()` schedule of its own: what no single event can be trusted to
//! finish. It fails runs whose executor is gone (their lease lapsed: a timed-out or crashed
//! invocation), which frees their job's `maxInstances` slots, and it dispatches again a retry
//! whose one-off schedule never fired (its creation failed after the retry was recorded).
//! Both are safe to repeat: a reap is conditional on the lease, and a dispatch of a run whose
//! schedule exists changes nothing. With the time left, it releases the jobs deleted all at once
//! (`DELETE /api/jobs/all` only hides them: `DynamoStore::release_deleted_jobs`) a batch at a
//! time and removes their schedules, then deleted jobs' histories (see
//! `DynamoStore::purge_deleted_histories`), going on where the last sweep stopped.

use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;
use jobsmith::adapters::aws::app::{AwsApp, Reach};
use jobsmith::adapters::aws::dynamo::ScheduleToRemove;
use jobsmith::ports::TriggerBackend;
use lambda_http::{LambdaEvent, service_fn};
use serde::Serialize;

use crate::executor::ExecutorError;
use crate::init::{init_tracing, load_app};

/// How long past its time a retry may stay pending before it counts as stuck. EventBridge fires
/// an `at()` within the minute it names and the executor starts a pending run at once, so a
/// retry this late has no schedule that will start it.
pub const STUCK_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// Kept free at the end of an invocation: the batch under way finishes and the report is sent.
const PURGE_MARGIN: Duration = Duration::from_secs(10);
/// Schedules removed at once: each is its own EventBridge call.
const SCHEDULES_AT_ONCE: usize = 16;
/// Deleted jobs released at a time, so that their schedules are removed before more are read.
const RELEASE_BATCH: i32 = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Runs failed because their lease lapsed.
    pub reaped: Vec<String>,
    /// Retries handed to EventBridge again.
    pub redispatched: Vec<String>,
    /// Schedules of jobs deleted all at once, removed.
    pub schedules_removed: u64,
    /// Those still to be removed, by the next sweep.
    pub schedules_left: u64,
    /// Whether jobs deleted all at once are still to be released, by the next sweep.
    pub deleted_jobs_left: bool,
    /// Runs of deleted jobs removed.
    pub history_deleted: u64,
    /// Deleted jobs whose history is still to be removed, by the next sweep.
    pub histories_left: u64,
}

/// One sweep; the removal of deleted jobs' histories stops at `deadline`.
pub async fn sweep(app: &AwsApp, deadline: Instant) -> Result<SweepReport, ExecutorError> {
    let now = app.clock.now();
    let reaped = app.store.reap_expired_leases(now).await?;
    let mut redispatched = Vec::new();
    for retry in app.executions.pending_executions().await? {
        let due = retry.not_before.unwrap_or(retry.created_at);
        if now - due < STUCK_AFTER {
            continue;
        }
        let Some(job) = app.jobs.get_job(&retry.job_id).await? else { continue };
        let id = retry.id.to_string();
        app.scheduler.dispatch(job, retry).await?;
        redispatched.push(id);
    }
    let (schedules_removed, schedules_left) = remove_schedules(app, deadline).await?;
    let purged = app.store.purge_deleted_histories(u64::MAX, Some(deadline)).await?;
    let report = SweepReport {
        reaped: reaped.iter().map(ToString::to_string).collect(),
        redispatched,
        schedules_removed,
        schedules_left,
        deleted_jobs_left: app.store.deleted_jobs_remain().await?,
        history_deleted: purged.deleted,
        histories_left: purged.left,
    };
    if !report.reaped.is_empty() || !report.redispatched.is_empty() {
        tracing::warn!(report = ?report, "the sweep ended lapsed runs or re-dispatched stuck retries");
    }
    Ok(report)
}

/// Removes the schedules of jobs deleted all at once, several at a time, releasing more
/// deleted jobs whenever those known are done, until `deadline`. Returns how many went and how
/// many of those known are left.
async fn remove_schedules(app: &AwsApp, deadline: Instant) -> Result<(u64, u64), ExecutorError> {
    let mut removed = 0;
    let mut pending = app.store.schedules_to_remove().await?;
    loop {
        let total = pending.len() as u64;
        let outcomes: Vec<Result<(), ExecutorError>> = futures_util::stream::iter(pending)
            .take_while(|_| std::future::ready(Instant::now() < deadline))
            .map(|removal| remove_schedule(app, removal))
            .buffer_unordered(SCHEDULES_AT_ONCE)
            .collect()
            .await;
        let done = outcomes.iter().filter(|outcome| outcome.is_ok()).count() as u64;
        removed += done;
        if let Some(Err(err)) = outcomes.into_iter().find(Result::is_err) {
            tracing::warn!(error = %err, "could not remove every deleted job's schedule; the next sweep tries again");
        }
        if done < total || Instant::now() >= deadline {
            return Ok((removed, total - done));
        }
        pending = app.store.release_deleted_jobs(RELEASE_BATCH).await?;
        if pending.is_empty() {
            return Ok((removed, 0));
        }
    }
}

/// A job made again with the same id since the delete owns the schedule of that name: it is
/// left, and if the job appears while its schedule is being removed, it is put back. A job made
/// before the delete that reads as alive is one whose delete did not land: it keeps its schedule
/// and history.
async fn remove_schedule(app: &AwsApp, removal: ScheduleToRemove) -> Result<(), ExecutorError> {
    match app.jobs.get_job(&removal.job).await? {
        Some(job) if job.created_at < removal.deleted_at => {
            app.store.forget_removal(&removal).await?;
            return Ok(());
        }
        Some(_) => {}
        None => {
            app.scheduler.unschedule(&removal.job).await?;
            if let Some(job) = app.jobs.get_job(&removal.job).await? {
                app.scheduler.schedule(&job).await?;
            }
        }
    }
    app.store.schedule_removed(&removal).await?;
    Ok(())
}

/// Runs the sweep function: each invocation (whatever its event) is one sweep.
pub async fn serve_sweep() -> Result<(), lambda_http::Error> {
    init_tracing();
    // Retries due now are invoked; the sweep touches no stored file.
    let app = load_app(Reach::executor()).await?;
    let app = &app;
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        let left = event.context.deadline().duration_since(SystemTime::now()).unwrap_or(Duration::ZERO);
        Ok::<_, lambda_http::Error>(sweep(app, Instant::now() + left.saturating_sub(PURGE_MARGIN)).await?)
    }))
    .await
}
