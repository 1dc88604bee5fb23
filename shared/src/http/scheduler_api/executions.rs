//! Execution history, newest first: across all jobs or for one.

use crate::http::json::Json;
use axum::extract::State;

use super::problems::{Problems, app_error};
use super::query::{ExecutionListQuery, JobExecutionQuery, Paging, job_id, status};
use super::views::{SchedulerExecutionList, SchedulerExecutionView};
use crate::app::JobService;
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError, ValidationBody};
use crate::http::extract::{JobIdParam, JobIdPath, QueryParams};
use crate::ports::ExecutionFilter;

const EXECUTIONS_PER_PAGE: u32 = 50;

/// Executions of every job.
#[utoipa::path(
    get,
    path = "/api/v1/scheduler/executions",
    tag = "scheduler",
    params(ExecutionListQuery),
    responses(
        (status = 200, description = "A page of executions", body = SchedulerExecutionList),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 422, description = "Invalid query parameter", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn list_executions(
    State(state): State<AppState>,
    QueryParams(query, _): QueryParams<ExecutionListQuery, DetailError>,
) -> Result<Json<SchedulerExecutionList>, DetailError> {
    let mut problems = Problems::default();
    let filter = ExecutionFilter {
        job_id: job_id(query.job_id.as_deref(), &mut problems),
        statuses: status(query.status.as_deref(), &mut problems).into_iter().collect(),
        kind: None,
    };
    let paging = Paging::read(query.page, query.per_page, EXECUTIONS_PER_PAGE, query.cursor, &mut problems);
    problems.into_result()?;
    list(&state.service, &filter, &paging).await.map(Json)
}

/// Executions of one job.
#[utoipa::path(
    get,
    path = "/api/v1/scheduler/jobs/{job_id}/executions",
    tag = "scheduler",
    params(JobIdParam, JobExecutionQuery),
    responses(
        (status = 200, description = "A page of the job's executions", body = SchedulerExecutionList),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 404, description = "No such job", body = DetailBody),
        (status = 422, description = "Invalid query parameter", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn list_job_executions(
    State(state): State<AppState>,
    JobIdPath(id, _): JobIdPath<DetailError>,
    QueryParams(query, _): QueryParams<JobExecutionQuery, DetailError>,
) -> Result<Json<SchedulerExecutionList>, DetailError> {
    let mut problems = Problems::default();
    let status = status(query.status.as_deref(), &mut problems);
    let paging = Paging::read(query.page, query.per_page, EXECUTIONS_PER_PAGE, query.cursor, &mut problems);
    problems.into_result()?;
    state.service.get(&id).await.map_err(|err| app_error(err, None))?;
    let filter = ExecutionFilter { statuses: status.into_iter().collect(), ..ExecutionFilter::of_job(id) };
    list(&state.service, &filter, &paging).await.map(Json)
}

async fn list(
    service: &JobService,
    filter: &ExecutionFilter,
    paging: &Paging,
) -> Result<SchedulerExecutionList, DetailError> {
    let page = service.executions(filter, &paging.request()).await.map_err(|err| app_error(err, None))?;
    Ok(SchedulerExecutionList {
        executions: page.items.iter().map(SchedulerExecutionView::from).collect(),
        total: page.total,
        page: paging.page,
        per_page: paging.per_page,
        next_cursor: page.next_cursor,
    })
}
