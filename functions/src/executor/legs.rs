//! When a run goes on in another invocation. Only scrapes do: a scrape is many small pieces of
//! work that the download archive lets a new invocation skip, where a script or a clip cut
//! stopped midway has to start over.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jobsmith::domain::execution::{Execution, ExecutionStatus};
use jobsmith::domain::job::Job;
use jobsmith::domain::task::TaskSpec;
use jobsmith::ports::RunOutcome;

use super::DEADLINE_MESSAGE;

/// However long its job's timeout, a run takes at most this many invocations: a guard against
/// a loop, far above what any timeout allows (a day in 15-minute legs is 96).
pub const MAX_LEGS: u32 = 200;

/// What is left of the job's timeout for this leg, counted from the run's start.
pub fn time_left(job: &Job, execution: &Execution, now: DateTime<Utc>) -> Duration {
    let timeout = Duration::from_secs(job.timeout_seconds());
    let Some(started) = execution.started_at else { return timeout };
    let spent = (now - started).to_std().unwrap_or(Duration::ZERO);
    timeout.saturating_sub(spent)
}

/// Whether the run that `outcome` ended should go on in its next leg: a scrape stopped by the
/// invocation's deadline (not by its job's timeout) that finished at least one more video in
/// this leg. A leg that finished none would only start over the same way in the next.
pub fn goes_on(job: &Job, execution: &Execution, outcome: &RunOutcome, leg: u32) -> bool {
    let stopped_by_deadline =
        outcome.status == ExecutionStatus::TimedOut && outcome.error.as_deref() == Some(DEADLINE_MESSAGE);
    let moved = outcome.progress.is_some_and(|p| p.processed > execution.progress.processed);
    matches!(job.task, TaskSpec::Scrape(_)) && stopped_by_deadline && moved && leg + 1 < MAX_LEGS
}

#[cfg(test)]
mod tests {
    use jobsmith::domain::execution::{Progress, TriggeredBy};
    use jobsmith::domain::job::{NewJob, Policies};
    use jobsmith::domain::task::{RunKind, ScrapeFields, ScrapeTask};
    use jobsmith::domain::trigger::Trigger;
    use jobsmith::domain::video::ScrapeMode;

    use super::*;

    fn job(task: TaskSpec) -> Job {
        let now = Utc::now();
        let policies = Policies { timeout_seconds: Some(3_600), ..Policies::default() };
        let new = NewJob {
            id: None,
            name: None,
            description: None,
            task,
            trigger: Trigger::now(now),
            policies,
            enabled: true,
            paused: false,
        };
        Job::create(new, None, now)
    }

    fn scrape() -> TaskSpec {
        let fields =
            ScrapeFields { mode: Some(ScrapeMode::Profile), value: "someone".to_owned(), ..Default::default() };
        TaskSpec::Scrape(ScrapeTask::try_from(fields).expect("a scrape"))
    }

    fn running(job: &Job, processed: u64) -> Execution {
        let now = Utc::now();
        let mut execution = Execution::new(job.id.clone(), RunKind::Scrape, now, 1, TriggeredBy::Manual, None, now);
        execution.started_at = Some(now);
        execution.progress = Progress { total: 10, processed, ..Progress::default() };
        execution
    }

    fn stopped(error: &str, processed: u64) -> RunOutcome {
        RunOutcome {
            status: ExecutionStatus::TimedOut,
            progress: Some(Progress { total: 10, processed, ..Progress::default() }),
            ..RunOutcome::failed(error)
        }
    }

    #[test]
    fn a_scrape_stopped_by_the_deadline_after_some_progress_goes_on() {
        let job = job(scrape());
        let execution = running(&job, 3);
        assert!(goes_on(&job, &execution, &stopped(DEADLINE_MESSAGE, 5), 0));
        assert!(goes_on(&job, &execution, &stopped(DEADLINE_MESSAGE, 5), MAX_LEGS - 2));
        assert!(!goes_on(&job, &execution, &stopped(DEADLINE_MESSAGE, 5), MAX_LEGS - 1), "the last leg");
        assert!(!goes_on(&job, &execution, &stopped(DEADLINE_MESSAGE, 3), 0), "no video finished in the leg");
        assert!(!goes_on(&job, &execution, &stopped("timed out after 3600 s", 5), 0), "the job's own timeout");
        let finished = RunOutcome { status: ExecutionStatus::Succeeded, ..stopped(DEADLINE_MESSAGE, 10) };
        assert!(!goes_on(&job, &execution, &finished, 0));
    }

    #[test]
    fn only_scrapes_go_on() {
        let script = job(TaskSpec::CleanupExecutions { retention_days: 1, failed_retention_days: 1, dry_run: false });
        assert!(!goes_on(&script, &running(&script, 0), &stopped(DEADLINE_MESSAGE, 5), 0));
    }

    #[test]
    fn each_leg_gets_what_is_left_of_the_jobs_timeout() {
        let job = job(scrape());
        let execution = running(&job, 0);
        let started = execution.started_at.expect("started");
        assert_eq!(time_left(&job, &execution, started), Duration::from_secs(3_600));
        assert_eq!(time_left(&job, &execution, started + chrono::Duration::seconds(900)), Duration::from_secs(2_700));
        assert_eq!(time_left(&job, &execution, started + chrono::Duration::hours(2)), Duration::ZERO);
    }
}
