//! Clip runs with the installed ffmpeg on a video whose frames count themselves, stored in a real
//! folder: exact cuts land on the frame, copied cuts say where they really start, and failures
//! are named.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::adapters::local::objects::LocalObjectStore;
use crate::adapters::local::sqlite::SqliteStore;
use crate::domain::task::{ClipCut, Segment};
use crate::domain::video::SourceUrl;
use crate::test_support::fixtures::{run, t0};
use crate::test_support::media::{COUNTER_FPS, first_frame_number, installed_tools, make_counter_mp4};

const SOURCE: &str = "videos/counter.mp4";
const FRAME: f64 = 1.0 / COUNTER_FPS as f64;

struct Setup {
    dir: tempfile::TempDir,
    runs: ClipRuns,
    objects: Arc<LocalObjectStore>,
    tools: MediaTools,
}

async fn setup() -> Setup {
    let tools = installed_tools();
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("counter.mp4");
    make_counter_mp4(&tools.ffmpeg, &source, 10).await;
    let objects = Arc::new(LocalObjectStore::open(&dir.path().join("objects")).unwrap());
    objects.put_file(&ObjectKey::parse(SOURCE).unwrap(), &source, "video/mp4").await.unwrap();
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let stores = ClipStores { videos: store.clone(), objects: objects.clone(), executions: store };
    let runs = ClipRuns::new(&tools, ScriptEnvironment::from_process(), stores, &dir.path().join("work"));
    Setup { dir, runs, objects, tools }
}

fn task(cut: ClipCut, accuracy: ClipAccuracy) -> ClipTask {
    ClipTask::new(ClipSource::Key(ObjectKey::parse(SOURCE).unwrap()), cut, accuracy).unwrap()
}

fn segments(bounds: &[(u64, u64)]) -> ClipCut {
    ClipCut::Segments(bounds.iter().map(|&(start_ms, end_ms)| Segment { start_ms, end_ms }).collect())
}

async fn cut(setup: &Setup, task: &ClipTask) -> RunOutcome {
    setup.runs.run(&run("clips", t0(), 1), task, Duration::from_secs(120), CancellationToken::new()).await
}

/// The first frame's number of a stored clip.
async fn first_frame_of(setup: &Setup, clip: &Value) -> u32 {
    let key = ObjectKey::parse(clip["key"].as_str().unwrap()).unwrap();
    let local = setup.dir.path().join("fetched.mp4");
    setup.objects.get_to_file(&key, &local).await.unwrap();
    first_frame_number(&setup.tools.ffmpeg, &local).await
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("not a number: {value}"))
}

#[tokio::test]
async fn exact_clips_start_and_last_to_the_frame() {
    let setup = setup().await;
    let outcome = cut(&setup, &task(segments(&[(1000, 3000), (4200, 6080)]), ClipAccuracy::Exact)).await;
    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    let result = outcome.result.unwrap();
    let clips = result["clips"].as_array().unwrap();
    assert_eq!(clips.len(), 2);
    for (clip, (start, end)) in clips.iter().zip([(1.0, 3.0), (4.2, 6.08)]) {
        assert!((number(&clip["measured_duration"]) - (end - start)).abs() <= FRAME + 1e-3, "{clip}");
        assert!((number(&clip["measured_start"]) - start).abs() <= FRAME + 1e-3, "{clip}");
        let expected = (start * f64::from(COUNTER_FPS)).round() as i64;
        let first = i64::from(first_frame_of(&setup, clip).await);
        assert!((first - expected).abs() <= 1, "{clip}: first frame {first}, asked {expected}");
        assert!(clip["key"].as_str().unwrap().starts_with("clips/counter/"), "{clip}");
        assert!(number(&clip["size"]) > 0.0);
    }
    assert_eq!(outcome.progress, Some(Progress { total: 2, processed: 2, succeeded: 2, failed: 0 }));
    assert_eq!(result["source_key"], SOURCE);
    assert!((number(&result["source_duration"]) - 10.0).abs() < 0.1, "{result}");
}

#[tokio::test]
async fn copied_clips_start_at_the_keyframe_before_and_say_so() {
    let setup = setup().await;
    // Keyframes every 2 s: a cut asked to start at 3 s starts at 2 s.
    let outcome = cut(&setup, &task(segments(&[(3000, 5000)]), ClipAccuracy::Copy)).await;
    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    let clip = outcome.result.unwrap()["clips"][0].clone();
    assert_eq!((number(&clip["start"]), number(&clip["end"])), (3.0, 5.0));
    assert!((number(&clip["measured_start"]) - 2.0).abs() <= 0.1, "{clip}");
    let first = first_frame_of(&setup, &clip).await;
    let said = (number(&clip["measured_start"]) * f64::from(COUNTER_FPS)).round() as i64;
    assert!((i64::from(first) - said).abs() <= 2, "{clip}: the first frame is {first}, the answer says {said}");
}

#[tokio::test]
async fn fixed_length_pieces_cover_the_video() {
    let setup = setup().await;
    let outcome = cut(&setup, &task(ClipCut::Every { length_ms: 4000 }, ClipAccuracy::Exact)).await;
    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    let clips = outcome.result.unwrap()["clips"].as_array().unwrap().clone();
    let bounds: Vec<(f64, f64)> = clips.iter().map(|c| (number(&c["start"]), number(&c["end"]))).collect();
    assert_eq!(bounds, [(0.0, 4.0), (4.0, 8.0), (8.0, 10.0)]);
    let listed = setup.objects.list("clips/counter/", None, 100).await.unwrap();
    assert_eq!(listed.objects.len(), 3);
    assert!(!setup.dir.path().join("work/clips").read_dir().unwrap().any(|_| true), "the work folder is gone");
}

#[tokio::test]
async fn what_cannot_be_cut_is_named() {
    let setup = setup().await;
    let outcome = cut(&setup, &task(segments(&[(1000, 2000), (12_000, 13_000)]), ClipAccuracy::Copy)).await;
    assert_eq!(outcome.status, ExecutionStatus::Failed);
    assert!(outcome.error.as_deref().unwrap().contains("segment 2 starts at 12 s"), "{outcome:?}");
    let missing = ClipTask::new(
        ClipSource::Key(ObjectKey::parse("videos/none.mp4").unwrap()),
        ClipCut::Every { length_ms: 1000 },
        ClipAccuracy::Copy,
    )
    .unwrap();
    let outcome = cut(&setup, &missing).await;
    assert_eq!(outcome.status, ExecutionStatus::Failed);
    assert!(outcome.error.as_deref().unwrap().contains("cannot fetch videos/none.mp4"), "{outcome:?}");
    let unstored = ClipTask::new(
        ClipSource::Video(crate::test_support::videos::video("1").id),
        ClipCut::Every { length_ms: 1000 },
        ClipAccuracy::Copy,
    )
    .unwrap();
    let outcome = cut(&setup, &unstored).await;
    assert!(outcome.error.as_deref().unwrap().starts_with("no video"), "{outcome:?}");
}

#[tokio::test]
async fn a_cancelled_run_stops_and_cleans_up() {
    let setup = setup().await;
    let cancel = CancellationToken::new();
    cancel.cancel();
    let outcome = setup
        .runs
        .run(
            &run("clips", t0(), 1),
            &task(ClipCut::Every { length_ms: 1000 }, ClipAccuracy::Exact),
            Duration::from_secs(60),
            cancel,
        )
        .await;
    assert_eq!(outcome.status, ExecutionStatus::Cancelled, "{outcome:?}");
    assert!(setup.dir.path().join("work/clips").read_dir().map_or(true, |mut d| d.next().is_none()));
}

/// A fixture page's video, 4 s long, cut by its page's address.
async fn page_run(access: PageAccess) -> (Setup, RunOutcome, String) {
    use crate::adapters::local::media::ytdlp::YtDlpSource;
    use crate::test_support::scrape_fixture::{FixtureVideo, ScrapeFixture};

    let setup = setup().await;
    let video = FixtureVideo { duration_secs: 4, ..FixtureVideo::sample(1) };
    let fixture = ScrapeFixture::start(&setup.tools.ffmpeg, vec![video.clone()]).await;
    let source =
        YtDlpSource::new(&setup.tools, ScriptEnvironment::from_process(), setup.dir.path().join("yt-dlp-cache"));
    let runs = setup.runs.clone().with_pages(Arc::new(source), access);
    let url = SourceUrl::parse(&fixture.page_url(&video.id)).unwrap();
    let task = ClipTask::new(ClipSource::Url(url), ClipCut::Every { length_ms: 2000 }, ClipAccuracy::Copy).unwrap();
    let outcome = runs.run(&run("clips", t0(), 1), &task, Duration::from_secs(120), CancellationToken::new()).await;
    (setup, outcome, video.id)
}

#[tokio::test]
async fn a_pages_video_is_fetched_cut_and_filed_under_its_derived_id() {
    use crate::domain::video::{Platform, PlatformVideoId};

    let (setup, outcome, platform_id) = page_run(PageAccess::Any).await;
    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    let result = outcome.result.unwrap();
    let id = VideoId::of(&Platform::parse("Generic").unwrap(), &PlatformVideoId::parse(&platform_id).unwrap());
    assert_eq!(result["video_id"], id.to_string());
    assert!(result["source_url"].as_str().unwrap().ends_with(&platform_id), "{result}");
    assert_eq!(result["clips"].as_array().unwrap().len(), 2, "{result}");
    let listed = setup.objects.list(&format!("clips/{id}/"), None, 100).await.unwrap();
    assert_eq!(listed.objects.len(), 2, "the clips are stored under the video's id");
    let stored_videos = setup.objects.list("videos/", None, 100).await.unwrap();
    assert_eq!(stored_videos.objects.len(), 1, "the page's video itself is not kept: {stored_videos:?}");
    assert!(!setup.dir.path().join("work/clips").read_dir().unwrap().any(|_| true), "the work folder is gone");
}

#[tokio::test]
async fn a_page_on_a_loopback_address_is_refused_by_default() {
    let (setup, outcome, _) = page_run(PageAccess::PublicOnly).await;
    assert_eq!(outcome.status, ExecutionStatus::Failed);
    assert!(outcome.error.as_deref().unwrap().contains("non-public address (127.0.0.1)"), "{outcome:?}");
    assert!(setup.objects.list("clips/", None, 10).await.unwrap().objects.is_empty());
}
