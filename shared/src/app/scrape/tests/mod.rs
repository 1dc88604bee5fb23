//! Scrape runs against the scripted source, the real SQLite store and the real folder object
//! store, with a clock the tests move: every pause a run takes (backoff, the limiter) is a sleep
//! on that clock, which `driven` moves to the earliest sleeper's time as soon as there is one.

mod archive_runs;
mod limits;
mod stops;
mod streaming;

use std::num::NonZeroU32;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::*;
use crate::adapters::local::free_space::StatvfsFreeSpace;
use crate::adapters::local::objects::LocalObjectStore;
use crate::adapters::local::sqlite::SqliteStore;
use crate::domain::execution::Execution;
use crate::domain::object_key::ObjectKey;
use crate::domain::video::{Platform, PlatformVideoId, Video, VideoId};
use crate::ports::{Clock, ExecutionStore, ObjectStore, RunOutcome, StartOutcome, VideoStore};
use crate::test_support::clock::ManualClock;
use crate::test_support::fixtures::{run, t0};
use crate::test_support::video_source::FakeVideoSource;
use crate::test_support::videos::value;

/// Runs `work` to its end, moving the clock to each time it sleeps until, earliest first.
async fn driven<T>(clock: &ManualClock, work: impl Future<Output = T>) -> T {
    let mut work = pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return out,
            at = clock.until_someone_sleeps("the run's next pause", |at| at > clock.now()) => clock.set(at),
        }
    }
}

struct Harness {
    clock: Arc<ManualClock>,
    source: Arc<FakeVideoSource>,
    store: SqliteStore,
    objects: Arc<LocalObjectStore>,
    limiter: Arc<PlatformLimiter>,
    settings: ScrapeSettings,
    /// Holds the objects and the work directory; removed with the harness.
    _dir: tempfile::TempDir,
}

impl Harness {
    fn new() -> Self {
        let clock = Arc::new(ManualClock::new(t0()));
        let dir = tempfile::tempdir().unwrap();
        let mut settings = ScrapeSettings::new(dir.path().join("work"));
        settings.free_space_floor = 0;
        Self {
            source: Arc::new(FakeVideoSource::new(Platform::tiktok(), clock.clone())),
            store: SqliteStore::open_in_memory().unwrap(),
            objects: Arc::new(LocalObjectStore::open(&dir.path().join("objects")).unwrap()),
            limiter: Arc::new(PlatformLimiter::new(clock.clone())),
            clock,
            settings,
            _dir: dir,
        }
    }

    /// A second scraper in the same process: its own source, the same stores and limiter.
    fn sibling(&self) -> Self {
        let mut other = Self::new();
        other.clock = self.clock.clone();
        other.source = Arc::new(FakeVideoSource::new(Platform::tiktok(), self.clock.clone()));
        other.store = self.store.clone();
        other.limiter = self.limiter.clone();
        other.settings = self.settings.clone();
        other
    }

    fn with_attempts(mut self, attempts: u32) -> Self {
        self.settings.retry.attempts = NonZeroU32::new(attempts).unwrap();
        self
    }

    fn scraper(&self) -> Scraper {
        Scraper::new(self.scraper_ports(), self.limiter.clone(), self.settings.clone())
    }

    fn scraper_ports(&self) -> ScrapePorts {
        ScrapePorts {
            source: self.source.clone(),
            videos: Arc::new(self.store.clone()),
            objects: self.objects.clone(),
            executions: Arc::new(self.store.clone()),
            clock: self.clock.clone(),
            free_space: Arc::new(StatvfsFreeSpace),
        }
    }

    /// A recorded run of a `khaby.lame` profile scrape, and the request for it.
    async fn request(&self, value_raw: &str) -> ScrapeRequest {
        // Every run is one more attempt of the same fire, so that none is refused as a duplicate.
        let attempt = NEXT_ATTEMPT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let execution = run("scrape-job", t0(), attempt);
        let StartOutcome::Started(execution) = self.store.start_execution(&execution, 10).await.unwrap() else {
            panic!("the run starts")
        };
        ScrapeRequest {
            mode: crate::domain::video::ScrapeMode::Profile,
            value: value(value_raw),
            list: crate::ports::ListRequest {
                url: format!("http://127.0.0.1/@{value_raw}"),
                limit: 50,
                since: None,
                until: None,
            },
            no_watermark: true,
            job_id: execution.job_id,
            run_id: execution.id,
            folder: None,
        }
    }

    async fn run(&self) -> (RunOutcome, ScrapeRequest) {
        let request = self.request("khaby.lame").await;
        let outcome = driven(&self.clock, self.scraper().run(request.clone(), CancellationToken::new())).await;
        (outcome, request)
    }

    async fn video(&self, platform_id: &str) -> Video {
        let id = VideoId::of(&Platform::tiktok(), &PlatformVideoId::parse(platform_id).unwrap());
        self.store.get_video(id).await.unwrap().unwrap_or_else(|| panic!("video {platform_id} is recorded"))
    }

    /// Waits (bounded) until the video has a record, and returns it.
    async fn until_recorded(&self, platform_id: &str) -> Video {
        self.until_video(platform_id, "recorded", |_| true).await
    }

    /// Waits (bounded) until the video's record satisfies `wanted`, and returns it.
    async fn until_video(&self, platform_id: &str, what: &str, wanted: impl Fn(&Video) -> bool) -> Video {
        let id = VideoId::of(&Platform::tiktok(), &PlatformVideoId::parse(platform_id).unwrap());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(video) = self.store.get_video(id).await.unwrap().filter(|v| wanted(v)) {
                return video;
            }
            assert!(tokio::time::Instant::now() < deadline, "video {platform_id} was never {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn execution(&self, request: &ScrapeRequest) -> Execution {
        self.store.get_execution(request.run_id).await.unwrap().unwrap()
    }

    async fn object(&self, key: &str) -> Vec<u8> {
        self.objects.get(&ObjectKey::parse(key).unwrap()).await.unwrap()
    }

    /// What is left in the work directory: nothing, once a run is over.
    fn work_leftovers(&self) -> Vec<std::path::PathBuf> {
        match std::fs::read_dir(&self.settings.work_dir) {
            Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

fn counts(outcome: &RunOutcome) -> [u64; 4] {
    let result = outcome.result.as_ref().expect("a result");
    ["total_videos", "successful_downloads", "failed_downloads", "skipped"]
        .map(|k| result[k].as_u64().unwrap_or_else(|| panic!("{k} in {result}")))
}

static NEXT_ATTEMPT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// The folder a run started at `t0` stores `khaby.lame`'s videos in.
const FOLDER: &str = "videos/profile/khaby.lame/2030/01";

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
