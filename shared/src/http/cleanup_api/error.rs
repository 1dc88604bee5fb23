//! Seed 003's error: `{"success": false, "error": "…"}`, for the guards' refusals and for
//! anything the layers in front of the route refuse.

use crate::http::json::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppError;
use crate::http::body::InputError;

#[derive(Debug)]
pub struct CleanupError {
    pub status: StatusCode,
    pub message: String,
}

impl CleanupError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }
}

/// `success` first, as the seed writes it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CleanupErrorBody {
    #[schema(example = false)]
    pub success: bool,
    #[schema(example = "Invalid confirmation token required for this destructive operation")]
    pub error: String,
}

impl IntoResponse for CleanupError {
    fn into_response(self) -> Response {
        (self.status, Json(CleanupErrorBody { success: false, error: self.message })).into_response()
    }
}

impl From<AppError> for CleanupError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound(message) => Self::new(StatusCode::NOT_FOUND, message),
            AppError::Conflict(message) => Self::new(StatusCode::CONFLICT, message),
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

impl From<InputError> for CleanupError {
    fn from(err: InputError) -> Self {
        // The seed answers every malformed request with 400.
        let status = if err.status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { err.status };
        Self::new(status, err.message)
    }
}
