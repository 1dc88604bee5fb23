//! A varied set of videos, and the listing each filter should give, worked out from the port's
//! own rule ([`VideoFilter::matches`]) rather than from any store.

use jobsmith::domain::video::FailureClass;
use jobsmith::domain::video::{
    FoundVideo, ScrapeMode, TombstoneCause, Video, VideoFailure, VideoId, VideoMetadata, VideoStatus,
};
use jobsmith::ports::{Changed, Upserted, VideoFilter, VideoStore};
use jobsmith::test_support::fixtures::{job_id, secs, t0};
use jobsmith::test_support::videos::{FILTER_COMBINATIONS, author, filter_combination, found, key, run_id, tag, value};

/// The newest first, ties by id, both descending: the order every listing promises.
pub fn newest_first(videos: &mut [Video]) {
    videos.sort_by_key(|v| std::cmp::Reverse((v.created_at, v.id)));
}

pub fn ids(videos: &[Video]) -> Vec<VideoId> {
    videos.iter().map(|v| v.id).collect()
}

/// What `filter` lists of `all`, newest first.
pub fn expected(all: &[Video], filter: &VideoFilter) -> Vec<VideoId> {
    let mut listed: Vec<Video> = all.iter().filter(|v| filter.matches(v)).cloned().collect();
    newest_first(&mut listed);
    ids(&listed)
}

/// Video `i` of the set: three to a creation time (so ties are common); jobs `a` (0..12) and
/// `b` (12..), two runs each; profile scrapes of two users and a hashtag scrape; authors,
/// hashtags and statuses cycling with different periods, so that filters overlap in every way.
pub fn nth(i: usize) -> Video {
    let mode = if i % 4 == 3 { ScrapeMode::Hashtag } else { ScrapeMode::Profile };
    let scrape = match mode {
        ScrapeMode::Hashtag => "funny",
        ScrapeMode::Profile => ["khaby.lame", "zach"][i % 2],
    };
    let mut hashtags = Vec::new();
    if i.is_multiple_of(2) {
        hashtags.push(tag("funny"));
    }
    if i.is_multiple_of(3) {
        hashtags.push(tag("comedy"));
    }
    if i.is_multiple_of(5) {
        hashtags.push(tag("dance"));
    }
    let status = VideoStatus::ALL[i % 6];
    let metadata = VideoMetadata {
        author_username: [Some("khaby.lame"), Some("zach"), Some("bella"), None][i % 4].map(author),
        hashtags,
        views: Some(i as u64 * 1_000),
        file_size: (status != VideoStatus::Pending).then_some(1_000 + i as u64),
        ..Default::default()
    };
    let mut video = Video::found(
        FoundVideo {
            mode,
            value: value(scrape),
            job_id: job_id(if i < 12 { "a" } else { "b" }),
            run_id: run_id(1 + (i / 6) as u128),
            metadata,
            ..found(&format!("7{i:018}"))
        },
        t0() + secs((i / 3) as i64),
    );
    video.status = status;
    if status == VideoStatus::Failed {
        video.failure = Some(VideoFailure::new(FailureClass::NotFound, "private"));
    }
    if status == VideoStatus::Uploaded {
        video.video_key = Some(key(&format!("videos/{i}.mp4")));
    }
    video
}

/// The videos of the set deleted by [`seed`]: one uploaded, one not.
pub const DELETED: [usize; 2] = [4, 7];

/// Stores `count` videos of the set and deletes [`DELETED`]; returns them as stored.
pub async fn seed(store: &dyn VideoStore, count: usize) -> Vec<Video> {
    let mut stored = Vec::new();
    for i in 0..count {
        match store.upsert_video(&nth(i)).await.expect("upsert") {
            Upserted::Inserted(v) => stored.push(v),
            other => panic!("video {i} was new, got {other:?}"),
        }
    }
    for i in DELETED.into_iter().filter(|i| *i < count) {
        match store.tombstone_video(stored[i].id, TombstoneCause::User, t0() + secs(600)).await.expect("tombstone") {
            Changed::Done(v) => stored[i] = v,
            other => panic!("video {i} could be deleted, got {other:?}"),
        }
    }
    stored
}

/// One value for each filter, chosen so that most combinations match something.
pub fn filter_of(bits: u32) -> VideoFilter {
    filter_combination(bits, ["khaby.lame", "khaby.lame", "funny", "a"])
}

/// Every combination of the seven filters.
pub const COMBINATIONS: u32 = FILTER_COMBINATIONS;
