//! Seed 001's remove, pause and resume.

use crate::http::json::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiError;
use super::error::ErrorBody;
use crate::http::AppState;
use crate::http::extract::{Caller, JobIdParam, JobIdPath};

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    #[schema(example = "Job data_backup_job removed successfully")]
    pub message: String,
}

fn message(text: String) -> Json<MessageView> {
    Json(MessageView { message: text })
}

/// Removes the job with its schedule and run history.
#[utoipa::path(
    delete,
    path = "/api/remove-job/{job_id}",
    tag = "scripts",
    params(JobIdParam),
    responses(
        (status = 200, description = "Removed", body = MessageView),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "The key's role is below operator", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody,
            example = json!({"error": "Job not found: data_backup_job"})),
        (status = 500, description = "Server error", body = ErrorBody),
    )
)]
pub async fn remove_job(
    State(state): State<AppState>,
    JobIdPath(id, _): JobIdPath<ApiError>,
) -> Result<Json<MessageView>, ApiError> {
    state.service.delete(&id).await?;
    Ok(message(format!("Job {id} removed successfully")))
}

/// Keeps the job but stops it from firing until it is resumed.
#[utoipa::path(
    put,
    path = "/api/pause-job/{job_id}",
    tag = "scripts",
    params(JobIdParam),
    responses(
        (status = 200, description = "Paused", body = MessageView,
            example = json!({"message": "Job data_backup_job paused successfully"})),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "The key's role is below operator", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
        (status = 409, description = "The job was changed at the same time", body = ErrorBody),
        (status = 500, description = "Server error", body = ErrorBody),
    )
)]
pub async fn pause_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JobIdPath(id, _): JobIdPath<ApiError>,
) -> Result<Json<MessageView>, ApiError> {
    state.service.pause(&id, &principal).await?;
    Ok(message(format!("Job {id} paused successfully")))
}

/// Lets a paused job fire again; what it missed while paused is not replayed.
#[utoipa::path(
    put,
    path = "/api/resume-job/{job_id}",
    tag = "scripts",
    params(JobIdParam),
    responses(
        (status = 200, description = "Resumed", body = MessageView,
            example = json!({"message": "Job data_backup_job resumed successfully"})),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "The key's role is below operator", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
        (status = 409, description = "The job was changed at the same time", body = ErrorBody),
        (status = 500, description = "Server error", body = ErrorBody),
    )
)]
pub async fn resume_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JobIdPath(id, _): JobIdPath<ApiError>,
) -> Result<Json<MessageView>, ApiError> {
    state.service.resume(&id, &principal).await?;
    Ok(message(format!("Job {id} resumed successfully")))
}
