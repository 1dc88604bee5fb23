//! A video's life in the store: the download archive, status moves under the version check,
//! deletion and retry, and pins.

use std::sync::Arc;

use jobsmith::domain::video::{
    FailureClass, Platform, PlatformVideoId, TombstoneCause, TransitionError, Video, VideoFailure, VideoStatus,
};
use jobsmith::ports::{Archived, Changed, StoreError, VideoFilter, VideoStore, change_video};
use jobsmith::test_support::fixtures::{ALL, offset, secs, t0};
use jobsmith::test_support::videos::{full_video, key, tag, video};

fn at(s: i64) -> chrono::DateTime<chrono::Utc> {
    t0() + secs(s)
}

async fn archived(store: &dyn VideoStore, platform_id: &str) -> Archived {
    let id = PlatformVideoId::parse(platform_id).expect("platform id");
    store.archived(&Platform::tiktok(), &id).await.expect("archive lookup")
}

/// Writes `next` over `current`, which must be what is stored.
async fn write(store: &dyn VideoStore, current: &Video, next: Result<Video, TransitionError>) -> Video {
    let next = next.expect("an allowed move");
    store.update_video(&next, current.version).await.expect("write the move");
    next
}

pub async fn the_archive_tells_unknown_recorded_stored_and_tombstoned(store: Arc<dyn VideoStore>) {
    assert_eq!(archived(&*store, "1").await, Archived::Unknown, "a video never seen is unknown");
    let v = store.upsert_video(&video("1")).await.expect("upsert").video().clone();
    assert_eq!(archived(&*store, "1").await, Archived::Recorded(v.clone()), "recorded, not stored");
    let v = write(&*store, &v, v.start_download(at(1))).await;
    let v = write(&*store, &v, v.finish_download(10, at(2))).await;
    assert_eq!(archived(&*store, "1").await, Archived::Recorded(v.clone()), "downloaded is not stored yet");
    let v = write(&*store, &v, v.start_upload(at(3))).await;
    let v = write(&*store, &v, v.finish_upload(key("videos/1.mp4"), None, at(4))).await;
    assert_eq!(archived(&*store, "1").await, Archived::Stored(v.clone()), "uploaded is stored: skip it");
    let Changed::Done(gone) = store.tombstone_video(v.id, TombstoneCause::Retention, at(5)).await.expect("delete")
    else {
        panic!("an uploaded video can be deleted")
    };
    assert_eq!(archived(&*store, "1").await, Archived::Tombstoned(gone.clone()), "deleted: skip it too");
    let Changed::Done(back) = store.retry_video(v.id, at(6)).await.expect("retry") else { panic!("retryable") };
    assert_eq!(archived(&*store, "1").await, Archived::Recorded(back), "a retry clears the tombstone");
    assert_eq!(archived(&*store, "2").await, Archived::Unknown, "other ids are still unknown");
}

pub async fn transitions_are_written_under_the_version_check(store: Arc<dyn VideoStore>) {
    let found = store.upsert_video(&video("1")).await.expect("upsert").video().clone();
    // Two workers read the same pending video: one starts it, the other, late, fails it.
    let started = write(&*store, &found, found.start_download(at(1))).await;
    let late = found.fail(VideoFailure::new(FailureClass::Network, "timeout"), at(2)).expect("allowed from pending");
    let err = store.update_video(&late, found.version).await.expect_err("the stale writer must lose");
    assert!(matches!(err, StoreError::Conflict), "a stale writer must get Conflict, got {err:?}");
    assert_eq!(store.get_video(found.id).await.expect("get"), Some(started.clone()), "the first write stands");

    let failed =
        write(&*store, &started, started.fail(VideoFailure::new(FailureClass::RateLimited, "429"), at(3))).await;
    let read = store.get_video(found.id).await.expect("get").expect("video");
    assert_eq!((read.status, read.failure.map(|f| f.class)), (VideoStatus::Failed, Some(FailureClass::RateLimited)));
    let Changed::Done(retried) = store.retry_video(found.id, at(4)).await.expect("retry") else {
        panic!("a failed video can be retried")
    };
    assert_eq!(
        (retried.status, retried.failure.as_ref(), retried.version),
        (VideoStatus::Pending, None, failed.version + 1)
    );
    assert_eq!(store.get_video(found.id).await.expect("get"), Some(retried.clone()));
    match store.retry_video(found.id, at(5)).await.expect("retry again") {
        Changed::Refused(v, TransitionError::NotFrom { from: VideoStatus::Pending, .. }) => assert_eq!(v, retried),
        other => panic!("a pending video is not retried, got {other:?}"),
    }
}

pub async fn a_tombstone_hides_the_video_until_a_retry(store: Arc<dyn VideoStore>) {
    let full = store.upsert_video(&full_video("1")).await.expect("upsert").video().clone();
    let other = store.upsert_video(&video("2")).await.expect("upsert").video().clone();
    let before = store.count_videos().await.expect("counts");
    assert_eq!((before.total(), before.uploaded_bytes), (2, 5_242_880));
    let filters = [VideoFilter::default(), VideoFilter { hashtag: Some(tag("funny")), ..Default::default() }];

    let Changed::Done(gone) = store.tombstone_video(full.id, TombstoneCause::User, at(10)).await.expect("delete")
    else {
        panic!("a stored video can be deleted")
    };
    assert_eq!(store.get_video(full.id).await.expect("get"), Some(gone.clone()), "the record stays, marked deleted");
    assert_eq!(gone.status, VideoStatus::Uploaded, "deleting the record leaves its state (and its file) alone");
    for f in &filters {
        let page = store.list_videos(f, &offset(0, ALL)).await.expect("list");
        assert!(page.items.iter().all(|v| v.id != full.id), "{f:?}: a deleted video is not listed");
        assert_eq!(page.total as usize, page.items.len(), "{f:?}: nor counted");
    }
    let after = store.count_videos().await.expect("counts");
    assert_eq!((after.total(), after.uploaded_bytes), (1, 0), "stats leave deleted videos out");
    match store.tombstone_video(full.id, TombstoneCause::Retention, at(11)).await.expect("delete again") {
        Changed::Refused(v, TransitionError::AlreadyTombstoned) => assert_eq!(v, gone, "deleted once"),
        other => panic!("a deleted video is not deleted again, got {other:?}"),
    }

    let Changed::Done(back) = store.retry_video(full.id, at(12)).await.expect("retry") else {
        panic!("a deleted video can be retried")
    };
    assert_eq!((back.tombstone, back.status), (None, VideoStatus::Pending));
    let tagged = store.list_videos(&filters[1], &offset(0, ALL)).await.expect("list");
    assert_eq!(tagged.items, vec![back.clone()], "a retried video is listed again, by its hashtags too");
    let everything = store.list_videos(&filters[0], &offset(0, ALL)).await.expect("list");
    assert_eq!((everything.total, everything.items.len()), (2, 2));
    assert!(everything.items.contains(&other));
}

pub async fn retry_and_tombstone_of_a_missing_video_are_not_found(store: Arc<dyn VideoStore>) {
    let missing = video("404").id;
    assert_eq!(store.retry_video(missing, at(1)).await.expect("retry"), Changed::NotFound);
    assert_eq!(store.tombstone_video(missing, TombstoneCause::User, at(1)).await.expect("delete"), Changed::NotFound);
    assert_eq!(store.get_video(missing).await.expect("get"), None, "nothing is created");
}

/// A pin is the video's own state: written under the version check like any move, read back by
/// id and in listings, kept through the changes a scrape makes and a second discovery, and
/// refused once the video is deleted.
pub async fn a_pin_round_trips_and_a_deleted_video_takes_none(store: Arc<dyn VideoStore>) {
    let stored = store.upsert_video(&full_video("1")).await.expect("upsert").video().clone();
    assert!(!stored.pinned, "a video is found unpinned");
    let Changed::Done(pinned) = change_video(&*store, stored.id, |v| v.pin(true, at(1))).await.expect("pin") else {
        panic!("a listed video can be pinned")
    };
    assert_eq!(store.get_video(stored.id).await.expect("get"), Some(pinned.clone()));
    let stale = stored.pin(false, at(2)).expect("allowed");
    let err = store.update_video(&stale, stored.version).await.expect_err("a stale unpin loses");
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    let renamed = pinned.with_metadata(stored.metadata.clone(), at(3));
    let renamed = write(&*store, &pinned, Ok(renamed)).await;
    assert!(renamed.pinned, "a metadata update keeps the pin");
    let again = store.upsert_video(&full_video("1")).await.expect("upsert again");
    assert!(again.video().pinned, "finding it again leaves the stored pin: {again:?}");
    let listed = store.list_videos(&VideoFilter::default(), &offset(0, ALL)).await.expect("list");
    assert_eq!(listed.items, vec![renamed.clone()]);

    let Changed::Done(unpinned) = change_video(&*store, stored.id, |v| v.pin(false, at(4))).await.expect("unpin")
    else {
        panic!("a pinned video can be unpinned")
    };
    assert_eq!(store.get_video(stored.id).await.expect("get").map(|v| v.pinned), Some(false));
    let Changed::Done(gone) = store.tombstone_video(stored.id, TombstoneCause::User, at(5)).await.expect("delete")
    else {
        panic!("deletable")
    };
    match change_video(&*store, stored.id, |v| v.pin(true, at(6))).await.expect("pin a deleted video") {
        Changed::Refused(v, TransitionError::Tombstoned) => assert_eq!(v, gone),
        other => panic!("a deleted video takes no pin, got {other:?}"),
    }
    assert_eq!(unpinned.version + 1, gone.version);
    assert_eq!(change_video(&*store, video("404").id, |v| v.pin(true, at(7))).await.expect("pin"), Changed::NotFound);
}
