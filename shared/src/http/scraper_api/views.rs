//! The seed's bodies. A video keeps every field name of the seed: `job_id` is the run that
//! found it, `drive_file_id` the stored file's object key and `drive_folder_path` the prefix it
//! is under (the seed kept its files in Google Drive; ours are in the object store).

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::ScrapeStats;
use crate::domain::object_key::ObjectKey;
use crate::domain::video::{Video, VideoStatus};
use crate::http::time::rfc3339_z;

#[derive(Debug, Serialize, ToSchema)]
pub struct VideoView {
    /// Our id of the video: `GET /videos/{video_id}` takes it.
    #[schema(example = "908cc04b-8259-8466-b0b9-48eecb4aeb44")]
    pub id: String,
    /// The scrape run that found it.
    pub job_id: String,
    #[schema(example = "https://www.tiktok.com/@khaby.lame/video/7123456789012345678")]
    pub url: String,
    pub desc: Option<String>,
    pub author_username: Option<String>,
    pub author_nickname: Option<String>,
    pub views: Option<u64>,
    pub likes: Option<u64>,
    pub comments: Option<u64>,
    pub shares: Option<u64>,
    /// When the platform says it was posted.
    #[schema(example = "2025-01-10T15:30:00Z")]
    pub created_at_tiktok: Option<String>,
    pub hashtags: Vec<String>,
    pub music_title: Option<String>,
    pub has_watermark: Option<bool>,
    /// Bytes.
    pub file_size: Option<u64>,
    /// Seconds.
    pub duration: Option<f64>,
    /// The stored file's object key, once uploaded.
    #[schema(example = "videos/profile/khaby.lame/2025/01/7123456789012345678.mp4")]
    pub drive_file_id: Option<String>,
    /// The prefix the stored file is under.
    #[schema(example = "videos/profile/khaby.lame/2025/01")]
    pub drive_folder_path: Option<String>,
    #[schema(value_type = String, example = "uploaded")]
    pub status: &'static str,
    /// `tiktok`, or the extractor that found it.
    pub platform: String,
    /// The platform's own id.
    #[schema(example = "7123456789012345678")]
    pub platform_id: String,
    /// `profile` or `hashtag`.
    #[schema(value_type = String)]
    pub mode: &'static str,
    /// The username or hashtag the scrape was asked for.
    pub value: String,
    /// The object key of the platform's metadata, stored beside the file.
    pub metadata_file_id: Option<String>,
    /// Why the last attempt failed: `rate_limited`, `not_found`, `extractor`, `network` or `storage`.
    #[schema(value_type = Option<String>)]
    pub error_class: Option<&'static str>,
    pub error_message: Option<String>,
    /// Downloads started.
    pub attempts: u32,
    /// Kept by `cleanup.videos` whatever its rules say: `PUT /videos/{video_id}/pin` sets it.
    pub pinned: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Video> for VideoView {
    fn from(video: &Video) -> Self {
        let meta = &video.metadata;
        Self {
            id: video.id.to_string(),
            job_id: video.run_id.to_string(),
            url: video.source_url.to_string(),
            desc: meta.description.clone(),
            author_username: meta.author_username.as_ref().map(ToString::to_string),
            author_nickname: meta.author_nickname.clone(),
            views: meta.views,
            likes: meta.likes,
            comments: meta.comments,
            shares: meta.shares,
            created_at_tiktok: meta.posted_at.map(rfc3339_z),
            hashtags: meta.hashtags.iter().map(ToString::to_string).collect(),
            music_title: meta.music_title.clone(),
            has_watermark: meta.has_watermark,
            file_size: meta.file_size,
            duration: meta.duration_seconds,
            drive_file_id: video.video_key.as_ref().map(|k| k.as_str().to_owned()),
            drive_folder_path: video.video_key.as_ref().and_then(folder_of),
            status: video.status.as_str(),
            platform: video.platform.to_string(),
            platform_id: video.platform_id.to_string(),
            mode: video.mode.as_str(),
            value: video.value.to_string(),
            metadata_file_id: video.sidecar_key.as_ref().map(|k| k.as_str().to_owned()),
            error_class: video.failure.as_ref().map(|f| f.class.as_str()),
            error_message: video.failure.as_ref().map(|f| f.message.clone()),
            attempts: video.attempts,
            pinned: video.pinned,
            created_at: rfc3339_z(video.created_at),
            updated_at: rfc3339_z(video.updated_at),
        }
    }
}

/// Everything before the last `/`; a key at the top has no folder.
fn folder_of(key: &ObjectKey) -> Option<String> {
    key.as_str().rsplit_once('/').map(|(folder, _)| folder.to_owned())
}

/// `GET /videos`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VideoList {
    /// Videos matching the filters, ignoring `limit` and `offset`.
    pub total: u64,
    pub videos: Vec<VideoView>,
}

/// `GET /stats`. A "job" is a scrape run; scheduled jobs are scrape jobs on an interval.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsView {
    pub total_jobs: u64,
    /// Runs waiting for a retry.
    pub pending_jobs: u64,
    pub running_jobs: u64,
    pub completed_jobs: u64,
    /// Failed or timed out.
    pub failed_jobs: u64,
    /// Videos recorded and not deleted.
    pub total_videos: u64,
    /// Downloaded, uploading or uploaded.
    pub downloaded_videos: u64,
    pub uploaded_videos: u64,
    pub failed_videos: u64,
    /// Bytes of the uploaded videos' files.
    pub total_storage_bytes: u64,
    pub scheduled_jobs_count: u64,
    /// Enabled and not paused.
    pub active_scheduled_jobs: u64,
}

impl From<&ScrapeStats> for StatsView {
    fn from(stats: &ScrapeStats) -> Self {
        let videos = &stats.videos;
        Self {
            total_jobs: stats.runs.total,
            pending_jobs: stats.runs.pending,
            running_jobs: stats.runs.running,
            completed_jobs: stats.runs.succeeded,
            failed_jobs: stats.runs.failed,
            total_videos: videos.total(),
            downloaded_videos: [VideoStatus::Downloaded, VideoStatus::Uploading, VideoStatus::Uploaded]
                .into_iter()
                .map(|s| videos.of(s))
                .sum(),
            uploaded_videos: videos.of(VideoStatus::Uploaded),
            failed_videos: videos.of(VideoStatus::Failed),
            total_storage_bytes: videos.uploaded_bytes,
            scheduled_jobs_count: stats.scheduled.total,
            active_scheduled_jobs: stats.scheduled.active,
        }
    }
}
