//! A video source the test scripts: which videos a listing finds, which downloads fail and how,
//! downloads held until the test lets them go. It records what was asked of it (listings,
//! downloads with their start times, how many ran at once) for the test to wait on.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, watch};
use tokio_util::sync::CancellationToken;

use crate::domain::video::{FailureClass, Platform, PlatformVideoId, SourceUrl, VideoMetadata};
use crate::ports::{Clock, Downloaded, FetchError, ListRequest, ListedSink, ListedVideo, VideoSource};

/// Long enough for a loaded machine; only a broken run keeps a test waiting this long.
const SETTLE_WITHIN: Duration = Duration::from_secs(30);

/// What the source saw, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    pub listings: u32,
    /// Listings that handed over their last video and returned.
    pub listings_ended: u32,
    /// Each download as it started: the platform id and the clock's time.
    pub downloads: Vec<(String, DateTime<Utc>)>,
    pub in_flight: usize,
    pub max_in_flight: usize,
    /// Downloads that returned, whatever they returned.
    pub finished: usize,
}

impl Observed {
    pub fn downloads_of(&self, id: &str) -> usize {
        self.downloads.iter().filter(|(d, _)| d == id).count()
    }
}

struct Scripted {
    listed: ListedVideo,
    /// Failures the next downloads meet, one each.
    next_failures: VecDeque<FetchError>,
    /// The failure every download meets once the scripted ones are used up.
    broken: Option<FetchError>,
}

#[derive(Default)]
struct Script {
    videos: Vec<Scripted>,
    listing_failures: VecDeque<FetchError>,
    /// Failures the next listings end with after handing over their videos, one each.
    late_listing_failures: VecDeque<FetchError>,
    held: bool,
    /// A listing stops after handing over this many videos until [`FakeVideoSource::release_listing`].
    listing_held_after: Option<usize>,
}

pub struct FakeVideoSource {
    platform: Platform,
    clock: Arc<dyn Clock>,
    script: Mutex<Script>,
    gate: Semaphore,
    listing_gate: Semaphore,
    observed: watch::Sender<Observed>,
}

/// A failure of `class`, saying so.
pub fn fetch_error(class: FailureClass) -> FetchError {
    FetchError::new(class, format!("scripted {} failure", class.as_str()))
}

/// The bytes the fake downloads for a video.
pub fn body_of(platform_id: &str) -> Vec<u8> {
    format!("the video file of {platform_id}").into_bytes()
}

/// The info JSON the fake hands back for a video.
pub fn info_of(platform_id: &str) -> serde_json::Value {
    serde_json::json!({"id": platform_id, "title": format!("video {platform_id}"), "ext": "mp4"})
}

impl FakeVideoSource {
    pub fn new(platform: Platform, clock: Arc<dyn Clock>) -> Self {
        Self {
            platform,
            clock,
            script: Mutex::new(Script::default()),
            gate: Semaphore::new(0),
            listing_gate: Semaphore::new(0),
            observed: watch::Sender::new(Observed::default()),
        }
    }

    fn script(&self) -> MutexGuard<'_, Script> {
        self.script.lock().expect("fake source script")
    }

    fn scripted<T>(&self, platform_id: &str, f: impl FnOnce(&mut Scripted) -> T) -> T {
        let mut script = self.script();
        let video = script.videos.iter_mut().find(|v| v.listed.platform_id.as_str() == platform_id);
        f(video.unwrap_or_else(|| panic!("no scripted video {platform_id}")))
    }

    /// Adds a video to the end of the listing.
    pub fn add(&self, platform_id: &str) {
        let listed = ListedVideo {
            platform: self.platform.clone(),
            platform_id: PlatformVideoId::parse(platform_id).expect("fixture platform ids are valid"),
            source_url: SourceUrl::parse(&format!("http://127.0.0.1/v/{platform_id}")).expect("fixture urls are valid"),
            metadata: VideoMetadata { views: Some(10), ..VideoMetadata::default() },
            extractor: None,
            listing_info: None,
        };
        self.script().videos.push(Scripted { listed, next_failures: VecDeque::new(), broken: None });
    }

    /// The next download of the video fails with `error`; later ones go on as scripted.
    pub fn fail_next(&self, platform_id: &str, error: FetchError) {
        self.scripted(platform_id, |v| v.next_failures.push_back(error));
    }

    /// Every download of the video fails with `error` until it is mended.
    pub fn break_video(&self, platform_id: &str, error: FetchError) {
        self.scripted(platform_id, |v| v.broken = Some(error));
    }

    pub fn mend(&self, platform_id: &str) {
        self.scripted(platform_id, |v| {
            v.broken = None;
            v.next_failures.clear();
        });
    }

    /// The next listing fails with `error`.
    pub fn fail_listing(&self, error: FetchError) {
        self.script().listing_failures.push_back(error);
    }

    /// Downloads wait, once started, until [`Self::release`] lets them go or a cancel ends them.
    pub fn hold(&self) {
        self.script().held = true;
    }

    /// The next listing hands over its videos, then fails with `error`.
    pub fn fail_listing_after_sending(&self, error: FetchError) {
        self.script().late_listing_failures.push_back(error);
    }

    /// Listings hand over `n` videos, then wait until [`Self::release_listing`] or a cancel.
    pub fn hold_listing_after(&self, n: usize) {
        self.script().listing_held_after = Some(n);
    }

    /// Lets one held listing (present or future) go on to its end.
    pub fn release_listing(&self) {
        self.listing_gate.add_permits(1);
    }

    /// Lets `n` held downloads (present or future) go on.
    pub fn release(&self, n: usize) {
        self.gate.add_permits(n);
    }

    pub fn observed(&self) -> Observed {
        self.observed.borrow().clone()
    }

    /// Waits until what the source saw satisfies `wanted`, and returns it.
    pub async fn until(&self, what: &str, wanted: impl Fn(&Observed) -> bool) -> Observed {
        let mut seen = self.observed.subscribe();
        match tokio::time::timeout(SETTLE_WITHIN, seen.wait_for(|o| wanted(o))).await {
            Ok(Ok(observed)) => observed.clone(),
            _ => panic!("the source never saw {what}; it saw {:?}", self.observed()),
        }
    }

    async fn held(&self, cancel: &CancellationToken) -> Result<(), FetchError> {
        if !self.script().held {
            return Ok(());
        }
        tokio::select! {
            () = cancel.cancelled() => Err(FetchError::new(FailureClass::Network, "killed")),
            permit = self.gate.acquire() => {
                permit.expect("the gate stays open").forget();
                Ok(())
            }
        }
    }

    async fn fetch(
        &self,
        video: &ListedVideo,
        dir: &Path,
        cancel: &CancellationToken,
    ) -> Result<Downloaded, FetchError> {
        self.held(cancel).await?;
        let id = video.platform_id.as_str();
        let failure = self.scripted(id, |v| v.next_failures.pop_front().or_else(|| v.broken.clone()));
        if let Some(error) = failure {
            return Err(error);
        }
        let file = dir.join(format!("{id}.mp4"));
        let body = body_of(id);
        tokio::fs::write(&file, &body).await.expect("the download directory takes the file");
        let size = u64::try_from(body.len()).expect("a small body");
        Ok(Downloaded {
            file,
            extension: "mp4".to_owned(),
            metadata: VideoMetadata { file_size: Some(size), has_watermark: Some(false), ..video.metadata.clone() },
            info: info_of(id),
        })
    }
}

#[async_trait]
impl VideoSource for FakeVideoSource {
    async fn list_into(
        &self,
        request: &ListRequest,
        found: ListedSink,
        cancel: CancellationToken,
    ) -> Result<(), FetchError> {
        self.observed.send_modify(|o| o.listings += 1);
        let (videos, held_after) = {
            let mut script = self.script();
            if let Some(error) = script.listing_failures.pop_front() {
                return Err(error);
            }
            let limit = usize::try_from(request.limit).expect("a small limit");
            let videos: Vec<ListedVideo> = script.videos.iter().take(limit).map(|v| v.listed.clone()).collect();
            (videos, script.listing_held_after)
        };
        for (n, video) in videos.into_iter().enumerate() {
            if held_after == Some(n) {
                tokio::select! {
                    () = cancel.cancelled() => return Ok(()),
                    permit = self.listing_gate.acquire() => permit.expect("the gate stays open").forget(),
                }
            }
            // A closed receiver wants no more.
            if found.send(video).is_err() {
                break;
            }
        }
        self.observed.send_modify(|o| o.listings_ended += 1);
        match self.script().late_listing_failures.pop_front() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    async fn download(
        &self,
        video: &ListedVideo,
        dir: &Path,
        _no_watermark: bool,
        cancel: CancellationToken,
    ) -> Result<Downloaded, FetchError> {
        let entries = std::fs::read_dir(dir).expect("the download directory exists").count();
        assert_eq!(entries, 0, "the download directory is fresh");
        let now = self.clock.now();
        self.observed.send_modify(|o| {
            o.downloads.push((video.platform_id.as_str().to_owned(), now));
            o.in_flight += 1;
            o.max_in_flight = o.max_in_flight.max(o.in_flight);
        });
        let fetched = self.fetch(video, dir, &cancel).await;
        self.observed.send_modify(|o| {
            o.in_flight -= 1;
            o.finished += 1;
        });
        fetched
    }
}
