//! `/api/…`: seed 001's script scheduling and seed 000's job routes, over the one model.

mod delete;
mod error;
mod health;
mod jobs;
mod manage;
mod schedule;
mod schedule_body;
mod trigger_text;
mod view;

#[cfg(test)]
mod tests;

pub use error::ApiError;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;

/// One `routes!` per path: utoipa-axum mounts all handlers of a call on every path it names.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(schedule::schedule_job))
        .routes(routes!(jobs::list_jobs))
        .routes(routes!(jobs::get_job))
        .routes(routes!(manage::remove_job))
        .routes(routes!(manage::pause_job))
        .routes(routes!(manage::resume_job))
        // axum matches the static `all` before `{job_id}` whatever the order; `all` is also never
        // a valid job id.
        .routes(routes!(delete::delete_all_jobs))
        .routes(routes!(delete::delete_job))
}
