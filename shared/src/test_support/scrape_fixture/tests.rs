//! The fixture against the real yt-dlp from `.venv-media` (`infra/media.sh install`): what the
//! scrape runs will rely on, checked offline.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::adapters::local::media::MediaTools;
use crate::test_support::media::{installed_tools, ytdlp_command};

/// A whole run against the fixture takes about a second; this only stops a hung one.
const RUN_LIMIT: Duration = Duration::from_secs(120);

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

async fn ytdlp(tools: &MediaTools, home: &Path, args: &[&str]) -> Run {
    let output = tokio::time::timeout(RUN_LIMIT, ytdlp_command(tools, home).args(args).output())
        .await
        .expect("yt-dlp finishes")
        .expect("yt-dlp starts");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

async fn setup(videos: Vec<FixtureVideo>) -> (MediaTools, tempfile::TempDir, ScrapeFixture) {
    let tools = installed_tools();
    let home = tempfile::Builder::new().prefix("jobsmith-ytdlp-").tempdir().unwrap();
    let fixture = ScrapeFixture::start(&tools.ffmpeg, videos).await;
    (tools, home, fixture)
}

fn samples(n: u32) -> Vec<FixtureVideo> {
    (1..=n).map(FixtureVideo::sample).collect()
}

/// Downloads as a scrape run will: one `<id>.mp4` and `<id>.info.json` per video under `out`.
const DOWNLOAD: [&str; 6] =
    ["-o", "%(id)s.%(ext)s", "--write-info-json", "--no-write-playlist-metafiles", "--paths", "out"];

#[tokio::test]
async fn dump_json_gives_the_metadata_the_pages_serve() {
    let videos = vec![FixtureVideo::sample(1), FixtureVideo::sample(2), FixtureVideo::sample(3).undated()];
    let (tools, home, fixture) = setup(videos.clone()).await;
    let run = ytdlp(&tools, home.path(), &["-J", &fixture.feed_url()]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let playlist: Value = serde_json::from_str(&run.stdout).unwrap();
    let entries = playlist["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    for (entry, video) in entries.iter().zip(&videos) {
        assert_eq!(entry["id"], video.id.as_str());
        assert_eq!(entry["title"], video.title.as_str());
        assert_eq!(entry["description"], video.description.as_str());
        assert_eq!(entry["uploader"], video.uploader.as_str());
        assert_eq!(entry["timestamp"], serde_json::json!(video.uploaded_at.map(|at| at.timestamp())));
        assert_eq!(entry["upload_date"], serde_json::json!(video.upload_date()));
        assert_eq!(entry["duration"], video.duration_secs);
        assert_eq!(entry["view_count"], video.views);
        assert_eq!(entry["like_count"], video.likes);
        assert_eq!(entry["comment_count"], video.comments);
        assert_eq!(entry["tags"], serde_json::json!(video.tags));
        assert_eq!(entry["ext"], "mp4");
        assert_eq!(entry["filesize"], fixture.mp4(&video.id).len());
        assert_eq!(entry["extractor"], "generic");
        // The generic extractor smuggles its own data into the page's URL as a fragment; a
        // scrape keeps the URL without it.
        let page = entry["webpage_url"].as_str().unwrap();
        assert!(page.starts_with(&format!("{}#__youtubedl_smuggle=", fixture.page_url(&video.id))), "{page}");
        assert_eq!(fixture.requests(&page_path(&video.id)), 1);
    }
    assert_eq!(fixture.media_requests(), 0, "metadata alone needs no mp4: {:?}", fixture.request_log());
}

#[tokio::test]
async fn a_download_writes_each_real_mp4_and_its_info_json() {
    let (tools, home, fixture) = setup(samples(2)).await;
    let feed = fixture.feed_url();
    let run = ytdlp(&tools, home.path(), &[&DOWNLOAD[..], &[feed.as_str()]].concat()).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out = home.path().join("out");
    let mut files: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    let mut expected: Vec<String> =
        fixture.videos().iter().flat_map(|v| [format!("{}.info.json", v.id), format!("{}.mp4", v.id)]).collect();
    expected.sort();
    assert_eq!(files, expected);
    for video in fixture.videos() {
        assert_eq!(std::fs::read(out.join(format!("{}.mp4", video.id))).unwrap(), fixture.mp4(&video.id));
        let info: Value =
            serde_json::from_slice(&std::fs::read(out.join(format!("{}.info.json", video.id))).unwrap()).unwrap();
        assert_eq!(info["id"], video.id.as_str());
        assert_eq!(info["uploader"], video.uploader.as_str());
        assert_eq!(info["view_count"], video.views);
    }
    // A real video: ffprobe reads its length and the tag that says which one it is.
    let first = &fixture.videos()[0];
    let probe = tokio::process::Command::new(&tools.ffprobe)
        .args(["-v", "error", "-show_entries", "format=duration:format_tags=title", "-of", "json"])
        .arg(out.join(format!("{}.mp4", first.id)))
        .output()
        .await
        .unwrap();
    let format: Value = serde_json::from_slice(&probe.stdout).unwrap();
    assert_eq!(format["format"]["tags"]["title"], first.id.as_str());
    let seconds: f64 = format["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((seconds - f64::from(first.duration_secs)).abs() < 0.5, "{format}");
}

#[tokio::test]
async fn playlist_end_stops_after_the_first_two() {
    let (tools, home, fixture) = setup(samples(3)).await;
    let run = ytdlp(&tools, home.path(), &["--playlist-end", "2", "--print", "id", &fixture.feed_url()]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let videos = fixture.videos();
    assert_eq!(run.lines(), [videos[0].id.as_str(), videos[1].id.as_str()]);
    assert_eq!(fixture.requests(&page_path(&videos[2].id)), 0, "the third page is never fetched");
}

#[tokio::test]
async fn date_filters_keep_their_range_and_let_undated_videos_through() {
    let mut videos = samples(3);
    videos.push(FixtureVideo::sample(4).undated());
    let (tools, home, fixture) = setup(videos.clone()).await;
    let second = videos[1].upload_date().unwrap();
    let ids = |picks: &[usize]| picks.iter().map(|&i| videos[i].id.clone()).collect::<Vec<_>>();

    let after = ytdlp(&tools, home.path(), &["--dateafter", &second, "--print", "id", &fixture.feed_url()]).await;
    assert_eq!(after.code, Some(0), "{}", after.stderr);
    assert_eq!(after.lines(), ids(&[0, 1, 3]), "on or after the date, and the undated one");

    let before = ytdlp(&tools, home.path(), &["--datebefore", &second, "--print", "id", &fixture.feed_url()]).await;
    assert_eq!(before.code, Some(0), "{}", before.stderr);
    assert_eq!(before.lines(), ids(&[1, 2, 3]), "on or before the date, and the undated one");
}

#[tokio::test]
async fn break_match_filters_stop_at_the_first_older_video_with_exit_101() {
    let (tools, home, fixture) = setup(samples(4)).await;
    let videos = fixture.videos();
    let filter = format!("upload_date>={}", videos[1].upload_date().unwrap());
    let run =
        ytdlp(&tools, home.path(), &["--break-match-filters", &filter, "--print", "id", &fixture.feed_url()]).await;
    assert_eq!(run.code, Some(101), "a break is yt-dlp's exit 101: {}", run.stderr);
    assert_eq!(run.lines(), [videos[0].id.as_str(), videos[1].id.as_str()]);
    assert_eq!(fixture.requests(&page_path(&videos[2].id)), 1, "the video that breaks is looked at");
    assert_eq!(fixture.requests(&page_path(&videos[3].id)), 0, "nothing after it is");
}

#[tokio::test]
async fn a_missing_mp4_fails_its_video_alone_and_a_mended_one_downloads_next_time() {
    let (tools, home, fixture) = setup(samples(3)).await;
    let videos = fixture.videos();
    let broken = &videos[1].id;
    fixture.break_media(broken, Breakage::NotFound);
    let feed = fixture.feed_url();
    let args = [&DOWNLOAD[..], &[feed.as_str()]].concat();
    let run = ytdlp(&tools, home.path(), &args).await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("HTTP Error 404"), "{}", run.stderr);
    let out = home.path().join("out");
    for video in &videos {
        assert_eq!(out.join(format!("{}.mp4", video.id)).exists(), &video.id != broken, "{}", video.id);
    }
    assert_eq!(fixture.requests(&media_path(broken)), 1, "a 404 is not retried");

    fixture.mend(broken);
    let again = ytdlp(&tools, home.path(), &args).await;
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert_eq!(std::fs::read(out.join(format!("{broken}.mp4"))).unwrap(), fixture.mp4(broken));
    for video in &videos {
        assert_eq!(
            fixture.requests(&media_path(&video.id)),
            if &video.id == broken { 2 } else { 1 },
            "a file on disk is not fetched again"
        );
    }
}

#[tokio::test]
async fn a_server_error_is_retried_then_fails_its_video_alone() {
    let (tools, home, fixture) = setup(samples(2)).await;
    let videos = fixture.videos();
    fixture.break_media(&videos[0].id, Breakage::ServerError);
    let feed = fixture.feed_url();
    let run = ytdlp(&tools, home.path(), &[&DOWNLOAD[..], &["--retries", "2", feed.as_str()]].concat()).await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("HTTP Error 500"), "{}", run.stderr);
    assert_eq!(fixture.requests(&media_path(&videos[0].id)), 3, "the first try and two retries");
    assert!(home.path().join("out").join(format!("{}.mp4", videos[1].id)).exists());
}

#[tokio::test]
async fn a_429_fails_the_request_at_once_and_the_next_run_goes_through() {
    let (tools, home, fixture) = setup(samples(2)).await;
    let retry_after = Duration::from_secs(30);
    fixture.throttle(1, retry_after);
    let started = Instant::now();
    let run = ytdlp(&tools, home.path(), &["-J", &fixture.feed_url()]).await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("HTTP Error 429"), "{}", run.stderr);
    assert_eq!(fixture.request_log(), ["GET /feed.xml"], "no retry");
    assert!(started.elapsed() < retry_after, "Retry-After is not waited for");

    let next = ytdlp(&tools, home.path(), &["--print", "id", &fixture.feed_url()]).await;
    assert_eq!(next.code, Some(0), "{}", next.stderr);
    assert_eq!(next.lines().len(), 2);
}

#[tokio::test]
async fn a_throttled_answer_says_when_to_come_back_and_counts_down() {
    let tools = installed_tools();
    let fixture = ScrapeFixture::with_samples(&tools.ffmpeg, 1).await;
    fixture.throttle(2, Duration::from_secs(7));
    let page = page_path(&fixture.videos()[0].id);
    let first = raw_get(fixture.base_url(), &page).await;
    assert!(first.starts_with("HTTP/1.1 429"), "{first}");
    assert!(first.to_ascii_lowercase().contains("\r\nretry-after: 7\r\n"), "{first}");
    assert!(raw_get(fixture.base_url(), "/feed.xml").await.starts_with("HTTP/1.1 429"));
    let third = raw_get(fixture.base_url(), &page).await;
    assert!(third.starts_with("HTTP/1.1 200") && third.contains("application/ld+json"), "{third}");
    assert_eq!(fixture.requests(&page), 2);
    assert_eq!(fixture.requests("/feed.xml"), 1);
}

/// One request over a plain socket, to see the status line and headers as sent.
async fn raw_get(base: &str, path: &str) -> String {
    let address = base.strip_prefix("http://").unwrap();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}
