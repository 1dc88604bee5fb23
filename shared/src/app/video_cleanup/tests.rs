//! The cleanup over the SQLite store and a real folder, with a folder that refuses some deletes
//! for the partial answer, and a log that refuses writes for the fail-safe.

use std::sync::Arc;

use async_trait::async_trait;

use super::*;
use crate::adapters::local::objects::LocalObjectStore;
use crate::adapters::local::sqlite::SqliteStore;
use crate::domain::audit::AuditOutcome;
use crate::domain::cleanup::{CONFIRM_ACTION, SEED_DEFAULT_TOKEN, ServerMode};
use crate::ports::{StoreError, StoreResult, SystemClock};
use crate::test_support::locked_files::LockedFiles;

/// A log that takes nothing.
struct BrokenLog;

#[async_trait]
impl AuditLog for BrokenLog {
    async fn record(&self, _: &AuditEntry) -> StoreResult<()> {
        Err(StoreError::Backend("disk full".to_owned()))
    }
    async fn list_audit(&self, _: Option<&str>, _: u32) -> StoreResult<AuditPage> {
        Err(StoreError::Backend("disk full".to_owned()))
    }
}

struct Setup {
    dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
}

impl Setup {
    async fn new(keys: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let folder = LocalObjectStore::open(dir.path()).unwrap();
        for key in keys {
            folder.put(&ObjectKey::parse(key).unwrap(), b"video".to_vec(), "video/mp4").await.unwrap();
        }
        Self { dir, store }
    }

    fn cleanup(&self, objects: Arc<dyn ObjectStore>, audit: Arc<dyn AuditLog>) -> VideoCleanup {
        let guard = CleanupGuard::new(ServerMode::Development, None, true);
        VideoCleanup::new(objects, self.store.clone(), audit, Arc::new(SystemClock), guard)
    }

    fn folder(&self) -> LocalObjectStore {
        LocalObjectStore::open(self.dir.path()).unwrap()
    }
}

fn confirmed() -> CleanupRequest {
    CleanupRequest {
        confirmation_token: Some(SEED_DEFAULT_TOKEN.to_owned()),
        confirm_action: Some(CONFIRM_ACTION.to_owned()),
        dry_run: false,
    }
}

fn requester() -> Requester {
    Requester {
        principal: "ops".to_owned(),
        client_address: Some("127.0.0.1".to_owned()),
        user_agent: Some("curl/8".to_owned()),
    }
}

#[tokio::test]
async fn files_that_stay_make_a_partial_cleanup_naming_them() {
    let setup = Setup::new(&["videos/a.mp4", "videos/locked.mp4", "clips/v/locked.mkv", "clips/v/b.mkv"]).await;
    let cleanup = setup.cleanup(Arc::new(LockedFiles(setup.folder())), setup.store.clone());
    let CleanupOutcome::Done(report) = cleanup.cleanup_all(confirmed(), requester()).await.unwrap() else {
        panic!("a confirmed cleanup runs");
    };
    assert_eq!((report.total_files_before, report.files_removed, report.files_failed), (4, 2, 2));
    let mut failed = report.failed_keys.clone();
    failed.sort();
    assert_eq!(failed, ["clips/v/locked.mkv", "videos/locked.mp4"]);
    assert!(
        report.cleanup_errors.contains(&"Failed to remove video file videos/locked.mp4: Permission denied".to_owned())
    );
    let log = setup.store.list_audit(None, 10).await.unwrap();
    assert_eq!(log.entries.len(), 1, "the started entry became the final one");
    let entry = &log.entries[0];
    assert_eq!((entry.outcome, entry.status), (AuditOutcome::Partial, 206));
    assert_eq!((entry.counts.files_removed, entry.counts.files_failed), (2, 2));
    assert_eq!((entry.principal.as_str(), entry.client_address.as_deref()), ("ops", Some("127.0.0.1")));
}

#[tokio::test]
async fn nothing_is_deleted_when_the_attempt_cannot_be_logged() {
    let setup = Setup::new(&["videos/a.mp4"]).await;
    let cleanup = setup.cleanup(Arc::new(setup.folder()), Arc::new(BrokenLog));
    assert!(matches!(cleanup.cleanup_all(confirmed(), requester()).await, Err(AppError::Internal(_))));
    assert!(setup.dir.path().join("videos/a.mp4").exists());
    // A refusal is still answered: it touched nothing.
    let refused = cleanup.cleanup_all(CleanupRequest::default(), requester()).await.unwrap();
    assert_eq!(refused, CleanupOutcome::Refused(Refusal::BadToken));
}

#[tokio::test]
async fn more_keys_than_a_page_are_deleted_in_pages() {
    let keys: Vec<String> = (0..1_203).map(|n| format!("clips/v/{n:05}.mp4")).collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let setup = Setup::new(&refs).await;
    let cleanup = setup.cleanup(Arc::new(setup.folder()), setup.store.clone());
    let CleanupOutcome::Done(report) = cleanup.cleanup_all(confirmed(), requester()).await.unwrap() else {
        panic!("a confirmed cleanup runs");
    };
    assert_eq!((report.total_files_before, report.files_removed, report.files_failed), (1_203, 1_203, 0));
    assert!(std::fs::read_dir(setup.dir.path().join("clips/v")).map_or(true, |mut d| d.next().is_none()));
}
