//! Seed 003's cleanup over a store, confirmed the way the seed's own request confirms it, with
//! fresh records beside it: what the S3 tests on moto and on SeaweedFS check its report against.

use std::sync::Arc;

use jobsmith::adapters::local::sqlite::SqliteStore;
use jobsmith::app::{CleanupOutcome, CleanupReport, CleanupRequest, Requester, VideoCleanup};
use jobsmith::domain::cleanup::{CONFIRM_ACTION, CleanupGuard, SEED_DEFAULT_TOKEN, ServerMode};
use jobsmith::ports::{ObjectStore, SystemClock};

/// Runs the cleanup of every video file in `store` and returns its report.
pub async fn confirmed_cleanup(store: Arc<dyn ObjectStore>) -> CleanupReport {
    let records = Arc::new(SqliteStore::open_in_memory().expect("a store"));
    let guard = CleanupGuard::new(ServerMode::Development, None, true);
    let cleanup = VideoCleanup::new(store, records.clone(), records, Arc::new(SystemClock), guard);
    let request = CleanupRequest {
        confirmation_token: Some(SEED_DEFAULT_TOKEN.to_owned()),
        confirm_action: Some(CONFIRM_ACTION.to_owned()),
        dry_run: false,
    };
    let requester = Requester { principal: "ops".to_owned(), client_address: None, user_agent: None };
    match cleanup.cleanup_all(request, requester).await.expect("the cleanup") {
        CleanupOutcome::Done(report) => report,
        other => panic!("a confirmed cleanup runs, got {other:?}"),
    }
}
