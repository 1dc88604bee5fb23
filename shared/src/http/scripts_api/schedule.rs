//! `POST /api/schedule-job` (seed 001): a bash or python script at a date.

use crate::http::json::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::ApiError;
use super::error::ErrorBody;
use super::schedule_body::{ScheduleJobBody, ScheduleRequest};
use super::view::ScheduledJobView;
use crate::domain::job::{NewJob, Policies};
use crate::domain::trigger::Trigger;
use crate::http::AppState;
use crate::http::extract::{Caller, JsonBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleResponse {
    #[schema(example = "Job scheduled successfully")]
    pub message: &'static str,
    pub job: ScheduledJobView,
}

#[utoipa::path(
    post,
    path = "/api/schedule-job",
    tag = "scripts",
    request_body = ScheduleJobBody,
    responses(
        (status = 200, description = "Scheduled", body = ScheduleResponse),
        (status = 400, description = "A field is missing or invalid, the script is outside the script directories, or run_date has passed", body = ErrorBody,
            example = json!({"error": "Missing required fields: run_date"})),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 403, description = "The key's role is below operator", body = ErrorBody),
        (status = 409, description = "A job with this id exists and replace_existing is not true", body = ErrorBody,
            example = json!({"error": "Job already exists: data_backup_job"})),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "The body is not declared as JSON (`Content-Type: application/json`)", body = ErrorBody),
        (status = 500, description = "Server error", body = ErrorBody),
    )
)]
pub async fn schedule_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(body, _): JsonBody<Value, ApiError>,
) -> Result<Json<ScheduleResponse>, ApiError> {
    let request = ScheduleRequest::parse(&body)?;
    let new = NewJob {
        id: Some(request.id),
        name: None,
        description: None,
        task: request.task,
        trigger: Trigger::Date { run_at: request.run_at },
        policies: Policies::default(),
        enabled: true,
        paused: false,
    };
    let job = state.service.create(new, &principal, request.replace_existing).await?;
    Ok(Json(ScheduleResponse { message: "Job scheduled successfully", job: ScheduledJobView::of(&job) }))
}
