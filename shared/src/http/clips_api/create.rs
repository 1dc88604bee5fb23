//! `POST /api/clips`: a clip cut now, without a schedule. The job it makes is a run-once
//! `clip.video` job, listed by `GET /api/jobs` beside the others and deleted the same way.

use crate::http::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::job::{NewJob, Policies};
use crate::domain::task::TaskSpec;
use crate::domain::trigger::Trigger;
use crate::http::AppState;
use crate::http::extract::{Caller, JsonBody};
use crate::http::scheduler_api::clip_args::{CLIP_ARGS, parse_clip_args};
use crate::http::scripts_api::{ApiError, FlaggedError, FlaggedErrorBody};
use crate::http::time;

/// `clip.video`'s arguments (seed 004's `taskArgs` for function 5).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[expect(dead_code, reason = "read only by the OpenAPI derive; the handler reads the JSON object")]
pub struct ClipJobBody {
    /// A scraped video's id; or give `storage_key` or `url`.
    video_id: Option<String>,
    /// A stored file under `videos/`; or give `video_id` or `url`.
    #[schema(example = "videos/uploads/talk.mp4")]
    storage_key: Option<String>,
    /// A video's page, fetched with yt-dlp for the cut (only the clips are kept); or give
    /// `video_id` or `storage_key`. Pages on private or loopback addresses are refused unless
    /// the server allows them.
    #[schema(example = "https://www.youtube.com/watch?v=Z3TMbaX_X0k")]
    url: Option<String>,
    /// Bounds in seconds; or give `segment_seconds`.
    #[schema(example = json!([{"start": 1, "end": 11}, {"start": 30.5, "end": 42}]))]
    segments: Option<Vec<Value>>,
    /// Back-to-back pieces of this many seconds.
    segment_seconds: Option<f64>,
    /// `copy` (keyframe cuts, no re-encoding; the default) or `exact` (frame-accurate).
    #[schema(example = "copy")]
    accuracy: Option<String>,
}

/// The clip job as seed 000 lists its jobs.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ClipJobView {
    pub success: bool,
    #[schema(example = "abc-123-def")]
    pub job_id: String,
    #[schema(example = "Z3TMbaX_X0k")]
    pub video_id: String,
    /// `processing` while it cuts, then `finished` or `failed` (`GET /api/jobs`).
    #[schema(example = "processing")]
    pub status: &'static str,
    pub created_at: String,
    /// Clips to cut, once the video's length is known.
    pub total: u64,
    pub processed: u64,
}

/// Starts cutting clips now: the body is `clip.video`'s arguments. The run's progress and its
/// clips are in `GET /api/jobs` and `GET /api/clips`.
#[utoipa::path(
    post,
    path = "/api/clips",
    tag = "clips",
    request_body = ClipJobBody,
    responses(
        (status = 201, description = "The clip job, started", body = ClipJobView),
        (status = 400, description = "A bad argument, named", body = FlaggedErrorBody),
        (status = 401, description = "Missing or invalid API key", body = FlaggedErrorBody),
        (status = 403, description = "The key's role is below operator", body = FlaggedErrorBody),
        (status = 413, description = "Body too large", body = FlaggedErrorBody),
        (status = 415, description = "The body is not JSON", body = FlaggedErrorBody),
        (status = 500, description = "Server error", body = FlaggedErrorBody),
    )
)]
pub async fn create_clip_job(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(body, _): JsonBody<Value, FlaggedError>,
) -> Result<(StatusCode, Json<ClipJobView>), FlaggedError> {
    let invalid = |field: &str, message: &str| {
        let field = if field.is_empty() { "body".to_owned() } else { field.to_owned() };
        FlaggedError::from(ApiError::new(StatusCode::BAD_REQUEST, format!("Invalid {field}: {message}")))
    };
    let Value::Object(map) = &body else { return Err(invalid("", "must be a JSON object")) };
    if let Some(unknown) = map.keys().find(|k| !CLIP_ARGS.contains(&k.as_str())) {
        return Err(invalid(unknown, &format!("unknown field; expected one of: {}", CLIP_ARGS.join(", "))));
    }
    let task = parse_clip_args(map).map_err(|err| invalid(&err.field, &err.message))?;
    let video_id = task.video_label();
    let new = NewJob {
        id: None,
        name: None,
        description: None,
        task: TaskSpec::Clip(task),
        trigger: Trigger::now(state.service.now()),
        policies: Policies::default(),
        enabled: true,
        paused: false,
    };
    let run = state.service.run_now(new, &principal).await?;
    let view = ClipJobView {
        success: true,
        job_id: run.job_id.to_string(),
        video_id,
        status: "processing",
        created_at: time::naive(run.scheduled_at),
        total: run.progress.total,
        processed: run.progress.processed,
    };
    Ok((StatusCode::CREATED, Json(view)))
}
