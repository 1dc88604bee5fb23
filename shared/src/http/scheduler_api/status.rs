//! The scheduler's own state: this instance, job counts and the next fire.

use crate::http::json::Json;
use axum::extract::State;

use super::problems::app_error;
use super::views::{SchedulerInstanceView, SchedulerNextJobView, SchedulerStatusView};
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError};
use crate::http::time::rfc3339_z;

/// Whether the scheduler runs, which instance leads, how many jobs there are and which fires next.
#[utoipa::path(
    get,
    path = "/api/v1/scheduler/status",
    tag = "scheduler",
    responses(
        (status = 200, description = "The scheduler's state", body = SchedulerStatusView),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn scheduler_status(State(state): State<AppState>) -> Result<Json<SchedulerStatusView>, DetailError> {
    let service = &state.service;
    let (counts, running, next) = tokio::try_join!(service.counts(), service.running_count(), service.next_due())
        .map_err(|err| app_error(err, None))?;
    let instance = SchedulerInstanceView::from(service.instance());
    let next_scheduled_job = next.and_then(|job| {
        let at = job.next_run_at?;
        Some(SchedulerNextJobView { id: job.id.to_string(), name: job.name, next_run_time: rfc3339_z(at) })
    });
    Ok(Json(SchedulerStatusView {
        // False while the scheduler cannot use its store and is backing off.
        is_running: service.instance().scheduler_failing_since().is_none(),
        leader_instance: instance.clone(),
        total_jobs: counts.total,
        enabled_jobs: counts.enabled,
        running_jobs: running,
        next_scheduled_job,
        instances: vec![instance],
    }))
}
