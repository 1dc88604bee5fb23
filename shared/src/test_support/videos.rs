//! Videos tests build on: one with only what a listing page gives, one with every field set.

use chrono::{DateTime, Utc};

use super::fixtures::{job_id, secs, t0};
use crate::domain::ids::ExecutionId;
use crate::domain::object_key::ObjectKey;
use crate::domain::video::{
    AuthorUsername, FailureClass, FoundVideo, Hashtag, Platform, PlatformVideoId, ScrapeMode, ScrapeValue, SourceUrl,
    Video, VideoFailure, VideoMetadata, VideoStatus,
};
use crate::ports::VideoFilter;

/// A run id that reads as its number, so that failures name runs legibly.
pub fn run_id(n: u128) -> ExecutionId {
    ExecutionId::from_uuid(uuid::Uuid::from_u128(n))
}

pub fn tag(raw: &str) -> Hashtag {
    Hashtag::parse(raw).expect("fixture hashtags are valid")
}

pub fn author(raw: &str) -> AuthorUsername {
    AuthorUsername::parse(raw).expect("fixture usernames are valid")
}

pub fn value(raw: &str) -> ScrapeValue {
    ScrapeValue::parse(raw).expect("fixture values are valid")
}

pub fn key(raw: &str) -> ObjectKey {
    ObjectKey::parse(raw).expect("fixture keys are valid")
}

/// What a TikTok profile scrape of `khaby.lame` by job `job`, run 1, lists, found at `t0`.
pub fn found(platform_id: &str) -> FoundVideo {
    FoundVideo {
        platform: Platform::tiktok(),
        platform_id: PlatformVideoId::parse(platform_id).expect("fixture platform ids are valid"),
        mode: ScrapeMode::Profile,
        value: value("khaby.lame"),
        job_id: job_id("job"),
        run_id: run_id(1),
        source_url: SourceUrl::parse(&format!("https://www.tiktok.com/@khaby.lame/video/{platform_id}"))
            .expect("fixture urls are valid"),
        metadata: VideoMetadata::default(),
    }
}

/// A pending video with no metadata, found at `t0`.
pub fn video(platform_id: &str) -> Video {
    Video::found(found(platform_id), t0())
}

/// A video found at `at`.
pub fn video_at(platform_id: &str, at: DateTime<Utc>) -> Video {
    Video::found(found(platform_id), at)
}

/// An uploaded video with every field set, and text that is not ASCII.
pub fn full_video(platform_id: &str) -> Video {
    let metadata = VideoMetadata {
        description: Some("Ça marche — #funny #comedy ✓\nsecond line".to_owned()),
        author_username: Some(author("khaby.lame")),
        author_nickname: Some("Khabane Lame".to_owned()),
        views: Some(u64::MAX),
        likes: Some(50_000),
        comments: Some(1_000),
        shares: Some(5_000),
        posted_at: Some(t0() - secs(86_400)),
        hashtags: vec![tag("funny"), tag("comedy"), tag("ça")],
        music_title: Some("Original Sound".to_owned()),
        duration_seconds: Some(15.5),
        file_size: Some(5_242_880),
        has_watermark: Some(false),
    };
    Video {
        metadata,
        video_key: Some(key(&format!("videos/tiktok/khaby.lame/{platform_id}.mp4"))),
        sidecar_key: Some(key(&format!("videos/tiktok/khaby.lame/{platform_id}.json"))),
        stored_at: Some(t0() + secs(30)),
        status: VideoStatus::Uploaded,
        failure: Some(VideoFailure::new(FailureClass::RateLimited, "HTTP 429 on the first attempt")),
        attempts: 2,
        updated_at: t0() + secs(60),
        version: 5,
        ..video(platform_id)
    }
}

/// An uploaded profile video of `source`, found and stored at `at`, whose file of `bytes` bytes
/// is `<folder>/<platform_id>.mp4` with its metadata beside it at `<folder>/<platform_id>.json`.
pub fn uploaded_video(platform_id: &str, source: &str, folder: &str, at: DateTime<Utc>, bytes: u64) -> Video {
    let found = FoundVideo {
        platform_id: PlatformVideoId::parse(platform_id).expect("fixture platform ids are valid"),
        value: value(source),
        ..found(platform_id)
    };
    let mut video = Video::found(found, at);
    video.status = VideoStatus::Uploaded;
    video.video_key = Some(key(&format!("{folder}/{platform_id}.mp4")));
    video.sidecar_key = Some(key(&format!("{folder}/{platform_id}.json")));
    video.stored_at = Some(at);
    video.metadata.file_size = Some(bytes);
    video
}

/// How many combinations of the seven video filters there are.
pub const FILTER_COMBINATIONS: u32 = 1 << 7;

/// The combination `bits` names (bit 0 mode, 1 value, 2 author, 3 hashtag, 4 status, 5 job,
/// 6 run), filtering on the given value, author, hashtag and job.
pub fn filter_combination(bits: u32, [value_is, author_is, tag_is, job]: [&str; 4]) -> VideoFilter {
    let on = |bit: u32| bits & (1 << bit) != 0;
    VideoFilter {
        mode: on(0).then_some(ScrapeMode::Profile),
        value: on(1).then(|| value(value_is)),
        author_username: on(2).then(|| author(author_is)),
        hashtag: on(3).then(|| tag(tag_is)),
        status: on(4).then_some(VideoStatus::Uploaded),
        job_id: on(5).then(|| job_id(job)),
        run_id: on(6).then(|| run_id(1)),
    }
}

/// Every combination of the video filters, for the checks that each picks an index and reads it
/// in order.
pub fn every_filter_combination() -> impl Iterator<Item = VideoFilter> {
    (0..FILTER_COMBINATIONS).map(|bits| filter_combination(bits, ["v", "a", "t", "j"]))
}
