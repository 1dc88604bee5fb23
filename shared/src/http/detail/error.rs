//! The `/api/v1/…` families' errors (seeds 002, 003, 004): `{"detail": "…"}`, and for
//! validation a 422 with pydantic's list `{"detail": [{"loc", "msg", "type"}]}`. The bodies are
//! the types the OpenAPI document describes.

use crate::http::json::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppError;
use crate::http::body::InputError;

/// `{"detail": "…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DetailBody {
    #[schema(example = "Job not found: 550e8400-e29b-41d4-a716-446655440000")]
    pub detail: String,
}

/// `{"detail": [{"loc", "msg", "type"}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ValidationBody {
    pub detail: Vec<ValidationItem>,
}

/// One entry of a 422's `detail` list.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ValidationItem {
    /// Where: `["body", "scheduleConfig", "hours"]`; array indices are numbers.
    #[schema(example = json!(["body", "scheduleConfig", "hours"]))]
    pub loc: Vec<LocPart>,
    #[schema(example = "must be a non-negative integer")]
    pub msg: String,
    /// pydantic's error type, such as `value_error.missing`.
    #[serde(rename = "type")]
    #[schema(example = "value_error")]
    pub kind: String,
}

/// One step of a location: a field name, or an index into an array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LocPart {
    Name(String),
    Index(u64),
}

impl From<&str> for LocPart {
    fn from(name: &str) -> Self {
        Self::Name(name.to_owned())
    }
}

impl ValidationItem {
    pub fn new(loc: Vec<LocPart>, msg: impl Into<String>, kind: impl Into<String>) -> Self {
        Self { loc, msg: msg.into(), kind: kind.into() }
    }
}

#[derive(Debug)]
pub enum DetailError {
    Message(StatusCode, DetailBody),
    Validation(StatusCode, ValidationBody),
}

impl DetailError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self::Message(status, DetailBody { detail: message.into() })
    }

    /// A 422 listing every problem found.
    pub fn validation(items: Vec<ValidationItem>) -> Self {
        Self::Validation(StatusCode::UNPROCESSABLE_ENTITY, ValidationBody { detail: items })
    }
}

impl IntoResponse for DetailError {
    fn into_response(self) -> Response {
        match self {
            Self::Message(status, body) => (status, Json(body)).into_response(),
            Self::Validation(status, body) => (status, Json(body)).into_response(),
        }
    }
}

impl From<AppError> for DetailError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound(message) => Self::new(StatusCode::NOT_FOUND, message),
            AppError::Conflict(message) => Self::new(StatusCode::CONFLICT, message),
            AppError::Invalid { field, message } => Self::validation(vec![ValidationItem::new(
                vec!["body".into(), field.as_str().into()],
                message.as_str(),
                "value_error",
            )]),
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
            let loc = err.loc.iter().map(|part| LocPart::Name(part.clone())).collect();
            Self::Validation(
                err.status,
                ValidationBody { detail: vec![ValidationItem::new(loc, err.message, err.kind)] },
            )
        } else {
            Self::new(err.status, err.message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{InvalidField, Reason};

    async fn bytes_of(err: DetailError) -> String {
        let body = err.into_response().into_body();
        String::from_utf8(axum::body::to_bytes(body, 1 << 16).await.unwrap().to_vec()).unwrap()
    }

    /// The bodies are written exactly as the families always wrote them, key order included.
    #[tokio::test]
    async fn bodies_keep_their_bytes() {
        assert_eq!(bytes_of(DetailError::new(StatusCode::NOT_FOUND, "gone")).await, r#"{"detail":"gone"}"#);
        let item = ValidationItem::new(vec!["body".into(), "args".into(), LocPart::Index(1)], "bad", "value_error");
        assert_eq!(
            bytes_of(DetailError::validation(vec![item])).await,
            r#"{"detail":[{"loc":["body","args",1],"msg":"bad","type":"value_error"}]}"#
        );
        let page = AppError::invalid(InvalidField::Page, Reason::PageTooDeep);
        assert_eq!(
            bytes_of(DetailError::from(page)).await,
            r#"{"detail":[{"loc":["body","page"],"msg":"too deep for offset paging on this backend; follow nextCursor instead","type":"value_error"}]}"#
        );
    }
}
