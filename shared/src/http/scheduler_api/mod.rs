//! `/api/v1/scheduler/…`: seed 004, a scheduler's API over the one model. Errors are
//! `{"detail": "…"}`, and validation errors pydantic's 422 list naming the request's fields.

pub(super) mod catalog;
pub(super) mod clip_args;
pub(super) mod executions;
mod input;
pub(super) mod jobs;
mod problems;
mod query;
mod retention_args;
mod schedule_config;
pub(super) mod status;
mod status_word;
mod task_args;
#[cfg(test)]
mod tests;
mod views;
