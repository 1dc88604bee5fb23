//! A failed or deleted video fetched again, now.

use crate::http::json::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::error::app_error;
use super::path::{VideoIdParam, VideoIdPath};
use super::scheduled_views::RetriedVideoView;
use crate::app::RetryError;
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError};
use crate::http::extract::Caller;

/// Retries downloading and uploading a failed video, or one that was deleted: the video goes
/// back to `pending` and a run starts now that fetches it alone, under the scrape's mode and
/// value. `retry_job_id` is that run.
#[utoipa::path(
    post,
    path = "/api/v1/videos/{video_id}/retry",
    tag = "videos",
    params(VideoIdParam),
    responses(
        (status = 200, description = "The video, pending again, and the run fetching it", body = RetriedVideoView),
        (status = 400, description = "The video is uploaded, or a run is fetching it", body = DetailBody),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key's role may not retry videos", body = DetailBody),
        (status = 404, description = "No such video: `Video not found`", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn retry_video(
    State(state): State<AppState>,
    Caller(principal): Caller,
    VideoIdPath(id): VideoIdPath,
) -> Result<Json<RetriedVideoView>, DetailError> {
    match state.videos.retry(id, &state.service, &principal).await {
        Ok(retried) => Ok(Json(RetriedVideoView::from(&retried))),
        Err(RetryError::Refused(why)) => Err(DetailError::new(StatusCode::BAD_REQUEST, why)),
        Err(RetryError::App(err)) => Err(app_error(err)),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{Method, StatusCode};
    use serde_json::json;

    use crate::domain::video::{Video, VideoStatus};
    use crate::test_support::router::RouterHarness;
    use crate::test_support::videos::{full_video, video};

    /// Refusals only: a retry that is granted starts a run, which these tests keep off.
    #[tokio::test]
    async fn only_failed_or_deleted_videos_may_be_retried() {
        let h = RouterHarness::new();
        let waiting = video("1");
        let downloading = Video { status: VideoStatus::Downloading, attempts: 1, ..video("2") };
        let uploaded = full_video("3");
        for recorded in [&waiting, &downloading, &uploaded] {
            h.record_video(recorded).await;
        }
        for (refused, why) in [
            (&waiting, "Video is pending: a run is fetching it"),
            (&downloading, "Video is downloading: a run is fetching it"),
            (&uploaded, "Video is already uploaded"),
        ] {
            let (status, body) = h.call(Method::POST, &format!("/api/v1/videos/{}/retry", refused.id), None).await;
            let detail = format!("{why}; only a failed or deleted video can be retried");
            assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!({ "detail": detail })));
            let (_, unchanged) = h.get(&format!("/api/v1/videos/{}", refused.id)).await;
            assert_eq!(unchanged["status"], refused.status.as_str());
        }
        for unknown in ["00000000-0000-8000-8000-000000000000", "7123"] {
            let (status, body) = h.call(Method::POST, &format!("/api/v1/videos/{unknown}/retry"), None).await;
            assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"detail": "Video not found"})));
        }
        h.stop().await;
    }
}
