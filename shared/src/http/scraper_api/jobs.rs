//! Seed 002's jobs: scrape runs. Create one (a job that scrapes once, now), list them, read one
//! with its videos and download links, cancel one, delete one with its videos.

use crate::http::json::Json;
use axum::extract::State;
use axum::http::header::HOST;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use super::error::{Problems, app_error};
use super::files::file_path;
use super::job_body::{CreateScrapeJobBody, read};
use super::job_query::{RunDeleteQuery, RunListQuery};
use super::job_views::{CreatedRunView, DriveLinkView, RunDetailView, RunView};
use super::run_path::{RunIdParam, RunIdPath};
use super::views::VideoView;
use crate::app::{AppError, ScrapeRuns};
use crate::domain::object_key::ObjectKey;
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError, ValidationBody};
use crate::http::extract::{Caller, JsonBody, QueryParams};

/// Starts a scrape run: a job that scrapes once, now. The answer is the run, started.
#[utoipa::path(
    post,
    path = "/api/v1/jobs",
    tag = "jobs",
    request_body = CreateScrapeJobBody,
    responses(
        (status = 201, description = "The run, started", body = CreatedRunView),
        (status = 400, description = "Malformed JSON", body = DetailBody),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not start runs", body = DetailBody),
        (status = 413, description = "The body is larger than 64 KiB", body = DetailBody),
        (status = 415, description = "The body is not declared as JSON (`Content-Type: application/json`)", body = DetailBody),
        (status = 422, description = "Invalid or missing field, at `[\"body\", field]`", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn create_scrape_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(body, _): JsonBody<Map<String, Value>, DetailError>,
) -> Result<(StatusCode, Json<CreatedRunView>), DetailError> {
    let task = read(&body)?;
    let run = ScrapeRuns::new(&state.service, &state.videos).start(task, &principal).await.map_err(app_error)?;
    Ok((StatusCode::CREATED, Json(CreatedRunView::from(&run))))
}

/// Scrape runs, newest first, scheduled firings included.
#[utoipa::path(
    get,
    path = "/api/v1/jobs",
    tag = "jobs",
    params(RunListQuery),
    responses(
        (status = 200, description = "A page of runs", body = Vec<RunView>),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 422, description = "Invalid query parameter", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn list_scrape_jobs(
    State(state): State<AppState>,
    QueryParams(query, _): QueryParams<RunListQuery, DetailError>,
) -> Result<Json<Vec<RunView>>, DetailError> {
    let mut problems = Problems::default();
    let (statuses, page) = query.read(&mut problems);
    problems.into_result()?;
    let runs = ScrapeRuns::new(&state.service, &state.videos).list(statuses, &page).await.map_err(app_error)?;
    Ok(Json(runs.iter().map(RunView::from).collect()))
}

/// A run with its videos and a download link for each stored one.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{job_id}",
    tag = "jobs",
    params(RunIdParam),
    responses(
        (status = 200, description = "The run, its videos and their links", body = RunDetailView),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 404, description = "No such run: `Job not found`", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn get_scrape_job(
    State(state): State<AppState>,
    RunIdPath(id): RunIdPath,
    headers: HeaderMap,
) -> Result<Json<RunDetailView>, DetailError> {
    let runs = ScrapeRuns::new(&state.service, &state.videos);
    let (run, videos) = tokio::try_join!(runs.get(id), runs.videos(id)).map_err(app_error)?;
    let served = served_by(&headers);
    let mut drive_links = Vec::with_capacity(videos.len());
    for video in &videos {
        if let (Some(key), Some(links)) = (&video.video_key, runs.links(video).await.map_err(app_error)?) {
            drive_links.push(DriveLinkView::new(video, key, &links.video, links.metadata.as_ref(), &served));
        }
    }
    Ok(Json(RunDetailView {
        job: RunView::from(&run),
        videos: videos.iter().map(VideoView::from).collect(),
        drive_links,
    }))
}

/// This server's URL for a key, absolute from the request's `Host` (which the same-origin guard
/// checks in open mode), or a path alone when the request named no usable host.
pub(crate) fn served_by(headers: &HeaderMap) -> impl Fn(&ObjectKey) -> String {
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).filter(|h| {
        !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    });
    // The local server speaks plain HTTP; on S3 links are the store's own.
    let base = host.map(|h| format!("http://{h}")).unwrap_or_default();
    move |key| format!("{base}{}", file_path(key))
}

/// Cancels a run: a waiting one at once, a running one between videos (its yt-dlp is stopped and
/// what it stored is kept; the answer may still say `running` until it has stopped). A finished
/// run answers 400, the seed's status for a request that cannot be honoured: its clients know
/// 400, 404 and 422, and no 409.
#[utoipa::path(
    post,
    path = "/api/v1/jobs/{job_id}/cancel",
    tag = "jobs",
    params(RunIdParam),
    responses(
        (status = 200, description = "The run, cancelled or stopping", body = RunView),
        (status = 400, description = "The run has finished: `Job is not running`", body = DetailBody),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not cancel runs", body = DetailBody),
        (status = 404, description = "No such run: `Job not found`", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn cancel_scrape_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    RunIdPath(id): RunIdPath,
) -> Result<Json<RunView>, DetailError> {
    let runs = ScrapeRuns::new(&state.service, &state.videos);
    match runs.cancel(id, &principal).await {
        Ok(run) => Ok(Json(RunView::from(&run))),
        Err(AppError::Conflict(_)) => Err(DetailError::new(StatusCode::BAD_REQUEST, "Job is not running")),
        Err(err) => Err(app_error(err)),
    }
}

/// Deletes a run and its videos' records (no later scrape fetches those videos again); with
/// `delete_files=true` also their files and metadata under `videos/`. A run still going is
/// stopped first.
#[utoipa::path(
    delete,
    path = "/api/v1/jobs/{job_id}",
    tag = "jobs",
    params(RunIdParam, RunDeleteQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not delete runs", body = DetailBody),
        (status = 404, description = "No such run: `Job not found`", body = DetailBody),
        (status = 422, description = "Invalid query parameter", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn delete_scrape_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    RunIdPath(id): RunIdPath,
    QueryParams(query, _): QueryParams<RunDeleteQuery, DetailError>,
) -> Result<StatusCode, DetailError> {
    let mut problems = Problems::default();
    let delete_files = query.read(&mut problems);
    problems.into_result()?;
    ScrapeRuns::new(&state.service, &state.videos).delete(id, delete_files, &principal).await.map_err(app_error)?;
    Ok(StatusCode::NO_CONTENT)
}
