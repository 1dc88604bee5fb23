//! The source against the real yt-dlp from `.venv-media` (`infra/media.sh install`) and the
//! loopback fixture site: listings, windows, metadata, downloads, failures and cancels, offline.

use std::path::Path;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::*;
use crate::adapters::local::script::DEFAULT_PATH;
use crate::domain::video::{AuthorUsername, Hashtag};
use crate::test_support::media::installed_tools;
use crate::test_support::scrape_fixture::{Breakage, FixtureVideo, ScrapeFixture, media_path, page_path};

/// Bounds the waits on recorded state below; each normally takes a second or two.
const PATIENCE: Duration = Duration::from_secs(60);

struct Setup {
    source: YtDlpSource,
    fixture: ScrapeFixture,
    home: tempfile::TempDir,
}

async fn setup(videos: Vec<FixtureVideo>) -> Setup {
    let tools = installed_tools();
    let home = tempfile::Builder::new().prefix("jobsmith-ytdlp-source-").tempdir().unwrap();
    let home_dir = home.path().to_string_lossy().into_owned();
    let env = ScriptEnvironment::capture(|name| match name {
        "PATH" => Some(DEFAULT_PATH.to_owned()),
        "HOME" => Some(home_dir.clone()),
        "LANG" => Some("C.UTF-8".to_owned()),
        _ => None,
    });
    let source = YtDlpSource::new(&tools, env, home.path().join("cache")).with_socket_timeout(Duration::from_secs(30));
    let fixture = ScrapeFixture::start(&tools.ffmpeg, videos).await;
    Setup { source, fixture, home }
}

fn samples(n: u32) -> Vec<FixtureVideo> {
    (1..=n).map(FixtureVideo::sample).collect()
}

impl Setup {
    fn request(&self, limit: u32) -> ListRequest {
        ListRequest { url: self.fixture.feed_url(), limit, since: None, until: None }
    }

    async fn list(&self, request: &ListRequest) -> Result<Vec<ListedVideo>, FetchError> {
        self.source.list(request, CancellationToken::new()).await
    }

    /// A fresh empty directory for one download.
    fn download_dir(&self, name: &str) -> std::path::PathBuf {
        let dir = self.home.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        dir
    }
}

fn ids(videos: &[ListedVideo]) -> Vec<&str> {
    videos.iter().map(|v| v.platform_id.as_str()).collect()
}

fn sample_ids(picks: &[u32]) -> Vec<String> {
    picks.iter().map(|&n| FixtureVideo::sample(n).id).collect()
}

#[tokio::test]
async fn a_listing_is_newest_first_and_stops_at_the_limit() {
    let setup = setup(samples(4)).await;
    let listed = setup.list(&setup.request(2)).await.unwrap();
    assert_eq!(ids(&listed), sample_ids(&[1, 2]));
    let third = &setup.fixture.videos()[2].id;
    assert_eq!(setup.fixture.requests(&page_path(third)), 0, "nothing past the limit is looked at");

    let all = setup.list(&setup.request(10)).await.unwrap();
    assert_eq!(ids(&all), sample_ids(&[1, 2, 3, 4]));
    assert_eq!(setup.fixture.media_requests(), 0, "a listing fetches no video file");
}

#[tokio::test]
async fn since_and_until_keep_the_window_and_skipped_videos_do_not_use_up_the_limit() {
    let setup = setup(samples(5)).await;
    let at = |n: u32| FixtureVideo::sample(n).uploaded_at;
    let window = ListRequest { since: at(4), until: at(2), ..setup.request(10) };
    let listed = setup.list(&window).await.unwrap();
    assert_eq!(ids(&listed), sample_ids(&[2, 3, 4]), "both ends are inside");
    let fifth = &setup.fixture.videos()[4].id;
    assert_eq!(setup.fixture.requests(&page_path(fifth)), 1, "the first older video ends the listing");

    let until_only = ListRequest { until: at(2), ..setup.request(2) };
    assert_eq!(ids(&setup.list(&until_only).await.unwrap()), sample_ids(&[2, 3]));
}

#[tokio::test]
async fn every_field_the_site_serves_is_read() {
    let setup = setup(samples(1)).await;
    let served = FixtureVideo::sample(1);
    let listed = setup.list(&setup.request(1)).await.unwrap();
    let [video] = listed.as_slice() else { panic!("one video: {listed:?}") };
    assert_eq!(video.platform.as_str(), "generic", "yt-dlp's generic extractor read it");
    assert_eq!(video.platform_id.as_str(), served.id);
    assert_eq!(video.source_url.as_str(), setup.fixture.page_url(&served.id), "without yt-dlp's fragment");
    let m = &video.metadata;
    assert_eq!(m.description.as_deref(), Some(served.description.as_str()));
    assert_eq!(m.author_username.as_ref().map(AuthorUsername::as_str), Some(served.uploader.as_str()));
    assert_eq!(m.author_nickname.as_deref(), Some(served.uploader.as_str()));
    assert_eq!((m.views, m.likes, m.comments), (Some(served.views), Some(served.likes), Some(served.comments)));
    assert_eq!(m.shares, None, "yt-dlp's generic extractor does not read a ShareAction");
    assert_eq!(m.posted_at, served.uploaded_at);
    let tags: Vec<Hashtag> = served.tags.iter().map(|t| Hashtag::parse(t).unwrap()).collect();
    assert_eq!(m.hashtags, tags, "the page's keywords and the caption's #words, once each");
    assert_eq!(m.duration_seconds, Some(f64::from(served.duration_secs)));
    assert_eq!(m.file_size, Some(setup.fixture.mp4(&served.id).len() as u64));
    assert_eq!(m.music_title, None);
}

#[tokio::test]
async fn a_download_is_the_sites_file_with_its_metadata_and_info() {
    let setup = setup(samples(2)).await;
    let listed = setup.list(&setup.request(2)).await.unwrap();
    let video = &listed[1];
    let dir = setup.download_dir("one");
    let got = setup.source.download(video, &dir, true, CancellationToken::new()).await.unwrap();
    let id = video.platform_id.as_str();
    assert_eq!(std::fs::read(&got.file).unwrap(), setup.fixture.mp4(id), "the served bytes");
    assert_eq!(got.file.parent(), Some(dir.as_path()));
    assert_eq!(got.extension, "mp4");
    assert_eq!(got.metadata.file_size, Some(setup.fixture.mp4(id).len() as u64));
    assert_eq!(got.metadata.views, video.metadata.views);
    assert_eq!(got.metadata.has_watermark, None, "the fixture's formats say nothing of watermarks");
    assert_eq!(got.info["id"], id);
    assert!(got.info.get("_filename").is_none() && got.info.get("filename").is_none(), "no local paths");
    assert_eq!(setup.fixture.requests(&media_path(id)), 1);
    assert_eq!(setup.fixture.requests(&media_path(&listed[0].platform_id.to_string())), 0, "only the one asked for");
    assert_eq!(setup.fixture.requests(&page_path(id)), 1, "the listing's reading of the page, not read again");
}

#[tokio::test]
async fn a_download_whose_listed_format_has_expired_goes_to_the_page() {
    let setup = setup(samples(1)).await;
    let listed = setup.list(&setup.request(1)).await.unwrap();
    let [video] = listed.as_slice() else { panic!("one video: {listed:?}") };
    let id = video.platform_id.as_str();
    let info = video.listing_info.as_deref().expect("the listing's info JSON");
    // A format URL that no longer answers, as a platform's signed URLs do after a while.
    let expired = info.replace(&media_path(id), "/media/expired.mp4");
    assert_ne!(expired, info, "the info names the file's URL");
    let stale = ListedVideo { listing_info: Some(expired.into()), ..video.clone() };

    let got = setup.source.download(&stale, &setup.download_dir("stale"), false, CancellationToken::new()).await;

    assert_eq!(std::fs::read(got.unwrap().file).unwrap(), setup.fixture.mp4(id));
    assert_eq!(setup.fixture.requests(&page_path(id)), 2, "the page, read again");

    // Info that yt-dlp cannot take at all: the page, read by this source.
    let broken = ListedVideo { listing_info: Some(r#"{"_type": "video", "id": "x"}"#.into()), ..video.clone() };
    let got = setup.source.download(&broken, &setup.download_dir("broken"), false, CancellationToken::new()).await;
    assert_eq!(std::fs::read(got.unwrap().file).unwrap(), setup.fixture.mp4(id));
    assert_eq!(setup.fixture.requests(&page_path(id)), 3);
}

#[tokio::test]
async fn a_download_goes_to_the_listing_extractor_and_falls_back_on_the_others() {
    let setup = setup(samples(1)).await;
    let listed = setup.list(&setup.request(1)).await.unwrap();
    let [video] = listed.as_slice() else { panic!("one video: {listed:?}") };
    assert_eq!(video.extractor.as_deref(), Some("generic"), "yt-dlp's name for the extractor");
    let id = video.platform_id.as_str();
    // From the page, where the extractor is chosen.
    let video = &ListedVideo { listing_info: None, ..video.clone() };
    // The generic extractor, which reads the fixture's pages, goes alone.
    let got = setup.source.download(video, &setup.download_dir("named"), false, CancellationToken::new()).await;
    assert_eq!(std::fs::read(got.unwrap().file).unwrap(), setup.fixture.mp4(id));

    // A name that does not take the URL (the page is not TikTok's), or names no extractor at all
    // (and would be a bad pattern unescaped), leaves the URL to the others, as without a name.
    for (n, name) in ["TikTok", "no such (extractor"].into_iter().enumerate() {
        let named = ListedVideo { extractor: Some(name.to_owned()), ..video.clone() };
        let dir = setup.download_dir(&format!("other-{n}"));
        let got = setup.source.download(&named, &dir, false, CancellationToken::new()).await;
        let got = got.unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(std::fs::read(&got.file).unwrap(), setup.fixture.mp4(id), "{name}");
        assert_eq!(got.info["extractor"], "generic", "{name}");
    }
}

#[tokio::test]
async fn a_missing_file_fails_its_video_alone_as_not_found() {
    let setup = setup(samples(2)).await;
    let listed = setup.list(&setup.request(2)).await.unwrap();
    setup.fixture.break_media(listed[0].platform_id.as_str(), Breakage::NotFound);
    let error =
        setup.source.download(&listed[0], &setup.download_dir("a"), false, CancellationToken::new()).await.unwrap_err();
    assert_eq!(error.class, FailureClass::NotFound, "{error}");
    assert!(error.message.contains("404"), "{}", error.message);
    assert!(!error.is_transient());

    let other = setup.source.download(&listed[1], &setup.download_dir("b"), false, CancellationToken::new()).await;
    assert_eq!(std::fs::read(other.unwrap().file).unwrap(), setup.fixture.mp4(listed[1].platform_id.as_str()));
    assert!(setup.source.slots.usable(), "the installed yt-dlp hosts a download slot");
    assert_eq!(setup.source.slots.started(), 1, "whose worker took both");
}

#[tokio::test]
async fn a_throttled_site_is_rate_limited_for_listings_and_downloads() {
    let setup = setup(samples(1)).await;
    let listed = setup.list(&setup.request(1)).await.unwrap();
    let before = setup.fixture.request_log().len();

    setup.fixture.throttle(1, Duration::from_secs(30));
    let error = setup.list(&setup.request(1)).await.unwrap_err();
    assert_eq!(error.class, FailureClass::RateLimited, "{error}");
    assert!(error.is_transient());
    assert_eq!(setup.fixture.request_log()[before..], ["GET /feed.xml"]);

    // A download from the listing's info that fails goes to the page once, within the same
    // yt-dlp; throttled there too, the video is rate limited.
    let id = listed[0].platform_id.to_string();
    let before = setup.fixture.request_log().len();
    setup.fixture.throttle(2, Duration::from_secs(30));
    let error =
        setup.source.download(&listed[0], &setup.download_dir("t"), false, CancellationToken::new()).await.unwrap_err();
    assert_eq!(error.class, FailureClass::RateLimited, "{error}");
    let asked = [format!("GET {}", media_path(&id)), format!("GET {}", page_path(&id))];
    assert_eq!(setup.fixture.request_log()[before..], asked);
}

/// The pids of the processes working in `dir`: a download's yt-dlp, in its slot or in a process
/// of its own.
fn processes_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter(|e| std::fs::read_link(e.path().join("cwd")).is_ok_and(|cwd| cwd == dir))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !check() {
        assert!(Instant::now() < deadline, "{what} within {PATIENCE:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_cancel_stops_a_stalled_download_and_kills_yt_dlp() {
    let setup = setup(samples(1)).await;
    let listed = setup.list(&setup.request(1)).await.unwrap();
    let id = listed[0].platform_id.to_string();
    setup.fixture.break_media(&id, Breakage::Stall);
    let dir = setup.download_dir("stalled");
    let cancel = CancellationToken::new();
    let started = Instant::now();
    let download = {
        let (source, video, dir, cancel) = (&setup.source, &listed[0], dir.clone(), cancel.clone());
        async move { source.download(video, &dir, false, cancel).await }
    };
    let watch = async {
        until("yt-dlp asks for the file", || setup.fixture.requests(&media_path(&id)) > 0).await;
        let running = processes_in(&dir);
        assert_eq!(running.len(), 1, "yt-dlp is running: {running:?}");
        cancel.cancel();
        (running, Instant::now())
    };
    let (result, (running, cancelled_at)) = tokio::join!(download, watch);
    let error = result.unwrap_err();
    assert!(error.message.contains("cancelled"), "{error}");
    assert!(cancelled_at.elapsed() < Duration::from_secs(10), "it returned once cancelled, not at the socket timeout");
    assert!(started.elapsed() < Duration::from_secs(30), "well before the 30 s socket timeout");
    assert!(processes_in(&dir).is_empty(), "yt-dlp {running:?} is gone (killed and reaped)");
    setup.fixture.mend(&id);
    let again = setup.source.download(&listed[0], &setup.download_dir("again"), false, CancellationToken::new()).await;
    assert_eq!(std::fs::read(again.unwrap().file).unwrap(), setup.fixture.mp4(&id), "a new slot took it");
}
