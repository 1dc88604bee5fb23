//! Which error shape a path's family speaks, and the family-shaped answers for unknown routes,
//! wrong methods and panics.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::cleanup_api::{CleanupError, is_cleanup_path};
use super::detail::DetailError;
use super::scripts_api::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/api/…` but not `/api/v1/…` (the clip and script services): errors are `{"error": …}`.
    Api,
    /// `/api/v1/…` (the scraper, cleanup and scheduler services) and everything else: errors are
    /// `{"detail": …}`.
    ApiV1,
}

impl Family {
    pub fn of(path: &str) -> Self {
        let api = (path == "/api" || path.starts_with("/api/")) && !(path == "/api/v1" || path.starts_with("/api/v1/"));
        if api { Self::Api } else { Self::ApiV1 }
    }
}

/// An error in the shape of the family `path` belongs to. Seed 000's paths (`/api/jobs…`,
/// `/api/clips…`) carry `"success": false`, which its clients read before anything else, and so
/// does seed 003's cleanup.
pub fn error_for(path: &str, status: StatusCode, message: &str) -> Response {
    match Family::of(path) {
        Family::Api if path.starts_with("/api/jobs") || path.starts_with("/api/clips") => {
            ApiError::new(status, message).with_success().into_response()
        }
        Family::Api => ApiError::new(status, message).into_response(),
        Family::ApiV1 if is_cleanup_path(path) => CleanupError::new(status, message).into_response(),
        Family::ApiV1 => DetailError::new(status, message).into_response(),
    }
}

/// Seed 001's service answers an unknown path with its own words; the other families name it.
pub async fn not_found(request: Request) -> Response {
    let path = request.uri().path();
    let message = match Family::of(path) {
        Family::Api => "Endpoint not found".to_owned(),
        Family::ApiV1 => format!("Not found: {path}"),
    };
    error_for(path, StatusCode::NOT_FOUND, &message)
}

pub async fn method_not_allowed(request: Request) -> Response {
    let path = request.uri().path();
    let message = format!("Method {} not allowed on {path}", request.method());
    error_for(path, StatusCode::METHOD_NOT_ALLOWED, &message)
}

/// A panic must not take the connection down or leak its message: both families' keys, since
/// the panic handler does not see the path.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    internal_error()
}

/// A 500 for a failure that knows neither its path nor its family: both families' error keys at
/// once (each family's document describes its own half), and nothing of the cause.
pub fn internal_error() -> Response {
    const BODY: &str = r#"{"detail":"Internal server error","error":"Internal server error"}"#;
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], BODY)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_by_path() {
        assert_eq!(Family::of("/api/jobs"), Family::Api);
        assert_eq!(Family::of("/api/health"), Family::Api);
        assert_eq!(Family::of("/api/v1/scheduler/jobs"), Family::ApiV1);
        assert_eq!(Family::of("/api/v1"), Family::ApiV1);
        assert_eq!(Family::of("/api/v10"), Family::Api);
        assert_eq!(Family::of("/nope"), Family::ApiV1);
    }

    #[tokio::test]
    async fn a_panic_answers_in_both_shapes_without_its_message() {
        let response = panic_response(Box::new("secret detail"));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        assert_eq!(&bytes[..], br#"{"detail":"Internal server error","error":"Internal server error"}"#);
    }

    /// What the layers in front of every handler can answer is in each route's document, in the
    /// family's error shape: the auth layer's 401 and 403, the body limit's 413, the JSON body's
    /// 415, a panic's 500.
    #[test]
    fn every_route_documents_what_the_layers_answer() {
        use crate::domain::principal::Role;
        use crate::http::routes::{Access, ROUTES};

        let openapi = serde_json::to_value(crate::http::openapi()).unwrap();
        for route in ROUTES.iter().filter(|r| r.path.starts_with("/api/")) {
            let operation =
                &openapi["paths"][crate::http::documented_path(route.path)][route.method.to_ascii_lowercase()];
            let answers = &operation["responses"];
            let error_schema = match Family::of(route.path) {
                Family::Api if route.path.starts_with("/api/jobs") || route.path.starts_with("/api/clips") => {
                    "FlaggedErrorBody"
                }
                Family::Api => "ErrorBody",
                Family::ApiV1 if is_cleanup_path(route.path) => "CleanupErrorBody",
                Family::ApiV1 => "DetailBody",
            };
            let mut expected = Vec::new();
            if let Access::Requires(role) = route.access {
                expected.extend(["401", "500"]);
                if role != Role::Viewer {
                    expected.push("403");
                }
            }
            if operation.get("requestBody").is_some() {
                expected.extend(["413", "415"]);
            }
            if route.path.contains("{job_id}") {
                expected.push("404");
                let parameter = &operation["parameters"][0];
                assert_eq!(parameter["name"], "job_id", "{} {}", route.method, route.path);
                assert_eq!(parameter["schema"]["pattern"], "^[0-9A-Za-z._-]{1,64}$", "{} {}", route.method, route.path);
            }
            for status in expected {
                let schema = &answers[status]["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(
                    schema.as_str(),
                    Some(format!("#/components/schemas/{error_schema}").as_str()),
                    "{} {} does not document {status}",
                    route.method,
                    route.path
                );
            }
        }
    }
}
