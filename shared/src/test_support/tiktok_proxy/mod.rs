//! TikTok on loopback, for yt-dlp's real TikTok extractor: an HTTP proxy that answers
//! `CONNECT www.tiktok.com:443` (and the video CDN's host) by terminating the TLS itself, then
//! serves canned responses by path: the profile page, the item list, each video's page and its
//! mp4, a small real video made with the installed ffmpeg when the proxy starts. yt-dlp reaches
//! it with `--proxy http://127.0.0.1:PORT --no-check-certificates`. Every request is logged,
//! and what the proxy does not play is answered 404, so that a test can see what the extractor
//! asked for when it no longer finds what it needs.
//!
//! The requests yt-dlp 2026.10.26 makes to list `https://www.tiktok.com/@khaby.lame` and fetch
//! one of its videos (checked by the contract test in `tests/tests/tiktok_extractor.rs`): the
//! profile page, for the user's `secUid`; the item list, one page, asked for with it; each
//! listed video's page, for the video itself; and for a download, the video's page again and its
//! file on the CDN.

mod canned;
mod site;
mod tunnel;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub use canned::{CDN_HOST, Rendition, USERNAME, WEB_HOST, cdn_url, item_list_url, profile_url, video_page_url};
pub use site::CHAIN_COOKIE;
use site::{Log, Site};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::media::make_mp4;

/// How long [`TikTokProxy::stop`] waits for the proxy's tasks to end before it aborts them.
const STOP_LIMIT: Duration = Duration::from_secs(10);

pub struct TikTokProxy {
    address: SocketAddr,
    site: Arc<Site>,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl TikTokProxy {
    /// Makes each canned video's mp4 with `ffmpeg` (see [`super::media::installed_tools`]) and
    /// serves the profile on a free loopback port.
    pub async fn start(ffmpeg: &Path) -> Self {
        let mut canned = canned::Canned::parse();
        let dir = tempfile::Builder::new().prefix("jobsmith-tiktok-").tempdir().expect("a directory for the mp4s");
        for (id, seconds) in canned.videos() {
            let file = dir.path().join(format!("{id}.mp4"));
            make_mp4(ffmpeg, &file, seconds, &id).await;
            canned.set_mp4(&id, std::fs::read(&file).expect("the canned video's mp4").into());
        }
        let site = Arc::new(Site { canned, log: Log::default(), file_cookies: Log::default() });

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free loopback port");
        let address = listener.local_addr().expect("the proxy's address");
        let stop = CancellationToken::new();
        let (opened, tunnels) = tokio::sync::mpsc::channel(16);
        let front = tunnel::front(listener, tunnel::acceptor(), site.log.clone(), opened, stop.clone());
        let server = axum::serve(tunnel::Tunnels { opened: tunnels, address }, site::router(site.clone()))
            .with_graceful_shutdown(stop.clone().cancelled_owned());
        let tasks = vec![
            tokio::spawn(front),
            tokio::spawn(async move {
                let _ = server.await;
            }),
        ];
        Self { address, site, stop, tasks }
    }

    /// What yt-dlp's `--proxy` is given: `http://127.0.0.1:PORT`.
    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The canned videos' ids, newest first, as the profile lists them.
    pub fn video_ids(&self) -> Vec<String> {
        self.site.canned.videos().into_iter().map(|(id, _)| id).collect()
    }

    /// The bytes served as `id`'s file.
    pub fn mp4(&self, id: &str) -> Vec<u8> {
        self.site.canned.mp4(id).map(|bytes| bytes.to_vec()).unwrap_or_else(|| panic!("no canned video {id}"))
    }

    /// Every request so far, as `METHOD URL` (`CONNECT host:port` for a tunnel), in arrival order.
    pub fn request_log(&self) -> Vec<String> {
        self.site.log.entries()
    }

    /// The `Cookie` header each request for `url` (a file on the video CDN) carried, in order.
    pub fn file_cookies(&self, url: &str) -> Vec<String> {
        let entries = self.site.file_cookies.entries();
        entries.iter().filter_map(|e| e.strip_prefix(url)?.strip_prefix(' ').map(str::to_owned)).collect()
    }

    /// How many GETs `url` got, whatever their query.
    pub fn gets(&self, url: &str) -> usize {
        let matches =
            |entry: &String| entry.strip_prefix("GET ").is_some_and(|target| target.split('?').next() == Some(url));
        self.site.log.entries().iter().filter(|entry| matches(entry)).count()
    }

    /// Stops accepting, lets open requests finish, and ends the proxy's tasks, aborting what is
    /// still running after [`STOP_LIMIT`].
    pub async fn stop(mut self) {
        self.stop.cancel();
        for mut task in std::mem::take(&mut self.tasks) {
            if tokio::time::timeout(STOP_LIMIT, &mut task).await.is_err() {
                tracing::warn!("a task of the tiktok proxy outlived its stop; aborted");
                task.abort();
            }
        }
    }
}

impl Drop for TikTokProxy {
    fn drop(&mut self) {
        self.stop.cancel();
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}
