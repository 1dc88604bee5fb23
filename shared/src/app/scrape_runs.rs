//! Seed 002's "jobs": scrape runs. A run is an execution of a `scrape.profile`/`scrape.hashtag`
//! job; its id is the execution's, which is also each video's `job_id`. Start one (a run-once
//! job), list and read them with their videos and download links, cancel and delete them, and
//! download what they stored.

use std::collections::HashMap;
use std::time::Duration;

use crate::domain::execution::Execution;
use crate::domain::ids::{ExecutionId, JobId};
use crate::domain::job::{NewJob, Policies};
use crate::domain::object_key::ObjectKey;
use crate::domain::principal::Principal;
use crate::domain::task::{ScrapeTask, TaskSpec};
use crate::domain::trigger::Trigger;
use crate::domain::video::Video;
use crate::ports::{ObjectError, ObjectReader, ObjectStore, PageRequest, VideoFilter};

use super::error::{AppError, AppResult};
use super::jobs::JobService;
use super::scrape::VIDEOS_PREFIX;
use super::videos::VideoService;

mod lifecycle;

/// How long a presigned download link works: long enough to click through a run's listing.
pub const LINK_LIFETIME: Duration = Duration::from_secs(3600);

/// The prefixes whose objects the download route serves: scraped videos, and the clips cut
/// from them. Everything else in the store (work files, whatever an operator put there) is not
/// the API's to hand out.
pub const DOWNLOADABLE_PREFIXES: [&str; 2] = ["videos/", "clips/"];

/// How many videos one read of a run's listing asks for.
const VIDEO_PAGE: u32 = 100;

/// A run with the scrape its job asked for.
#[derive(Debug, Clone)]
pub struct ScrapeRun {
    pub execution: Execution,
    pub task: ScrapeTask,
}

/// Where a stored object can be fetched from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectLink {
    /// A URL of the store's own that works without credentials until it expires (S3).
    Direct(String),
    /// The store has no URL of its own (the local folder): the jobsmith server serves the key.
    Served(ObjectKey),
}

/// One stored video's links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoLinks {
    pub video: ObjectLink,
    pub metadata: Option<ObjectLink>,
}

/// What the download route answers.
pub enum Download {
    Redirect(String),
    Stream { key: ObjectKey, reader: ObjectReader },
}

/// Where `key` can be fetched from: the store's own presigned URL, or this server.
pub async fn object_link(objects: &dyn ObjectStore, key: &ObjectKey) -> AppResult<ObjectLink> {
    match objects.presign_get(key, LINK_LIFETIME).await {
        Ok(url) => Ok(ObjectLink::Direct(url)),
        Err(ObjectError::NoDirectUrl) => Ok(ObjectLink::Served(key.clone())),
        Err(err) => Err(AppError::Internal(format!("cannot link {key}: {err}"))),
    }
}

/// The scrape-run use cases, over the job and video services a route family already holds.
pub struct ScrapeRuns<'a> {
    jobs: &'a JobService,
    videos: &'a VideoService,
}

impl<'a> ScrapeRuns<'a> {
    pub fn new(jobs: &'a JobService, videos: &'a VideoService) -> Self {
        Self { jobs, videos }
    }

    /// Creates a job that scrapes once, now, and answers with its started run.
    pub async fn start(&self, task: ScrapeTask, principal: &Principal) -> AppResult<ScrapeRun> {
        let new = NewJob {
            id: None,
            name: None,
            description: None,
            task: TaskSpec::Scrape(task.clone()),
            // `run_now` sets the time; the trigger only says that the job runs once.
            trigger: Trigger::now(self.jobs.now()),
            policies: Policies::default(),
            enabled: true,
            paused: false,
        };
        let execution = self.jobs.run_now(new, principal).await?;
        Ok(ScrapeRun { execution, task })
    }

    /// The run's scrape, read from its job; a run of any other kind is no scrape run.
    async fn task_of(&self, job_id: &JobId) -> AppResult<ScrapeTask> {
        match self.jobs.get(job_id).await {
            Ok(job) => match job.task {
                TaskSpec::Scrape(task) => Ok(task),
                _ => Err(run_not_found()),
            },
            Err(AppError::NotFound(_)) => Err(run_not_found()),
            Err(err) => Err(err),
        }
    }

    /// Each run with its job's scrape; a job read once for all its runs. Runs whose job is gone
    /// (deleted between the two reads) are left out.
    async fn with_tasks(&self, executions: Vec<Execution>) -> AppResult<Vec<ScrapeRun>> {
        let mut tasks: HashMap<JobId, Option<ScrapeTask>> = HashMap::new();
        let mut runs = Vec::with_capacity(executions.len());
        for execution in executions {
            let task = match tasks.get(&execution.job_id) {
                Some(task) => task.clone(),
                None => {
                    let task = match self.task_of(&execution.job_id).await {
                        Ok(task) => Some(task),
                        Err(AppError::NotFound(_)) => None,
                        Err(err) => return Err(err),
                    };
                    tasks.insert(execution.job_id.clone(), task.clone());
                    task
                }
            };
            if let Some(task) = task {
                runs.push(ScrapeRun { execution, task });
            }
        }
        Ok(runs)
    }

    /// The run's listed videos, newest first: a run fetches at most 200, a few reads at most.
    pub async fn videos(&self, id: ExecutionId) -> AppResult<Vec<Video>> {
        let filter = VideoFilter { run_id: Some(id), ..VideoFilter::default() };
        let mut videos = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.videos.list(&filter, &PageRequest { offset: 0, limit: VIDEO_PAGE, cursor }).await?;
            videos.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(videos),
            }
        }
    }

    /// Links to a stored video's file and its metadata; `None` for a video not stored (yet).
    pub async fn links(&self, video: &Video) -> AppResult<Option<VideoLinks>> {
        let Some(key) = &video.video_key else { return Ok(None) };
        let metadata = match &video.sidecar_key {
            Some(sidecar) => Some(self.link(sidecar).await?),
            None => None,
        };
        Ok(Some(VideoLinks { video: self.link(key).await?, metadata }))
    }

    async fn link(&self, key: &ObjectKey) -> AppResult<ObjectLink> {
        object_link(self.videos.objects().as_ref(), key).await
    }

    /// A stored video, clip or sidecar: a redirect to the store's own URL where it has one, the
    /// object's bytes as they are read otherwise. Keys outside [`DOWNLOADABLE_PREFIXES`] are as
    /// missing as keys that were never written.
    pub async fn download(&self, raw_key: &str) -> AppResult<Download> {
        let key = ObjectKey::parse(raw_key).map_err(|_| file_not_found())?;
        if !is_downloadable(&key) {
            return Err(file_not_found());
        }
        let objects = self.videos.objects();
        match objects.presign_get(&key, LINK_LIFETIME).await {
            Ok(url) => match objects.head(&key).await {
                Ok(Some(_)) => Ok(Download::Redirect(url)),
                Ok(None) => Err(file_not_found()),
                Err(err) => Err(AppError::Internal(format!("cannot read {key}: {err}"))),
            },
            Err(ObjectError::NoDirectUrl) => match objects.open(&key).await {
                Ok(reader) => Ok(Download::Stream { key, reader }),
                Err(ObjectError::NotFound) => Err(file_not_found()),
                Err(err) => Err(AppError::Internal(format!("cannot open {key}: {err}"))),
            },
            Err(err) => Err(AppError::Internal(format!("cannot link {key}: {err}"))),
        }
    }

    /// The stored files of `videos` and their sidecars, for a delete that takes them too. Only
    /// keys under `videos/` go: a record can name no other object for this delete to remove.
    fn files_of(videos: &[Video]) -> Vec<ObjectKey> {
        let under_videos = format!("{VIDEOS_PREFIX}/");
        videos
            .iter()
            .flat_map(|v| v.video_key.iter().chain(v.sidecar_key.iter()))
            .filter(|key| key.starts_with(&under_videos))
            .cloned()
            .collect()
    }
}

fn is_downloadable(key: &ObjectKey) -> bool {
    DOWNLOADABLE_PREFIXES.iter().any(|prefix| key.starts_with(prefix))
}

pub fn run_not_found() -> AppError {
    AppError::NotFound("Job not found".to_owned())
}

pub fn file_not_found() -> AppError {
    AppError::NotFound("File not found".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::videos::{full_video, key};

    #[test]
    fn only_videos_and_clips_are_downloadable() {
        for ok in ["videos/a/2026/01/1.mp4", "clips/c.mp4", "videos/x.json"] {
            assert!(is_downloadable(&key(ok)), "{ok}");
        }
        for refused in ["videos", "video/a.mp4", "clipsx/a.mp4", "jobsmith.db", "tmp/videos/a.mp4"] {
            assert!(!is_downloadable(&key(refused)), "{refused}");
        }
    }

    #[test]
    fn a_delete_takes_only_files_under_videos() {
        let stored = full_video("1");
        let elsewhere = Video { video_key: Some(key("clips/1.mp4")), sidecar_key: None, ..full_video("2") };
        let files = ScrapeRuns::files_of(&[stored.clone(), elsewhere]);
        let expected: Vec<ObjectKey> = stored.video_key.iter().chain(stored.sidecar_key.iter()).cloned().collect();
        assert!(expected.iter().all(|k| k.starts_with("videos/")), "{expected:?}");
        assert_eq!(files, expected);
    }
}
