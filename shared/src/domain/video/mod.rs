//! A scraped video: one item a scrape run found, from the moment it is listed until its file is
//! in the object store, and after a user or retention deletes it (a tombstone, so that it is not
//! fetched again).

mod metadata;
mod names;
mod state;
mod transitions;

#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ids::{ExecutionId, JobId};
use super::object_key::ObjectKey;

pub use metadata::VideoMetadata;
pub use names::{AuthorUsername, Hashtag, NameError, Platform, PlatformVideoId, ScrapeMode, ScrapeValue, SourceUrl};
pub use state::{FailureClass, Tombstone, TombstoneCause, VideoFailure, VideoStatus};
pub use transitions::TransitionError;

/// Our id for a video: derived from its (platform, platform id), so that the same video found
/// twice has one id. A store therefore keeps a video once by keeping its id once, and the
/// download archive is a read by id.
///
/// It is a version 8 UUID made of the first bytes of SHA-256 over the platform and id, so it
/// looks like any other id in a URL and reveals nothing beyond what the record shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VideoId(uuid::Uuid);

impl VideoId {
    pub fn of(platform: &Platform, platform_id: &PlatformVideoId) -> Self {
        let mut hash = Sha256::new();
        // The platform name cannot hold a NUL, so no two (platform, id) pairs hash the same text.
        hash.update(platform.as_str().as_bytes());
        hash.update([0u8]);
        hash.update(platform_id.as_str().as_bytes());
        let digest = hash.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Self(uuid::Builder::from_custom_bytes(bytes).into_uuid())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        uuid::Uuid::parse_str(raw).ok().map(Self)
    }

    pub fn from_uuid(uuid: uuid::Uuid) -> Self {
        Self(uuid)
    }

    pub fn as_uuid(&self) -> uuid::Uuid {
        self.0
    }
}

impl fmt::Display for VideoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a scrape run knows when it lists a video.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundVideo {
    pub platform: Platform,
    pub platform_id: PlatformVideoId,
    pub mode: ScrapeMode,
    pub value: ScrapeValue,
    pub job_id: JobId,
    pub run_id: ExecutionId,
    pub source_url: SourceUrl,
    pub metadata: VideoMetadata,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Video {
    /// Always [`VideoId::of`] the platform and platform id.
    pub id: VideoId,
    pub platform: Platform,
    pub platform_id: PlatformVideoId,
    /// The scrape that found it first: its mode and value, its job and run. A later run that
    /// finds it again leaves these as they are.
    pub mode: ScrapeMode,
    pub value: ScrapeValue,
    pub job_id: JobId,
    pub run_id: ExecutionId,
    pub source_url: SourceUrl,
    pub metadata: VideoMetadata,
    /// The stored file, once uploaded.
    pub video_key: Option<ObjectKey>,
    /// The JSON sidecar with the platform's metadata, once uploaded.
    pub sidecar_key: Option<ObjectKey>,
    /// When its file was last stored: the age `cleanup.videos` goes by, so that a video fetched
    /// again by a retry is as young as its file. None before the upload, and for the videos
    /// stored before it was kept (their creation time stands in).
    #[serde(default)]
    pub stored_at: Option<DateTime<Utc>>,
    pub status: VideoStatus,
    /// Why the last attempt failed; cleared by a retry and by a successful upload.
    pub failure: Option<VideoFailure>,
    /// Downloads started.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub tombstone: Option<Tombstone>,
    /// Kept by `cleanup.videos` whatever its rules say; set and cleared through the pin routes.
    #[serde(default)]
    pub pinned: bool,
    /// Bumped on every change; a write naming an older version is refused.
    pub version: u64,
}

impl Video {
    /// A video as first recorded: pending, listed, version 1.
    pub fn found(found: FoundVideo, now: DateTime<Utc>) -> Self {
        Self {
            id: VideoId::of(&found.platform, &found.platform_id),
            platform: found.platform,
            platform_id: found.platform_id,
            mode: found.mode,
            value: found.value,
            job_id: found.job_id,
            run_id: found.run_id,
            source_url: found.source_url,
            metadata: found.metadata.bounded(),
            video_key: None,
            sidecar_key: None,
            stored_at: None,
            status: VideoStatus::Pending,
            failure: None,
            attempts: 0,
            created_at: now,
            updated_at: now,
            tombstone: None,
            pinned: false,
            version: 1,
        }
    }

    /// When its file was stored, or, for a video stored before that was kept, when it was found.
    pub fn stored_since(&self) -> DateTime<Utc> {
        self.stored_at.unwrap_or(self.created_at)
    }

    /// Shown by listings and counted by stats: not deleted.
    pub fn is_listed(&self) -> bool {
        self.tombstone.is_none()
    }

    /// Whether `id` is the one its platform and platform id give: a store keeps a video by its
    /// id, so an id made any other way would let the same video in twice.
    pub fn has_derived_id(&self) -> bool {
        self.id == VideoId::of(&self.platform, &self.platform_id)
    }

    /// `self` with the fields fixed when the video was first recorded taken from `stored`:
    /// what an update writes, whatever the caller changed of them.
    pub fn with_identity_of(self, stored: &Video) -> Self {
        Self {
            id: stored.id,
            platform: stored.platform.clone(),
            platform_id: stored.platform_id.clone(),
            mode: stored.mode,
            value: stored.value.clone(),
            job_id: stored.job_id.clone(),
            run_id: stored.run_id,
            created_at: stored.created_at,
            ..self
        }
    }
}
