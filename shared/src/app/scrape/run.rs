//! A whole run: the listing, whose videos go to the download workers as it reads them, the
//! downloads a few at a time, the progress after each video and the outcome.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::listing::{self, Listing};
use super::pipeline;
use super::tally::{Ending, Tally};
use super::{ScrapeRequest, Scraper, Shared};
use crate::domain::execution::ExecutionStatus;
use crate::domain::video::VideoId;
use crate::ports::{ListedVideo, RunOutcome};

/// What every worker of one run shares.
pub(super) struct RunContext {
    pub(super) request: ScrapeRequest,
    /// Its year and month name the folder the run's videos go to.
    pub(super) started: DateTime<Utc>,
    pub(super) cancel: CancellationToken,
    /// Held while progress is written, so that a slower write never overwrites a newer count.
    pub(super) tally: tokio::sync::Mutex<Tally>,
}

/// Recorded videos on their way to the workers: the listing sends each as soon as the archive
/// has admitted it, and the workers take them in turn.
pub(super) type WorkSender = mpsc::UnboundedSender<(ListedVideo, VideoId)>;
type WorkQueue = tokio::sync::Mutex<mpsc::UnboundedReceiver<(ListedVideo, VideoId)>>;

impl Scraper {
    /// Runs the scrape to its end. The downloads start while the page is still being listed. A
    /// cancel stops it between steps: no video starts after it, a download under way is killed,
    /// what was stored stays, and what was interrupted is left for the next run.
    pub async fn run(&self, request: ScrapeRequest, cancel: CancellationToken) -> RunOutcome {
        let shared = &self.shared;
        let started = shared.ports.clock.now();
        let run = Arc::new(RunContext { request, started, cancel, tally: tokio::sync::Mutex::new(Tally::new(0)) });

        let (queue, work_queue) = mpsc::unbounded_channel();
        let work_queue = Arc::new(tokio::sync::Mutex::new(work_queue));
        let mut workers = JoinSet::new();
        for _ in 0..shared.settings.downloads_at_once.get() {
            let (scraper, run, work_queue) = (self.shared.clone(), run.clone(), work_queue.clone());
            workers.spawn(async move { work(&scraper, &run, &work_queue).await });
        }
        // Ends once the listing has and every video it found is admitted; dropping the queue's
        // sender with it lets the workers end once they have taken the last one.
        let listed = listing::list(shared, &run, queue).await;
        while let Some(joined) = workers.join_next().await {
            if let Err(error) = joined {
                tracing::error!(%error, "a scrape worker panicked");
            }
        }
        let cancelled = run.cancel.is_cancelled();
        let tally = run.tally.lock().await;
        match listed {
            Ok(()) => tally.outcome(cancelled),
            Err(Listing::Cancelled) => tally.outcome(true),
            Err(Listing::Failed(error)) => {
                let message = format!("listing failed ({}): {}", error.class.as_str(), error.message);
                if tally.found() == 0 {
                    return RunOutcome::failed(message);
                }
                // What it found before it failed was fetched all the same, and counts.
                RunOutcome { status: ExecutionStatus::Failed, error: Some(message), ..tally.outcome(cancelled) }
            }
        }
    }
}

/// Takes videos off the queue until it is closed and empty, or the run is cancelled.
async fn work(shared: &Shared, run: &RunContext, queue: &WorkQueue) {
    loop {
        let next = tokio::select! {
            () = run.cancel.cancelled() => return,
            next = async { queue.lock().await.recv().await } => next,
        };
        let Some((listed, id)) = next else { return };
        // Nothing starts after a cancel, even a video taken as it fired.
        if run.cancel.is_cancelled() {
            return;
        }
        let ending = pipeline::fetch(shared, run, &listed, id).await;
        finish(shared, run, ending).await;
    }
}

/// Counts the video and writes the run's progress; a failed write is logged, not fatal: the
/// next video writes it again.
pub(super) async fn finish(shared: &Shared, run: &RunContext, ending: Ending) {
    let mut tally = run.tally.lock().await;
    tally.record(ending);
    if ending == Ending::Interrupted {
        return;
    }
    write_progress(shared, run, &tally).await;
}

/// Writes the run's progress as `tally` has it; the caller holds the tally.
pub(super) async fn write_progress(shared: &Shared, run: &RunContext, tally: &Tally) {
    if let Err(error) = shared.ports.executions.update_progress(run.request.run_id, tally.progress()).await {
        tracing::warn!(run = %run.request.run_id, %error, "could not record a scrape's progress");
    }
}
