//! `GET /api/health` (seed 001).

use crate::http::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthView {
    #[schema(example = "healthy")]
    pub status: &'static str,
    #[schema(example = true)]
    pub scheduler_running: bool,
}

/// Healthy when the job store answers and the scheduler can use it: without either nothing can
/// be scheduled or fired.
#[utoipa::path(
    get,
    path = "/api/health",
    tag = "scripts",
    security(()),
    responses(
        (status = 200, description = "The service can read and schedule jobs", body = HealthView),
        (status = 503, description = "The job store cannot be read, or the scheduler cannot use it and is retrying",
            body = HealthView, example = json!({"status": "unhealthy", "scheduler_running": false})),
    )
)]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<HealthView>) {
    let unhealthy =
        (StatusCode::SERVICE_UNAVAILABLE, Json(HealthView { status: "unhealthy", scheduler_running: false }));
    if let Some(since) = state.service.instance().scheduler_failing_since() {
        tracing::warn!(%since, "health check: the scheduler cannot use its store");
        return unhealthy;
    }
    match state.service.store_answers().await {
        Ok(()) => (StatusCode::OK, Json(HealthView { status: "healthy", scheduler_running: true })),
        Err(err) => {
            tracing::error!(error = %err, "health check: the job store cannot be read");
            unhealthy
        }
    }
}
