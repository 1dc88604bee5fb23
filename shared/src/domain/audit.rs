//! The audit log's records: who tried a guarded, destructive operation, from where, and what came
//! of it. Every attempt is kept, refused or not, so that an admin can tell a mistake from an
//! attack after the fact.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Time-ordered (UUIDv7), so that ids of one millisecond still sort in the order they were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AuditId(uuid::Uuid);

impl AuditId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        uuid::Uuid::parse_str(raw).ok().map(Self)
    }
}

impl fmt::Display for AuditId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The guarded operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// Seed 003's `POST /api/v1/cleanup-all-videos/`.
    CleanupAllVideos,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CleanupAllVideos => "cleanup_all_videos",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// A guard said no (mode, token, confirmation); nothing was touched.
    Refused,
    /// Allowed and under way: written before the first delete, so that a process that dies
    /// midway still leaves the attempt behind. The finished outcome replaces it.
    Started,
    /// Listed what would go and deleted nothing.
    DryRun,
    Completed,
    /// Some files could not be deleted.
    Partial,
    /// The store failed before the operation could finish.
    Failed,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::Started => "started",
            Self::DryRun => "dry_run",
            Self::Completed => "completed",
            Self::Partial => "partial",
            Self::Failed => "failed",
        }
    }
}

/// What the operation found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCounts {
    pub files_found: u64,
    pub bytes_found: u64,
    pub files_removed: u64,
    pub files_failed: u64,
}

/// One attempt. Writing an entry with the same id replaces it (how `Started` becomes final).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    /// The HTTP status the attempt was answered with.
    pub status: u16,
    /// The principal's name (`anonymous` in open mode).
    pub principal: String,
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
    /// Why it was refused or failed, in the words the caller was given.
    pub reason: Option<String>,
    pub counts: AuditCounts,
}

/// The most a user agent or reason keeps: enough to recognise a client, too little to make the
/// log a place to store things.
pub const MAX_TEXT_BYTES: usize = 512;

/// `text` cut to at most [`MAX_TEXT_BYTES`] on a character boundary.
pub fn clipped(text: &str) -> String {
    if text.len() <= MAX_TEXT_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_creation_and_round_trip() {
        let a = AuditId::generate();
        let b = AuditId::generate();
        assert!(a < b);
        assert_eq!(AuditId::parse(&a.to_string()), Some(a));
        assert_eq!(AuditId::parse("nope"), None);
    }

    #[test]
    fn words_are_the_serialized_names() {
        for outcome in [
            AuditOutcome::Refused,
            AuditOutcome::Started,
            AuditOutcome::DryRun,
            AuditOutcome::Completed,
            AuditOutcome::Partial,
            AuditOutcome::Failed,
        ] {
            assert_eq!(serde_json::to_value(outcome).unwrap(), outcome.as_str());
        }
        assert_eq!(
            serde_json::to_value(AuditAction::CleanupAllVideos).unwrap(),
            AuditAction::CleanupAllVideos.as_str()
        );
    }

    #[test]
    fn long_text_is_clipped_on_a_character_boundary() {
        let long = "é".repeat(MAX_TEXT_BYTES);
        let clipped = clipped(&long);
        assert!(clipped.len() <= MAX_TEXT_BYTES);
        assert!(clipped.chars().all(|c| c == 'é'));
        assert_eq!(super::clipped("curl/8.5"), "curl/8.5");
    }
}
