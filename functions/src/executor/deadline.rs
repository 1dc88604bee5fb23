//! A task runner that stops a run before the Lambda invocation's deadline, so that the executor
//! still has time to record why instead of being killed mid-run with nothing written.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use jobsmith::domain::execution::{Execution, ExecutionStatus};
use jobsmith::domain::job::Job;
use jobsmith::ports::{RunOutcome, TaskRunner};
use tokio_util::sync::CancellationToken;

/// Kept free at the end of an invocation for what follows a run: killing the script's process
/// group and draining its output (up to 2 s), then recording the run and scheduling a retry.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(5);

/// The error of a run the deadline cut short.
pub const DEADLINE_MESSAGE: &str = "stopped before the Lambda deadline";

pub(crate) struct DeadlineRunner {
    inner: Arc<dyn TaskRunner>,
    deadline: Instant,
}

impl DeadlineRunner {
    pub(crate) fn new(inner: Arc<dyn TaskRunner>, deadline: Instant) -> Self {
        Self { inner, deadline }
    }
}

#[async_trait]
impl TaskRunner for DeadlineRunner {
    async fn run(&self, job: &Job, execution: &Execution, timeout: Duration, cancel: CancellationToken) -> RunOutcome {
        let budget = self.deadline.saturating_duration_since(Instant::now()).saturating_sub(DEADLINE_MARGIN);
        if budget >= timeout {
            return self.inner.run(job, execution, timeout, cancel).await;
        }
        let mut outcome = self.inner.run(job, execution, budget, cancel).await;
        if outcome.status == ExecutionStatus::TimedOut {
            outcome.error = Some(DEADLINE_MESSAGE.to_owned());
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use jobsmith::domain::execution::TriggeredBy;
    use jobsmith::domain::ids::JobId;
    use jobsmith::domain::job::{NewJob, Policies};
    use jobsmith::domain::task::TaskSpec;
    use jobsmith::domain::trigger::Trigger;

    use super::*;

    /// Times out whenever it is given less than it needs, and records the timeout it was given.
    struct Needs(Duration, std::sync::Mutex<Option<Duration>>);

    #[async_trait]
    impl TaskRunner for Needs {
        async fn run(&self, _: &Job, _: &Execution, timeout: Duration, _: CancellationToken) -> RunOutcome {
            *self.1.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(timeout);
            let mut outcome = RunOutcome::failed("timed out after the job's timeout");
            outcome.status = if timeout < self.0 { ExecutionStatus::TimedOut } else { ExecutionStatus::Succeeded };
            outcome
        }
    }

    fn job_and_execution() -> (Job, Execution) {
        let now = Utc::now();
        let new = NewJob {
            id: Some(JobId::parse("deadline").expect("id")),
            name: None,
            description: None,
            task: TaskSpec::CleanupExecutions { retention_days: 1, failed_retention_days: 1, dry_run: false },
            trigger: Trigger::now(now),
            policies: Policies::default(),
            enabled: true,
            paused: false,
        };
        let job = Job::create(new, None, now);
        let execution = Execution::new(
            job.id.clone(),
            jobsmith::domain::task::RunKind::Cleanup,
            now,
            1,
            TriggeredBy::Scheduler,
            None,
            now,
        );
        (job, execution)
    }

    async fn run(needs: Duration, job_timeout: Duration, left: Duration) -> (RunOutcome, Option<Duration>) {
        let inner = Arc::new(Needs(needs, std::sync::Mutex::new(None)));
        let runner = DeadlineRunner::new(inner.clone(), Instant::now() + left);
        let (job, execution) = job_and_execution();
        let outcome = runner.run(&job, &execution, job_timeout, CancellationToken::new()).await;
        let given = *inner.1.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        (outcome, given)
    }

    #[tokio::test]
    async fn a_job_timeout_within_the_invocation_is_left_alone() {
        let (outcome, given) = run(Duration::from_secs(1), Duration::from_secs(30), Duration::from_secs(900)).await;
        assert_eq!(given, Some(Duration::from_secs(30)));
        assert_eq!(outcome.status, ExecutionStatus::Succeeded);
    }

    #[tokio::test]
    async fn the_deadline_shortens_the_timeout_and_says_so() {
        let (outcome, given) = run(Duration::from_secs(60), Duration::from_secs(3_600), Duration::from_secs(65)).await;
        let given = given.expect("ran");
        assert!(given <= Duration::from_secs(60) && given > Duration::from_secs(55), "{given:?}");
        assert_eq!(outcome.status, ExecutionStatus::TimedOut);
        assert_eq!(outcome.error.as_deref(), Some(DEADLINE_MESSAGE));
    }

    #[tokio::test]
    async fn a_run_that_fits_the_shortened_time_keeps_its_outcome() {
        let (outcome, _) = run(Duration::from_secs(1), Duration::from_secs(3_600), Duration::from_secs(65)).await;
        assert_eq!(outcome.status, ExecutionStatus::Succeeded);
        assert_ne!(outcome.error.as_deref(), Some(DEADLINE_MESSAGE));
    }
}
