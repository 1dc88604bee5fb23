//! Seed 000's clip answers.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::{ObjectLink, StoredClip};
use crate::domain::object_key::ObjectKey;
use crate::http::time;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ClipView {
    /// What `DELETE /api/clips/{filename}` takes.
    #[schema(example = "0190a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b-001.mp4")]
    pub filename: String,
    #[schema(example = "clips/Z3TMbaX_X0k/0190a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b-001.mp4")]
    pub key: String,
    /// The job whose run cut it; null once that run is no longer recorded.
    pub job_id: Option<String>,
    /// The video it was cut from: its id, or its stored file's name.
    #[schema(example = "Z3TMbaX_X0k")]
    pub video_id: String,
    /// Bytes.
    pub size: u64,
    /// Seconds, as measured when it was cut.
    pub duration: Option<f64>,
    /// Naive UTC, `2024-11-11T20:30:00`.
    pub created_at: Option<String>,
    /// A presigned URL on S3; this server's `/api/v1/files/{key}` locally.
    pub download_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ClipsView {
    pub success: bool,
    pub clips: Vec<ClipView>,
    pub total: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ClipDeletedView {
    pub success: bool,
    #[schema(example = "Clip 0190a1b2-…-001.mp4 deleted")]
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ClipDeleteFailure {
    pub filename: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ClipsDeletedView {
    pub success: bool,
    pub deleted_count: u64,
    /// Null when every clip went.
    pub errors: Option<Vec<ClipDeleteFailure>>,
    #[schema(example = "15 clips deleted")]
    pub message: String,
}

impl ClipView {
    pub(super) fn new(clip: StoredClip, link: &ObjectLink, served: &impl Fn(&ObjectKey) -> String) -> Self {
        Self {
            filename: clip.filename,
            key: clip.key.to_string(),
            job_id: clip.job_id.map(|id| id.to_string()),
            video_id: clip.video_id,
            size: clip.size,
            duration: clip.duration,
            created_at: clip.stored_at.map(time::naive),
            download_url: match link {
                ObjectLink::Direct(url) => url.clone(),
                ObjectLink::Served(key) => served(key),
            },
        }
    }
}
