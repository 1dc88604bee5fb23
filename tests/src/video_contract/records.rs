//! Videos by id: one record per platform id, reads, and writes under a version.

use std::sync::Arc;

use jobsmith::domain::video::{FoundVideo, ScrapeMode, Video, VideoId, VideoMetadata, VideoStatus};
use jobsmith::ports::{StoreError, Upserted, VideoFilter, VideoStore};
use jobsmith::test_support::fixtures::{ALL, job_id, offset, secs, t0};
use jobsmith::test_support::videos::{author, found, full_video, run_id, tag, value, video};

async fn inserted(store: &dyn VideoStore, v: &Video) -> Video {
    match store.upsert_video(v).await.expect("upsert") {
        Upserted::Inserted(stored) => stored,
        other => panic!("expected an insert, got {other:?}"),
    }
}

pub async fn insert_then_get_round_trips(store: Arc<dyn VideoStore>) {
    let full = full_video("7123456789012345678");
    let plain = video("7000000000000000001");
    assert_eq!(inserted(&*store, &full).await, full, "the insert returns the video as stored");
    inserted(&*store, &plain).await;
    assert_eq!(store.get_video(full.id).await.expect("get"), Some(full), "every field of a video must round-trip");
    assert_eq!(store.get_video(plain.id).await.expect("get"), Some(plain), "empty optional fields must round-trip");
    let missing = VideoId::from_uuid(uuid::Uuid::from_u128(42));
    assert_eq!(store.get_video(missing).await.expect("get missing"), None, "an unknown id reads as None");
}

pub async fn upsert_keeps_one_record_per_platform_id(store: Arc<dyn VideoStore>) {
    let first = inserted(&*store, &video("7123456789012345678")).await;
    // A later run of another job finds the same video, with more to say about it.
    let again = Video::found(
        FoundVideo {
            mode: ScrapeMode::Hashtag,
            value: value("funny"),
            job_id: job_id("other"),
            run_id: run_id(9),
            metadata: VideoMetadata { views: Some(5), hashtags: vec![tag("funny")], ..Default::default() },
            ..found("7123456789012345678")
        },
        t0() + secs(3600),
    );
    assert_eq!(again.id, first.id, "the same platform id is the same video");
    let outcome = store.upsert_video(&again).await.expect("second upsert");
    assert_eq!(outcome, Upserted::Existing(first.clone()), "the second find writes nothing and gets the record");
    assert_eq!(store.get_video(first.id).await.expect("get"), Some(first.clone()), "the record is as first found");
    let everything = store.list_videos(&VideoFilter::default(), &offset(0, ALL)).await.expect("list");
    assert_eq!((everything.total, everything.items), (1, vec![first.clone()]), "one record, not two");
    let by_tag = VideoFilter { hashtag: Some(tag("funny")), ..Default::default() };
    assert_eq!(store.list_videos(&by_tag, &offset(0, ALL)).await.expect("list").total, 0, "nor its hashtags");

    let other = inserted(&*store, &video("7123456789012345679")).await;
    assert_ne!(other.id, first.id, "another platform id is another video");
}

pub async fn an_underived_id_is_refused(store: Arc<dyn VideoStore>) {
    let forged = Video { id: VideoId::from_uuid(uuid::Uuid::from_u128(7)), ..video("1") };
    store.upsert_video(&forged).await.expect_err("an id that is not derived from the platform id is refused");
    assert_eq!(store.get_video(forged.id).await.expect("get"), None, "and nothing is written");
}

pub async fn update_checks_the_version(store: Arc<dyn VideoStore>) {
    let stored = inserted(&*store, &video("1")).await;
    let mut changed = stored.clone();
    changed.metadata.views = Some(99);
    changed.version = 2;
    changed.updated_at = t0() + secs(5);
    store.update_video(&changed, 1).await.expect("update at the stored version");
    assert_eq!(store.get_video(stored.id).await.expect("get"), Some(changed.clone()));

    let mut stale = stored.clone();
    stale.metadata.views = Some(1);
    stale.version = 2;
    let err = store.update_video(&stale, 1).await.expect_err("an update at an old version must fail");
    assert!(matches!(err, StoreError::Conflict), "a stale version must be Conflict, got {err:?}");
    assert_eq!(store.get_video(stored.id).await.expect("get"), Some(changed), "a refused update changes nothing");

    let missing = video("2");
    let err = store.update_video(&missing, 1).await.expect_err("updating a missing video must fail");
    assert!(matches!(err, StoreError::NotFound), "a missing video must be NotFound, got {err:?}");
    assert_eq!(store.get_video(missing.id).await.expect("get"), None, "a refused update creates nothing");
}

pub async fn update_keeps_what_was_found(store: Arc<dyn VideoStore>) {
    let stored = inserted(&*store, &video("1")).await;
    let mut changed = stored.start_download(t0() + secs(1)).expect("start");
    changed.mode = ScrapeMode::Hashtag;
    changed.value = value("other");
    changed.job_id = job_id("other");
    changed.run_id = run_id(99);
    changed.created_at = t0() + secs(999);
    store.update_video(&changed, stored.version).await.expect("update");
    let read = store.get_video(stored.id).await.expect("get").expect("the video");
    assert_eq!(read, changed.with_identity_of(&stored), "what was found stays; the rest is written");
    assert_eq!(read.status, VideoStatus::Downloading);
}

pub async fn update_moves_the_filters_with_the_video(store: Arc<dyn VideoStore>) {
    let stored = inserted(&*store, &video("1")).await;
    let listed = |f: VideoFilter| {
        let store = store.clone();
        async move { store.list_videos(&f, &offset(0, ALL)).await.expect("list").total }
    };
    let by_tag = |t: &str| VideoFilter { hashtag: Some(tag(t)), ..Default::default() };
    let by_author = |a: &str| VideoFilter { author_username: Some(author(a)), ..Default::default() };

    let metadata = VideoMetadata {
        author_username: Some(author("zach")),
        hashtags: vec![tag("a"), tag("b")],
        ..Default::default()
    };
    let tagged = stored.with_metadata(metadata, t0() + secs(1));
    store.update_video(&tagged, stored.version).await.expect("update");
    assert_eq!((listed(by_tag("a")).await, listed(by_tag("b")).await, listed(by_author("zach")).await), (1, 1, 1));

    let metadata = VideoMetadata {
        author_username: Some(author("bella")),
        hashtags: vec![tag("b"), tag("c")],
        ..Default::default()
    };
    let retagged = tagged.with_metadata(metadata, t0() + secs(2));
    store.update_video(&retagged, tagged.version).await.expect("update");
    assert_eq!(listed(by_tag("a")).await, 0, "a tag the video lost no longer lists it");
    assert_eq!((listed(by_tag("b")).await, listed(by_tag("c")).await), (1, 1), "kept and new tags list it");
    assert_eq!((listed(by_author("zach")).await, listed(by_author("bella")).await), (0, 1), "the author moved");
    let page = store.list_videos(&by_tag("c"), &offset(0, ALL)).await.expect("list");
    assert_eq!(page.items, vec![retagged], "the listing shows the video as written");
}
