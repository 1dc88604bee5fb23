//! Where a video is in its life: its status, why it failed, and whether it was deleted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `pending → downloading → downloaded → uploading → uploaded`, or `failed` on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoStatus {
    Pending,
    Downloading,
    Downloaded,
    Uploading,
    Uploaded,
    Failed,
}

impl VideoStatus {
    pub const ALL: [VideoStatus; 6] =
        [Self::Pending, Self::Downloading, Self::Downloaded, Self::Uploading, Self::Uploaded, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Downloading => "downloading",
            Self::Downloaded => "downloaded",
            Self::Uploading => "uploading",
            Self::Uploaded => "uploaded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// On its way to the store: a failure can still stop it.
    pub fn is_in_flight(self) -> bool {
        matches!(self, Self::Pending | Self::Downloading | Self::Downloaded | Self::Uploading)
    }
}

impl std::fmt::Display for VideoStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a fetch failed, in the classes that call for different handling: wait and slow down,
/// give up on the video, fix the extractor, try again, or look at the object store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// Rate limited or blocked by the platform.
    RateLimited,
    /// Gone, private, or region-locked.
    NotFound,
    /// The extractor could not read the page (the platform changed).
    Extractor,
    Network,
    /// Writing the file or its sidecar to the object store failed.
    Storage,
}

impl FailureClass {
    pub const ALL: [FailureClass; 5] =
        [Self::RateLimited, Self::NotFound, Self::Extractor, Self::Network, Self::Storage];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RateLimited => "rate_limited",
            Self::NotFound => "not_found",
            Self::Extractor => "extractor",
            Self::Network => "network",
            Self::Storage => "storage",
        }
    }

    /// Also takes the words the issue uses for the same classes (`blocked`, `private`).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "blocked" => Some(Self::RateLimited),
            "private" => Some(Self::NotFound),
            _ => Self::ALL.into_iter().find(|c| c.as_str() == raw),
        }
    }
}

/// A failure as stored on the video: its class and what the extractor or store said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoFailure {
    pub class: FailureClass,
    pub message: String,
}

impl VideoFailure {
    /// The first lines of an error say what went wrong; the rest is cut so that a record stays
    /// small in every store.
    pub const MESSAGE_BUDGET: usize = 2_048;

    pub fn new(class: FailureClass, message: impl Into<String>) -> Self {
        Self { class, message: super::metadata::cut(message.into(), Self::MESSAGE_BUDGET) }
    }
}

/// Who deleted a video's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TombstoneCause {
    /// `DELETE /videos/{id}`: the record goes, the file stays.
    User,
    /// `cleanup.videos` removed its file: by age, beyond the newest kept per source, or over the
    /// byte quota.
    Retention,
    /// Seed 003's cleanup deleted its file.
    Cleanup,
}

impl TombstoneCause {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Retention => "retention",
            Self::Cleanup => "cleanup",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::User, Self::Retention, Self::Cleanup].into_iter().find(|c| c.as_str() == raw)
    }
}

/// A deleted video: gone from every listing, but remembered so that no scrape fetches it
/// again until someone retries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    pub at: DateTime<Utc>,
    pub cause: TombstoneCause,
}
