//! The media tasks a process runs (scrapes, clips, video retention), built one way over its
//! stores for both the local server and the AWS app, so that the two cannot wire them apart.

use std::path::Path;

use super::clip_task::{ClipRuns, ClipStores};
use super::media::MediaTools;
use super::runner::LocalTaskRunner;
use super::scrape_task::{ScrapeConfig, ScrapeRuns, ScrapeStores};
use super::script::ScriptEnvironment;
use crate::app::VideoRetention;

pub struct MediaTasks {
    pub scrapes: ScrapeRuns,
    pub clips: ClipRuns,
    pub retention: VideoRetention,
}

impl MediaTasks {
    /// yt-dlp, ffmpeg and ffprobe from `media` with `env`, over `stores`; work folders under
    /// `work_root`. Clips cut from a page fetch it with the scrapes' own yt-dlp.
    pub fn build(
        stores: ScrapeStores,
        scrape: ScrapeConfig,
        media: &MediaTools,
        env: ScriptEnvironment,
        work_root: &Path,
    ) -> Self {
        let ScrapeStores { videos, objects, executions, clock } = stores;
        let clip_stores =
            ClipStores { videos: videos.clone(), objects: objects.clone(), executions: executions.clone() };
        let clips = ClipRuns::new(media, env.clone(), clip_stores, work_root);
        let retention = VideoRetention::new(videos.clone(), objects.clone(), executions.clone(), clock.clone());
        let scrape_stores = ScrapeStores { videos, objects, executions, clock };
        let scrapes = ScrapeRuns::build(scrape, media, env, scrape_stores, work_root);
        let clips = clips.with_pages(scrapes.source.clone(), scrapes.clip_pages);
        Self { scrapes, clips, retention }
    }
}

impl LocalTaskRunner {
    pub fn with_media(self, tasks: MediaTasks) -> Self {
        self.with_scrapes(tasks.scrapes).with_clips(tasks.clips).with_retention(tasks.retention)
    }
}
