//! `/api/v1/scheduler/…`: seed 004, a scheduler's API over the one model. Errors are
//! `{"detail": "…"}`, and validation errors pydantic's 422 list naming the request's fields.

mod catalog;
mod executions;
mod input;
mod jobs;
mod problems;
mod query;
mod schedule_config;
mod status;
mod status_word;
mod task_args;
#[cfg(test)]
mod tests;
mod views;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(catalog::list_task_functions))
        .routes(routes!(catalog::list_job_types))
        .routes(routes!(jobs::list_jobs, jobs::create_job))
        .routes(routes!(jobs::get_job, jobs::update_job, jobs::delete_job))
        .routes(routes!(jobs::set_job_status))
        .routes(routes!(jobs::trigger_job))
        .routes(routes!(executions::list_job_executions))
        .routes(routes!(executions::list_executions))
        .routes(routes!(status::scheduler_status))
}
