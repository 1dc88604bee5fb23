//! `GET /api/clips`, `DELETE /api/clips/{filename}` and `DELETE /api/clips/all`.

use crate::http::json::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};

use super::views::{ClipDeleteFailure, ClipDeletedView, ClipView, ClipsDeletedView, ClipsView};
use crate::app::AppError;
use crate::domain::clip_name::{ClipName, ClipNameError};
use crate::http::AppState;
use crate::http::scraper_api::jobs::served_by;
use crate::http::scripts_api::delete::deleted_message;
use crate::http::scripts_api::{ApiError, FlaggedError, FlaggedErrorBody};

/// Every clip under `clips/`: its file name, the job and video it came from, its size, its
/// measured duration and a download link.
#[utoipa::path(
    get,
    path = "/api/clips",
    tag = "clips",
    responses(
        (status = 200, description = "Every clip, in key order", body = ClipsView),
        (status = 401, description = "Missing or invalid API key", body = FlaggedErrorBody),
        (status = 500, description = "Server error", body = FlaggedErrorBody),
    )
)]
pub async fn list_clips(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<ClipsView>, FlaggedError> {
    let served = served_by(&headers);
    let mut clips = Vec::new();
    for clip in state.clips.list().await? {
        let link = state.clips.link(&clip.key).await?;
        clips.push(ClipView::new(clip, &link, &served));
    }
    Ok(Json(ClipsView { success: true, total: clips.len(), clips }))
}

/// Deletes one clip's file, named as `GET /api/clips` names it. A name with a path in it (a
/// slash, encoded or not, a backslash, `..`) or that is no video file is refused with 400.
#[utoipa::path(
    delete,
    path = "/api/clips/{filename}",
    tag = "clips",
    params(("filename" = String, Path, description = "The clip's file name, as listed")),
    responses(
        (status = 200, description = "Deleted", body = ClipDeletedView),
        (status = 400, description = "Not a clip's file name", body = FlaggedErrorBody),
        (status = 401, description = "Missing or invalid API key", body = FlaggedErrorBody),
        (status = 403, description = "The key's role is below operator", body = FlaggedErrorBody),
        (status = 404, description = "No such clip: `Clip not found`", body = FlaggedErrorBody),
        (status = 500, description = "Server error", body = FlaggedErrorBody),
    )
)]
pub async fn delete_clip(
    State(state): State<AppState>,
    raw: Result<Path<String>, PathRejection>,
) -> Result<Json<ClipDeletedView>, FlaggedError> {
    let invalid = |_| FlaggedError::from(ApiError::new(StatusCode::BAD_REQUEST, ClipNameError.to_string()));
    let name = raw.map_err(|_| ClipNameError).and_then(|Path(raw)| ClipName::parse(&raw)).map_err(invalid)?;
    match state.clips.delete(&name).await {
        Ok(()) => Ok(Json(ClipDeletedView { success: true, message: format!("Clip {name} deleted") })),
        Err(AppError::NotFound(message)) => Err(ApiError::new(StatusCode::NOT_FOUND, message).into()),
        Err(err) => Err(err.into()),
    }
}

/// Deletes every clip's file under `clips/`, a page of keys a request on S3; `errors` names the
/// clips that stayed.
#[utoipa::path(
    delete,
    path = "/api/clips/all",
    tag = "clips",
    responses(
        (status = 200, description = "Deleted; `errors` lists the clips that could not be", body = ClipsDeletedView),
        (status = 401, description = "Missing or invalid API key", body = FlaggedErrorBody),
        (status = 403, description = "The key's role is below admin", body = FlaggedErrorBody),
        (status = 500, description = "Server error", body = FlaggedErrorBody),
    )
)]
pub async fn delete_all_clips(State(state): State<AppState>) -> Result<Json<ClipsDeletedView>, FlaggedError> {
    let report = state.clips.delete_all().await?;
    let errors = (!report.errors.is_empty())
        .then(|| report.errors.into_iter().map(|(filename, error)| ClipDeleteFailure { filename, error }).collect());
    Ok(Json(ClipsDeletedView {
        success: true,
        deleted_count: report.deleted,
        errors,
        message: deleted_message(report.deleted, "clip"),
    }))
}
