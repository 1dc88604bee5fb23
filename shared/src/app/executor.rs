//! Runs one claimed execution to its end and records it: the same steps whether the local
//! scheduler or the AWS executor function fired it.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::run_records::RunRecords;
use crate::domain::execution::Execution;
use crate::domain::ids::ExecutionId;
use crate::domain::job::Job;
use crate::ports::{ExecutionStore, RunOutcome, StoreResult, TaskRunner};

#[derive(Clone)]
pub struct Executor {
    records: RunRecords,
    runner: Arc<dyn TaskRunner>,
}

impl Executor {
    pub fn new(records: RunRecords, runner: Arc<dyn TaskRunner>) -> Self {
        Self { records, runner }
    }

    /// Claims, skips and outcomes, recorded as the API records them.
    pub fn records(&self) -> &RunRecords {
        &self.records
    }

    /// Runs a started execution's task and records its outcome; when the job's retry policy
    /// asks for another attempt, records that attempt as pending and returns it.
    pub async fn run_started(
        &self,
        job: &Job,
        execution: Execution,
        cancel: CancellationToken,
        shutdown: &CancellationToken,
    ) -> StoreResult<Option<Execution>> {
        let timeout = Duration::from_secs(job.timeout_seconds());
        let outcome = self.run_task(job, &execution, timeout, cancel).await;
        self.records.record(job, execution, outcome, shutdown).await
    }

    /// Runs the task alone and leaves the outcome unrecorded, for a caller that decides what
    /// comes next itself, such as the Lambda executor continuing a run in its next invocation.
    pub async fn run_task(
        &self,
        job: &Job,
        execution: &Execution,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> RunOutcome {
        let _watch = CancelWatch::spawn(self.records.executions().clone(), execution.id, cancel.clone());
        self.runner.run(job, execution, timeout, cancel).await
    }
}

/// How often a running run looks for a cancel request in its record. The request may come from
/// any process (another Lambda, another server), so the record is the one place to look.
const CANCEL_POLL: Duration = Duration::from_secs(1);

/// Cancels a run's token when its record asks for it (or is gone); stops looking when dropped.
struct CancelWatch(tokio::task::JoinHandle<()>);

impl CancelWatch {
    fn spawn(executions: Arc<dyn ExecutionStore>, id: ExecutionId, cancel: CancellationToken) -> Self {
        Self(tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = tokio::time::sleep(CANCEL_POLL) => {}
                }
                match executions.get_execution(id).await {
                    Ok(Some(run)) if run.cancel_requested_at.is_none() => {}
                    Ok(_) => {
                        tracing::info!(run = %id, "stopping a run on request");
                        cancel.cancel();
                        return;
                    }
                    // A store that does not answer now may answer at the next look.
                    Err(err) => tracing::warn!(run = %id, error = %err, "could not look for a cancel request"),
                }
            }
        }))
    }
}

impl Drop for CancelWatch {
    fn drop(&mut self) {
        self.0.abort();
    }
}
