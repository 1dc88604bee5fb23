//! A whole run: the listing, the archive's verdict on each video, the downloads a few at a
//! time, the progress after each video and the outcome.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::archive::{Decision, decide};
use super::pipeline;
use super::tally::{Ending, Tally};
use super::{ScrapeRequest, Scraper, Shared};
use crate::domain::ids::ExecutionId;
use crate::domain::video::{FoundVideo, TransitionError, Video, VideoId, VideoStatus};
use crate::ports::{Archived, Changed, FetchError, ListedVideo, RunOutcome, StoreError, Upserted, change_video};

/// What every worker of one run shares.
pub(super) struct RunContext {
    pub(super) request: ScrapeRequest,
    /// Its year and month name the folder the run's videos go to.
    pub(super) started: DateTime<Utc>,
    pub(super) cancel: CancellationToken,
    /// Held while progress is written, so that a slower write never overwrites a newer count.
    tally: tokio::sync::Mutex<Tally>,
}

type Queue = Mutex<VecDeque<(ListedVideo, VideoId)>>;

impl Scraper {
    /// Runs the scrape to its end. A cancel stops it between steps: no video starts after it,
    /// a download under way is killed, what was stored stays, and what was interrupted is left
    /// for the next run.
    pub async fn run(&self, request: ScrapeRequest, cancel: CancellationToken) -> RunOutcome {
        let shared = &self.shared;
        let started = shared.ports.clock.now();
        let listed = match list(shared, &request, &cancel).await {
            Ok(listed) => listed,
            Err(Listing::Cancelled) => return Tally::new(0).outcome(true),
            Err(Listing::Failed(error)) => {
                return RunOutcome::failed(format!("listing failed ({}): {}", error.class.as_str(), error.message));
            }
        };
        let run =
            Arc::new(RunContext { request, started, cancel, tally: tokio::sync::Mutex::new(Tally::new(listed.len())) });

        let mut queue = VecDeque::new();
        let mut seen = HashSet::new();
        for video in listed {
            if run.cancel.is_cancelled() {
                break;
            }
            let id = VideoId::of(&video.platform, &video.platform_id);
            // A listing can name a video twice; fetching it twice at once would race itself.
            if !seen.insert(id) {
                finish(shared, &run, Ending::Skipped).await;
                continue;
            }
            match admit(shared, &run, &video).await {
                Ok(Admission::Fetch) => queue.push_back((video, id)),
                Ok(Admission::Skip) => finish(shared, &run, Ending::Skipped).await,
                Ok(Admission::Counted(ending)) => finish(shared, &run, ending).await,
                Err(error) => {
                    tracing::warn!(video = %id, %error, "the download archive could not be read");
                    finish(shared, &run, Ending::Unrecorded).await;
                }
            }
        }

        let queue: Arc<Queue> = Arc::new(Mutex::new(queue));
        let mut workers = JoinSet::new();
        for _ in 0..shared.settings.downloads_at_once.get() {
            let (scraper, run, queue) = (self.shared.clone(), run.clone(), queue.clone());
            workers.spawn(async move { work(&scraper, &run, &queue).await });
        }
        while let Some(joined) = workers.join_next().await {
            if let Err(error) = joined {
                tracing::error!(%error, "a scrape worker panicked");
            }
        }
        let cancelled = run.cancel.is_cancelled();
        run.tally.lock().await.outcome(cancelled)
    }
}

enum Listing {
    Cancelled,
    Failed(FetchError),
}

/// Lists the page, trying again after a pause when it fails in a way that may pass.
async fn list(
    shared: &Shared,
    request: &ScrapeRequest,
    cancel: &CancellationToken,
) -> Result<Vec<ListedVideo>, Listing> {
    let policy = shared.settings.retry;
    let mut tried = 0;
    loop {
        tried += 1;
        let error = match shared.ports.source.list(&request.list, cancel.clone()).await {
            _ if cancel.is_cancelled() => return Err(Listing::Cancelled),
            Ok(mut listed) => {
                listed.truncate(usize::try_from(request.list.limit).unwrap_or(usize::MAX));
                return Ok(listed);
            }
            Err(error) => error,
        };
        if !(error.is_transient() && policy.allows_another_after(tried)) {
            return Err(Listing::Failed(error));
        }
        let clock = &shared.ports.clock;
        let until =
            clock.now() + chrono::Duration::from_std(policy.pause_after(tried)).unwrap_or(chrono::Duration::MAX);
        tokio::select! {
            () = cancel.cancelled() => return Err(Listing::Cancelled),
            () = clock.sleep_until(until) => {}
        }
    }
}

enum Admission {
    /// Recorded as pending by now: fetch it.
    Fetch,
    Skip,
    /// This very run dealt with it already, in an earlier leg: count it as it ended then.
    Counted(Ending),
}

/// Asks the download archive about the video. The archive is read before anything is written:
/// most videos of a scheduled scrape are known already, and a read costs less than a
/// conditional write on every backend.
async fn admit(shared: &Shared, run: &RunContext, listed: &ListedVideo) -> Result<Admission, StoreError> {
    let videos = &shared.ports.videos;
    let mut archived = videos.archived(&listed.platform, &listed.platform_id).await?;
    if let Some(ending) = handled_by(&archived, run.request.run_id) {
        return Ok(Admission::Counted(ending));
    }
    if decide(&archived, shared.ports.clock.now()) == Decision::Record {
        let found = FoundVideo {
            platform: listed.platform.clone(),
            platform_id: listed.platform_id.clone(),
            mode: run.request.mode,
            value: run.request.value.clone(),
            job_id: run.request.job_id.clone(),
            run_id: run.request.run_id,
            source_url: listed.source_url.clone(),
            metadata: listed.metadata.clone(),
        };
        match videos.upsert_video(&Video::found(found, shared.ports.clock.now())).await? {
            Upserted::Inserted(_) => return Ok(Admission::Fetch),
            // Another run recorded it in between: judge what it recorded.
            Upserted::Existing(stored) => archived = Archived::of(Some(stored)),
        }
    }
    let now = shared.ports.clock.now();
    match decide(&archived, now) {
        Decision::Record | Decision::Skip => Ok(Admission::Skip),
        Decision::Fetch(_) => Ok(Admission::Fetch),
        Decision::Retry(id) | Decision::Reclaim(id) => {
            // Judged again on the state it lands on: another run may have stored it meanwhile.
            let pick_up = |v: &Video| match decide(&Archived::of(Some(v.clone())), now) {
                Decision::Retry(_) => v.retry(now),
                Decision::Reclaim(_) => v.reclaim(now),
                _ => Err(TransitionError::NotFrom { from: v.status, action: "be picked up again" }),
            };
            let picked_up = matches!(change_video(&**videos, id, pick_up).await?, Changed::Done(_));
            Ok(if picked_up { Admission::Fetch } else { Admission::Skip })
        }
    }
}

/// How a video this run found ended, when it ended in an earlier leg of the same run (a run
/// continued in a new Lambda invocation lists its page again): stored, or failed other than by
/// the interruption that ended that leg. Such a video is neither fetched again nor counted as
/// skipped, so a run's counts come out the same however many legs it took.
fn handled_by(archived: &Archived, run_id: ExecutionId) -> Option<Ending> {
    match archived {
        Archived::Stored(video) if video.run_id == run_id => {
            Some(Ending::Uploaded { bytes: video.metadata.file_size.unwrap_or(0) })
        }
        Archived::Recorded(video) if video.run_id == run_id && video.status == VideoStatus::Failed => {
            let failure = video.failure.as_ref()?;
            (failure.message != pipeline::INTERRUPTED)
                .then_some(Ending::Failed { class: failure.class, disk_low: false })
        }
        _ => None,
    }
}

/// Takes videos off the queue until it is empty or the run is cancelled.
async fn work(shared: &Shared, run: &RunContext, queue: &Queue) {
    loop {
        if run.cancel.is_cancelled() {
            return;
        }
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).pop_front();
        let Some((listed, id)) = next else { return };
        let ending = pipeline::fetch(shared, run, &listed, id).await;
        finish(shared, run, ending).await;
    }
}

/// Counts the video and writes the run's progress; a failed write is logged, not fatal: the
/// next video writes it again.
async fn finish(shared: &Shared, run: &RunContext, ending: Ending) {
    let mut tally = run.tally.lock().await;
    tally.record(ending);
    if ending == Ending::Interrupted {
        return;
    }
    if let Err(error) = shared.ports.executions.update_progress(run.request.run_id, tally.progress()).await {
        tracing::warn!(run = %run.request.run_id, %error, "could not record a scrape's progress");
    }
}
