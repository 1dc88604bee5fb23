//! A scheduled job as the seed shows it, and a retried video with the run that fetches it.

use serde::Serialize;
use utoipa::ToSchema;

use super::views::VideoView;
use crate::app::RetriedVideo;
use crate::domain::job::Job;
use crate::domain::task::TaskSpec;
use crate::domain::trigger::Trigger;
use crate::http::time::rfc3339_z;

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduledScrapeView {
    #[schema(example = "660e8400-e29b-41d4-a716-446655440000")]
    pub id: String,
    #[schema(example = "Daily Scrape - @khaby.lame")]
    pub name: String,
    /// `profile` or `hashtag`.
    #[schema(value_type = String, example = "profile")]
    pub mode: &'static str,
    #[schema(example = "khaby.lame")]
    pub value: String,
    pub limit: u32,
    pub no_watermark: bool,
    /// Whole minutes between runs (an interval set in seconds through seed 004's routes is
    /// rounded down).
    #[schema(example = 1440)]
    pub interval_minutes: u64,
    pub enabled: bool,
    /// When the last run was scheduled to start.
    #[schema(example = "2025-01-15T10:00:00Z")]
    pub last_run_at: Option<String>,
    /// When it runs next; none while it is disabled or paused.
    #[schema(example = "2025-01-16T10:00:00Z")]
    pub next_run_at: Option<String>,
    /// Finished runs, scheduled and manual.
    pub total_runs: u64,
    pub successful_runs: u64,
    /// Failed or timed out.
    pub failed_runs: u64,
    pub created_at: String,
    pub updated_at: String,
}

impl ScheduledScrapeView {
    /// The view of a scheduled scrape; any other job has none.
    pub fn of(job: &Job) -> Option<Self> {
        let (TaskSpec::Scrape(task), Trigger::Interval { every_seconds, .. }) = (&job.task, &job.trigger) else {
            return None;
        };
        Some(Self {
            id: job.id.to_string(),
            name: job.name.clone(),
            mode: task.mode().as_str(),
            value: task.value().to_string(),
            limit: task.limit(),
            no_watermark: task.no_watermark(),
            interval_minutes: every_seconds / 60,
            enabled: job.enabled,
            last_run_at: job.last_run_at.map(rfc3339_z),
            next_run_at: job.next_run_at.filter(|_| job.is_active()).map(rfc3339_z),
            total_runs: job.counters.total,
            successful_runs: job.counters.succeeded,
            failed_runs: job.counters.failed,
            created_at: rfc3339_z(job.created_at),
            updated_at: rfc3339_z(job.updated_at),
        })
    }
}

/// `POST /videos/{video_id}/retry`: the video, back to `pending`, and the run fetching it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetriedVideoView {
    #[serde(flatten)]
    pub video: VideoView,
    /// The run started to fetch it again: `GET /jobs/{job_id}` follows it. The video's own
    /// `job_id` stays the run that found it.
    #[schema(example = "0193b7a2-5c1e-7d4f-9a3b-2f6e8d1c4b5a")]
    pub retry_job_id: String,
}

impl From<&RetriedVideo> for RetriedVideoView {
    fn from(retried: &RetriedVideo) -> Self {
        Self { video: VideoView::from(&retried.video), retry_job_id: retried.run.id.to_string() }
    }
}
