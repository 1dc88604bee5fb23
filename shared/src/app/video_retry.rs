//! A video's retry: back to pending, and a run started now that fetches that video alone, filed
//! where its first scrape filed it.

use crate::domain::execution::Execution;
use crate::domain::job::{NewJob, Policies};
use crate::domain::principal::Principal;
use crate::domain::task::{ScrapeFields, ScrapeTask, TaskSpec};
use crate::domain::trigger::Trigger;
use crate::domain::video::{TransitionError, Video, VideoId, VideoStatus};
use crate::ports::{Changed, change_video};

use super::error::AppError;
use super::jobs::JobService;
use super::videos::{VideoService, video_not_found};

/// The video as the retry left it (pending), and the run that fetches it.
#[derive(Debug, Clone)]
pub struct RetriedVideo {
    pub video: Video,
    pub run: Execution,
}

#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error(transparent)]
    App(#[from] AppError),
    /// The video is stored, or a run has it in hand: why, in the client's words.
    #[error("{0}")]
    Refused(String),
}

/// Only what no run will fetch again by itself: a failed video, or a deleted one (whatever it
/// was). Retrying an uploaded video would store it twice; one in flight would race its run.
fn retryable(video: &Video) -> bool {
    !video.is_listed() || video.status == VideoStatus::Failed
}

fn refusal(video: &Video) -> RetryError {
    let why = match video.status {
        VideoStatus::Uploaded => "Video is already uploaded".to_owned(),
        status => format!("Video is {status}: a run is fetching it"),
    };
    RetryError::Refused(format!("{why}; only a failed or deleted video can be retried"))
}

impl VideoService {
    /// Moves a failed or deleted video back to pending and starts a run, now, that fetches just
    /// that video. The run keeps the original scrape's `no_watermark` while its job is still
    /// there, and its mode and value, so the file lands where the first scrape would have put it.
    pub async fn retry(
        &self,
        id: VideoId,
        jobs: &JobService,
        principal: &Principal,
    ) -> Result<RetriedVideo, RetryError> {
        let now = jobs.now();
        // Judged on the state the write lands on, so that a run storing it meanwhile wins.
        let reset = |video: &Video| {
            if retryable(video) {
                video.retry(now)
            } else {
                Err(TransitionError::NotFrom { from: video.status, action: "be retried" })
            }
        };
        let video = match change_video(&**self.store(), id, reset).await.map_err(AppError::from)? {
            Changed::Done(video) => video,
            Changed::Refused(video, _) => return Err(refusal(&video)),
            Changed::NotFound => return Err(video_not_found().into()),
        };
        let no_watermark = match jobs.get(&video.job_id).await {
            Ok(job) => match job.task {
                TaskSpec::Scrape(task) => Some(task.no_watermark()),
                _ => None,
            },
            Err(_) => None,
        };
        let fields = ScrapeFields {
            mode: Some(video.mode),
            value: video.value.to_string(),
            limit: Some(1),
            no_watermark,
            only_video: Some(video.source_url.clone()),
            ..ScrapeFields::default()
        };
        let task = ScrapeTask::try_from(fields)
            .map_err(|err| AppError::Internal(format!("video {id} cannot be scraped again: {err}")))?;
        let new = NewJob {
            id: None,
            name: Some(format!("Retry of video {}", video.platform_id)),
            description: Some(format!("Fetches video {} again", video.id)),
            task: TaskSpec::Scrape(task),
            trigger: Trigger::now(now),
            policies: Policies::default(),
            enabled: true,
            paused: false,
        };
        let run = jobs.run_now(new, principal).await?;
        Ok(RetriedVideo { video, run })
    }
}
