//! `scrape.profile` and `scrape.hashtag` as a runner runs them: the job's arguments turned into a
//! scrape request against the configured page URLs, under the run's timeout and cancel.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::clip_task::PageAccess;
use super::free_space::StatvfsFreeSpace;
use super::media::MediaTools;
use super::media::ytdlp::{YtDlpProxy, YtDlpSource};
use super::script::ScriptEnvironment;
use crate::app::scrape::{PlatformLimiter, ScrapePorts, ScrapeRequest, ScrapeSettings, Scraper};
use crate::domain::execution::{Execution, ExecutionStatus};
use crate::domain::job::Job;
use crate::domain::scrape_url::ScrapeUrls;
use crate::domain::task::ScrapeTask;
use crate::ports::{Clock, ExecutionStore, ListRequest, ObjectStore, RunOutcome, VideoSource, VideoStore};

/// How a local server scrapes: where the pages are, how many downloads at once, and how much
/// disk it leaves free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapeConfig {
    pub urls: ScrapeUrls,
    pub downloads_at_once: std::num::NonZeroUsize,
    /// Bytes.
    pub free_space_floor: u64,
    /// Every yt-dlp request goes through it when set.
    pub proxy: Option<YtDlpProxy>,
    /// Where a page given as a clip's source may be; the same yt-dlp fetches it.
    pub clip_pages: PageAccess,
}

impl Default for ScrapeConfig {
    /// TikTok's pages, and the scrape run's own defaults for downloads and disk.
    fn default() -> Self {
        let run = crate::app::scrape::ScrapeSettings::new(std::path::PathBuf::new());
        Self {
            urls: ScrapeUrls::default(),
            downloads_at_once: run.downloads_at_once,
            free_space_floor: run.free_space_floor,
            proxy: None,
            clip_pages: PageAccess::default(),
        }
    }
}

/// What a process needs to run scrapes: the one scraper all its runs share (and with it the
/// platform limiter), and where the pages are.
#[derive(Clone)]
pub struct ScrapeRuns {
    pub scraper: Scraper,
    pub urls: ScrapeUrls,
    /// The yt-dlp the scraper lists and fetches with, for clip runs that cut a page's video.
    pub source: Arc<dyn VideoSource>,
    pub clip_pages: PageAccess,
}

/// The stores a process's scrapes write to.
pub struct ScrapeStores {
    pub videos: Arc<dyn VideoStore>,
    pub objects: Arc<dyn ObjectStore>,
    pub executions: Arc<dyn ExecutionStore>,
    pub clock: Arc<dyn Clock>,
}

impl ScrapeRuns {
    /// yt-dlp from `media` with `env`, over `stores`; downloads and yt-dlp's cache under
    /// `work_root`. Built once per process: its runs share one platform limiter.
    pub fn build(
        config: ScrapeConfig,
        media: &MediaTools,
        env: ScriptEnvironment,
        stores: ScrapeStores,
        work_root: &Path,
    ) -> Self {
        let ScrapeStores { videos, objects, executions, clock } = stores;
        let mut source = YtDlpSource::new(media, env, work_root.join("yt-dlp-cache"));
        if let Some(proxy) = config.proxy {
            source = source.with_proxy(proxy);
        }
        let source: Arc<dyn VideoSource> = Arc::new(source);
        let limiter = Arc::new(PlatformLimiter::new(clock.clone()));
        let ports = ScrapePorts {
            source: source.clone(),
            videos,
            objects,
            executions,
            clock,
            free_space: Arc::new(StatvfsFreeSpace),
        };
        let settings = ScrapeSettings {
            downloads_at_once: config.downloads_at_once,
            free_space_floor: config.free_space_floor,
            ..ScrapeSettings::new(work_root.join("downloads"))
        };
        Self {
            scraper: Scraper::new(ports, limiter, settings),
            urls: config.urls,
            source,
            clip_pages: config.clip_pages,
        }
    }

    pub async fn run(
        &self,
        job: &Job,
        execution: &Execution,
        task: &ScrapeTask,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> RunOutcome {
        let request = ScrapeRequest {
            mode: task.mode(),
            value: task.value().clone(),
            list: ListRequest {
                url: self.urls.page_for(task),
                limit: task.limit(),
                since: task.since(),
                until: task.until(),
            },
            no_watermark: task.no_watermark(),
            job_id: job.id.clone(),
            run_id: execution.id,
            folder: task.folder().cloned(),
        };
        // The run is cancelled rather than dropped at the deadline, so that it kills its
        // downloads, cleans its work directory and leaves its videos retryable.
        let deadline = cancel.child_token();
        let run = self.scraper.run(request, deadline.clone());
        tokio::pin!(run);
        tokio::select! {
            outcome = &mut run => outcome,
            () = tokio::time::sleep(timeout) => {
                deadline.cancel();
                let stopped = run.await;
                RunOutcome {
                    status: ExecutionStatus::TimedOut,
                    error: Some(format!("timed out after {} s", timeout.as_secs())),
                    ..stopped
                }
            }
        }
    }
}

/// The answer when a process was started without what scrapes need.
pub fn not_set_up() -> RunOutcome {
    RunOutcome::failed("scrape runs are not set up in this process: it has no video store, object store or yt-dlp")
}
