//! The seed's bodies for a scrape run ("job"): what `POST /jobs` answers, what listings and
//! `GET /jobs/{job_id}` show, and the download links of its videos. `drive_*` names keep their
//! places: links are download URLs, folder paths are object-store prefixes.

use serde::Serialize;
use utoipa::ToSchema;

use super::views::VideoView;
use crate::app::{ObjectLink, ScrapeRun};
use crate::domain::execution::{Execution, ExecutionStatus};
use crate::domain::object_key::ObjectKey;
use crate::domain::video::Video;
use crate::http::time::rfc3339_z;

/// A run's status in the seed's words. A skipped fire never ran, as a cancelled run did not
/// finish; a timeout is a failure to the seed's clients.
pub fn seed_status(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Pending => "pending",
        ExecutionStatus::Running => "running",
        ExecutionStatus::Succeeded => "completed",
        ExecutionStatus::Failed | ExecutionStatus::TimedOut => "failed",
        ExecutionStatus::Cancelled | ExecutionStatus::Skipped => "cancelled",
    }
}

/// The seed's `progress`: percent of the listed videos handled; a completed run is done.
pub(crate) fn seed_percent(execution: &Execution) -> u8 {
    if execution.status == ExecutionStatus::Succeeded { 100 } else { execution.progress.percent() }
}

/// `POST /jobs`' answer: exactly the seed's fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedRunView {
    /// The run's id: `GET /jobs/{job_id}` takes it, and its videos carry it as `job_id`.
    #[schema(example = "019a3c1e-7b2d-7c4e-9f10-2b3c4d5e6f70")]
    pub id: String,
    #[schema(value_type = String, example = "profile")]
    pub mode: &'static str,
    pub value: String,
    pub limit: u32,
    pub no_watermark: bool,
    /// `pending`, `running`, `completed`, `failed` or `cancelled`.
    #[schema(value_type = String, example = "running")]
    pub status: &'static str,
    /// Percent of the listed videos handled.
    pub progress: u8,
    pub total_videos: u64,
    pub successful_downloads: u64,
    pub failed_downloads: u64,
    #[schema(example = "2025-01-15T10:30:00Z")]
    pub created_at: String,
}

impl From<&ScrapeRun> for CreatedRunView {
    fn from(run: &ScrapeRun) -> Self {
        let (execution, task) = (&run.execution, &run.task);
        Self {
            id: execution.id.to_string(),
            mode: task.mode().as_str(),
            value: task.value().to_string(),
            limit: task.limit(),
            no_watermark: task.no_watermark(),
            status: seed_status(execution.status),
            progress: seed_percent(execution),
            total_videos: execution.progress.total,
            successful_downloads: execution.progress.succeeded,
            failed_downloads: execution.progress.failed,
            created_at: rfc3339_z(execution.created_at),
        }
    }
}

/// A run as listings, `GET /jobs/{job_id}` and cancel show it: the seed's fields of all three,
/// and what the run was asked and what went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    #[serde(flatten)]
    pub created: CreatedRunView,
    /// When the run ended, however it ended.
    #[schema(example = "2025-01-15T11:15:00Z")]
    pub completed_at: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    /// The folder under `videos/` the run stores into, when it was given one.
    pub drive_folder_id: Option<String>,
    /// Why the run failed, when it did.
    pub error: Option<String>,
}

impl From<&ScrapeRun> for RunView {
    fn from(run: &ScrapeRun) -> Self {
        let task = &run.task;
        Self {
            created: CreatedRunView::from(run),
            completed_at: run.execution.finished_at.map(rfc3339_z),
            since: task.since().map(rfc3339_z),
            until: task.until().map(rfc3339_z),
            drive_folder_id: task.folder().map(ToString::to_string),
            error: run.execution.error.clone(),
        }
    }
}

/// One stored video's links.
#[derive(Debug, Serialize, ToSchema)]
pub struct DriveLinkView {
    /// The video's `id`, as `videos` lists it.
    pub video_id: String,
    /// Downloads the file: a presigned URL on S3 (valid an hour), or this server's
    /// `/api/v1/files/{key}` (send the API key) locally.
    pub video_link: String,
    /// Downloads the metadata stored beside the file (`.json`), the same way.
    pub metadata_link: Option<String>,
    /// The prefix the file is under.
    #[schema(example = "videos/profile/khaby.lame/2025/01")]
    pub folder_path: String,
}

impl DriveLinkView {
    /// `served` makes this server's URL for a key the store cannot link to itself.
    pub fn new(
        video: &Video,
        key: &ObjectKey,
        file: &ObjectLink,
        metadata: Option<&ObjectLink>,
        served: &impl Fn(&ObjectKey) -> String,
    ) -> Self {
        let url = |link: &ObjectLink| match link {
            ObjectLink::Direct(url) => url.clone(),
            ObjectLink::Served(key) => served(key),
        };
        Self {
            video_id: video.id.to_string(),
            video_link: url(file),
            metadata_link: metadata.map(url),
            folder_path: key.as_str().rsplit_once('/').map(|(folder, _)| folder.to_owned()).unwrap_or_default(),
        }
    }
}

/// `GET /jobs/{job_id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunDetailView {
    pub job: RunView,
    /// The run's videos, newest first (deleted ones left out).
    pub videos: Vec<VideoView>,
    /// One per stored video.
    pub drive_links: Vec<DriveLinkView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_status_has_a_seed_word() {
        let words: Vec<&str> = ExecutionStatus::ALL.into_iter().map(seed_status).collect();
        assert_eq!(words, ["pending", "running", "completed", "failed", "failed", "cancelled", "cancelled"]);
    }
}
