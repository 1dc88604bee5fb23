//! Seed 003's cleanup of every video file: guarded by the server's mode, a token and a typed
//! confirmation; able to report what it would do without doing it; and written to the audit log
//! on every attempt, refused or not.

use std::collections::HashSet;
use std::sync::Arc;

use crate::domain::audit::{AuditAction, AuditCounts, AuditEntry, AuditId, AuditOutcome, clipped};
use crate::domain::cleanup::{CLEANUP_PREFIXES, CleanupGuard, Refusal};
use crate::domain::object_key::ObjectKey;
use crate::domain::video::{TombstoneCause, Video};
use crate::ports::{AuditLog, AuditPage, Clock, ObjectInfo, ObjectStore, VideoStore};

use super::error::{AppError, AppResult};
use super::stored_files::{delete_keys, uploaded_videos, video_files_under};

/// How many keys a dry run names: enough to recognise what would go, small enough to read.
pub const DRY_RUN_KEYS: usize = 20;

/// How many per-file errors an answer lists; the counts stay exact past it.
pub const LISTED_ERRORS: usize = 100;

/// What the caller sent, before any check.
#[derive(Debug, Clone, Default)]
pub struct CleanupRequest {
    pub confirmation_token: Option<String>,
    pub confirm_action: Option<String>,
    pub dry_run: bool,
}

/// Who asked, for the audit log.
#[derive(Debug, Clone)]
pub struct Requester {
    pub principal: String,
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
}

/// What a dry run found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRunReport {
    pub files: u64,
    pub bytes: u64,
    pub first_keys: Vec<String>,
    pub prefixes: u32,
}

/// What a real run did, in seed 003's statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupReport {
    pub total_files_before: u64,
    pub directories_processed: u32,
    pub files_removed: u64,
    pub files_failed: u64,
    pub cleanup_errors: Vec<String>,
    /// The keys that could not be deleted (at most [`LISTED_ERRORS`]).
    pub failed_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CleanupOutcome {
    Refused(Refusal),
    DryRun(DryRunReport),
    Done(CleanupReport),
}

/// The cleanup and its audit log.
#[derive(Clone)]
pub struct VideoCleanup {
    objects: Arc<dyn ObjectStore>,
    videos: Arc<dyn VideoStore>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    guard: CleanupGuard,
}

impl VideoCleanup {
    pub fn new(
        objects: Arc<dyn ObjectStore>,
        videos: Arc<dyn VideoStore>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
        guard: CleanupGuard,
    ) -> Self {
        Self { objects, videos, audit, clock, guard }
    }

    pub fn guard(&self) -> &CleanupGuard {
        &self.guard
    }

    /// Checks the request, then deletes (or, on a dry run, lists) every video file under the
    /// cleanup prefixes. The attempt is in the audit log before anything is deleted: if the log
    /// cannot be written, nothing is.
    pub async fn cleanup_all(&self, request: CleanupRequest, requester: Requester) -> AppResult<CleanupOutcome> {
        let mut entry = AuditEntry {
            id: AuditId::generate(),
            at: self.clock.now(),
            action: AuditAction::CleanupAllVideos,
            outcome: AuditOutcome::Refused,
            status: 0,
            principal: clipped(&requester.principal),
            client_address: requester.client_address.as_deref().map(clipped),
            user_agent: requester.user_agent.as_deref().map(clipped),
            reason: None,
            counts: AuditCounts::default(),
        };
        if let Err(refusal) = self.guard.check(request.confirmation_token.as_deref(), request.confirm_action.as_deref())
        {
            entry.status = refusal.status();
            entry.reason = Some(refusal.message().to_owned());
            // A refusal touched nothing: it is answered even when the log cannot take it.
            if let Err(err) = self.audit.record(&entry).await {
                tracing::error!(error = %err, "the audit log refused a refused cleanup attempt");
            }
            tracing::warn!(status = entry.status, principal = %entry.principal, "cleanup of every video refused");
            return Ok(CleanupOutcome::Refused(refusal));
        }
        entry.outcome = AuditOutcome::Started;
        self.audit.record(&entry).await?;
        tracing::warn!(principal = %entry.principal, dry_run = request.dry_run, "cleanup of every video started");
        match self.run(request.dry_run, &mut entry).await {
            Ok(outcome) => {
                self.audit.record(&entry).await?;
                Ok(outcome)
            }
            Err(err) => {
                entry.outcome = AuditOutcome::Failed;
                entry.status = 500;
                entry.reason = Some("Internal server error".to_owned());
                if let Err(log_err) = self.audit.record(&entry).await {
                    tracing::error!(error = %log_err, "the audit log refused a failed cleanup");
                }
                Err(err)
            }
        }
    }

    async fn run(&self, dry_run: bool, entry: &mut AuditEntry) -> AppResult<CleanupOutcome> {
        let found = self.video_files().await?;
        entry.counts.files_found = found.len() as u64;
        entry.counts.bytes_found = found.iter().map(|o| o.size).sum();
        if dry_run {
            entry.outcome = AuditOutcome::DryRun;
            entry.status = 200;
            return Ok(CleanupOutcome::DryRun(DryRunReport {
                files: entry.counts.files_found,
                bytes: entry.counts.bytes_found,
                first_keys: found.iter().take(DRY_RUN_KEYS).map(|o| o.key.to_string()).collect(),
                prefixes: CLEANUP_PREFIXES.len() as u32,
            }));
        }
        let keys: Vec<ObjectKey> = found.into_iter().map(|o| o.key).collect();
        let mut report = CleanupReport {
            total_files_before: keys.len() as u64,
            directories_processed: CLEANUP_PREFIXES.len() as u32,
            files_removed: 0,
            files_failed: 0,
            cleanup_errors: Vec::new(),
            failed_keys: Vec::new(),
        };
        let outcome = delete_keys(self.objects.as_ref(), &keys).await?;
        report.files_removed = outcome.deleted.len() as u64;
        report.files_failed = outcome.failed.len() as u64;
        for (key, why) in outcome.failed.into_iter().take(LISTED_ERRORS) {
            report.cleanup_errors.push(format!("Failed to remove video file {key}: {why}"));
            report.failed_keys.push(key.to_string());
        }
        self.tombstone_stored(&outcome.deleted.into_iter().collect()).await?;
        entry.counts.files_removed = report.files_removed;
        entry.counts.files_failed = report.files_failed;
        (entry.outcome, entry.status) =
            if report.files_failed == 0 { (AuditOutcome::Completed, 200) } else { (AuditOutcome::Partial, 206) };
        tracing::warn!(removed = report.files_removed, failed = report.files_failed, "cleanup of every video done");
        Ok(CleanupOutcome::Done(report))
    }

    /// Every video file under the cleanup prefixes.
    async fn video_files(&self) -> AppResult<Vec<ObjectInfo>> {
        let mut found = Vec::new();
        for prefix in CLEANUP_PREFIXES {
            found.extend(video_files_under(self.objects.as_ref(), prefix).await?);
        }
        Ok(found)
    }

    /// The records of stored videos whose file went become tombstones, so that a scheduled
    /// scrape does not fetch them again.
    async fn tombstone_stored(&self, deleted: &HashSet<ObjectKey>) -> AppResult<()> {
        if deleted.is_empty() {
            return Ok(());
        }
        let gone = |video: Video| video.video_key.as_ref().is_some_and(|key| deleted.contains(key)).then_some(video.id);
        let now = self.clock.now();
        for id in uploaded_videos(self.videos.as_ref(), gone).await? {
            self.videos.tombstone_video(id, TombstoneCause::Cleanup, now).await?;
        }
        Ok(())
    }

    /// A page of the audit log, newest first.
    pub async fn audit_page(&self, cursor: Option<&str>, limit: u32) -> AppResult<AuditPage> {
        self.audit.list_audit(cursor, limit).await.map_err(AppError::from)
    }
}

#[cfg(test)]
mod tests;
