//! `/redoc`: the OpenAPI document (`/openapi.json`) as a ReDoc page, for readers who prefer it to
//! the Swagger UI at `/docs`. ReDoc's bundle is vendored (shared/assets/redoc), embedded gzipped
//! and served beside the page, so the page works offline and tells no other host who reads it.

use axum::Router;
use axum::http::HeaderMap;
use axum::response::{Html, Response};
use axum::routing::get;

use super::gzipped::Gzipped;

pub const PAGE_PATH: &str = "/redoc";
pub const BUNDLE_PATH: &str = "/redoc/redoc.standalone.js";

const BUNDLE: Gzipped = Gzipped {
    content_type: "text/javascript; charset=utf-8",
    gzip: include_bytes!(concat!(env!("OUT_DIR"), "/redoc.standalone.js.gz")),
};

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jobsmith API</title>
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="/redoc/redoc.standalone.js"></script>
</body>
</html>
"#;

pub(super) fn routes() -> Router {
    Router::new().route(PAGE_PATH, get(page)).route(BUNDLE_PATH, get(bundle))
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

async fn bundle(headers: HeaderMap) -> Response {
    BUNDLE.respond(&headers)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use sha2::{Digest, Sha256};
    use tower::ServiceExt;

    use super::*;

    async fn get_from(path: &str) -> (StatusCode, String, Vec<u8>) {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = crate::http::docs_router().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
        let body = axum::body::to_bytes(response.into_body(), 4 << 20).await.unwrap().to_vec();
        (status, content_type, body)
    }

    #[tokio::test]
    async fn the_page_loads_the_document_and_the_bundle_from_this_server_only() {
        let (status, content_type, body) = get_from(PAGE_PATH).await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let html = String::from_utf8(body).unwrap();
        assert!(html.contains(r#"spec-url="/openapi.json""#), "{html}");
        assert!(html.contains(&format!(r#"src="{BUNDLE_PATH}""#)), "{html}");
        assert!(!html.contains("//"), "the page names no other host: {html}");
    }

    #[tokio::test]
    async fn the_bundle_is_the_vendored_redoc() {
        let (status, content_type, body) = get_from(BUNDLE_PATH).await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("text/javascript"), "{content_type}");
        assert_eq!(
            hex::encode(Sha256::digest(&body)),
            "dcaf76612bc4a3fbcc923a8966dee2f6146a5f32e5ce1b6f02dd60cbbf89500b",
            "redoc.standalone.js of redoc 2.5.4 (shared/assets/redoc/README.md)"
        );
    }
}
