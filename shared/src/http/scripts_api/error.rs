//! The `/api/…` family's errors (seeds 000 and 001): `{"error": …}`, with `"success": false`
//! on the routes of seed 000, whose clients read that flag. The bodies are the types the OpenAPI
//! document describes.

use crate::http::json::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::{AppError, InvalidField, Reason};
use crate::http::body::InputError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub with_success: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), with_success: false }
    }

    /// Seed 000's routes answer with `"success": false` beside the error.
    pub fn with_success(mut self) -> Self {
        self.with_success = true;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.with_success {
            (self.status, Json(FlaggedErrorBody { error: self.message, success: false })).into_response()
        } else {
            (self.status, Json(ErrorBody { error: self.message })).into_response()
        }
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound(message) => Self::new(StatusCode::NOT_FOUND, message),
            AppError::Conflict(message) => Self::new(StatusCode::CONFLICT, message),
            // Seed 001's service says it so.
            AppError::Invalid { field: InvalidField::RunDate, message: Reason::InThePast } => {
                Self::new(StatusCode::BAD_REQUEST, "run_date must be in the future")
            }
            AppError::Invalid { field, message } => {
                Self::new(StatusCode::BAD_REQUEST, format!("Invalid {field}: {message}"))
            }
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            }
        }
    }
}

impl From<InputError> for ApiError {
    fn from(err: InputError) -> Self {
        // Seed 001 documents 400 for every input problem, including wrong types.
        let status = if err.status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { err.status };
        let field = err.field();
        let message = if field.is_empty() { err.message } else { format!("Invalid {field}: {}", err.message) };
        Self::new(status, message)
    }
}

/// The error of seed 000's routes: always with `"success": false`, also when an extractor
/// rejects the request before the handler runs, because those clients read the flag first.
#[derive(Debug)]
pub struct FlaggedError(pub ApiError);

impl From<ApiError> for FlaggedError {
    fn from(err: ApiError) -> Self {
        Self(err.with_success())
    }
}

impl From<AppError> for FlaggedError {
    fn from(err: AppError) -> Self {
        ApiError::from(err).into()
    }
}

impl From<InputError> for FlaggedError {
    fn from(err: InputError) -> Self {
        ApiError::from(err).into()
    }
}

impl IntoResponse for FlaggedError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

/// Seed 001's error body.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ErrorBody {
    #[schema(example = "Job not found: data_backup_job")]
    pub error: String,
}

/// Seed 000's error body. `error` comes first, as the service has always written it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FlaggedErrorBody {
    #[schema(example = "Job not found")]
    pub error: String,
    #[schema(example = false)]
    pub success: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn bytes_of(err: impl IntoResponse) -> String {
        let body = err.into_response().into_body();
        String::from_utf8(axum::body::to_bytes(body, 1 << 16).await.unwrap().to_vec()).unwrap()
    }

    /// The bodies are written exactly as the family always wrote them, key order included.
    #[tokio::test]
    async fn bodies_keep_their_bytes() {
        let flagged = ApiError::new(StatusCode::NOT_FOUND, "Job not found").with_success();
        assert_eq!(bytes_of(flagged).await, r#"{"error":"Job not found","success":false}"#);
        assert_eq!(bytes_of(ApiError::new(StatusCode::BAD_REQUEST, "x")).await, r#"{"error":"x"}"#);
        let past = AppError::invalid(InvalidField::RunDate, Reason::InThePast);
        assert_eq!(bytes_of(ApiError::from(past)).await, r#"{"error":"run_date must be in the future"}"#);
        let cursor = AppError::invalid(InvalidField::Cursor, Reason::UnknownCursor);
        assert_eq!(bytes_of(ApiError::from(cursor)).await, r#"{"error":"Invalid cursor: invalid page cursor"}"#);
    }
}
