use chrono::{DateTime, Utc};

use super::*;

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_800_000_000_000 + ms).unwrap()
}

fn found(platform_id: &str) -> FoundVideo {
    FoundVideo {
        platform: Platform::tiktok(),
        platform_id: PlatformVideoId::parse(platform_id).unwrap(),
        mode: ScrapeMode::Profile,
        value: ScrapeValue::parse("khaby.lame").unwrap(),
        job_id: JobId::parse("job").unwrap(),
        run_id: ExecutionId::generate(),
        source_url: SourceUrl::parse("https://www.tiktok.com/@khaby.lame/video/1").unwrap(),
        metadata: VideoMetadata::default(),
    }
}

fn key(raw: &str) -> ObjectKey {
    ObjectKey::parse(raw).unwrap()
}

#[test]
fn ids_are_derived_from_the_platform_and_its_id() {
    let a = Video::found(found("7123456789012345678"), at(0));
    let again = Video::found(FoundVideo { mode: ScrapeMode::Hashtag, ..found("7123456789012345678") }, at(5));
    assert_eq!(a.id, again.id, "the same video found twice has one id");
    assert!(a.has_derived_id());
    assert_ne!(a.id, Video::found(found("7123456789012345679"), at(0)).id);
    let youtube = FoundVideo { platform: Platform::parse("youtube").unwrap(), ..found("7123456789012345678") };
    assert_ne!(a.id, Video::found(youtube, at(0)).id, "ids are per platform");
    assert_eq!(a.id.as_uuid().get_version(), Some(uuid::Version::Custom));
    assert_eq!(VideoId::parse(&a.id.to_string()), Some(a.id));
    assert_eq!(VideoId::parse("nope"), None);
    // Fixed forever: stored records and the download archive are keyed by it.
    let known = VideoId::of(&Platform::parse("TikTok").unwrap(), &PlatformVideoId::parse("1").unwrap());
    assert_eq!(known.to_string(), "908cc04b-8259-8466-b0b9-48eecb4aeb44");
}

#[test]
fn names_parse_to_one_spelling() {
    assert_eq!(Platform::parse("TikTok").unwrap().as_str(), "tiktok");
    assert_eq!(Platform::parse("youtube:tab").unwrap().as_str(), "youtube:tab");
    assert!(Platform::parse("tik tok").is_err());
    assert!(Platform::parse("tik/tok").is_err());
    assert!(Platform::parse("").is_err());
    assert!(Platform::parse(&"x".repeat(33)).is_err());
    assert_eq!(ScrapeValue::parse("@Khaby.Lame").unwrap().as_str(), "khaby.lame");
    assert_eq!(ScrapeValue::parse("#FunnyVideos").unwrap().as_str(), "funnyvideos");
    assert!(ScrapeValue::parse("two words").is_err());
    assert!(ScrapeValue::parse("@").is_err());
    assert_eq!(AuthorUsername::parse("@Someone").unwrap().as_str(), "someone");
    assert_eq!(Hashtag::parse("#Comédie").unwrap().as_str(), "comédie");
    assert!(Hashtag::parse("a#b").is_err());
    assert!(Hashtag::parse("a\u{0}").is_err());
    assert!(Hashtag::parse(&"t".repeat(151)).is_err());
    assert_eq!(PlatformVideoId::parse("Some Id").unwrap().as_str(), "Some Id", "platform ids are kept exactly");
    assert!(PlatformVideoId::parse("a\nb").is_err());
    assert!(PlatformVideoId::parse(&"1".repeat(257)).is_err());
    assert!(SourceUrl::parse("https://example.com/v").is_ok());
    for bad in ["ftp://example.com/v", "https://", "example.com", "https://a b", "javascript:alert(1)"] {
        assert!(SourceUrl::parse(bad).is_err(), "{bad}");
    }
    assert!(serde_json::from_str::<Hashtag>("\"a b\"").is_err(), "deserializing parses too");
}

#[test]
fn words_read_back() {
    for s in VideoStatus::ALL {
        assert_eq!(VideoStatus::parse(s.as_str()), Some(s));
    }
    for c in FailureClass::ALL {
        assert_eq!(FailureClass::parse(c.as_str()), Some(c));
    }
    assert_eq!(FailureClass::parse("blocked"), Some(FailureClass::RateLimited));
    assert_eq!(FailureClass::parse("private"), Some(FailureClass::NotFound));
    assert_eq!(FailureClass::parse("oops"), None);
    for m in ScrapeMode::ALL {
        assert_eq!(ScrapeMode::parse(m.as_str()), Some(m));
    }
    assert_eq!(TombstoneCause::parse("retention"), Some(TombstoneCause::Retention));
}

#[test]
fn the_happy_path_counts_its_attempt_and_records_where_the_file_is() {
    let v = Video::found(found("1"), at(0));
    assert_eq!((v.status, v.version, v.attempts), (VideoStatus::Pending, 1, 0));
    let v = v.start_download(at(1)).unwrap();
    assert_eq!((v.status, v.version, v.attempts, v.updated_at), (VideoStatus::Downloading, 2, 1, at(1)));
    let v = v.finish_download(5_242_880, at(2)).unwrap();
    assert_eq!((v.status, v.metadata.file_size), (VideoStatus::Downloaded, Some(5_242_880)));
    let v = v.start_upload(at(3)).unwrap();
    let v = v.finish_upload(key("videos/tiktok/1.mp4"), Some(key("videos/tiktok/1.json")), at(4)).unwrap();
    assert_eq!(v.status, VideoStatus::Uploaded);
    assert_eq!(v.video_key, Some(key("videos/tiktok/1.mp4")));
    assert_eq!((v.version, v.created_at, v.updated_at), (5, at(0), at(4)));
    assert_eq!((v.stored_at, v.stored_since()), (Some(at(4)), at(4)), "its file's age starts now");
    assert_eq!(Video::found(found("2"), at(7)).stored_since(), at(7), "a record without it goes by when it was found");
}

#[test]
fn impossible_moves_are_refused() {
    let pending = Video::found(found("1"), at(0));
    let err = pending.start_upload(at(1)).unwrap_err();
    assert_eq!(err, TransitionError::NotFrom { from: VideoStatus::Pending, action: "start uploading" });
    let uploaded = pending
        .start_download(at(1))
        .and_then(|v| v.finish_download(1, at(2)))
        .and_then(|v| v.start_upload(at(3)))
        .and_then(|v| v.finish_upload(key("videos/1.mp4"), None, at(4)))
        .unwrap();
    assert!(uploaded.start_download(at(5)).is_err(), "uploaded → downloading only through a retry");
    assert!(uploaded.fail(VideoFailure::new(FailureClass::Network, "late"), at(5)).is_err(), "an upload is done");
    let again = uploaded.retry(at(5)).unwrap().start_download(at(6)).unwrap();
    assert_eq!((again.status, again.attempts), (VideoStatus::Downloading, 2));
    let in_flight = pending.start_download(at(1)).unwrap();
    assert!(in_flight.retry(at(2)).is_err(), "a video on its way is not retried");
    assert!(pending.finish_download(1, at(1)).is_err());
}

#[test]
fn failures_keep_their_class_until_a_retry() {
    let v = Video::found(found("1"), at(0)).start_download(at(1)).unwrap();
    let failed = v.fail(VideoFailure::new(FailureClass::RateLimited, "HTTP 429"), at(2)).unwrap();
    assert_eq!(failed.status, VideoStatus::Failed);
    assert_eq!(failed.failure.as_ref().map(|f| f.class), Some(FailureClass::RateLimited));
    assert!(failed.fail(VideoFailure::new(FailureClass::Network, "x"), at(3)).is_err(), "failed once is enough");
    assert!(failed.start_download(at(3)).is_err(), "failed → downloading only through a retry");
    let retried = failed.retry(at(3)).unwrap();
    assert_eq!((retried.status, retried.failure.clone(), retried.attempts), (VideoStatus::Pending, None, 1));
    let long = VideoFailure::new(FailureClass::Extractor, "é".repeat(VideoFailure::MESSAGE_BUDGET));
    assert!(long.message.len() <= VideoFailure::MESSAGE_BUDGET && long.message.chars().all(|c| c == 'é'));
}

#[test]
fn a_tombstone_stops_the_video_until_a_retry() {
    let v = Video::found(found("1"), at(0)).start_download(at(1)).unwrap();
    let gone = v.tombstone(TombstoneCause::User, at(2)).unwrap();
    assert_eq!(gone.tombstone, Some(Tombstone { at: at(2), cause: TombstoneCause::User }));
    assert_eq!(gone.status, VideoStatus::Downloading, "the record stays as it was, only deleted");
    assert!(!gone.is_listed());
    assert_eq!(gone.tombstone(TombstoneCause::Retention, at(3)), Err(TransitionError::AlreadyTombstoned));
    assert_eq!(gone.finish_download(1, at(3)), Err(TransitionError::Tombstoned), "a run still fetching it stops");
    let back = gone.retry(at(4)).unwrap();
    assert!(back.is_listed());
    assert_eq!((back.status, back.version), (VideoStatus::Pending, gone.version + 1));
}

#[test]
fn metadata_is_bounded() {
    let tags: Vec<Hashtag> = (0..40).chain(0..5).map(|i| Hashtag::parse(&format!("t{i}")).unwrap()).collect();
    let meta = VideoMetadata {
        description: Some("ü".repeat(VideoMetadata::DESCRIPTION_BUDGET)),
        hashtags: tags,
        duration_seconds: Some(f64::NAN),
        ..Default::default()
    };
    let v = Video::found(FoundVideo { metadata: meta, ..found("1") }, at(0));
    assert_eq!(v.metadata.hashtags.len(), VideoMetadata::MAX_HASHTAGS);
    assert_eq!(v.metadata.hashtags.first().map(Hashtag::as_str), Some("t0"), "the first ones, in order");
    assert!(v.metadata.description.as_ref().is_some_and(|d| d.len() <= VideoMetadata::DESCRIPTION_BUDGET));
    assert_eq!(v.metadata.duration_seconds, None);
    let parsed = VideoMetadata::hashtags_from(["#Fun", "two words", "#fun", "comedy"]);
    assert_eq!(parsed.iter().map(Hashtag::as_str).collect::<Vec<_>>(), ["fun", "fun", "comedy"]);
}

#[test]
fn an_update_cannot_change_what_was_found() {
    let stored = Video::found(found("1"), at(0));
    let mut changed = stored.start_download(at(1)).unwrap();
    changed.job_id = JobId::parse("other").unwrap();
    changed.created_at = at(99);
    changed.mode = ScrapeMode::Hashtag;
    let written = changed.clone().with_identity_of(&stored);
    assert_eq!((written.job_id, written.created_at, written.mode), (stored.job_id, at(0), ScrapeMode::Profile));
    assert_eq!((written.status, written.version), (VideoStatus::Downloading, 2));
}

#[test]
fn a_pin_moves_nothing_but_the_flag_and_a_deleted_video_takes_none() {
    let v = Video::found(found("1"), at(0));
    let pinned = v.pin(true, at(5)).unwrap();
    assert!(pinned.pinned && !v.pinned);
    assert_eq!((pinned.status, pinned.version, pinned.updated_at), (v.status, v.version + 1, at(5)));
    let unpinned = pinned.pin(false, at(6)).unwrap();
    assert!(!unpinned.pinned);
    let gone = pinned.tombstone(TombstoneCause::User, at(7)).unwrap();
    assert!(gone.pinned, "a deletion leaves the flag as it was");
    assert_eq!(gone.pin(false, at(8)), Err(TransitionError::Tombstoned));
}
