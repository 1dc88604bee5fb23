//! Measurements of video listings against the local target (every filter on 100,000 videos with
//! p99 under 20 ms). Ignored by default; run with
//! `cargo test --release -p jobsmith-shared --lib sqlite::bench_videos -- --ignored --nocapture`.

use std::time::{Duration, Instant};

use super::SqliteStore;
use crate::domain::ids::JobId;
use crate::domain::video::{FoundVideo, ScrapeMode, Video, VideoMetadata, VideoStatus};
use crate::ports::{PageRequest, VideoFilter, VideoStore};
use crate::test_support::fixtures::t0;
use crate::test_support::videos::{author, found, run_id, tag, value};

const VIDEOS: usize = 100_000;
const ROUNDS: usize = 50;

/// Profiles of 200 users and 20 hashtags, 50 videos per run; most uploaded, as a store that has
/// been scraping for a while is; popular hashtags on many videos.
fn nth(i: usize) -> Video {
    let hashtag_scrape = i.is_multiple_of(10);
    let user = format!("user{}", i % 200);
    let status = match i % 20 {
        0 => VideoStatus::Failed,
        1 => VideoStatus::Pending,
        _ => VideoStatus::Uploaded,
    };
    let metadata = VideoMetadata {
        author_username: Some(author(&user)),
        hashtags: vec![tag("fyp"), tag(&format!("tag{}", i % 50)), tag(&format!("rare{}", i % 1000))],
        file_size: Some(1_000_000 + i as u64),
        ..Default::default()
    };
    let mut v = Video::found(
        FoundVideo {
            mode: if hashtag_scrape { ScrapeMode::Hashtag } else { ScrapeMode::Profile },
            value: value(if hashtag_scrape { "fyp" } else { &user }),
            job_id: JobId::parse(&format!("job{}", i / 5_000)).unwrap(),
            run_id: run_id((i / 50) as u128 + 1),
            metadata,
            ..found(&format!("7{i:018}"))
        },
        t0() + chrono::TimeDelta::milliseconds(i as i64),
    );
    v.status = status;
    v
}

#[test]
#[ignore = "a measurement, not a check"]
fn video_listing_targets() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let store = SqliteStore::open(&dir.path().join("videos.db")).unwrap();
        let started = Instant::now();
        for i in 0..VIDEOS {
            store.upsert_video(&nth(i)).await.unwrap();
        }
        println!("insert {VIDEOS} videos one by one: {:?}", started.elapsed());
        let filters = [
            ("none", VideoFilter::default()),
            ("mode", VideoFilter { mode: Some(ScrapeMode::Profile), ..Default::default() }),
            ("value", VideoFilter { value: Some(value("user7")), ..Default::default() }),
            ("author", VideoFilter { author_username: Some(author("user7")), ..Default::default() }),
            ("hashtag (all)", VideoFilter { hashtag: Some(tag("fyp")), ..Default::default() }),
            ("hashtag", VideoFilter { hashtag: Some(tag("tag7")), ..Default::default() }),
            ("status uploaded", VideoFilter { status: Some(VideoStatus::Uploaded), ..Default::default() }),
            ("status failed", VideoFilter { status: Some(VideoStatus::Failed), ..Default::default() }),
            ("job", VideoFilter { job_id: JobId::parse("job3").ok(), ..Default::default() }),
            ("run", VideoFilter { run_id: Some(run_id(77)), ..Default::default() }),
            (
                "mode + status",
                VideoFilter {
                    mode: Some(ScrapeMode::Profile),
                    status: Some(VideoStatus::Uploaded),
                    ..Default::default()
                },
            ),
            (
                "hashtag + status",
                VideoFilter { hashtag: Some(tag("tag7")), status: Some(VideoStatus::Uploaded), ..Default::default() },
            ),
            (
                "hashtag (all) + status",
                VideoFilter { hashtag: Some(tag("fyp")), status: Some(VideoStatus::Failed), ..Default::default() },
            ),
            (
                "author + hashtag",
                VideoFilter { author_username: Some(author("user7")), hashtag: Some(tag("fyp")), ..Default::default() },
            ),
        ];
        for (what, filter) in filters {
            for offset in [0, 1_000] {
                let page = PageRequest { offset, limit: 50, cursor: None };
                let mut times: Vec<Duration> = Vec::new();
                let mut total = 0;
                for _ in 0..ROUNDS {
                    let t = Instant::now();
                    total = store.list_videos(&filter, &page).await.unwrap().total;
                    times.push(t.elapsed());
                }
                times.sort();
                let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
                println!(
                    "{what:>24}, offset {offset:>5}: total {total:>6}, median {:?}, p99 {p99:?}",
                    times[times.len() / 2]
                );
            }
        }
        let t = Instant::now();
        let counts = store.count_videos().await.unwrap();
        println!("stats: {:?} in {:?}", counts.total(), t.elapsed());
    });
}
