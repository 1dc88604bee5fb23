//! One run of a job.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ExecutionId, JobId};
use super::task::RunKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    Pending,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
    Skipped,
}

impl ExecutionStatus {
    pub const ALL: [ExecutionStatus; 7] =
        [Self::Pending, Self::Running, Self::Succeeded, Self::Failed, Self::TimedOut, Self::Cancelled, Self::Skipped];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
            Self::Cancelled => "cancelled",
            Self::Skipped => "skipped",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn is_finished(self) -> bool {
        !matches!(self, Self::Pending | Self::Running)
    }

    /// Failed and timed-out runs are the ones a retry policy applies to.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Failed | Self::TimedOut)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggeredBy {
    Scheduler,
    Manual,
    Api,
    Retry,
}

impl TriggeredBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduler => "scheduler",
            Self::Manual => "manual",
            Self::Api => "api",
            Self::Retry => "retry",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Scheduler, Self::Manual, Self::Api, Self::Retry].into_iter().find(|t| t.as_str() == raw)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub total: u64,
    pub processed: u64,
    pub succeeded: u64,
    pub failed: u64,
}

impl Progress {
    pub fn percent(&self) -> u8 {
        if self.total == 0 {
            return 0;
        }
        let pct = self.processed.saturating_mul(100) / self.total;
        u8::try_from(pct.min(100)).unwrap_or(100)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    pub id: ExecutionId,
    pub job_id: JobId,
    /// Its job's kind of work, kept on the run so that a family's runs list without the jobs.
    #[serde(default)]
    pub kind: RunKind,
    /// The fire time this run belongs to; with `attempt` it identifies the run uniquely.
    pub scheduled_at: DateTime<Utc>,
    pub attempt: u32,
    pub status: ExecutionStatus,
    pub triggered_by: TriggeredBy,
    pub principal: Option<String>,
    pub created_at: DateTime<Utc>,
    /// A retry waits until this time before it starts.
    pub not_before: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub progress: Progress,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub exit_code: Option<i32>,
    pub stdout_tail: Option<String>,
    pub stderr_tail: Option<String>,
    /// When someone asked a running run to stop; the run stops at its next check.
    #[serde(default)]
    pub cancel_requested_at: Option<DateTime<Utc>>,
}

impl Execution {
    pub fn new(
        job_id: JobId,
        kind: RunKind,
        scheduled_at: DateTime<Utc>,
        attempt: u32,
        triggered_by: TriggeredBy,
        principal: Option<String>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: ExecutionId::generate(),
            job_id,
            kind,
            scheduled_at,
            attempt,
            status: ExecutionStatus::Pending,
            triggered_by,
            principal,
            created_at: now,
            not_before: None,
            started_at: None,
            finished_at: None,
            progress: Progress::default(),
            result: None,
            error: None,
            exit_code: None,
            stdout_tail: None,
            stderr_tail: None,
            cancel_requested_at: None,
        }
    }

    pub fn duration_seconds(&self) -> Option<f64> {
        let (start, end) = (self.started_at?, self.finished_at?);
        let millis = (end - start).num_milliseconds().max(0);
        Some(millis as f64 / 1000.0)
    }

    /// A run that never started (skipped, refused) is finished the moment it is recorded.
    pub fn finish_without_running(mut self, status: ExecutionStatus, error: String, now: DateTime<Utc>) -> Self {
        self.status = status;
        self.error = Some(super::record_budget::fit_error(error));
        self.finished_at = Some(now);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_their_storage_words() {
        for s in ExecutionStatus::ALL {
            assert_eq!(ExecutionStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ExecutionStatus::parse("success"), None);
    }

    #[test]
    fn duration_needs_both_ends() {
        let now = Utc::now();
        let mut e = Execution::new(JobId::generate(), RunKind::Script, now, 1, TriggeredBy::Api, None, now);
        assert_eq!(e.duration_seconds(), None);
        e.started_at = Some(now);
        e.finished_at = Some(now + chrono::Duration::milliseconds(5200));
        assert_eq!(e.duration_seconds(), Some(5.2));
    }

    #[test]
    fn progress_percent_is_bounded() {
        let p = Progress { total: 3, processed: 1, succeeded: 1, failed: 0 };
        assert_eq!(p.percent(), 33);
        assert_eq!(Progress::default().percent(), 0);
        let over = Progress { total: 1, processed: 5, ..Default::default() };
        assert_eq!(over.percent(), 100);
    }
}
