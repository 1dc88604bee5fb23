//! Pins: a pinned video is one `cleanup.videos` never removes, whatever its age, its place among
//! its source's videos or the quota.

use crate::http::json::Json;
use axum::extract::State;

use super::error::app_error;
use super::path::{VideoIdParam, VideoIdPath};
use super::views::VideoView;
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError};

/// Pins the video: retention keeps it. Pinning a pinned video changes nothing it shows.
#[utoipa::path(
    put,
    path = "/api/v1/videos/{video_id}/pin",
    tag = "videos",
    params(VideoIdParam),
    responses(
        (status = 200, description = "The video, pinned", body = VideoView),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not pin videos", body = DetailBody),
        (status = 404, description = "No such video, or it was deleted: `Video not found`", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn pin_video(
    State(state): State<AppState>,
    VideoIdPath(id): VideoIdPath,
) -> Result<Json<VideoView>, DetailError> {
    let video = state.videos.pin(id, true).await.map_err(app_error)?;
    Ok(Json(VideoView::from(&video)))
}

/// Unpins the video: retention's rules apply to it again from its next run.
#[utoipa::path(
    delete,
    path = "/api/v1/videos/{video_id}/pin",
    tag = "videos",
    params(VideoIdParam),
    responses(
        (status = 200, description = "The video, unpinned", body = VideoView),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not unpin videos", body = DetailBody),
        (status = 404, description = "No such video, or it was deleted: `Video not found`", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn unpin_video(
    State(state): State<AppState>,
    VideoIdPath(id): VideoIdPath,
) -> Result<Json<VideoView>, DetailError> {
    let video = state.videos.pin(id, false).await.map_err(app_error)?;
    Ok(Json(VideoView::from(&video)))
}

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};
    use serde_json::json;

    use crate::test_support::router::RouterHarness;
    use crate::test_support::videos::{full_video, video};

    #[tokio::test]
    async fn a_pin_is_set_shown_and_cleared_and_a_deleted_video_has_none() {
        let h = RouterHarness::new();
        let stored = full_video("1");
        h.record_video(&stored).await;
        h.record_video(&video("2")).await;
        let path = format!("/api/v1/videos/{}/pin", stored.id);
        for _ in 0..2 {
            let (status, body) = h.call(Method::PUT, &path, None).await;
            assert_eq!(
                (status, &body["pinned"], &body["id"]),
                (StatusCode::OK, &json!(true), &json!(stored.id.to_string()))
            );
        }
        let (_, shown) = h.get(&format!("/api/v1/videos/{}", stored.id)).await;
        assert_eq!(shown["pinned"], true);
        let (_, listed) = h.get("/api/v1/videos").await;
        let pins: Vec<bool> = listed["videos"].as_array().unwrap().iter().map(|v| v["pinned"] == true).collect();
        assert_eq!(pins.iter().filter(|p| **p).count(), 1, "{listed}");
        let (status, body) = h.call(Method::DELETE, &path, None).await;
        assert_eq!((status, &body["pinned"]), (StatusCode::OK, &json!(false)));
        let (status, _) = h.call(Method::DELETE, &format!("/api/v1/videos/{}", stored.id), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        for (method, id) in [
            (Method::PUT, stored.id.to_string()),
            (Method::DELETE, stored.id.to_string()),
            (Method::PUT, "7123".to_owned()),
        ] {
            let (status, body) = h.call(method, &format!("/api/v1/videos/{id}/pin"), None).await;
            assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"detail": "Video not found"})));
        }
        h.stop().await;
    }
}
