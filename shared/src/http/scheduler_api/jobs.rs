//! Scheduled jobs: list, create, read, change, delete, enable or disable, trigger.

use crate::http::json::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::input::{SchedulerJobCreate, SchedulerJobStatusUpdate, SchedulerJobUpdate};
use super::problems::{Problems, app_error};
use super::query::{JobListQuery, Paging, flag};
use super::status_word::scheduler_status_word;
use super::views::{SchedulerJobDetailView, SchedulerJobList, SchedulerJobView, SchedulerTriggerResponse};
use crate::app::{AppError, JobService, TriggerOutcome};
use crate::domain::execution::TriggeredBy;
use crate::domain::ids::JobId;
use crate::domain::job::{Job, JobFilter};
use crate::domain::task::TaskFunction;
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError, ValidationBody};
use crate::http::extract::{Caller, JobIdParam, JobIdPath, JsonBody, QueryParams};
use crate::ports::{ExecutionFilter, Page, PageRequest};

const JOBS_PER_PAGE: u32 = 20;
const RECENT_EXECUTIONS: u32 = 10;

/// Scheduled jobs, oldest first, with counts over all jobs.
#[utoipa::path(
    get,
    path = "/api/v1/scheduler/jobs",
    tag = "scheduler",
    params(JobListQuery),
    responses(
        (status = 200, description = "A page of jobs", body = SchedulerJobList),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 422, description = "Invalid query parameter", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn list_jobs(
    State(state): State<AppState>,
    QueryParams(query, _): QueryParams<JobListQuery, DetailError>,
) -> Result<Json<SchedulerJobList>, DetailError> {
    let mut problems = Problems::default();
    let enabled = flag("is_enabled", query.is_enabled.as_deref(), &mut problems);
    let paging = Paging::read(query.page, query.per_page, JOBS_PER_PAGE, query.cursor, &mut problems);
    problems.into_result()?;
    let service = &state.service;
    // An id no function has matches no job; the store cannot be asked for it.
    let function = query.task_function_id.map(TaskFunction::from_id);
    let filter =
        JobFilter { name_contains: query.name.filter(|n| !n.trim().is_empty()), enabled, function: function.flatten() };
    let page = async {
        match function {
            Some(None) => Ok(Page { items: Vec::new(), total: 0, next_cursor: None }),
            _ => service.list(&filter, &paging.request()).await,
        }
    };
    let (page, counts, running) =
        tokio::try_join!(page, service.counts(), service.running_count()).map_err(|err| app_error(err, None))?;
    Ok(Json(SchedulerJobList {
        jobs: page.items.iter().map(SchedulerJobView::from).collect(),
        total: page.total,
        enabled_count: counts.enabled,
        disabled_count: counts.disabled,
        running_count: running,
        page: paging.page,
        per_page: paging.per_page,
        next_cursor: page.next_cursor,
    }))
}

/// Creates a job; it is scheduled at once unless disabled or paused.
#[utoipa::path(
    post,
    path = "/api/v1/scheduler/jobs",
    tag = "scheduler",
    request_body = SchedulerJobCreate,
    responses(
        (status = 201, description = "The job", body = SchedulerJobView),
        (status = 400, description = "Malformed JSON, or a script outside the script directories", body = DetailBody),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not create jobs", body = DetailBody),
        (status = 409, description = "A job with this id exists", body = DetailBody),
        (status = 413, description = "The body is larger than 64 KiB", body = DetailBody),
        (status = 415, description = "The body is not declared as JSON (`Content-Type: application/json`)", body = DetailBody),
        (status = 422, description = "Invalid field", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn create_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(SchedulerJobCreate(input), _): JsonBody<SchedulerJobCreate, DetailError>,
) -> Result<(StatusCode, Json<SchedulerJobView>), DetailError> {
    let config = input.schedule_config().cloned();
    let new = input.into_new_job(state.service.now())?;
    let job = state.service.create(new, &principal, false).await.map_err(|err| app_error(err, config.as_ref()))?;
    Ok((StatusCode::CREATED, Json(SchedulerJobView::from(&job))))
}

/// A job with its task function, job type and latest executions.
#[utoipa::path(
    get,
    path = "/api/v1/scheduler/jobs/{job_id}",
    tag = "scheduler",
    params(JobIdParam),
    responses(
        (status = 200, description = "The job", body = SchedulerJobDetailView),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 404, description = "No such job", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn get_job(
    State(state): State<AppState>,
    JobIdPath(id, _): JobIdPath<DetailError>,
) -> Result<Json<SchedulerJobDetailView>, DetailError> {
    let job = state.service.get(&id).await.map_err(|err| app_error(err, None))?;
    detail(&state.service, &job).await.map(Json)
}

/// Changes the fields given; the rest keep their values.
#[utoipa::path(
    put,
    path = "/api/v1/scheduler/jobs/{job_id}",
    tag = "scheduler",
    params(JobIdParam),
    request_body = SchedulerJobUpdate,
    responses(
        (status = 200, description = "The changed job, as `GET` shows it", body = SchedulerJobDetailView),
        (status = 400, description = "Malformed JSON, or a script outside the script directories", body = DetailBody),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not change jobs", body = DetailBody),
        (status = 404, description = "No such job", body = DetailBody),
        (status = 409, description = "The job was changed at the same time", body = DetailBody),
        (status = 413, description = "The body is larger than 64 KiB", body = DetailBody),
        (status = 415, description = "The body is not declared as JSON (`Content-Type: application/json`)", body = DetailBody),
        (status = 422, description = "Invalid field", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn update_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JobIdPath(id, _): JobIdPath<DetailError>,
    JsonBody(SchedulerJobUpdate(input), _): JsonBody<SchedulerJobUpdate, DetailError>,
) -> Result<Json<SchedulerJobDetailView>, DetailError> {
    let config = input.schedule_config().cloned();
    let mut problems = Problems::default();
    let change = input.check(&mut problems);
    problems.into_result()?;
    let now = state.service.now();
    // The change is read against the very version it is applied to, and refused in the
    // family's own shape; the use case's own refusals are placed by `app_error`.
    let job = state
        .service
        .update(&id, &principal, |job| change.apply_to(job, now).map_err(ChangeError::Refused))
        .await
        .map_err(|err| match err {
            ChangeError::Refused(problems) => problems.into_error(),
            ChangeError::App(err) => app_error(err, config.as_ref()),
        })?;
    detail(&state.service, &job).await.map(Json)
}

/// Deletes a job, its schedule and its execution history.
#[utoipa::path(
    delete,
    path = "/api/v1/scheduler/jobs/{job_id}",
    tag = "scheduler",
    params(JobIdParam),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not delete jobs", body = DetailBody),
        (status = 404, description = "No such job", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn delete_job(
    State(state): State<AppState>,
    JobIdPath(id, _): JobIdPath<DetailError>,
) -> Result<StatusCode, DetailError> {
    state.service.delete(&id).await.map_err(|err| app_error(err, None))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enables or disables a job.
#[utoipa::path(
    put,
    path = "/api/v1/scheduler/jobs/{job_id}/status",
    tag = "scheduler",
    params(JobIdParam),
    request_body = SchedulerJobStatusUpdate,
    responses(
        (status = 200, description = "The changed job", body = SchedulerJobView),
        (status = 400, description = "Malformed JSON", body = DetailBody),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not change jobs", body = DetailBody),
        (status = 404, description = "No such job", body = DetailBody),
        (status = 409, description = "The job was changed at the same time", body = DetailBody),
        (status = 413, description = "The body is larger than 64 KiB", body = DetailBody),
        (status = 415, description = "The body is not declared as JSON (`Content-Type: application/json`)", body = DetailBody),
        (status = 422, description = "`isEnabled` missing or not a boolean", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn set_job_status(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JobIdPath(id, _): JobIdPath<DetailError>,
    JsonBody(body, _): JsonBody<SchedulerJobStatusUpdate, DetailError>,
) -> Result<Json<SchedulerJobView>, DetailError> {
    let enabled = body.enabled().map_err(Problems::into_error)?;
    let job = state.service.set_enabled(&id, enabled, &principal).await.map_err(|err| app_error(err, None))?;
    Ok(Json(SchedulerJobView::from(&job)))
}

/// Runs a job now, outside its schedule, as a `manual` execution.
#[utoipa::path(
    post,
    path = "/api/v1/scheduler/jobs/{job_id}/trigger",
    tag = "scheduler",
    params(JobIdParam),
    responses(
        (status = 200, description = "The run started", body = SchedulerTriggerResponse),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not trigger jobs", body = DetailBody),
        (status = 404, description = "No such job", body = DetailBody),
        (status = 409, description = "The job is disabled, or already runs `maxInstances` times (the trigger is recorded as a skipped execution)", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn trigger_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JobIdPath(id, _): JobIdPath<DetailError>,
) -> Result<Json<SchedulerTriggerResponse>, DetailError> {
    let outcome =
        state.service.trigger(&id, &principal, TriggeredBy::Manual).await.map_err(|err| app_error(err, None))?;
    match outcome {
        TriggerOutcome::Started(execution) => Ok(Json(SchedulerTriggerResponse {
            job_id: id.to_string(),
            execution_id: execution.id.to_string(),
            celery_task_id: None,
            message: "Job triggered successfully".to_owned(),
            status: scheduler_status_word(execution.status).to_owned(),
        })),
        TriggerOutcome::Skipped(execution) => Err(skipped(&id, &execution.id.to_string())),
    }
}

/// Why a change did not happen: its own problems, or the use case's refusal.
enum ChangeError {
    Refused(Problems),
    App(AppError),
}

impl From<AppError> for ChangeError {
    fn from(err: AppError) -> Self {
        Self::App(err)
    }
}

fn skipped(id: &JobId, execution_id: &str) -> DetailError {
    DetailError::new(
        StatusCode::CONFLICT,
        format!(
            "Job {id} is already running as many times as its maxInstances allows; \
             this trigger was recorded as skipped execution {execution_id}"
        ),
    )
}

async fn detail(service: &JobService, job: &Job) -> Result<SchedulerJobDetailView, DetailError> {
    let filter = ExecutionFilter::of_job(job.id.clone());
    let recent = service
        .walk_executions(&filter, &PageRequest { offset: 0, limit: RECENT_EXECUTIONS, cursor: None })
        .await
        .map_err(|err| app_error(err, None))?;
    Ok(SchedulerJobDetailView::new(job, &recent.items, service.instance().started_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    #[tokio::test]
    async fn a_skipped_trigger_names_its_execution() {
        let id = JobId::parse("nightly").unwrap();
        let response = skipped(&id, "0190-abc").into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("nightly") && detail.contains("maxInstances") && detail.contains("0190-abc"),
            "{detail}"
        );
        assert!(detail.contains("skipped"), "{detail}");
    }
}
