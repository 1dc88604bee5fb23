//! What the socket sends: seed 002's job view, cut to the fields that move while a run runs.

use serde::Serialize;

use crate::domain::execution::Execution;
use crate::http::scraper_api::job_views::{seed_percent, seed_status};

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
            // The same number `GET /api/v1/jobs/{id}` answers, a completed empty run included.
            progress: seed_percent(run),
            total_videos: run.progress.total,
            successful_downloads: run.progress.succeeded,
            failed_downloads: run.progress.failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::execution::{ExecutionStatus, Progress, TriggeredBy};
    use crate::domain::ids::JobId;

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
        // A run that found nothing to fetch and completed is done, as the jobs route says.
        run.status = ExecutionStatus::Succeeded;
        run.progress = Progress::default();
        assert_eq!(RunProgressView::from(&run).progress, 100);
    }
}
