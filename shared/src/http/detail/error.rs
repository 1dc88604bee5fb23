//! The `/api/v1/…` families' errors (seeds 002, 003, 004): `{"detail": "…"}`, and for
//! validation a 422 with pydantic's list `{"detail": [{"loc", "msg", "type"}]}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::app::AppError;
use crate::http::body::InputError;

#[derive(Debug)]
pub enum DetailError {
    Message(StatusCode, String),
    Validation(StatusCode, Vec<Value>),
}

impl DetailError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self::Message(status, message.into())
    }

    /// A 422 for one field of the body, e.g. `["body", "scheduleConfig", "hours"]`.
    pub fn validation(loc: &[&str], message: impl Into<String>, kind: &str) -> Self {
        Self::Validation(
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![json!({ "loc": loc, "msg": message.into(), "type": kind })],
        )
    }
}

impl IntoResponse for DetailError {
    fn into_response(self) -> Response {
        match self {
            Self::Message(status, message) => (status, Json(json!({ "detail": message }))).into_response(),
            Self::Validation(status, items) => (status, Json(json!({ "detail": items }))).into_response(),
        }
    }
}

impl From<AppError> for DetailError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound(message) => Self::new(StatusCode::NOT_FOUND, message),
            AppError::Conflict(message) => Self::new(StatusCode::CONFLICT, message),
            AppError::Invalid { field, message } => {
                let mut loc = vec!["body"];
                loc.extend(field.split('.').filter(|s| !s.is_empty()));
                Self::validation(&loc, message, "value_error")
            }
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            }
        }
    }
}

impl From<InputError> for DetailError {
    fn from(err: InputError) -> Self {
        if err.status == StatusCode::UNPROCESSABLE_ENTITY {
            Self::Validation(err.status, vec![json!({ "loc": err.loc, "msg": err.message, "type": err.kind })])
        } else {
            Self::new(err.status, err.message)
        }
    }
}
