//! Downloads of stored videos, clips and their metadata: the links `GET /jobs/{job_id}` gives
//! when the object store has no URLs of its own (the local folder). On S3 the same route
//! answers with a redirect to a presigned URL.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio_util::io::ReaderStream;

use super::error::app_error;
use crate::app::scrape::served_content_type;
use crate::app::{AppError, Download, ScrapeRuns, file_not_found};
use crate::domain::object_key::ObjectKey;
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError};

/// The route, and what links to a key start with.
pub const FILES_PREFIX: &str = "/api/v1/files/";

/// How the OpenAPI document describes the `{*key}` the handler reads.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "read only by the OpenAPI derive; the handler reads the path itself")]
pub struct FileKeyParam {
    /// The object's key, as `drive_links` and `drive_file_id` give it: under `videos/` or
    /// `clips/`, its segments percent-encoded.
    #[param(example = "videos/profile/khaby.lame/2025/01/7123456789012345678.mp4")]
    key: String,
}

/// A stored video, clip or metadata file: its bytes, streamed from the local folder, or on S3 a
/// redirect to a presigned URL that works for an hour. Only keys under `videos/` and `clips/`
/// are served; any other key is as missing as one never written.
#[utoipa::path(
    get,
    path = "/api/v1/files/{*key}",
    tag = "videos",
    params(FileKeyParam),
    responses(
        (status = 200, description = "The object's bytes, typed by the key's extension: a video's type for videos and clips, JSON for the metadata beside them, octet-stream for an extension of no known video type", content(
            (Vec<u8> = "video/*"),
            (serde_json::Value = "application/json"),
            (Vec<u8> = "application/octet-stream"),
        )),
        (status = 307, description = "On S3: the presigned URL to fetch it from, in `Location`"),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 404, description = "No such file, or not one the API serves: `File not found`", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn get_file(
    State(state): State<AppState>,
    key: Result<Path<String>, PathRejection>,
) -> Result<Response, DetailError> {
    // A key that is not UTF-8 once decoded names nothing stored.
    let Ok(Path(key)) = key else { return Err(DetailError::from(file_not_found())) };
    let runs = ScrapeRuns::new(&state.service, &state.videos);
    match runs.download(&key).await.map_err(app_error)? {
        Download::Redirect(url) => {
            let location = HeaderValue::from_str(&url)
                .map_err(|_| DetailError::from(AppError::Internal(format!("unusable URL for {key}"))))?;
            Ok((StatusCode::TEMPORARY_REDIRECT, [(LOCATION, location)]).into_response())
        }
        Download::Stream { key, reader } => {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(served_content_type(&key)));
            headers.insert(CONTENT_LENGTH, HeaderValue::from(reader.size));
            Ok((headers, Body::from_stream(ReaderStream::new(reader.body))).into_response())
        }
    }
}

/// The path that downloads `key` from this server, each segment percent-encoded so that any
/// key a video can have survives the trip.
pub fn file_path(key: &ObjectKey) -> String {
    let mut path = String::from(FILES_PREFIX);
    for (i, segment) in key.segments().enumerate() {
        if i > 0 {
            path.push('/');
        }
        for byte in segment.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                path.push(char::from(byte));
            } else {
                path.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::videos::key;

    #[test]
    fn links_encode_every_segment_and_keep_the_slashes() {
        assert_eq!(file_path(&key("videos/a/2026/01/1.mp4")), "/api/v1/files/videos/a/2026/01/1.mp4");
        assert_eq!(file_path(&key("videos/a b/ça?#%.mp4")), "/api/v1/files/videos/a%20b/%C3%A7a%3F%23%25.mp4");
    }
}
