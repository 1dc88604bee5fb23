//! `GET /api/jobs` (seeds 000 and 001 at once) and `GET /api/job/{job_id}` (seed 001).

use crate::http::json::{self, Json, Written};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiError;
use super::error::{ErrorBody, FlaggedError, FlaggedErrorBody};
use super::view::{JobDetailView, JobView};
use crate::domain::job::JobFilter;
use crate::domain::task::TaskSpec;
use crate::http::AppState;
use crate::http::extract::{JobIdParam, JobIdPath, QueryParams};
use crate::ports::{ExecutionFilter, PageRequest};

/// Neither seed pages; the default returns every job of any ordinary installation at once.
const DEFAULT_LIMIT: u32 = 1000;
const MAX_LIMIT: u32 = 10_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Jobs per page, 1 to 10000 (default 1000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
    /// Jobs to skip, oldest first (default 0).
    pub offset: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobListView {
    pub success: bool,
    /// Jobs in this response.
    pub count: usize,
    /// Jobs in total, whatever the page.
    pub total: u64,
    pub jobs: Vec<JobView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobDetailResponse {
    pub job: JobDetailView,
}

#[utoipa::path(
    get,
    path = "/api/jobs",
    tag = "jobs",
    params(ListQuery),
    responses(
        (status = 200, description = "Jobs, oldest first", body = JobListView),
        (status = 400, description = "Invalid limit or offset", body = FlaggedErrorBody),
        (status = 401, description = "Missing or invalid API key", body = FlaggedErrorBody),
        (status = 500, description = "Server error", body = FlaggedErrorBody),
    )
)]
pub async fn list_jobs(
    State(state): State<AppState>,
    QueryParams(query, _): QueryParams<ListQuery, FlaggedError>,
) -> Result<Json<JobListView>, FlaggedError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        let message = format!("Invalid limit: must be from 1 to {MAX_LIMIT}");
        return Err(ApiError::new(StatusCode::BAD_REQUEST, message).into());
    }
    let page = PageRequest { offset: query.offset.unwrap_or(0), limit, cursor: None };
    let page = state.service.list(&JobFilter::default(), &page).await?;
    let mut jobs = Vec::with_capacity(page.items.len());
    for job in &page.items {
        let mut view = JobView::of(job);
        if matches!(job.task, TaskSpec::Clip(_)) {
            // Seed 000 counts a clip job's clips: those of its latest run.
            let latest = PageRequest { offset: 0, limit: 1, cursor: None };
            let runs = state.service.executions(&ExecutionFilter::of_job(job.id.clone()), &latest).await?;
            if let Some(run) = runs.items.first() {
                (view.total, view.processed) = (run.progress.total, run.progress.processed);
                // A page's video is named once the run has read the page.
                if let Some(video_id) = run.result.as_ref().and_then(|r| r["video_id"].as_str()) {
                    view.video_id = Some(video_id.to_owned());
                }
            }
        }
        jobs.push(view);
    }
    Ok(Json(JobListView { success: true, count: jobs.len(), total: page.total, jobs }))
}

#[utoipa::path(
    get,
    path = "/api/job/{job_id}",
    tag = "scripts",
    params(JobIdParam),
    responses(
        (status = 200, description = "The job", body = JobDetailResponse),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody,
            example = json!({"error": "Job not found: data_backup_job"})),
        (status = 500, description = "Server error", body = ErrorBody),
    )
)]
pub async fn get_job(
    State(state): State<AppState>,
    JobIdPath(id, _): JobIdPath<ApiError>,
) -> Result<Written, ApiError> {
    let job = state.service.get_shared(&id).await?;
    let body = state.rendered_jobs.body(&job, |job| json::written(&JobDetailResponse { job: JobDetailView::of(job) }));
    Ok(Written(body))
}
