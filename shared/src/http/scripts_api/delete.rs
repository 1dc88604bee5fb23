//! Seed 000's deletes: `DELETE /api/jobs/{job_id}` and `DELETE /api/jobs/all`.

use crate::http::json::Json;
use axum::extract::Path;
use axum::extract::State;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiError;
use super::error::{FlaggedError, FlaggedErrorBody};
use crate::app::AppError;
use crate::domain::ids::JobId;
use crate::http::AppState;
use crate::http::extract::{JobIdParam, QueryParams};

#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedView {
    pub success: bool,
    #[schema(example = "Job abc-123-def deleted")]
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeleteFailure {
    pub job_id: String,
    pub error: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedAllView {
    pub success: bool,
    pub deleted_count: u64,
    /// Null when every job was deleted.
    pub errors: Option<Vec<DeleteFailure>>,
    #[schema(example = "15 jobs deleted")]
    pub message: String,
}

/// Seed 000 answers a missing job without naming it.
/// `DELETE /api/jobs/{job_id}`'s query.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Also delete the files of the clips the job's runs cut (a clip job's); by default they
    /// stay in the store and in `GET /api/clips`.
    pub delete_files: Option<bool>,
}

fn not_found() -> FlaggedError {
    ApiError::new(StatusCode::NOT_FOUND, "Job not found").into()
}

#[utoipa::path(
    delete,
    path = "/api/jobs/{job_id}",
    tag = "jobs",
    params(JobIdParam, DeleteQuery),
    responses(
        (status = 200, description = "Deleted with its run history (and, with `delete_files=true`, its clips' files)", body = DeletedView),
        (status = 400, description = "`delete_files` is not true or false", body = FlaggedErrorBody),
        (status = 401, description = "Missing or invalid API key", body = FlaggedErrorBody),
        (status = 403, description = "The key's role is below operator", body = FlaggedErrorBody),
        (status = 404, description = "No such job", body = FlaggedErrorBody),
        (status = 500, description = "Server error", body = FlaggedErrorBody),
    )
)]
pub async fn delete_job(
    State(state): State<AppState>,
    raw: Result<Path<String>, PathRejection>,
    QueryParams(query, _): QueryParams<DeleteQuery, FlaggedError>,
) -> Result<Json<DeletedView>, FlaggedError> {
    // An id that could never be valid names no job.
    let id = raw.ok().and_then(|Path(raw)| JobId::parse(&raw).ok()).ok_or_else(not_found)?;
    if query.delete_files == Some(true) {
        // The runs name the files, so the files go first: once the job is deleted nothing is
        // left to find them by.
        state.clips.delete_job_files(&id).await?;
    }
    match state.service.delete(&id).await {
        Ok(()) => Ok(Json(DeletedView { success: true, message: format!("Job {id} deleted") })),
        Err(AppError::NotFound(_)) => Err(not_found()),
        Err(err) => Err(err.into()),
    }
}

/// Deletes every job; the ones that fail are listed and the rest still go.
#[utoipa::path(
    delete,
    path = "/api/jobs/all",
    tag = "jobs",
    responses(
        (status = 200, description = "Deleted; `errors` lists the jobs that could not be", body = DeletedAllView),
        (status = 401, description = "Missing or invalid API key", body = FlaggedErrorBody),
        (status = 403, description = "The key's role is below admin", body = FlaggedErrorBody),
        (status = 500, description = "Server error", body = FlaggedErrorBody),
    )
)]
pub async fn delete_all_jobs(State(state): State<AppState>) -> Result<Json<DeletedAllView>, FlaggedError> {
    let report = state.service.delete_all().await?;
    let errors = (!report.errors.is_empty()).then(|| {
        report.errors.into_iter().map(|(id, error)| DeleteFailure { job_id: id.to_string(), error }).collect()
    });
    Ok(Json(DeletedAllView {
        success: true,
        deleted_count: report.deleted,
        errors,
        message: deleted_message(report.deleted, "job"),
    }))
}

/// `1 job deleted`, `15 jobs deleted`: how seed 000's bulk deletes say what they did.
pub(crate) fn deleted_message(count: u64, noun: &str) -> String {
    format!("{count} {noun}{} deleted", if count == 1 { "" } else { "s" })
}
