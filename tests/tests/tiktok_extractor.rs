//! The contract between jobsmith and yt-dlp's real TikTok extractor (the yt-dlp that
//! `infra/media.sh install` pins): TikTok's page shapes, served by a loopback proxy with canned
//! responses (`jobsmith::test_support::tiktok_proxy`), give a scrape what it keeps: ids, page
//! URLs, author username and nickname, counts, upload time, hashtags, music title, duration,
//! and a file without a watermark. Everything runs through `YtDlpSource` and the scrape run, the
//! code a `scrape.profile` job runs, with the profile URL left at TikTok's default; only the
//! proxy (`--proxy`, `--no-check-certificates`) is added. No request leaves the machine.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jobsmith::adapters::local::free_space::StatvfsFreeSpace;
use jobsmith::adapters::local::media::ytdlp::{YtDlpProxy, YtDlpSource};
use jobsmith::adapters::local::objects::LocalObjectStore;
use jobsmith::adapters::local::script::{DEFAULT_PATH, ScriptEnvironment};
use jobsmith::adapters::local::sqlite::SqliteStore;
use jobsmith::app::scrape::{PlatformLimiter, ScrapePorts, ScrapeRequest, ScrapeSettings, Scraper};
use jobsmith::domain::execution::ExecutionStatus;
use jobsmith::domain::scrape_url::ScrapeUrls;
use jobsmith::domain::video::{Platform, PlatformVideoId, ScrapeMode, VideoId, VideoMetadata, VideoStatus};
use jobsmith::ports::{
    ExecutionStore, ListRequest, ListedVideo, ObjectStore, StartOutcome, SystemClock, VideoSource, VideoStore,
};
use jobsmith::test_support::fixtures::run;
use jobsmith::test_support::media::installed_tools;
use jobsmith::test_support::tiktok_proxy::{
    self as tiktok, CHAIN_COOKIE, Rendition, TikTokProxy, cdn_url, item_list_url, profile_url, video_page_url,
};
use jobsmith::test_support::videos::value;
use tokio_util::sync::CancellationToken;

/// A listing or a download takes a few seconds; this only stops a hung one.
const LIMIT: Duration = Duration::from_secs(120);

/// What the canned profile says of each video, newest first, written out here rather than read
/// from the canned files: the test states what jobsmith must get.
struct Expected {
    id: &'static str,
    description: &'static str,
    views: u64,
    likes: u64,
    comments: u64,
    shares: u64,
    posted_at: i64,
    hashtags: &'static [&'static str],
    music: &'static str,
    seconds: f64,
}

const VIDEOS: [Expected; 3] = [
    Expected {
        id: "7436012345678901231",
        description: "When the instructions are obvious 🤷 #learnfromkhaby #comedy",
        views: 48_200_000,
        likes: 3_100_000,
        comments: 21_400,
        shares: 58_300,
        posted_at: 1_731_502_800,
        hashtags: &["learnfromkhaby", "comedy"],
        music: "original sound - khaby.lame",
        seconds: 6.0,
    },
    Expected {
        id: "7435112345678901232",
        description: "Life hack, simplified 🙌 #lifehack #learnfromkhaby",
        views: 12_750_000,
        likes: 940_000,
        comments: 8_700,
        shares: 15_200,
        posted_at: 1_731_290_400,
        hashtags: &["lifehack", "learnfromkhaby"],
        music: "Sneaky Snitch",
        seconds: 8.0,
    },
    Expected {
        id: "7434212345678901233",
        description: "No words needed #silentcomedy",
        views: 9_100_000,
        likes: 610_000,
        comments: 5_300,
        shares: 7_400,
        posted_at: 1_731_074_400,
        hashtags: &["silentcomedy"],
        music: "original sound - khaby.lame",
        seconds: 5.0,
    },
];

struct Setup {
    proxy: TikTokProxy,
    source: Arc<YtDlpSource>,
    home: tempfile::TempDir,
}

async fn setup() -> Setup {
    let tools = installed_tools();
    let proxy = TikTokProxy::start(&tools.ffmpeg).await;
    let home = tempfile::Builder::new().prefix("jobsmith-tiktok-contract-").tempdir().unwrap();
    let home_dir = home.path().to_string_lossy().into_owned();
    let env = ScriptEnvironment::capture(|name| match name {
        "PATH" => Some(DEFAULT_PATH.to_owned()),
        "HOME" => Some(home_dir.clone()),
        "LANG" => Some("C.UTF-8".to_owned()),
        _ => None,
    });
    let through_proxy = YtDlpProxy::parse(&proxy.proxy_url()).unwrap().without_certificate_checks();
    let source = YtDlpSource::new(&tools, env, home.path().join("cache"))
        .with_socket_timeout(Duration::from_secs(30))
        .with_proxy(through_proxy);
    Setup { proxy, source: Arc::new(source), home }
}

/// The page a `scrape.profile` job for `khaby.lame` lists with TikTok's default template.
fn default_profile_page() -> String {
    ScrapeUrls::default().profile.page_for(&value(tiktok::USERNAME))
}

impl Setup {
    async fn list(&self, limit: u32) -> Vec<ListedVideo> {
        let request = ListRequest { url: default_profile_page(), limit, since: None, until: None };
        let listing = self.source.list(&request, CancellationToken::new());
        let listed = tokio::time::timeout(LIMIT, listing).await.expect("the listing ends");
        listed.unwrap_or_else(|err| panic!("the listing failed: {err}; the proxy saw {:#?}", self.proxy.request_log()))
    }
}

/// Every field a scrape keeps, as the canned profile says it.
fn assert_metadata(got: &VideoMetadata, expected: &Expected) {
    let id = expected.id;
    assert_eq!(got.description.as_deref(), Some(expected.description), "{id}");
    assert_eq!(got.author_username.as_ref().map(|a| a.as_str()), Some(tiktok::USERNAME), "{id}");
    assert_eq!(got.author_nickname.as_deref(), Some("Khabane lame"), "{id}");
    assert_eq!(got.views, Some(expected.views), "{id}");
    assert_eq!(got.likes, Some(expected.likes), "{id}");
    assert_eq!(got.comments, Some(expected.comments), "{id}");
    assert_eq!(got.shares, Some(expected.shares), "{id}");
    assert_eq!(got.posted_at, DateTime::<Utc>::from_timestamp(expected.posted_at, 0), "{id}");
    let hashtags: Vec<&str> = got.hashtags.iter().map(|h| h.as_str()).collect();
    assert_eq!(hashtags, expected.hashtags, "{id}: the caption's #words");
    assert_eq!(got.music_title.as_deref(), Some(expected.music), "{id}");
    assert_eq!(got.duration_seconds, Some(expected.seconds), "{id}");
}

#[tokio::test]
async fn a_profile_lists_its_videos_with_everything_a_scrape_keeps() {
    let setup = setup().await;
    assert_eq!(default_profile_page(), profile_url(), "TikTok's own profile URL is what is listed");

    let listed = setup.list(10).await;

    let ids: Vec<&str> = listed.iter().map(|v| v.platform_id.as_str()).collect();
    assert_eq!(ids, VIDEOS.map(|v| v.id), "every video, newest first; {:#?}", setup.proxy.request_log());
    for (video, expected) in listed.iter().zip(&VIDEOS) {
        assert_eq!(video.platform, Platform::tiktok(), "TikTok's own extractor read {}", expected.id);
        assert_eq!(video.source_url.as_str(), video_page_url(expected.id), "the page a download starts from");
        assert_metadata(&video.metadata, expected);
        assert_eq!(video.metadata.file_size, Some(setup.proxy.mp4(expected.id).len() as u64), "the format's size");
    }

    // What the extractor asked for: the profile (for its secUid), one page of the item list
    // (asked for with that secUid, or it would have listed nothing), and each video's page.
    let proxy = &setup.proxy;
    assert_eq!(proxy.gets(&profile_url()), 1);
    assert_eq!(proxy.gets(&item_list_url()), 1);
    for expected in &VIDEOS {
        assert_eq!(proxy.gets(&video_page_url(expected.id)), 1, "{}", expected.id);
        let files =
            proxy.gets(&cdn_url(expected.id, Rendition::Play)) + proxy.gets(&cdn_url(expected.id, Rendition::Download));
        assert_eq!(files, 0, "a listing fetches no file");
    }

    let first_two = setup.list(2).await;
    assert_eq!(first_two.iter().map(|v| v.platform_id.as_str()).collect::<Vec<_>>(), [VIDEOS[0].id, VIDEOS[1].id]);
    assert_eq!(proxy.gets(&video_page_url(VIDEOS[2].id)), 1, "nothing past the limit is looked at again");
    setup.proxy.stop().await;
}

#[tokio::test]
async fn a_download_is_the_clean_file_with_the_videos_metadata() {
    let setup = setup().await;
    let listed = setup.list(3).await;
    let (video, expected) = (&listed[1], &VIDEOS[1]);
    let dir = setup.home.path().join("download");
    std::fs::create_dir(&dir).unwrap();

    let download = setup.source.download(video, &dir, true, CancellationToken::new());
    let got = tokio::time::timeout(LIMIT, download).await.expect("the download ends");
    let got = got.unwrap_or_else(|err| panic!("the download failed: {err}; {:#?}", setup.proxy.request_log()));

    assert_eq!(std::fs::read(&got.file).unwrap(), setup.proxy.mp4(expected.id), "the served mp4");
    assert_eq!(got.extension, "mp4");
    assert_metadata(&got.metadata, expected);
    assert_eq!(got.metadata.file_size, Some(setup.proxy.mp4(expected.id).len() as u64));
    assert_eq!(got.metadata.has_watermark, Some(false), "the play address, not the watermarked download");
    assert_eq!(got.info["id"], expected.id);
    assert_eq!(got.info["extractor_key"], "TikTok");
    assert!(got.info.get("http_headers").is_none() && got.info.get("cookies").is_none(), "no session data kept");

    let proxy = &setup.proxy;
    assert_eq!(proxy.gets(&cdn_url(expected.id, Rendition::Play)), 1, "{:#?}", proxy.request_log());
    assert_eq!(proxy.gets(&cdn_url(expected.id, Rendition::Download)), 0, "the watermarked file is left alone");
    assert_eq!(proxy.gets(&video_page_url(expected.id)), 1, "listed once; the download took the listing's info");
    let cookies = proxy.file_cookies(&cdn_url(expected.id, Rendition::Play));
    assert!(cookies.iter().all(|c| c.contains(CHAIN_COOKIE)), "the page's cookie went with the file: {cookies:?}");
    for other in [&VIDEOS[0], &VIDEOS[2]] {
        assert_eq!(proxy.gets(&cdn_url(other.id, Rendition::Play)), 0, "only the video asked for");
    }

    // Without the listing's info (a retried video, say), the download reads the page again.
    let dir = setup.home.path().join("from-page");
    std::fs::create_dir(&dir).unwrap();
    let from_page = ListedVideo { listing_info: None, ..video.clone() };
    let download = setup.source.download(&from_page, &dir, true, CancellationToken::new());
    let got = tokio::time::timeout(LIMIT, download).await.expect("the download ends");
    let got = got.unwrap_or_else(|err| panic!("the download failed: {err}; {:#?}", setup.proxy.request_log()));
    assert_eq!(std::fs::read(&got.file).unwrap(), setup.proxy.mp4(expected.id));
    assert_eq!(proxy.gets(&video_page_url(expected.id)), 2, "read again for this download");
    let cookies = proxy.file_cookies(&cdn_url(expected.id, Rendition::Play));
    assert!(cookies.len() == 2 && cookies.iter().all(|c| c.contains(CHAIN_COOKIE)), "{cookies:?}");
    setup.proxy.stop().await;
}

#[tokio::test]
async fn a_scrape_run_with_tiktoks_default_profile_url_stores_every_video() {
    let setup = setup().await;
    let work = tempfile::Builder::new().prefix("jobsmith-tiktok-scrape-").tempdir().unwrap();
    let store = SqliteStore::open_in_memory().unwrap();
    let objects = Arc::new(LocalObjectStore::open(&work.path().join("objects")).unwrap());
    let clock = Arc::new(SystemClock);
    let ports = ScrapePorts {
        source: setup.source.clone(),
        videos: Arc::new(store.clone()),
        objects: objects.clone(),
        executions: Arc::new(store.clone()),
        clock: clock.clone(),
        free_space: Arc::new(StatvfsFreeSpace),
    };
    let settings = ScrapeSettings { free_space_floor: 0, ..ScrapeSettings::new(work.path().join("downloads")) };
    let scraper = Scraper::new(ports, Arc::new(PlatformLimiter::new(clock)), settings);

    let StartOutcome::Started(execution) = store.start_execution(&run("tiktok", Utc::now(), 1), 1).await.unwrap()
    else {
        panic!("the run starts")
    };
    let request = ScrapeRequest {
        mode: ScrapeMode::Profile,
        value: value(tiktok::USERNAME),
        list: ListRequest { url: default_profile_page(), limit: 50, since: None, until: None },
        no_watermark: true,
        job_id: execution.job_id.clone(),
        run_id: execution.id,
        folder: None,
    };
    let scrape = scraper.run(request, CancellationToken::new());
    let outcome = tokio::time::timeout(LIMIT * 2, scrape).await.expect("the run ends");

    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}; {:#?}", setup.proxy.request_log());
    let result = outcome.result.expect("a result");
    assert_eq!((result["total_videos"].as_u64(), result["successful_downloads"].as_u64()), (Some(3), Some(3)));
    for expected in &VIDEOS {
        let id = VideoId::of(&Platform::tiktok(), &PlatformVideoId::parse(expected.id).unwrap());
        let video = store.get_video(id).await.unwrap().unwrap_or_else(|| panic!("{} is recorded", expected.id));
        assert_eq!(video.status, VideoStatus::Uploaded, "{}", expected.id);
        assert_eq!(video.source_url.as_str(), video_page_url(expected.id));
        assert_metadata(&video.metadata, expected);
        assert_eq!(video.metadata.has_watermark, Some(false), "{}", expected.id);
        let key = video.video_key.expect("a stored file");
        let folder = format!("videos/profile/{}/", tiktok::USERNAME);
        assert!(
            key.as_str().starts_with(&folder) && key.as_str().ends_with(&format!("/{}.mp4", expected.id)),
            "{key:?}"
        );
        assert_eq!(objects.get(&key).await.unwrap(), setup.proxy.mp4(expected.id), "{key:?}");
        let sidecar = objects.get(&video.sidecar_key.expect("a stored sidecar")).await.unwrap();
        let sidecar: serde_json::Value = serde_json::from_slice(&sidecar).unwrap();
        assert_eq!(sidecar["track"], expected.music, "the extractor's own JSON beside the file");
    }
    setup.proxy.stop().await;
}
