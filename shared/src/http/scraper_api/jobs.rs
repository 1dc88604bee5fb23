//! Seed 002's jobs: scrape runs. Create one (a job that scrapes once, now), list them, read one
//! with its videos and download links, cancel one, delete one with its videos.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::error::app_error;
use super::job_body::{CreateScrapeJobBody, read};
use super::job_views::CreatedRunView;
use crate::app::ScrapeRuns;
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError, ValidationBody};
use crate::http::extract::{Caller, JsonBody};

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
