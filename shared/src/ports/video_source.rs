//! Where a scrape finds videos and fetches their files: yt-dlp as a child process, locally and on
//! Lambda. The run around it (archive, statuses, storage, limits) is the same for every source.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::domain::video::{FailureClass, Platform, PlatformVideoId, SourceUrl, VideoMetadata};

/// What to list: a profile or hashtag page (the configured URL template with the value put in),
/// at most `limit` videos, newest first, posted inside the window when one is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    pub url: String,
    pub limit: u32,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// One video a listing found, with what the platform said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedVideo {
    pub platform: Platform,
    pub platform_id: PlatformVideoId,
    /// The video's own page, from which its file is fetched.
    pub source_url: SourceUrl,
    pub metadata: VideoMetadata,
    /// The name of the source's extractor that read the video when it was listed (yt-dlp's
    /// `extractor`, `TikTok` or `generic`), which the fetch tries first; None when unknown.
    pub extractor: Option<String>,
    /// The source's own description of the video as the listing read it (yt-dlp's info JSON
    /// line), from which a fetch can take the file without reading the page again; None when
    /// the source has none. Opaque to the run, and never stored: it may carry the session's
    /// cookies.
    pub listing_info: Option<Arc<str>>,
}

/// A fetched file, in the directory the caller gave; the caller moves it to the object store
/// and removes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Downloaded {
    pub file: PathBuf,
    /// The file's extension without the dot (`mp4`, `webm`): the stored object's key ends in it.
    pub extension: String,
    /// What the platform said when the file was fetched (fresher than the listing's), with the
    /// file's size and whether it carries a watermark where that is known.
    pub metadata: VideoMetadata,
    /// The extractor's own description of the video, stored beside the file as its sidecar.
    pub info: serde_json::Value,
}

/// Why a listing or a fetch failed, classed the way the run handles it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{class:?}: {message}")]
pub struct FetchError {
    pub class: FailureClass,
    /// What the tool said, cut to its first lines; never credentials.
    pub message: String,
    /// How long the platform asked us to wait, when it said.
    pub retry_after: Option<Duration>,
}

impl FetchError {
    pub fn new(class: FailureClass, message: impl Into<String>) -> Self {
        Self { class, message: message.into(), retry_after: None }
    }

    /// Worth another try after a pause: rate limits, blocks and network trouble pass; a missing
    /// video, a broken extractor or a full disk do not.
    pub fn is_transient(&self) -> bool {
        matches!(self.class, FailureClass::RateLimited | FailureClass::Network)
    }
}

/// Where a listing hands each video as soon as it has read it.
pub type ListedSink = UnboundedSender<ListedVideo>;

#[async_trait]
pub trait VideoSource: Send + Sync {
    /// Lists the page, sending each video to `found` as it is read, newest first, at most
    /// `request.limit`, so that the caller can fetch the first while the rest are still being
    /// read. Stops early when `cancel` fires or `found` is closed. An error after some videos
    /// were sent says the listing as a whole is not to be trusted (the platform throttled it);
    /// what was sent was still found.
    async fn list_into(
        &self,
        request: &ListRequest,
        found: ListedSink,
        cancel: CancellationToken,
    ) -> Result<(), FetchError>;

    /// The videos the page lists, newest first, at most `request.limit`, once the listing has
    /// ended. Stops early, with what it has, when `cancel` fires.
    async fn list(&self, request: &ListRequest, cancel: CancellationToken) -> Result<Vec<ListedVideo>, FetchError> {
        let (found, mut listed) = tokio::sync::mpsc::unbounded_channel();
        self.list_into(request, found, cancel).await?;
        let mut videos = Vec::new();
        while let Ok(video) = listed.try_recv() {
            videos.push(video);
        }
        Ok(videos)
    }

    /// Fetches one video's file into `dir` (which exists and is empty). `no_watermark` asks for
    /// a format without one, best effort. A cancel kills the child at once; what it returns then
    /// is an error the caller, which cancelled, does not record.
    async fn download(
        &self,
        video: &ListedVideo,
        dir: &Path,
        no_watermark: bool,
        cancel: CancellationToken,
    ) -> Result<Downloaded, FetchError>;
}
