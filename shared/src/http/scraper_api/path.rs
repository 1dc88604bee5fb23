//! The `{video_id}` path parameter.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::app::video_not_found;
use crate::domain::video::VideoId;
use crate::http::detail::DetailError;

/// A `{video_id}`: our id of a video (a UUID). The seed takes any string there and answers 404
/// for one it does not know, so a value that cannot be an id is a 404 too, never a 422.
pub struct VideoIdPath(pub VideoId);

/// How the OpenAPI document describes the `{video_id}` that [`VideoIdPath`] reads.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "read only by the OpenAPI derive; the handlers read `VideoIdPath`")]
pub struct VideoIdParam {
    /// The video's id, as listings give it. Anything else names no video.
    #[param(format = Uuid, example = "908cc04b-8259-8466-b0b9-48eecb4aeb44")]
    video_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for VideoIdPath {
    type Rejection = DetailError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| not_found())?;
        VideoId::parse(&raw).map(Self).ok_or_else(not_found)
    }
}

fn not_found() -> DetailError {
    DetailError::from(video_not_found())
}
