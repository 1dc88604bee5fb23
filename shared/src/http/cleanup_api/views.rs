//! The cleanup's answers as seed 003 writes them, and the audit log's entries.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::{CleanupReport, DryRunReport};
use crate::domain::audit::{AuditCounts, AuditEntry};
use crate::http::time;

pub(super) const OPERATION: &str = "cleanup_all_videos";

/// Seed 003's answer to a cleanup that ran (200, or 206 when some files stayed), and to a dry run.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CleanupView {
    /// False when some files could not be deleted (206).
    pub success: bool,
    #[schema(example = "cleanup_all_videos")]
    pub operation: &'static str,
    /// Seconds since the epoch.
    #[schema(example = 1642694400.0)]
    pub timestamp: f64,
    pub statistics: StatisticsView,
    #[schema(example = "Video cleanup operation completed")]
    pub message: &'static str,
    /// Present, and true, on a dry run: nothing was deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// On a dry run: what a real run would delete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_remove: Option<WouldRemoveView>,
    /// On a 206: the keys that could not be deleted (the first 100).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StatisticsView {
    pub total_files_before: u64,
    /// The prefixes looked at: `videos/` and `clips/`.
    pub directories_processed: u32,
    pub files_removed: u64,
    pub files_failed: u64,
    /// `Failed to remove video file <key>: <why>`, the first 100.
    pub cleanup_errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WouldRemoveView {
    pub files: u64,
    pub bytes: u64,
    /// The first 20 keys.
    pub first_keys: Vec<String>,
}

impl CleanupView {
    pub(super) fn done(report: CleanupReport, timestamp: f64) -> Self {
        let success = report.files_failed == 0;
        Self {
            success,
            operation: OPERATION,
            timestamp,
            statistics: StatisticsView {
                total_files_before: report.total_files_before,
                directories_processed: report.directories_processed,
                files_removed: report.files_removed,
                files_failed: report.files_failed,
                cleanup_errors: report.cleanup_errors,
            },
            message: if success { "Video cleanup operation completed" } else { "Video cleanup completed with errors" },
            dry_run: None,
            would_remove: None,
            failed_keys: report.failed_keys,
        }
    }

    pub(super) fn dry_run(report: DryRunReport, timestamp: f64) -> Self {
        Self {
            success: true,
            operation: OPERATION,
            timestamp,
            statistics: StatisticsView {
                total_files_before: report.files,
                directories_processed: report.prefixes,
                files_removed: 0,
                files_failed: 0,
                cleanup_errors: Vec::new(),
            },
            message: "Dry run: nothing was deleted",
            dry_run: Some(true),
            would_remove: Some(WouldRemoveView {
                files: report.files,
                bytes: report.bytes,
                first_keys: report.first_keys,
            }),
            failed_keys: Vec::new(),
        }
    }
}

/// One attempt in `GET /api/v1/audit`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: String,
    /// RFC 3339, UTC.
    pub at: String,
    #[schema(example = "cleanup_all_videos")]
    pub action: String,
    /// `refused`, `started` (still running, or the process died), `dry_run`, `completed`,
    /// `partial` or `failed`.
    #[schema(example = "refused")]
    pub outcome: String,
    /// The HTTP status the attempt was answered with (0 while started).
    #[schema(example = 401)]
    pub status: u16,
    #[schema(example = "anonymous")]
    pub principal: String,
    #[schema(example = "127.0.0.1")]
    pub client_address: Option<String>,
    #[schema(example = "curl/8.5.0")]
    pub user_agent: Option<String>,
    pub reason: Option<String>,
    pub counts: AuditCountsView,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditCountsView {
    pub files_found: u64,
    pub bytes_found: u64,
    pub files_removed: u64,
    pub files_failed: u64,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditPageView {
    pub entries: Vec<AuditEntryView>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

impl From<&AuditEntry> for AuditEntryView {
    fn from(entry: &AuditEntry) -> Self {
        let AuditCounts { files_found, bytes_found, files_removed, files_failed } = entry.counts;
        Self {
            id: entry.id.to_string(),
            at: time::rfc3339_z(entry.at),
            action: entry.action.as_str().to_owned(),
            outcome: entry.outcome.as_str().to_owned(),
            status: entry.status,
            principal: entry.principal.clone(),
            client_address: entry.client_address.clone(),
            user_agent: entry.user_agent.clone(),
            reason: entry.reason.clone(),
            counts: AuditCountsView { files_found, bytes_found, files_removed, files_failed },
        }
    }
}
