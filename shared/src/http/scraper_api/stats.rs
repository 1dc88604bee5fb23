//! Seed 002's system stats: scrape runs, videos and scheduled scrapes, counted from the stores.

use crate::http::json::Json;
use axum::extract::State;

use super::error::app_error;
use super::views::StatsView;
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError};

/// Counts of scrape runs by status, of videos by status with the bytes stored, and of scheduled
/// scrapes.
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "videos",
    responses(
        (status = 200, description = "The counts", body = StatsView),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn get_stats(State(state): State<AppState>) -> Result<Json<StatsView>, DetailError> {
    let stats = state.videos.stats().await.map_err(app_error)?;
    Ok(Json(StatsView::from(&stats)))
}
