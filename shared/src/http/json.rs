//! The JSON answer of every handler.
//!
//! axum's `Json` writes into a 128-byte buffer and grows it as it goes; a job's view is several
//! times that, and the copies made growing it were about 4 % of a `GET /api/job/{id}`.

use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::family;

/// Enough for one job's view, its executions' or an error's at once; a page of them grows from
/// here in a few steps.
const FIRST_BUFFER_BYTES: usize = 1024;

/// `T` written as the body, `Content-Type: application/json`.
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        Written(written(&self.0)).into_response()
    }
}

/// `value` as JSON, for an answer made once and sent many times ([`Written`]).
pub fn written<T: Serialize>(value: &T) -> Result<Bytes, serde_json::Error> {
    let mut body = Vec::with_capacity(FIRST_BUFFER_BYTES);
    serde_json::to_writer(&mut body, value)?;
    Ok(Bytes::from(body))
}

/// A body [`written`] before, sent as [`Json`] sends its value; a value that could not be
/// written is a 500 that names nothing.
pub struct Written(pub Result<Bytes, serde_json::Error>);

impl IntoResponse for Written {
    fn into_response(self) -> Response {
        match self.0 {
            Ok(body) => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response(),
            Err(err) => {
                tracing::error!(error = %err, "an answer could not be written as JSON");
                family::internal_error()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use std::collections::BTreeMap;

    async fn body_of(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_value_is_written_whole_whatever_its_size() {
        for size in [0, 10, FIRST_BUFFER_BYTES, 5 * FIRST_BUFFER_BYTES] {
            let value = serde_json::json!({ "text": "x".repeat(size), "n": [1, 2, 3] });
            let response = Json(&value).into_response();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
            let written: serde_json::Value = serde_json::from_str(&body_of(response).await).unwrap();
            assert_eq!(written, value);
        }
    }

    #[tokio::test]
    async fn a_value_json_cannot_hold_is_a_500_that_names_nothing() {
        // JSON object keys are strings: a map keyed by pairs cannot be written.
        let unwritable = BTreeMap::from([((1, 2), "secret detail")]);
        let response = Json(unwritable).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_of(response).await;
        assert!(!body.contains("secret") && !body.contains("key must be"), "{body}");
        assert_eq!(body, r#"{"detail":"Internal server error","error":"Internal server error"}"#);
    }
}
