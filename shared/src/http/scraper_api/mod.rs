//! `/api/v1/…` of seed 002, the video scraper: its videos inventory and its stats, over the one
//! model. A seed-002 "job" is one scrape run, so a video's `job_id` is the run that found it.
//! Errors are `{"detail": "…"}`, and validation errors pydantic's 422 list naming the query
//! parameter.

mod error;
pub(super) mod files;
pub(super) mod health;
mod job_body;
mod job_query;
mod job_views;
pub(super) mod jobs;
#[cfg(test)]
mod jobs_tests;
mod path;
pub(super) mod pin;
mod query;
pub(super) mod retry;
mod run_path;
pub(super) mod scheduled;
mod scheduled_body;
mod scheduled_views;
pub(super) mod stats;
#[cfg(test)]
mod tests;
pub(super) mod videos;
mod views;
pub mod ws;
