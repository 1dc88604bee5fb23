//! The listing of a run and the archive's verdict on each video it finds, as it finds it: a
//! video new to the archive is recorded before it goes to the download workers, so that every
//! video has its record before its download, while the rest of the page is still being read.

use std::collections::HashSet;

use tokio::sync::mpsc;

use super::Shared;
use super::archive::{Decision, decide};
use super::pipeline;
use super::run::{RunContext, WorkSender, finish, write_progress};
use super::tally::Ending;
use crate::domain::ids::ExecutionId;
use crate::domain::video::{FoundVideo, TransitionError, Video, VideoId, VideoStatus};
use crate::ports::{Archived, Changed, FetchError, ListedVideo, StoreError, Upserted, change_video};

pub(super) enum Listing {
    Cancelled,
    Failed(FetchError),
}

/// Lists the page, admitting each video as it comes and sending the ones to fetch to `queue`;
/// a listing that fails in a way that may pass is tried again after a pause. A video an earlier
/// try found is not admitted again: it is counted, and may be under way already.
pub(super) async fn list(shared: &Shared, run: &RunContext, queue: WorkSender) -> Result<(), Listing> {
    let policy = shared.settings.retry;
    let mut admitted = HashSet::new();
    let mut tried = 0;
    loop {
        tried += 1;
        let (found, listed) = mpsc::unbounded_channel();
        let listing = shared.ports.source.list_into(&run.request.list, found, run.cancel.clone());
        let (listed, ()) = tokio::join!(listing, admit_each(shared, run, listed, &mut admitted, &queue));
        // The total is known now: say so, even when no video finishes after this.
        let tally = run.tally.lock().await;
        if tally.found() > 0 {
            write_progress(shared, run, &tally).await;
        }
        drop(tally);
        let error = match listed {
            _ if run.cancel.is_cancelled() => return Err(Listing::Cancelled),
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        if !(error.is_transient() && policy.allows_another_after(tried)) {
            return Err(Listing::Failed(error));
        }
        let clock = &shared.ports.clock;
        let until =
            clock.now() + chrono::Duration::from_std(policy.pause_after(tried)).unwrap_or(chrono::Duration::MAX);
        tokio::select! {
            () = run.cancel.cancelled() => return Err(Listing::Cancelled),
            () = clock.sleep_until(until) => {}
        }
    }
}

/// Admits each video of one try of the listing, at most the request's limit, until the listing
/// ends or the run is cancelled.
async fn admit_each(
    shared: &Shared,
    run: &RunContext,
    mut listed: mpsc::UnboundedReceiver<ListedVideo>,
    admitted: &mut HashSet<VideoId>,
    queue: &WorkSender,
) {
    let limit = usize::try_from(run.request.list.limit).unwrap_or(usize::MAX);
    let mut this_try = HashSet::new();
    let mut taken = 0;
    while let Some(video) = listed.recv().await {
        // Dropping the receiver tells the source to stop; the cancel kills it.
        if run.cancel.is_cancelled() || taken >= limit {
            return;
        }
        taken += 1;
        let id = VideoId::of(&video.platform, &video.platform_id);
        // A listing can name a video twice; fetching it twice at once would race itself.
        if !this_try.insert(id) {
            run.tally.lock().await.found_one();
            finish(shared, run, Ending::Skipped).await;
            continue;
        }
        if !admitted.insert(id) {
            continue;
        }
        run.tally.lock().await.found_one();
        match admit(shared, run, &video).await {
            // The workers outlive the listing; a closed queue means the run is over anyway.
            Ok(Admission::Fetch) => drop(queue.send((video, id))),
            Ok(Admission::Skip) => finish(shared, run, Ending::Skipped).await,
            Ok(Admission::Counted(ending)) => finish(shared, run, ending).await,
            Err(error) => {
                tracing::warn!(video = %id, %error, "the download archive could not be read");
                finish(shared, run, Ending::Unrecorded).await;
            }
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
