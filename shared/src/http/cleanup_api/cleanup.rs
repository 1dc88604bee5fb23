//! `POST /api/v1/cleanup-all-videos/` (and without the slash): seed 003's guarded delete of
//! every video file.

use crate::http::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::error::{CleanupError, CleanupErrorBody};
use super::views::CleanupView;
use crate::app::{CleanupOutcome, CleanupRequest, Requester};
use crate::http::AppState;
use crate::http::extract::{Caller, ClientInfo, JsonBody};

/// The seed's body, plus `dry_run`. Only the documented fields are read; a field of the wrong
/// type counts as missing, so a token that is not a string is a wrong token (401).
#[derive(Debug, Deserialize, ToSchema)]
#[expect(dead_code, reason = "read only by the OpenAPI derive; the handler reads the JSON object")]
pub struct CleanupBody {
    #[schema(example = "CONFIRM_DELETE_ALL_VIDEOS_2025")]
    confirmation_token: Option<String>,
    #[schema(example = "DELETE_ALL_VIDEO_DATA")]
    confirm_action: Option<String>,
    /// True: report what would be deleted and delete nothing. Anything but absent, null or
    /// `false` is taken as a dry run, so that a mistyped flag never deletes.
    #[schema(example = false)]
    dry_run: Option<bool>,
}

fn request_of(body: &Value) -> CleanupRequest {
    let text = |field: &str| body.get(field).and_then(Value::as_str).map(str::to_owned);
    CleanupRequest {
        confirmation_token: text("confirmation_token"),
        confirm_action: text("confirm_action"),
        dry_run: !matches!(body.get("dry_run"), None | Some(Value::Null) | Some(Value::Bool(false))),
    }
}

/// Deletes every video file (`.mp4 .avi .mov .mkv .webm .m4v .3gp .flv`) under `videos/` and
/// `clips/`, and nothing else. Checked in the seed's order: the server must be in development
/// mode (403), the token must match (401), and `confirm_action` must be `DELETE_ALL_VIDEO_DATA`
/// (400). Every attempt is written to the audit log (`GET /api/v1/audit`). The records of
/// deleted videos become tombstones, so that no scheduled scrape fetches them again.
#[utoipa::path(
    post,
    path = "/api/v1/cleanup-all-videos/",
    tag = "cleanup",
    request_body = CleanupBody,
    responses(
        (status = 200, description = "Every video file went (or, with `dry_run`, what would go)", body = CleanupView),
        (status = 206, description = "Some files could not be deleted: `cleanup_errors` and `failed_keys` name them", body = CleanupView),
        (status = 400, description = "`confirm_action` is not `DELETE_ALL_VIDEO_DATA`, or the body is not JSON", body = CleanupErrorBody),
        (status = 401, description = "Wrong or missing confirmation token, or missing API key", body = CleanupErrorBody),
        (status = 403, description = "The server is not in development mode, or the key is not an admin's", body = CleanupErrorBody),
        (status = 413, description = "Body too large", body = CleanupErrorBody),
        (status = 415, description = "The body is not JSON", body = CleanupErrorBody),
        (status = 500, description = "Server error; nothing is deleted if the audit log cannot be written", body = CleanupErrorBody),
    )
)]
pub async fn cleanup_all_videos(
    state: State<AppState>,
    caller: Caller,
    client: ClientInfo,
    body: JsonBody<Value, CleanupError>,
) -> Result<Response, CleanupError> {
    answer(state, caller, client, body).await
}

/// The seed's path without its trailing slash: the same operation.
#[utoipa::path(
    post,
    path = "/api/v1/cleanup-all-videos",
    tag = "cleanup",
    request_body = CleanupBody,
    responses(
        (status = 200, description = "As `POST /api/v1/cleanup-all-videos/`", body = CleanupView),
        (status = 206, description = "Some files could not be deleted", body = CleanupView),
        (status = 400, description = "`confirm_action` is not `DELETE_ALL_VIDEO_DATA`", body = CleanupErrorBody),
        (status = 401, description = "Wrong or missing confirmation token, or missing API key", body = CleanupErrorBody),
        (status = 403, description = "Not in development mode, or not an admin's key", body = CleanupErrorBody),
        (status = 413, description = "Body too large", body = CleanupErrorBody),
        (status = 415, description = "The body is not JSON", body = CleanupErrorBody),
        (status = 500, description = "Server error", body = CleanupErrorBody),
    )
)]
pub async fn cleanup_all_videos_unslashed(
    state: State<AppState>,
    caller: Caller,
    client: ClientInfo,
    body: JsonBody<Value, CleanupError>,
) -> Result<Response, CleanupError> {
    answer(state, caller, client, body).await
}

async fn answer(
    State(state): State<AppState>,
    Caller(principal): Caller,
    client: ClientInfo,
    JsonBody(body, _): JsonBody<Value, CleanupError>,
) -> Result<Response, CleanupError> {
    let requester =
        Requester { principal: principal.name, client_address: client.address, user_agent: client.user_agent };
    let timestamp = state.service.now().timestamp_millis() as f64 / 1000.0;
    match state.cleanup.cleanup_all(request_of(&body), requester).await? {
        CleanupOutcome::Refused(refusal) => {
            let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::FORBIDDEN);
            Err(CleanupError::new(status, refusal.message()))
        }
        CleanupOutcome::DryRun(report) => Ok(Json(CleanupView::dry_run(report, timestamp)).into_response()),
        CleanupOutcome::Done(report) => {
            let view = CleanupView::done(report, timestamp);
            let status = if view.success { StatusCode::OK } else { StatusCode::PARTIAL_CONTENT };
            Ok((status, Json(view)).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_the_documented_fields_are_read_and_a_mistyped_flag_never_deletes() {
        let request = request_of(&json!({"confirmation_token": "t", "confirm_action": "a"}));
        assert_eq!((request.confirmation_token.as_deref(), request.confirm_action.as_deref()), (Some("t"), Some("a")));
        assert!(!request.dry_run);
        let wrong_types = request_of(&json!({"confirmation_token": 7, "confirm_action": ["a"]}));
        assert_eq!((wrong_types.confirmation_token, wrong_types.confirm_action), (None, None));
        for (flag, dry) in
            [(json!(false), false), (json!(null), false), (json!(true), true), (json!("false"), true), (json!(0), true)]
        {
            assert_eq!(request_of(&json!({ "dry_run": flag })).dry_run, dry, "{flag}");
        }
        assert!(!request_of(&json!([1, 2])).dry_run);
    }
}
