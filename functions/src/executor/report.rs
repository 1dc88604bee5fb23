//! The executor's event and what it answers: the answer is the invocation's result, which Lambda
//! logs and a destination or a test can read.

use jobsmith::adapters::aws::scheduler::ExecutorInput;
use jobsmith::domain::execution::ExecutionStatus;
use jobsmith::domain::ids::ExecutionId;
use jobsmith::ports::{BackendError, StoreError};
use serde::Serialize;

/// What EventBridge Scheduler sends: `{"job_id", "scheduled_time", "execution_id"?}`. The same
/// type the scheduler adapter writes into every schedule's input, so the two cannot drift.
pub type ScheduledRun = ExecutorInput;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RunReport {
    /// The task ran and its outcome was recorded; `retry` is the next attempt, if one was
    /// scheduled.
    Ran { execution_id: ExecutionId, attempt: u32, status: ExecutionStatus, retry: Option<ExecutionId> },
    /// The deadline came before the run's end: it goes on in the invocation of its `leg`th
    /// continuation, already dispatched. Nothing was recorded as finished.
    Continued { execution_id: ExecutionId, leg: u32 },
    /// Recorded as skipped: the job already had `max_instances` runs running.
    Skipped { execution_id: ExecutionId },
    /// Recorded as skipped: delivered later than the misfire grace allows.
    Misfired,
    /// This fire or execution was already handled (a redelivery): nothing was done.
    AlreadyHandled,
    /// Nothing recorded: the job no longer exists.
    JobGone,
    /// Nothing recorded: the job is disabled.
    JobDisabled,
    /// Nothing recorded: the job is paused.
    JobPaused,
    /// Nothing recorded: the execution named by the event no longer exists.
    ExecutionGone,
}

/// Failures that may pass if the event is delivered again (the executor is idempotent), and
/// events that never will.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error("bad event: {0}")]
    BadEvent(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Backend(#[from] BackendError),
}
