//! Seed 002's scheduled jobs: scrape jobs on an interval. Create, list, read, change, toggle and
//! delete; each firing is a run that `GET /jobs` lists.

use crate::http::json::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::error::{INVALID, app_error};
use super::scheduled_body::{
    ScheduledJobCreate, ScheduledJobListQuery, ScheduledJobPatch, enabled_filter, task_problem,
};
use super::scheduled_views::ScheduledScrapeView;
use crate::app::{AppError, InvalidField, ScheduledScrapeError, ScheduledScrapes, scheduled_job_not_found};
use crate::domain::ids::JobId;
use crate::domain::job::Job;
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError, LocPart, ValidationBody, ValidationItem};
use crate::http::extract::{Caller, JsonBody, QueryParams};

/// A `{job_id}`: a value that cannot be a job id names no scheduled job, a 404 like an unknown one.
pub struct ScheduledJobIdPath(pub JobId);

/// How the OpenAPI document describes the `{job_id}` that [`ScheduledJobIdPath`] reads.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "read only by the OpenAPI derive; the handlers read `ScheduledJobIdPath`")]
pub struct ScheduledJobIdParam {
    /// The scheduled job's id, as listings give it.
    #[param(pattern = "^[0-9A-Za-z._-]{1,64}$", example = "660e8400-e29b-41d4-a716-446655440000")]
    job_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ScheduledJobIdPath {
    type Rejection = DetailError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let not_found = || DetailError::from(scheduled_job_not_found());
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| not_found())?;
        JobId::parse(&raw).map(Self).map_err(|_| not_found())
    }
}

/// The family's errors, with a schedule the backend cannot run placed at `interval_minutes`.
fn scheduled_error(err: AppError) -> DetailError {
    match err {
        AppError::Invalid { field: InvalidField::Trigger, message } => {
            DetailError::validation(vec![ValidationItem::new(
                vec![LocPart::from("body"), LocPart::from("interval_minutes")],
                message.as_str(),
                INVALID,
            )])
        }
        other => app_error(other),
    }
}

fn view(job: &Job) -> Result<Json<ScheduledScrapeView>, DetailError> {
    ScheduledScrapeView::of(job).map(Json).ok_or_else(|| DetailError::from(scheduled_job_not_found()))
}

/// Creates a scrape job that runs every `interval_minutes`, the first run one interval from now.
#[utoipa::path(
    post,
    path = "/api/v1/scheduled-jobs",
    tag = "videos",
    request_body = ScheduledJobCreate,
    responses(
        (status = 201, description = "The scheduled job", body = ScheduledScrapeView),
        (status = 400, description = "Malformed JSON", body = DetailBody),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not create jobs", body = DetailBody),
        (status = 413, description = "The body is larger than 64 KiB", body = DetailBody),
        (status = 415, description = "The body is not declared as JSON (`Content-Type: application/json`)", body = DetailBody),
        (status = 422, description = "Invalid or missing field, such as `interval_minutes` under 5", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn create_scheduled_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(body, _): JsonBody<ScheduledJobCreate, DetailError>,
) -> Result<(StatusCode, Json<ScheduledScrapeView>), DetailError> {
    let new = body.read()?;
    let job = ScheduledScrapes::new(&state.service).create(new, &principal).await.map_err(scheduled_error)?;
    Ok((StatusCode::CREATED, view(&job)?))
}

/// Every scheduled scrape, oldest first, including scrape jobs on an interval made through
/// `/api/v1/scheduler/jobs`.
#[utoipa::path(
    get,
    path = "/api/v1/scheduled-jobs",
    tag = "videos",
    params(ScheduledJobListQuery),
    responses(
        (status = 200, description = "The scheduled jobs", body = Vec<ScheduledScrapeView>),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 422, description = "`enabled` is not a boolean", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn list_scheduled_jobs(
    State(state): State<AppState>,
    QueryParams(query, _): QueryParams<ScheduledJobListQuery, DetailError>,
) -> Result<Json<Vec<ScheduledScrapeView>>, DetailError> {
    let enabled = enabled_filter(query.enabled.as_deref())?;
    let jobs = ScheduledScrapes::new(&state.service).list(enabled).await.map_err(app_error)?;
    Ok(Json(jobs.iter().filter_map(ScheduledScrapeView::of).collect()))
}

/// One scheduled job, with its run counters.
#[utoipa::path(
    get,
    path = "/api/v1/scheduled-jobs/{job_id}",
    tag = "videos",
    params(ScheduledJobIdParam),
    responses(
        (status = 200, description = "The scheduled job", body = ScheduledScrapeView),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 404, description = "No such job, or not a scheduled scrape: `Scheduled job not found`", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn get_scheduled_job(
    State(state): State<AppState>,
    ScheduledJobIdPath(id): ScheduledJobIdPath,
) -> Result<Json<ScheduledScrapeView>, DetailError> {
    let job = ScheduledScrapes::new(&state.service).get(&id).await.map_err(app_error)?;
    view(&job)
}

/// Changes the fields given (the create body's, each optional); the rest keep their values. A
/// new `interval_minutes` counts from now.
#[utoipa::path(
    patch,
    path = "/api/v1/scheduled-jobs/{job_id}",
    tag = "videos",
    params(ScheduledJobIdParam),
    request_body = ScheduledJobPatch,
    responses(
        (status = 200, description = "The changed scheduled job", body = ScheduledScrapeView),
        (status = 400, description = "Malformed JSON", body = DetailBody),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not change jobs", body = DetailBody),
        (status = 404, description = "No such job, or not a scheduled scrape: `Scheduled job not found`", body = DetailBody),
        (status = 409, description = "The job was changed at the same time", body = DetailBody),
        (status = 413, description = "The body is larger than 64 KiB", body = DetailBody),
        (status = 415, description = "The body is not declared as JSON (`Content-Type: application/json`)", body = DetailBody),
        (status = 422, description = "Invalid field", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn update_scheduled_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ScheduledJobIdPath(id): ScheduledJobIdPath,
    JsonBody(body, _): JsonBody<ScheduledJobPatch, DetailError>,
) -> Result<Json<ScheduledScrapeView>, DetailError> {
    let change = body.read()?;
    let job = ScheduledScrapes::new(&state.service).update(&id, change, &principal).await.map_err(|err| match err {
        ScheduledScrapeError::App(err) => scheduled_error(err),
        ScheduledScrapeError::Task(err) => task_problem(err),
    })?;
    view(&job)
}

/// Enables a disabled scheduled job, or disables an enabled one.
#[utoipa::path(
    post,
    path = "/api/v1/scheduled-jobs/{job_id}/toggle",
    tag = "videos",
    params(ScheduledJobIdParam),
    responses(
        (status = 200, description = "The scheduled job, `enabled` flipped", body = ScheduledScrapeView),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not change jobs", body = DetailBody),
        (status = 404, description = "No such job, or not a scheduled scrape: `Scheduled job not found`", body = DetailBody),
        (status = 409, description = "The job was changed at the same time", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn toggle_scheduled_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ScheduledJobIdPath(id): ScheduledJobIdPath,
) -> Result<Json<ScheduledScrapeView>, DetailError> {
    let job = ScheduledScrapes::new(&state.service).toggle(&id, &principal).await.map_err(scheduled_error)?;
    view(&job)
}

/// Deletes the scheduled job, its schedule and its runs' history; the videos it stored stay.
#[utoipa::path(
    delete,
    path = "/api/v1/scheduled-jobs/{job_id}",
    tag = "videos",
    params(ScheduledJobIdParam),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not delete jobs", body = DetailBody),
        (status = 404, description = "No such job, or not a scheduled scrape: `Scheduled job not found`", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn delete_scheduled_job(
    State(state): State<AppState>,
    ScheduledJobIdPath(id): ScheduledJobIdPath,
) -> Result<StatusCode, DetailError> {
    ScheduledScrapes::new(&state.service).delete(&id).await.map_err(app_error)?;
    Ok(StatusCode::NO_CONTENT)
}
