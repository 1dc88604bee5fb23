//! Use cases over the ports: what every route family and every runtime (the local server, the
//! Lambdas) does with jobs and executions.

mod clip_library;
mod error;
mod executor;
#[cfg(test)]
mod executor_tests;
mod instance;
mod jobs;
mod misfire;
mod progress_feed;
mod run_records;
mod runs;
mod scheduled_scrapes;
pub mod scrape;
mod scrape_runs;
mod stored_files;
#[cfg(test)]
mod tests;
mod video_cleanup;
mod video_retention;
mod video_retry;
mod videos;

pub use clip_library::{CLIPS_PREFIX, ClipLibrary, ClipsDeleted, StoredClip, clip_not_found};
pub use error::{AppError, AppResult, InvalidField, Reason};
pub use executor::Executor;
pub use instance::InstanceInfo;
pub use jobs::{DeleteAllReport, JobService, TriggerOutcome};
pub use misfire::{FirePlan, plan_fire};
pub use progress_feed::{AnnouncedClaims, ProgressFeed, RunChanges};
pub use run_records::RunRecords;
pub use scheduled_scrapes::{
    IntervalError, IntervalMinutes, MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, NewScheduledScrape,
    ScheduledScrapeChange, ScheduledScrapeError, ScheduledScrapes, is_scheduled_scrape, scheduled_job_not_found,
};
pub use scrape_runs::{
    DOWNLOADABLE_PREFIXES, Download, LINK_LIFETIME, ObjectLink, ScrapeRun, ScrapeRuns, VideoLinks, file_not_found,
    object_link, run_not_found,
};
pub use video_cleanup::{
    CleanupOutcome, CleanupReport, CleanupRequest, DRY_RUN_KEYS, DryRunReport, LISTED_ERRORS, Requester, VideoCleanup,
};
pub use video_retention::{LISTED_KEYS, VideoRetention};
pub use video_retry::{RetriedVideo, RetryError};
pub use videos::{RunCounts, ScheduledCounts, ScrapeStats, VideoService, video_not_found};
