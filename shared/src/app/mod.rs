//! Use cases over the ports: what every route family and every runtime (the local server, the
//! Lambdas) does with jobs and executions.

mod error;
mod executor;
#[cfg(test)]
mod executor_tests;
mod instance;
mod jobs;
mod misfire;
mod progress_feed;
mod runs;
pub mod scrape;
#[cfg(test)]
mod tests;
mod videos;

pub use error::{AppError, AppResult, InvalidField, Reason};
pub use executor::Executor;
pub use instance::InstanceInfo;
pub use jobs::{DeleteAllReport, JobService, TriggerOutcome};
pub use misfire::{FirePlan, plan_fire};
pub use progress_feed::{ProgressFeed, RunChanges};
pub use videos::{RunCounts, ScheduledCounts, ScrapeStats, VideoService, video_not_found};
