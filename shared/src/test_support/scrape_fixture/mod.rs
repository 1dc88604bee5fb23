//! A video site on loopback that the real yt-dlp scrapes offline: an RSS feed (`/feed.xml`) of
//! pages (`/videos/{id}`) carrying schema.org `VideoObject`s in JSON-LD, whose mp4s
//! (`/media/{id}.mp4`) are small real videos made with the installed ffmpeg when the fixture
//! starts. A test can break a video's mp4, have the next requests answer 429, add videos, and
//! count the requests each path got.
//!
//! What yt-dlp 2026.10.26 does with it (checked by this module's tests): the generic extractor
//! reads the feed as a playlist and gives each video its id (the item's guid), title,
//! description, uploader, timestamp, duration, view, like and comment counts and tags.
//! `--playlist-end`, `--dateafter`/`--datebefore` (which let undated videos through) and
//! `--break-match-filters` (exit code 101) work on it. A broken mp4 fails its video alone
//! (exit code 1 at the end). A 429 fails the request it answers at once: yt-dlp neither retries
//! it nor reads `Retry-After`. Its `webpage_url` carries a `#__youtubedl_smuggle=…` fragment of
//! the extractor's own after the page's URL.

mod pages;
mod server;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use pages::FixtureVideo;
pub use server::Breakage;
use server::{Served, Shared, Throttle};

use super::media::make_mp4;

pub struct ScrapeFixture {
    base: String,
    shared: Shared,
    ffmpeg: PathBuf,
    /// Where the mp4s are made; they are served from memory.
    dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl ScrapeFixture {
    /// Serves `videos` (in feed order) on a free loopback port, each with an mp4 made by
    /// `ffmpeg` (see [`super::media::installed_tools`]).
    pub async fn start(ffmpeg: &Path, videos: Vec<FixtureVideo>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free loopback port");
        let address: SocketAddr = listener.local_addr().expect("the fixture's address");
        let base = format!("http://{address}");
        let shared = Shared::default();
        shared.lock().base = base.clone();
        let app = server::router(shared.clone());
        let server = tokio::spawn(async move {
            // Ends with the test's runtime or when the fixture is dropped.
            let _ = axum::serve(listener, app).await;
        });
        let dir = tempfile::Builder::new().prefix("jobsmith-fixture-").tempdir().expect("a directory for the mp4s");
        let fixture = Self { base, shared, ffmpeg: ffmpeg.to_path_buf(), dir, server };
        for video in videos {
            fixture.push(video, false).await;
        }
        fixture
    }

    /// `n` samples ([`FixtureVideo::sample`] 1 to `n`), newest first.
    pub async fn with_samples(ffmpeg: &Path, n: u32) -> Self {
        Self::start(ffmpeg, (1..=n).map(FixtureVideo::sample).collect()).await
    }

    /// A new video at the head of the feed, as a site shows its latest upload.
    pub async fn add_video(&self, video: FixtureVideo) {
        self.push(video, true).await;
    }

    async fn push(&self, video: FixtureVideo, at_head: bool) {
        assert!(
            !video.id.is_empty() && video.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "fixture ids go into paths and file names: {:?}",
            video.id
        );
        let file = self.dir.path().join(format!("{}.mp4", video.id));
        make_mp4(&self.ffmpeg, &file, video.duration_secs, &video.id).await;
        let mp4 = std::fs::read(&file).expect("the fixture's mp4").into();
        let mut state = self.shared.lock();
        assert!(state.videos.iter().all(|s| s.video.id != video.id), "video {} is served already", video.id);
        let served = Served { video, mp4 };
        if at_head {
            state.videos.insert(0, served);
        } else {
            state.videos.push(served);
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// What a scrape is pointed at.
    pub fn feed_url(&self) -> String {
        format!("{}/feed.xml", self.base)
    }

    pub fn page_url(&self, id: &str) -> String {
        format!("{}{}", self.base, page_path(id))
    }

    pub fn media_url(&self, id: &str) -> String {
        format!("{}{}", self.base, media_path(id))
    }

    /// The videos in feed order.
    pub fn videos(&self) -> Vec<FixtureVideo> {
        self.shared.lock().videos.iter().map(|s| s.video.clone()).collect()
    }

    /// The bytes served for `id`'s mp4, to compare a download with.
    pub fn mp4(&self, id: &str) -> Vec<u8> {
        let state = self.shared.lock();
        let served = state.videos.iter().find(|s| s.video.id == id);
        served.map(|s| s.mp4.to_vec()).unwrap_or_else(|| panic!("no fixture video {id}"))
    }

    /// From now on `id`'s mp4 answers with `how`; its page still answers.
    pub fn break_media(&self, id: &str, how: Breakage) {
        self.shared.lock().broken.insert(id.to_owned(), how);
    }

    /// `id`'s mp4 is served again.
    pub fn mend(&self, id: &str) {
        self.shared.lock().broken.remove(id);
    }

    /// The next `requests` requests, whatever their path, answer 429 with `Retry-After` in whole
    /// seconds. Replaces a throttle still pending; 0 lifts it.
    pub fn throttle(&self, requests: usize, retry_after: Duration) {
        self.shared.lock().throttle = (requests > 0).then_some(Throttle { remaining: requests, retry_after });
    }

    /// How many requests `path` (`/feed.xml`, [`page_path`], [`media_path`]) got, any method,
    /// throttled ones included.
    pub fn requests(&self, path: &str) -> usize {
        self.shared.lock().log.iter().filter(|(_, p)| p == path).count()
    }

    /// Every request so far, as `METHOD /path`, in arrival order.
    pub fn request_log(&self) -> Vec<String> {
        self.shared.lock().log.iter().map(|(method, path)| format!("{method} {path}")).collect()
    }

    /// How many requests of any kind the media paths got.
    pub fn media_requests(&self) -> usize {
        self.shared.lock().log.iter().filter(|(_, path)| path.starts_with("/media/")).count()
    }
}

impl Drop for ScrapeFixture {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn page_path(id: &str) -> String {
    format!("/videos/{id}")
}

pub fn media_path(id: &str) -> String {
    format!("/media/{id}.mp4")
}

#[cfg(test)]
mod tests;
