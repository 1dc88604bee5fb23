//! What the socket sends: seed 002's job view, cut to the fields that move while a run runs.

use serde::Serialize;

use crate::domain::execution::{Execution, ExecutionStatus};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunProgressView {
    pub id: String,
    pub status: &'static str,
    /// 0 to 100.
    pub progress: u8,
    pub total_videos: u64,
    pub successful_downloads: u64,
    pub failed_downloads: u64,
}

impl From<&Execution> for RunProgressView {
    fn from(run: &Execution) -> Self {
        Self {
            id: run.id.to_string(),
            status: seed_status(run.status),
            progress: run.progress.percent(),
            total_videos: run.progress.total,
            successful_downloads: run.progress.succeeded,
            failed_downloads: run.progress.failed,
        }
    }
}

/// Seed 002 knows five job statuses; a timeout is a failure to it, a skipped fire a run that
/// was called off.
fn seed_status(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Pending => "pending",
        ExecutionStatus::Running => "running",
        ExecutionStatus::Succeeded => "completed",
        ExecutionStatus::Failed | ExecutionStatus::TimedOut => "failed",
        ExecutionStatus::Cancelled | ExecutionStatus::Skipped => "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::execution::{Progress, TriggeredBy};
    use crate::domain::ids::JobId;

    #[test]
    fn every_status_speaks_the_seeds_words() {
        let words: Vec<_> = ExecutionStatus::ALL.into_iter().map(seed_status).collect();
        assert_eq!(words, ["pending", "running", "completed", "failed", "failed", "cancelled", "cancelled"]);
    }

    #[test]
    fn the_view_carries_the_seeds_names_and_the_percentage() {
        let now = Utc::now();
        let mut run = Execution::new(
            JobId::generate(),
            crate::domain::task::RunKind::Scrape,
            now,
            1,
            TriggeredBy::Api,
            None,
            now,
        );
        run.status = ExecutionStatus::Running;
        run.progress = Progress { total: 4, processed: 3, succeeded: 2, failed: 1 };
        let json = serde_json::to_value(RunProgressView::from(&run)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": run.id.to_string(), "status": "running", "progress": 75,
                "total_videos": 4, "successful_downloads": 2, "failed_downloads": 1,
            })
        );
    }
}
