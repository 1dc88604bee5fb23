//! The scrape run: turns one listing of a profile or hashtag into stored videos.
//!
//! The run lists the page and, as each video comes, asks the download archive about it (record
//! the new ones, skip what is stored or deleted, pick up what failed in a way that may pass),
//! and hands the rest to a few download workers, which start while the listing goes on: a slot
//! from the shared platform limiter, a free-space check, the download into a fresh directory,
//! the upload of the file and its metadata, each step written on the video's record. One bad
//! video fails alone; the run fails only when the listing does.

mod archive;
mod keys;
mod limiter;
mod listing;
mod pipeline;
mod run;
mod settings;
mod tally;
mod work_dir;

#[cfg(test)]
mod tests;

use std::io;
use std::path::Path;
use std::sync::Arc;

pub use keys::{VIDEOS_PREFIX, VideoKeys, content_type, served_content_type, video_keys};
pub use limiter::{Cancelled, EASE_AFTER, FIRST_SPACING, MAX_PAUSE, MAX_SPACING, PlatformLimiter, PlatformPace};
pub use settings::{RetryPolicy, ScrapeSettings};

use crate::domain::ids::{ExecutionId, JobId};
use crate::domain::task::StorageFolder;
use crate::domain::video::{ScrapeMode, ScrapeValue};
use crate::ports::{Clock, ExecutionStore, ListRequest, ObjectStore, VideoSource, VideoStore};

/// How much a disk can still take: `statvfs` locally and on Lambda's `/tmp`, a fake in tests.
pub trait FreeSpace: Send + Sync {
    fn available_bytes(&self, dir: &Path) -> io::Result<u64>;
}

/// One run of a `scrape.profile` or `scrape.hashtag` job.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeRequest {
    pub mode: ScrapeMode,
    pub value: ScrapeValue,
    pub list: ListRequest,
    pub no_watermark: bool,
    pub job_id: JobId,
    pub run_id: ExecutionId,
    /// Seed 002's `drive_folder_id`: where the videos go instead of `<mode>/<value>`.
    pub folder: Option<StorageFolder>,
}

/// What a scrape run works with.
#[derive(Clone)]
pub struct ScrapePorts {
    pub source: Arc<dyn VideoSource>,
    pub videos: Arc<dyn VideoStore>,
    pub objects: Arc<dyn ObjectStore>,
    pub executions: Arc<dyn ExecutionStore>,
    pub clock: Arc<dyn Clock>,
    pub free_space: Arc<dyn FreeSpace>,
}

/// Built once per process; every run goes through it, so that all of them share one limiter.
#[derive(Clone)]
pub struct Scraper {
    shared: Arc<Shared>,
}

struct Shared {
    ports: ScrapePorts,
    limiter: Arc<PlatformLimiter>,
    settings: ScrapeSettings,
}

impl Scraper {
    pub fn new(ports: ScrapePorts, limiter: Arc<PlatformLimiter>, settings: ScrapeSettings) -> Self {
        Self { shared: Arc::new(Shared { ports, limiter, settings }) }
    }

    /// The pace of every platform, for health.
    pub fn limiter(&self) -> &Arc<PlatformLimiter> {
        &self.shared.limiter
    }
}
