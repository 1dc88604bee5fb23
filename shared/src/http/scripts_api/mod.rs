//! `/api/…`: seed 001's script scheduling and seed 000's job routes, over the one model.

pub(super) mod delete;
mod error;
pub(super) mod health;
pub(super) mod jobs;
pub(super) mod manage;
pub(super) mod schedule;
mod schedule_body;
mod trigger_text;
mod view;

#[cfg(test)]
mod tests;

pub use error::{ApiError, FlaggedError, FlaggedErrorBody};
