//! Video use cases: the inventory of scraped videos (list, get, delete) and the scrape counts
//! seed 002's stats report, over the video, job and execution stores.

use std::collections::HashSet;
use std::sync::Arc;

use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::JobId;
use crate::domain::job::{Job, JobFilter};
use crate::domain::task::TaskFunction;
use crate::domain::trigger::Trigger;
use crate::domain::video::{TombstoneCause, TransitionError, Video, VideoId};
use crate::ports::{
    Changed, Clock, ExecutionFilter, ExecutionStore, JobStore, ObjectStore, Page, PageRequest, VideoCounts,
    VideoFilter, VideoStore, change_video,
};

use super::error::{AppError, AppResult};

/// How many records one read of a walk asks for: stats read whole listings a page at a time.
const WALK_PAGE: u32 = 100;

/// What seed 002's clients call jobs are scrape runs: executions of the scrape task functions.
const SCRAPE_FUNCTIONS: [TaskFunction; 2] = [TaskFunction::ScrapeProfile, TaskFunction::ScrapeHashtag];

#[derive(Clone)]
pub struct VideoService {
    videos: Arc<dyn VideoStore>,
    /// Where the videos' files and metadata are: links to them, and deletes of them.
    objects: Arc<dyn ObjectStore>,
    jobs: Arc<dyn JobStore>,
    executions: Arc<dyn ExecutionStore>,
    clock: Arc<dyn Clock>,
}

/// Scrape runs by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// Every run: finished, running and waiting.
    pub total: u64,
    /// Waiting for a retry.
    pub pending: u64,
    pub running: u64,
    pub succeeded: u64,
    /// Failed or timed out.
    pub failed: u64,
}

/// Scrape jobs that fire on an interval: seed 002's scheduled jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScheduledCounts {
    pub total: u64,
    /// Enabled and not paused.
    pub active: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScrapeStats {
    pub runs: RunCounts,
    pub scheduled: ScheduledCounts,
    pub videos: VideoCounts,
}

impl VideoService {
    pub fn new(
        videos: Arc<dyn VideoStore>,
        objects: Arc<dyn ObjectStore>,
        jobs: Arc<dyn JobStore>,
        executions: Arc<dyn ExecutionStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { videos, objects, jobs, executions, clock }
    }

    pub fn objects(&self) -> &Arc<dyn ObjectStore> {
        &self.objects
    }

    /// The store itself, for the processes that record videos (scrape runs) and for tests.
    pub fn store(&self) -> &Arc<dyn VideoStore> {
        &self.videos
    }

    /// Listed videos matching every filter, newest first.
    pub async fn list(&self, filter: &VideoFilter, page: &PageRequest) -> AppResult<Page<Video>> {
        Ok(self.videos.list_videos(filter, page).await?)
    }

    /// A listed video; a deleted one is as gone as one never recorded.
    pub async fn get(&self, id: VideoId) -> AppResult<Video> {
        match self.videos.get_video(id).await? {
            Some(video) if video.is_listed() => Ok(video),
            _ => Err(video_not_found()),
        }
    }

    /// Deletes the record (the file stays): it leaves listings and counts, and no scrape fetches
    /// the video again until it is retried. Deleting a deleted video finds nothing.
    pub async fn delete(&self, id: VideoId) -> AppResult<()> {
        match self.videos.tombstone_video(id, TombstoneCause::User, self.clock.now()).await? {
            Changed::Done(_) => Ok(()),
            Changed::NotFound | Changed::Refused(_, TransitionError::AlreadyTombstoned) => Err(video_not_found()),
            Changed::Refused(_, why) => Err(AppError::Internal(format!("tombstone refused: {why}"))),
        }
    }

    /// Pins or unpins a listed video: `cleanup.videos` never removes a pinned one. A deleted video
    /// is as gone as one never recorded.
    pub async fn pin(&self, id: VideoId, pinned: bool) -> AppResult<Video> {
        let now = self.clock.now();
        match change_video(self.videos.as_ref(), id, move |v| v.pin(pinned, now)).await? {
            Changed::Done(video) => Ok(video),
            Changed::NotFound | Changed::Refused(_, TransitionError::Tombstoned) => Err(video_not_found()),
            Changed::Refused(_, why) => Err(AppError::Internal(format!("pin refused: {why}"))),
        }
    }

    /// Every count seed 002's stats report. Runs are counted from the scrape jobs' run counters
    /// (finished runs) plus the running and waiting executions, so the cost grows with the
    /// number of scrape jobs and of runs in flight, not with the history.
    pub async fn stats(&self) -> AppResult<ScrapeStats> {
        let (scrape_jobs, videos) =
            tokio::try_join!(self.scrape_jobs(), async { Ok(self.videos.count_videos().await?) })?;
        let mut stats = ScrapeStats { videos, ..ScrapeStats::default() };
        let mut ids = HashSet::with_capacity(scrape_jobs.len());
        for job in &scrape_jobs {
            stats.runs.total += job.counters.total;
            stats.runs.succeeded += job.counters.succeeded;
            stats.runs.failed += job.counters.failed;
            if matches!(job.trigger, Trigger::Interval { .. }) {
                stats.scheduled.total += 1;
                stats.scheduled.active += u64::from(job.is_active());
            }
            ids.insert(job.id.clone());
        }
        let (running, pending) = tokio::try_join!(
            self.runs_of(&ids, ExecutionStatus::Running),
            self.runs_of(&ids, ExecutionStatus::Pending)
        )?;
        stats.runs.running = running;
        stats.runs.pending = pending;
        stats.runs.total += running + pending;
        Ok(stats)
    }

    async fn scrape_jobs(&self) -> AppResult<Vec<Job>> {
        let mut found = Vec::new();
        for function in SCRAPE_FUNCTIONS {
            let filter = JobFilter { function: Some(function), ..JobFilter::default() };
            let mut cursor = None;
            loop {
                let page = self.jobs.walk_jobs(&filter, &walk_page(cursor)).await?;
                found.extend(page.items);
                match page.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
        Ok(found)
    }

    /// How many executions in `status` belong to one of `jobs`.
    async fn runs_of(&self, jobs: &HashSet<JobId>, status: ExecutionStatus) -> AppResult<u64> {
        if jobs.is_empty() {
            return Ok(0);
        }
        let filter = ExecutionFilter::with_status(status);
        let (mut count, mut cursor) = (0, None);
        loop {
            let page = self.executions.walk_executions(&filter, &walk_page(cursor)).await?;
            count += page.items.iter().filter(|e| e.status == status && jobs.contains(&e.job_id)).count() as u64;
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(count),
            }
        }
    }
}

fn walk_page(cursor: Option<String>) -> PageRequest {
    PageRequest { offset: 0, limit: WALK_PAGE, cursor }
}

pub fn video_not_found() -> AppError {
    AppError::NotFound("Video not found".to_owned())
}
