//! Where scraped videos are kept: SQLite locally, the DynamoDB table on AWS. Every adapter passes
//! the same contract suite (`tests/src/video_contract`).
//!
//! Access patterns: get by id (which is also the download archive's lookup, since ids are
//! derived from the platform and its id); insert once per video; write a new state under a
//! version check; list newest first by any combination of mode, value, author, hashtag, status,
//! job and run, with a total; delete a job's records; count by status. Deleted (tombstoned)
//! videos are kept by id and left out of every listing and count.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Page, PageRequest, StoreError, StoreResult};
use crate::domain::ids::{ExecutionId, JobId};
use crate::domain::video::{
    AuthorUsername, Hashtag, Platform, PlatformVideoId, ScrapeMode, ScrapeValue, TombstoneCause, TransitionError,
    Video, VideoId, VideoStatus,
};

/// Every filter of seed 002's `GET /videos`, plus the job and run for a job's view. Filters
/// combine with AND; none lists every video.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VideoFilter {
    pub mode: Option<ScrapeMode>,
    pub value: Option<ScrapeValue>,
    pub author_username: Option<AuthorUsername>,
    pub hashtag: Option<Hashtag>,
    pub status: Option<VideoStatus>,
    pub job_id: Option<JobId>,
    pub run_id: Option<ExecutionId>,
}

impl VideoFilter {
    /// Whether `video` is one the filter lists (deleted videos never are).
    pub fn matches(&self, video: &Video) -> bool {
        video.is_listed()
            && self.mode.is_none_or(|m| m == video.mode)
            && self.value.as_ref().is_none_or(|v| *v == video.value)
            && self.author_username.as_ref().is_none_or(|a| video.metadata.author_username.as_ref() == Some(a))
            && self.hashtag.as_ref().is_none_or(|t| video.metadata.hashtags.contains(t))
            && self.status.is_none_or(|s| s == video.status)
            && self.job_id.as_ref().is_none_or(|j| *j == video.job_id)
            && self.run_id.is_none_or(|r| r == video.run_id)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Upserted {
    /// Recorded now, as stored.
    Inserted(Video),
    /// Its platform and id were recorded already (by this run or an earlier one): nothing was
    /// written, and this is the stored record, deleted or not.
    Existing(Video),
}

impl Upserted {
    pub fn video(&self) -> &Video {
        match self {
            Self::Inserted(v) | Self::Existing(v) => v,
        }
    }
}

/// What the download archive says about a video a scrape lists.
#[derive(Debug, Clone, PartialEq)]
pub enum Archived {
    /// Never recorded: fetch it.
    Unknown,
    /// Recorded but not stored: pending, on its way, or failed. The scrape decides whether to
    /// pick it up (a failed one moves again only through [`Video::retry`]).
    Recorded(Video),
    /// Uploaded: skip it.
    Stored(Video),
    /// Deleted by a user or retention: skip it unless someone retries it.
    Tombstoned(Video),
}

impl Archived {
    pub fn of(video: Option<Video>) -> Self {
        match video {
            None => Self::Unknown,
            Some(v) if !v.is_listed() => Self::Tombstoned(v),
            Some(v) if v.status == VideoStatus::Uploaded => Self::Stored(v),
            Some(v) => Self::Recorded(v),
        }
    }
}

/// Listed (not deleted) videos by status, and the bytes of the uploaded ones: what seed 002's
/// stats need from the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VideoCounts {
    by_status: [u64; 6],
    /// The sum of `file_size` over listed, uploaded videos.
    pub uploaded_bytes: u64,
}

impl VideoCounts {
    fn slot(status: VideoStatus) -> usize {
        VideoStatus::ALL.iter().position(|s| *s == status).unwrap_or(0)
    }

    pub fn of(&self, status: VideoStatus) -> u64 {
        self.by_status[Self::slot(status)]
    }

    pub fn set(&mut self, status: VideoStatus, count: u64) {
        self.by_status[Self::slot(status)] = count;
    }

    pub fn total(&self) -> u64 {
        self.by_status.iter().sum()
    }
}

/// What a change through [`change_video`] came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Changed {
    /// Written; the video as it is now.
    Done(Video),
    /// The video's state does not allow the change; it is as stored.
    Refused(Video, TransitionError),
    NotFound,
}

/// How often [`change_video`] reads again after losing to a concurrent writer.
pub const CHANGE_ROUNDS: u32 = 8;

#[async_trait]
pub trait VideoStore: Send + Sync {
    /// Records a video a run found, unless a video with its id (its platform and platform id)
    /// is recorded already: then nothing is written. The video's id must be the derived one
    /// ([`Video::has_derived_id`]).
    async fn upsert_video(&self, video: &Video) -> StoreResult<Upserted>;

    /// Deleted videos too: a retry finds them by id.
    async fn get_video(&self, id: VideoId) -> StoreResult<Option<Video>>;

    /// Writes `video`'s state if the stored version is still `expected_version` (`Conflict`
    /// otherwise, `NotFound` when there is none). What was fixed when it was found (platform and
    /// ids, mode, value, job, run, creation time) stays as stored.
    async fn update_video(&self, video: &Video, expected_version: u64) -> StoreResult<()>;

    /// Listed videos matching every filter, newest first: by creation time, then by id, both
    /// descending.
    async fn list_videos(&self, filter: &VideoFilter, page: &PageRequest) -> StoreResult<Page<Video>>;

    /// Removes the records of the job's videos, deleted ones included, so that nothing of the
    /// job is left; their files stay. Returns how many.
    async fn delete_job_videos(&self, job_id: &JobId) -> StoreResult<u64>;

    async fn count_videos(&self) -> StoreResult<VideoCounts>;

    /// The download archive: whether a scrape should fetch this video.
    async fn archived(&self, platform: &Platform, platform_id: &PlatformVideoId) -> StoreResult<Archived> {
        Ok(Archived::of(self.get_video(VideoId::of(platform, platform_id)).await?))
    }

    /// Deletes the record (the file stays): it leaves listings and counts, and no scrape fetches
    /// it again until it is retried.
    async fn tombstone_video(&self, id: VideoId, cause: TombstoneCause, now: DateTime<Utc>) -> StoreResult<Changed> {
        change_video(self, id, move |v| v.tombstone(cause, now)).await
    }

    /// Back to `pending` now: a failed, uploaded or deleted video (see [`Video::retry`]).
    async fn retry_video(&self, id: VideoId, now: DateTime<Utc>) -> StoreResult<Changed> {
        change_video(self, id, move |v| v.retry(now)).await
    }
}

/// Reads the video, applies `change` and writes the result under the version it read; on a
/// `Conflict` (someone wrote in between) it reads again and reapplies, up to [`CHANGE_ROUNDS`]
/// times, so the change is judged against the state it lands on.
pub async fn change_video<S, F>(store: &S, id: VideoId, change: F) -> StoreResult<Changed>
where
    S: VideoStore + ?Sized,
    F: Fn(&Video) -> Result<Video, TransitionError> + Send + Sync,
{
    for _ in 0..CHANGE_ROUNDS {
        let Some(stored) = store.get_video(id).await? else { return Ok(Changed::NotFound) };
        let next = match change(&stored) {
            Ok(next) => next,
            Err(why) => return Ok(Changed::Refused(stored, why)),
        };
        match store.update_video(&next, stored.version).await {
            Ok(()) => return Ok(Changed::Done(next)),
            Err(StoreError::Conflict) => continue,
            Err(StoreError::NotFound) => return Ok(Changed::NotFound),
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}
