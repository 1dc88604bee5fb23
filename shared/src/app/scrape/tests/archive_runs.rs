//! What a run stores, skips and picks up again.

use super::*;
use crate::domain::execution::{ExecutionStatus, Progress};
use crate::domain::video::{FailureClass, TombstoneCause, VideoStatus};
use crate::test_support::video_source::{body_of, fetch_error, info_of};

#[tokio::test]
async fn three_videos_one_broken_store_two_and_fail_one_with_its_class() {
    let h = Harness::new();
    for id in ["a", "b", "c"] {
        h.source.add(id);
    }
    h.source.break_video("b", fetch_error(FailureClass::Extractor));

    let (outcome, request) = h.run().await;

    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    assert_eq!(counts(&outcome), [3, 2, 1, 0]);
    let bytes = body_of("a").len() + body_of("c").len();
    assert_eq!(outcome.result.as_ref().unwrap()["stored_bytes"], bytes);
    assert_eq!(outcome.result.as_ref().unwrap().get("disk_low"), None);
    for id in ["a", "c"] {
        assert_eq!(h.video(id).await.status, VideoStatus::Uploaded, "{id}");
    }
    let broken = h.video("b").await;
    assert_eq!(broken.status, VideoStatus::Failed);
    assert_eq!(broken.failure.map(|f| f.class), Some(FailureClass::Extractor));
    assert_eq!(h.source.observed().downloads_of("b"), 1, "an extractor failure is not retried");

    let progress = h.execution(&request).await.progress;
    assert_eq!(progress, Progress { total: 3, processed: 3, succeeded: 2, failed: 1 });
    assert_eq!(outcome.progress, Some(progress));
    assert_eq!(h.work_leftovers(), Vec::<std::path::PathBuf>::new());
}

#[tokio::test]
async fn objects_land_at_the_documented_keys_with_their_bytes_and_metadata() {
    let h = Harness::new();
    h.source.add("7123");
    let (outcome, request) = h.run().await;
    assert_eq!(counts(&outcome), [1, 1, 0, 0]);

    assert_eq!(h.object(&format!("{FOLDER}/7123.mp4")).await, body_of("7123"));
    let sidecar: serde_json::Value = serde_json::from_slice(&h.object(&format!("{FOLDER}/7123.json")).await).unwrap();
    assert_eq!(sidecar, info_of("7123"));

    let video = h.video("7123").await;
    assert_eq!(video.video_key.map(String::from), Some(format!("{FOLDER}/7123.mp4")));
    assert_eq!(video.sidecar_key.map(String::from), Some(format!("{FOLDER}/7123.json")));
    assert_eq!(video.metadata.file_size, Some(body_of("7123").len() as u64));
    assert_eq!(video.metadata.has_watermark, Some(false), "from the download");
    assert_eq!(video.metadata.views, Some(10), "from the listing");
    assert_eq!((video.job_id, video.run_id), (request.job_id, request.run_id));
    assert_eq!(video.value, value("khaby.lame"));
}

#[tokio::test]
async fn a_mended_source_brings_back_transient_failures_but_not_missing_videos() {
    let h = Harness::new();
    for id in ["a", "b", "c"] {
        h.source.add(id);
    }
    h.source.break_video("b", fetch_error(FailureClass::Network));
    h.source.break_video("c", fetch_error(FailureClass::NotFound));
    let (first, _) = h.run().await;
    assert_eq!(counts(&first), [3, 1, 2, 0]);
    assert_eq!(h.source.observed().downloads_of("b"), 3, "tried as often as the policy allows");
    assert_eq!(h.source.observed().downloads_of("c"), 1);

    h.source.mend("b");
    h.source.mend("c");
    let (second, _) = h.run().await;

    assert_eq!(counts(&second), [3, 1, 0, 2]);
    assert_eq!(h.video("b").await.status, VideoStatus::Uploaded);
    let missing = h.video("c").await;
    assert_eq!(missing.status, VideoStatus::Failed);
    assert_eq!(missing.failure.map(|f| f.class), Some(FailureClass::NotFound));
    let observed = h.source.observed();
    assert_eq!([observed.downloads_of("a"), observed.downloads_of("b"), observed.downloads_of("c")], [1, 4, 1]);
}

#[tokio::test]
async fn a_second_run_fetches_nothing_new() {
    let h = Harness::new();
    for id in ["a", "b", "c"] {
        h.source.add(id);
    }
    h.run().await;
    let (second, request) = h.run().await;
    assert_eq!(second.status, ExecutionStatus::Succeeded);
    assert_eq!(counts(&second), [3, 0, 0, 3]);
    assert_eq!(h.source.observed().downloads.len(), 3);
    assert_eq!(h.execution(&request).await.progress, Progress { total: 3, processed: 3, succeeded: 0, failed: 0 });
}

#[tokio::test]
async fn a_deleted_video_is_not_fetched_again() {
    let h = Harness::new();
    h.source.add("a");
    h.run().await;
    let deleted = h.store.tombstone_video(h.video("a").await.id, TombstoneCause::User, h.clock.now()).await.unwrap();
    assert!(matches!(deleted, crate::ports::Changed::Done(_)));
    h.source.add("b");

    let (second, _) = h.run().await;

    assert_eq!(counts(&second), [2, 1, 0, 1]);
    assert_eq!(h.source.observed().downloads_of("a"), 1);
    assert!(h.video("a").await.tombstone.is_some());
    assert_eq!(h.video("b").await.status, VideoStatus::Uploaded);
}

#[tokio::test]
async fn a_transient_failure_is_retried_after_a_pause_then_stored() {
    let h = Harness::new();
    h.source.add("a");
    h.source.fail_next("a", fetch_error(FailureClass::Network));
    h.source.fail_next("a", fetch_error(FailureClass::Network));

    let (outcome, _) = h.run().await;

    assert_eq!(counts(&outcome), [1, 1, 0, 0]);
    assert_eq!(h.video("a").await.status, VideoStatus::Uploaded);
    let starts: Vec<_> = h.source.observed().downloads.iter().map(|(_, at)| *at).collect();
    assert_eq!(starts.len(), 3);
    let policy = h.settings.retry;
    for (n, pair) in starts.windows(2).enumerate() {
        let waited = (pair[1] - pair[0]).to_std().unwrap();
        let ceiling = policy.base * 2u32.pow(u32::try_from(n).unwrap());
        assert!(waited <= ceiling, "pause {n} was {waited:?}, over {ceiling:?}");
    }
}

#[tokio::test]
async fn a_failed_listing_fails_the_run_with_its_class_and_a_passing_one_is_tried_again() {
    let h = Harness::new();
    h.source.add("a");
    h.source.fail_listing(fetch_error(FailureClass::Extractor));
    let (failed, _) = h.run().await;
    assert_eq!(failed.status, ExecutionStatus::Failed);
    assert!(failed.error.as_deref().unwrap().contains("extractor"), "{failed:?}");
    assert_eq!(h.source.observed().downloads.len(), 0);

    h.source.fail_listing(fetch_error(FailureClass::Network));
    let (retried, _) = h.run().await;
    assert_eq!(retried.status, ExecutionStatus::Succeeded);
    assert_eq!(counts(&retried), [1, 1, 0, 0]);
    assert_eq!(h.source.observed().listings, 3);
}
