//! `cleanup.videos` through the runner, over SQLite and the object folder with real files.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::*;
use crate::adapters::local::objects::LocalObjectStore;
use crate::adapters::local::script::{Interpreters, ScriptEnvironment};
use crate::adapters::local::sqlite::SqliteStore;
use crate::app::VideoRetention;
use crate::domain::task::{RetentionFields, RetentionTask};
use crate::domain::video::{TombstoneCause, Video};
use crate::ports::{ObjectStore, RunOutcome, VideoStore};
use crate::test_support::clock::ManualClock;
use crate::test_support::fixtures::{job, run, t0};
use crate::test_support::locked_files::LockedFiles;
use crate::test_support::videos::{found, key, uploaded_video};

const PROFILE: &str = "videos/profile/a/2026/01";

struct Library {
    dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
}

impl Library {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("object folder"),
            store: Arc::new(SqliteStore::open_in_memory().expect("store")),
        }
    }

    fn folder(&self) -> LocalObjectStore {
        LocalObjectStore::open(self.dir.path()).expect("open the folder")
    }

    /// An uploaded video `n` of source `source`, recorded `days` before `t0`, with its file of
    /// `bytes` bytes under `folder` and its sidecar beside it.
    async fn plant(&self, n: &str, folder: &str, source: &str, days: i64, bytes: usize) -> Video {
        let video = uploaded_video(n, source, folder, t0() - chrono::Duration::days(days), bytes as u64);
        self.store.upsert_video(&video).await.expect("record the video");
        let objects = self.folder();
        objects.put(&key(&format!("{folder}/{n}.mp4")), vec![7; bytes], "video/mp4").await.expect("file");
        objects.put(&key(&format!("{folder}/{n}.json")), b"{}".to_vec(), "application/json").await.expect("sidecar");
        video
    }

    async fn pin(&self, video: &Video) {
        let pinned = video.pin(true, t0()).expect("pinnable");
        self.store.update_video(&pinned, video.version).await.expect("pin");
    }

    fn exists(&self, key: &str) -> bool {
        self.dir.path().join(key).exists()
    }

    fn runner(&self, objects: Arc<dyn ObjectStore>) -> LocalTaskRunner {
        let clock = Arc::new(ManualClock::new(t0()));
        let retention = VideoRetention::new(self.store.clone(), objects, self.store.clone(), clock.clone());
        let roots = Arc::new(ScriptRoots::new(Vec::new()).expect("roots"));
        LocalTaskRunner::new(
            roots,
            Interpreters::default(),
            ScriptEnvironment::from_process(),
            self.store.clone(),
            clock,
        )
        .with_retention(retention)
    }

    async fn tombstone_of(&self, video: &Video) -> Option<TombstoneCause> {
        let stored = self.store.get_video(video.id).await.expect("get").expect("the record stays");
        stored.tombstone.map(|t| t.cause)
    }
}

async fn retain(runner: &LocalTaskRunner, fields: RetentionFields) -> RunOutcome {
    let task = TaskSpec::CleanupVideos(RetentionTask::try_from(fields).expect("arguments"));
    let job = Job { task, ..job("retention", t0()) };
    runner.run(&job, &run("retention", t0(), 1), Duration::from_secs(30), CancellationToken::new()).await
}

fn removed_keys(outcome: &RunOutcome) -> Value {
    outcome.result.as_ref().map(|r| r["removed_keys"].clone()).unwrap_or_default()
}

#[tokio::test]
async fn old_and_surplus_videos_go_with_their_sidecars_and_the_pinned_young_and_elsewhere_stay() {
    let library = Library::new();
    let old = library.plant("1", PROFILE, "a", 40, 100).await;
    let pinned = library.plant("2", PROFILE, "a", 50, 100).await;
    library.pin(&pinned).await;
    let young = library.plant("3", PROFILE, "a", 1, 100).await;
    library.plant("4", PROFILE, "a", 2, 100).await;
    library.plant("5", PROFILE, "b", 3, 100).await;
    library.plant("6", PROFILE, "b", 5, 100).await;
    let surplus = library.plant("7", PROFILE, "b", 10, 100).await;
    let elsewhere = library.plant("8", "videos/drive/x", "a", 60, 100).await;
    let mut refetched = uploaded_video("10", "c", PROFILE, t0() - chrono::Duration::days(1), 100);
    refetched.created_at = t0() - chrono::Duration::days(200);
    library.store.upsert_video(&refetched).await.expect("a video found long ago, stored again yesterday");
    let waiting = Video::found(found("9"), t0() - chrono::Duration::days(90));
    library.store.upsert_video(&waiting).await.expect("a video never stored");
    let runner = library.runner(Arc::new(library.folder()));
    let rules = RetentionFields {
        older_than_days: Some(30),
        keep_newest: Some(2),
        prefix: Some("videos/profile".to_owned()),
        ..RetentionFields::default()
    };
    let going = [format!("{PROFILE}/1.mp4"), format!("{PROFILE}/7.mp4")];

    let dry = retain(&runner, RetentionFields { dry_run: true, ..rules.clone() }).await;
    assert_eq!(dry.status, ExecutionStatus::Succeeded, "{dry:?}");
    assert_eq!(removed_keys(&dry), json!(going), "oldest first");
    let result = dry.result.clone().unwrap_or_default();
    assert_eq!(result["dry_run"], true);
    assert_eq!(result["removed_by_rule"], json!({"older_than_days": 1, "keep_newest": 1, "max_bytes": 0}));
    assert_eq!((&result["videos_considered"], &result["kept_pinned"]), (&json!(8), &json!(1)), "{result}");
    for n in 1..=8 {
        let folder = if n == 8 { "videos/drive/x" } else { PROFILE };
        assert!(library.exists(&format!("{folder}/{n}.mp4")), "a dry run deletes nothing: {n}");
    }
    assert_eq!(library.tombstone_of(&old).await, None, "nor marks anything deleted");

    let real = retain(&runner, rules).await;
    assert_eq!(real.status, ExecutionStatus::Succeeded, "{real:?}");
    assert_eq!(removed_keys(&real), json!(going));
    let result = real.result.clone().unwrap_or_default();
    assert_eq!(
        [&result["videos_removed"], &result["sidecars_removed"], &result["bytes_removed"], &result["videos_kept"]],
        [&json!(2), &json!(2), &json!(200), &json!(6)],
        "{result}"
    );
    assert_eq!(result["errors"], json!([]));
    for n in ["1", "7"] {
        assert!(
            !library.exists(&format!("{PROFILE}/{n}.mp4")) && !library.exists(&format!("{PROFILE}/{n}.json")),
            "{n}"
        );
    }
    for (n, folder) in
        [("2", PROFILE), ("3", PROFILE), ("4", PROFILE), ("5", PROFILE), ("6", PROFILE), ("8", "videos/drive/x")]
    {
        assert!(library.exists(&format!("{folder}/{n}.mp4")) && library.exists(&format!("{folder}/{n}.json")), "{n}");
    }
    assert_eq!(library.tombstone_of(&old).await, Some(TombstoneCause::Retention));
    assert_eq!(library.tombstone_of(&surplus).await, Some(TombstoneCause::Retention));
    for kept in [&pinned, &young, &elsewhere, &waiting, &refetched] {
        assert_eq!(library.tombstone_of(kept).await, None, "{}", kept.platform_id);
    }

    let again = retain(&runner, RetentionFields { older_than_days: Some(30), ..RetentionFields::default() }).await;
    assert_eq!(removed_keys(&again), json!([format!("videos/drive/x/8.mp4")]), "a second run finds the rest");
}

#[tokio::test]
async fn a_file_that_cannot_be_deleted_fails_the_run_and_the_others_still_go() {
    let library = Library::new();
    let stuck = library.plant("locked1", PROFILE, "a", 40, 10).await;
    let gone = library.plant("2", PROFILE, "a", 41, 10).await;
    let runner = library.runner(Arc::new(LockedFiles(library.folder())));
    let outcome = retain(&runner, RetentionFields { older_than_days: Some(30), ..RetentionFields::default() }).await;
    assert_eq!(outcome.status, ExecutionStatus::Failed, "{outcome:?}");
    assert_eq!(outcome.error.as_deref(), Some("1 of 2 videos could not be removed"));
    let result = outcome.result.clone().unwrap_or_default();
    assert_eq!(
        result["errors"],
        json!([format!("Failed to remove video file {PROFILE}/locked1.mp4: Permission denied")]),
        "{result}"
    );
    assert_eq!((&result["videos_removed"], &result["videos_failed"]), (&json!(1), &json!(1)));
    assert!(library.exists(&format!("{PROFILE}/locked1.mp4")));
    assert!(!library.exists(&format!("{PROFILE}/2.mp4")));
    assert_eq!(library.tombstone_of(&stuck).await, None, "its file is still there: the next run tries again");
    assert_eq!(library.tombstone_of(&gone).await, Some(TombstoneCause::Retention));
    let progress = outcome.progress.unwrap_or_default();
    assert_eq!((progress.total, progress.succeeded, progress.failed), (2, 1, 1));
}

#[tokio::test]
async fn the_quota_counts_the_pinned_and_says_so() {
    let library = Library::new();
    let pinned = library.plant("1", PROFILE, "a", 9, 600).await;
    library.pin(&pinned).await;
    library.plant("2", PROFILE, "a", 8, 300).await;
    library.plant("3", PROFILE, "a", 1, 300).await;
    let runner = library.runner(Arc::new(library.folder()));
    let outcome = retain(&runner, RetentionFields { max_bytes: Some(1000), ..RetentionFields::default() }).await;
    assert_eq!(removed_keys(&outcome), json!([format!("{PROFILE}/2.mp4")]), "{outcome:?}");
    let quota = outcome.result.map(|r| r["quota"].clone()).unwrap_or_default();
    assert_eq!(quota, json!({"max_bytes": 1000, "bytes_kept": 900, "pinned_bytes_counted": 600, "exceeded": false}));
    let smaller = retain(&runner, RetentionFields { max_bytes: Some(500), ..RetentionFields::default() }).await;
    assert_eq!(smaller.status, ExecutionStatus::Succeeded, "a quota the pinned alone exceed is no failure");
    assert_eq!(removed_keys(&smaller), json!([format!("{PROFILE}/3.mp4")]));
    let quota = smaller.result.map(|r| r["quota"].clone()).unwrap_or_default();
    assert_eq!(quota, json!({"max_bytes": 500, "bytes_kept": 600, "pinned_bytes_counted": 600, "exceeded": true}));
    assert!(library.exists(&format!("{PROFILE}/1.mp4")), "the pinned stays over it");
}
