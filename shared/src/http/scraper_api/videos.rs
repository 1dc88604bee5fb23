//! The videos inventory: list with the seed's filters, get one, delete one's record.

use crate::http::json::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::error::{Problems, app_error};
use super::path::{VideoIdParam, VideoIdPath};
use super::query::VideoListQuery;
use super::views::{VideoList, VideoView};
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError, ValidationBody};
use crate::http::extract::QueryParams;

/// Videos matching every filter given, newest first, with how many match in all.
#[utoipa::path(
    get,
    path = "/api/v1/videos",
    tag = "videos",
    params(VideoListQuery),
    responses(
        (status = 200, description = "A page of videos and the number matching", body = VideoList),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 422, description = "Invalid query parameter", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn list_videos(
    State(state): State<AppState>,
    QueryParams(query, _): QueryParams<VideoListQuery, DetailError>,
) -> Result<Json<VideoList>, DetailError> {
    let mut problems = Problems::default();
    let (filter, page) = query.read(&mut problems);
    problems.into_result()?;
    let page = state.videos.list(&filter, &page).await.map_err(app_error)?;
    Ok(Json(VideoList { total: page.total, videos: page.items.iter().map(VideoView::from).collect() }))
}

/// One video, as listings show it.
#[utoipa::path(
    get,
    path = "/api/v1/videos/{video_id}",
    tag = "videos",
    params(VideoIdParam),
    responses(
        (status = 200, description = "The video", body = VideoView),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 404, description = "No such video, or it was deleted: `Video not found`", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn get_video(
    State(state): State<AppState>,
    VideoIdPath(id): VideoIdPath,
) -> Result<Json<VideoView>, DetailError> {
    let video = state.videos.get(id).await.map_err(app_error)?;
    Ok(Json(VideoView::from(&video)))
}

/// Deletes the video's record; the stored file stays. The video leaves listings and stats, and
/// no scrape fetches it again unless it is retried.
#[utoipa::path(
    delete,
    path = "/api/v1/videos/{video_id}",
    tag = "videos",
    params(VideoIdParam),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not delete videos", body = DetailBody),
        (status = 404, description = "No such video, or it was deleted already: `Video not found`", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn delete_video(
    State(state): State<AppState>,
    VideoIdPath(id): VideoIdPath,
) -> Result<StatusCode, DetailError> {
    state.videos.delete(id).await.map_err(app_error)?;
    Ok(StatusCode::NO_CONTENT)
}
